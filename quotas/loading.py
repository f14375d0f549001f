"""The quota part of a guide's data file: default quotas per unit kind and named unit overrides."""

from django.utils.translation import gettext as _

from core.audit import record
from units.models import Unit

from .models import QuotaRule, UnitGuideSetting
from .queries import mark_places


def on_guide_loaded(sender, *, guide, data, **kwargs):
    load_quotas(guide, data)


def load_quotas(guide, data):
    """Replace the guide's quota rules by data["quotas"]; apply data["unit_overrides"] to existing units.

    Overrides name units; an override for a unit that does not exist yet is skipped
    (the demo loader runs this again after it has created the units).
    """
    wanted = {q["unit_kind"]: (int(q["quota"]), bool(q.get("through_parent"))) for q in data.get("quotas") or []}
    unknown = set(wanted) - set(Unit.Kind.values)
    if unknown:
        raise ValueError(f"unknown unit kinds in quotas: {sorted(unknown)}")
    guide.quota_rules.exclude(unit_kind__in=wanted).delete()
    for kind, (quota, through_parent) in wanted.items():
        QuotaRule.objects.update_or_create(guide=guide, unit_kind=kind,
                                           defaults={"quota": quota, "through_parent": through_parent})
    mark_places(guide)  # a "through parent" kind changes which entries are extra
    overrides = data.get("unit_overrides") or []
    units = {u.name: u for u in Unit.objects.filter(name__in=[o["unit_name"] for o in overrides])}
    for override in overrides:
        unit = units.get(override["unit_name"])
        if unit is None:
            continue
        quota = int(override["quota"])
        setting, created = UnitGuideSetting.objects.get_or_create(
            guide=guide, unit=unit, defaults={"quota": quota, "reason": _("按指南数据文件设定")})
        if created or setting.quota != quota:
            old = None if created else setting.quota
            setting.quota = quota
            setting.reason = _("按指南数据文件设定")
            setting.save()
            record("quota.override", target=setting, summary=_("名额按指南数据设为 %(q)s") % {"q": quota},
                   reason=setting.reason, data={"unit": unit.pk, "guide": guide.pk, "from": old, "to": quota})


def on_guide_copied(sender, *, source, copy, **kwargs):
    copy_quotas(source=source, copy=copy)


def copy_quotas(*, source, copy):
    """Next year's guide starts with last year's quotas: the rules per unit kind and each unit's quota override.

    Deadline extensions are not copied: they answered last year's circumstances.
    """
    for rule in source.quota_rules.all():
        QuotaRule.objects.update_or_create(guide=copy, unit_kind=rule.unit_kind,
                                           defaults={"quota": rule.quota, "through_parent": rule.through_parent})
    for setting in source.unit_settings.filter(quota__isnull=False):
        UnitGuideSetting.objects.update_or_create(
            guide=copy, unit_id=setting.unit_id,
            defaults={"quota": setting.quota, "reason": _("复制自“%(g)s”") % {"g": source.title}})


def on_exemption_changed(sender, *, guide_id=None, organisation_id=None, **kwargs):
    """An organisation's DCMM level or a guide's threshold changed: write the stored quota flags of the entries
    concerned again (quotas.queries.mark_places), in the same transaction."""
    from declarations.models import Guide

    from .models import ListEntry

    entries = ListEntry.objects.all()
    if organisation_id is not None:
        entries = entries.filter(declaration__organisation_id=organisation_id)
    guides = Guide.objects.filter(pk=guide_id) if guide_id is not None else Guide.objects.filter(
        pk__in=entries.values("rec_list__guide_id"))
    for guide in guides:
        mark_places(guide, entries.filter(rec_list__guide=guide))
