from django.db import migrations, models


def demote_extra_heads(apps, schema_editor):
    """Before the constraint: a household with two current heads keeps the earliest; the others
    become 其他 and are flagged 待核查 so a worker sets their real relation."""
    Person = apps.get_model("households", "Person")
    current_heads = Person.objects.filter(relation="head").exclude(status__in=("archived", "deceased"))
    seen = set()
    for pk, household_id in current_heads.order_by("household_id", "id").values_list("id", "household_id"):
        if household_id in seen:
            Person.objects.filter(pk=pk).update(relation="other", needs_review=True)
        seen.add(household_id)


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0005_status_date_indexes"),
    ]

    operations = [
        migrations.RunPython(demote_extra_heads, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                condition=models.Q(("relation", "head"), models.Q(("status__in", ("archived", "deceased")), _negated=True)),
                fields=("household",),
                name="one_head_per_household",
                violation_error_message="该家庭已有户主，请先修改原户主的关系。",
            ),
        ),
    ]
