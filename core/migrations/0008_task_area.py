"""Tasks about a household carry its town and community (issue 13): the area filter of every task
list reads the task row instead of joining through the households. Existing rows are filled by one
set-based UPDATE ... FROM (PostgreSQL, and SQLite 3.33 or later)."""

from django.db import migrations


def fill_task_areas(apps, schema_editor) -> None:
    task = apps.get_model("core", "Task")._meta.db_table
    household = apps.get_model("households", "Household")._meta.db_table
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(task)} SET town_id = h.town_id, community_id = h.community_id "
            f"FROM {quote(household)} h WHERE h.id = {quote(task)}.household_id"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_reveallog_report_context"),
        ("households", "0011_updated_at_indexes_for_push"),
    ]

    operations = [migrations.RunPython(fill_task_areas, migrations.RunPython.noop, elidable=True)]
