from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    """A reveal may concern a file (an import error report with clear ID numbers), not one person."""

    dependencies = [
        ("core", "0006_exportlog_status_choices"),
        ("households", "0005_status_date_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reveallog",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to="households.person",
                verbose_name="人员",
            ),
        ),
        migrations.AddField(
            model_name="reveallog",
            name="context",
            field=models.CharField(blank=True, default="", max_length=200, verbose_name="内容"),
        ),
    ]
