"""Each selected row stores its place on the public list; the lists already open or published are numbered here.

The numbering is the one review.selection.number_public_list does (kept here as it was written, so that
the migration does not change with the code).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


NUMBER = """
UPDATE review_selection AS s SET guide_id = n.guide_id, public_position = n.position, public_serial = n.serial
FROM (SELECT s2.id, d.guide_id,
             ROW_NUMBER() OVER (PARTITION BY d.guide_id ORDER BY dir."order", o.region, d.id) AS position,
             ROW_NUMBER() OVER (PARTITION BY d.guide_id, d.direction_id ORDER BY o.region, d.id) AS serial
      FROM review_selection s2
      JOIN declarations_declaration d ON d.id = s2.declaration_id
      JOIN declarations_organisation o ON o.id = d.organisation_id
      JOIN declarations_direction dir ON dir.id = d.direction_id
      JOIN review_reviewsettings c ON c.guide_id = d.guide_id
      WHERE c.notice_opened_at IS NOT NULL AND (c.published_at IS NULL OR d.state = 'selected')) n
WHERE s.id = n.id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('declarations', '0009_guide_data_version'),
        ('review', '0005_list_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='selection',
            name='guide',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='declarations.guide'),
        ),
        migrations.AddField(
            model_name='selection',
            name='public_position',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='selection',
            name='public_serial',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='selection',
            index=models.Index(fields=['guide', 'public_position'], name='selection_public_list_idx'),
        ),
        migrations.RunSQL(NUMBER, migrations.RunSQL.noop),
        # The planner's statistics for the new columns, so that it reads a page by the index at once.
        migrations.RunSQL("ANALYZE review_selection", migrations.RunSQL.noop),
    ]
