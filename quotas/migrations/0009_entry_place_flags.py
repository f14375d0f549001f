"""Each list entry stores whether it leaves its list's places free (DCMM exemption or a child's extra quota) and
whether as an extra, so that the quota counter counts by index instead of joining declarations and
organisations (issue 14). The backfill computes them as quotas.queries.mark_places does."""

from django.db import migrations, models
from django.db.models import Exists, F, OuterRef, Q


def backfill(apps, schema_editor):
    Guide = apps.get_model("declarations", "Guide")
    QuotaRule = apps.get_model("quotas", "QuotaRule")
    ListEntry = apps.get_model("quotas", "ListEntry")
    for guide in Guide.objects.all():
        entries = ListEntry.objects.filter(rec_list__guide=guide)
        if not entries.exists():
            continue
        kinds = QuotaRule.objects.filter(guide=guide, through_parent=True).values("unit_kind")
        extra = Q(declaration__unit__kind__in=kinds) & ~Q(declaration__unit_id=F("rec_list__unit_id"))
        minimum = guide.quota_exempt_dcmm_min
        exempt = Q(pk__in=[]) if minimum is None else Q(declaration__organisation__dcmm_level__gte=minimum)
        same = ListEntry.objects.filter(pk=OuterRef("pk"))
        entries.update(place_free=Exists(same.filter(exempt | extra)), extra=Exists(same.filter(extra)))


class Migration(migrations.Migration):

    dependencies = [
        ('declarations', '0009_guide_data_version'),
        ('quotas', '0008_list_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='listentry',
            name='entry_recommended_idx',
        ),
        migrations.AddField(
            model_name='listentry',
            name='extra',
            field=models.BooleanField(default=False, verbose_name='另行推荐'),
        ),
        migrations.AddField(
            model_name='listentry',
            name='place_free',
            field=models.BooleanField(default=False, verbose_name='不占名额'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='listentry',
            index=models.Index(condition=models.Q(('recommended', True)), fields=['rec_list', 'place_free', 'extra'], name='entry_places_idx'),
        ),
    ]
