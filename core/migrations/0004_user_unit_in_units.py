import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The unit model moved to the units app; its table did not (units 0001): state only."""

    dependencies = [
        ("core", "0003_export"),
        ("units", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="user",
                    name="unit",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="staff", to="units.unit", verbose_name="所属推荐单位"),
                ),
            ],
        ),
    ]
