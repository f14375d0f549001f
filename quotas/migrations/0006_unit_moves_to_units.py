import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Unit and GroupMembership now live in the units app (units 0001) on the same tables: state only."""

    dependencies = [
        ("core", "0004_user_unit_in_units"),
        ("declarations", "0006_declaration_unit_in_units"),
        ("quotas", "0005_one_unit_per_division"),
        ("units", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="recommendationlist",
                    name="unit",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                            related_name="recommendation_lists", to="units.unit"),
                ),
                migrations.AlterField(
                    model_name="lettersequence",
                    name="unit",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                            related_name="letter_sequences", to="units.unit"),
                ),
                migrations.AlterField(
                    model_name="unitguidesetting",
                    name="unit",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                            related_name="guide_settings", to="units.unit"),
                ),
                migrations.DeleteModel(name="GroupMembership"),
                migrations.DeleteModel(name="Unit"),
            ],
        ),
    ]
