"""The person's birth date on the targets' summary rows, so the targets list sorted by age walks
one partial index per basis and stops after a page (issue #15)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    """Set-based: one UPDATE ... FROM (PostgreSQL; SQLite 3.33+)."""
    schema_editor.execute(
        "UPDATE employment_targetshare SET birth = p.birth_date "
        "FROM households_person p WHERE p.id = employment_targetshare.person_id"
    )
    # A row whose person is gone (no database constraint): the next write or rebuild drops it.
    schema_editor.execute("DELETE FROM employment_targetshare WHERE birth IS NULL")


def first_fill(apps, schema_editor):
    """A database that ran 0002 before its fill moved here has rows (filled above); one that
    did not is filled now, once (a write adds differences to the rows, so they must match the
    registry from the start), by the service's set-based rebuild rather than a copy of it. Last:
    on PostgreSQL no ALTER TABLE may follow inserts in the same transaction."""
    Household = apps.get_model("households", "Household")
    TargetShare = apps.get_model("employment", "TargetShare")
    if not Household.objects.exists() or TargetShare.objects.exists():
        return
    from employment.tallies import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("employment", "0002_survey_tallies"),
        ("households", "0011_updated_at_indexes_for_push"),
        ("assessments", "0007_decision_updated_ended_indexes"),  # the targets read group decisions
    ]

    operations = [
        migrations.AddField(
            model_name="targetshare",
            name="birth",
            field=models.DateField(null=True, verbose_name="出生日期"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="targetshare",
            name="birth",
            field=models.DateField(verbose_name="出生日期"),
        ),
        migrations.AddIndex(
            model_name="targetshare",
            index=models.Index(
                condition=models.Q(("dibao", True)), fields=["-birth", "-person"], name="employment_target_dibao_age"
            ),
        ),
        migrations.AddIndex(
            model_name="targetshare",
            index=models.Index(
                condition=models.Q(("dibian", True)), fields=["-birth", "-person"], name="employment_target_dibian_age"
            ),
        ),
        migrations.AddIndex(
            model_name="targetshare",
            index=models.Index(
                condition=models.Q(("unemployed", True)),
                fields=["-birth", "-person"],
                name="employment_target_jobless_age",
            ),
        ),
        migrations.RunPython(first_fill, migrations.RunPython.noop),
    ]
