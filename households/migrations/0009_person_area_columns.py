"""Town and community on the person row (copies of the household's), with the indexes that lists
and searches use, so that a million-person list filters and pages without a join."""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models

FILL = (
    "UPDATE households_person SET "
    "town_id = (SELECT h.town_id FROM households_household h WHERE h.id = households_person.household_id), "
    "community_id = (SELECT h.community_id FROM households_household h "
    "WHERE h.id = households_person.household_id)"
)


class Migration(migrations.Migration):
    dependencies = [("households", "0008_household_size_range")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="town",
            field=models.ForeignKey(
                editable=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="households.division",
                verbose_name="镇街",
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="community",
            field=models.ForeignKey(
                editable=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="households.division",
                verbose_name="村（社区）",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="person",
            name="town",
            field=models.ForeignKey(
                editable=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="households.division",
                verbose_name="镇街",
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="community",
            field=models.ForeignKey(
                editable=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="households.division",
                verbose_name="村（社区）",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["town", "id"], name="person_town_id"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["community", "id"], name="person_community_id"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                django.db.models.functions.text.Substr("name", 2), name="person_given_name"
            ),
        ),
    ]
