"""Change marks: the database itself notes which households' screening inputs changed.

Triggers on the four tables the rules read append the affected household ids to
``assessments_screeningmark`` whenever a watched column changes, whatever wrote it (forms, API,
the import pipeline's set-based SQL, admin, a hand-run UPDATE). On PostgreSQL they are
statement-level triggers with transition tables: a 50,000-row UPDATE costs one INSERT ... SELECT,
not 50,000 trigger calls. SQLite has row-level triggers only, which is fine at its scale.

The nightly pass over everyone then re-evaluates the marked households, plus those whose people
crossed an age cut-off or whose statuses began or ended since the last pass (the only inputs that
change with the calendar); see ``screening.sweep``. ``WATCHED`` must list every column the
signature reads: ``tests/assessments/test_marks.py`` checks it against ``screening.signature_sql``.
"""

from dataclasses import dataclass
from functools import partial

from .models import VagrantRecord
from .rules import Facts

PERSON = "households_person"
MARK = "assessments_screeningmark"


@dataclass(frozen=True)
class Watch:
    table: str
    columns: tuple[str, ...]
    # How to get household ids from a relation ``x`` of this table's rows.
    households: str
    on_delete: bool = False


WATCHED = (
    Watch(
        PERSON,
        ("household_id", "status", "sex", "birth_date", *Facts.PERSON_FIELDS),
        "SELECT x.household_id AS h FROM {x} x",
    ),
    Watch(
        "households_household",
        ("status", "housing", "safety_grade", "zero_employment"),
        "SELECT x.id AS h FROM {x} x",
    ),
    Watch(
        "households_assistancestatus",
        ("person_id", "kind", "start_date", "end_date"),
        f"SELECT p.household_id AS h FROM {{x}} x JOIN {PERSON} p ON p.id = x.person_id",
        on_delete=True,
    ),
    Watch(
        "assessments_vagrantrecord",
        ("person_id", "status", *VagrantRecord.CRITERIA),
        f"SELECT p.household_id AS h FROM {{x}} x JOIN {PERSON} p ON p.id = x.person_id",
        on_delete=True,
    ),
)


def _name(watch: Watch, event: str) -> str:
    return f"zs_mark_{watch.table.split('_', 1)[1]}_{event}"


def _insert(select: str) -> str:
    return f"INSERT INTO {MARK} (household_id) SELECT DISTINCT m.h FROM ({select}) m WHERE m.h IS NOT NULL"


def postgresql_sql(watches=WATCHED) -> tuple[list[str], list[str]]:
    """(create statements, drop statements) for PostgreSQL."""
    create, drop = [], []
    for w in watches:
        changed = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in w.columns)
        moved = (
            f"(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed})",
            f"(SELECT o.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed})",
        )
        events = {
            "insert": ("NEW TABLE AS new_rows", _insert(w.households.format(x="new_rows"))),
            "update": (
                "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                _insert(w.households.format(x=moved[0]) + " UNION ALL " + w.households.format(x=moved[1])),
            ),
        }
        if w.on_delete:
            events["delete"] = ("OLD TABLE AS old_rows", _insert(w.households.format(x="old_rows")))
        for event, (referencing, body) in events.items():
            name = _name(w, event)
            # EXECUTE: planned on each call. A static statement is planned once per session with
            # the first call's transition-table size; after a 0-row UPDATE that plan was a nested
            # loop, and a later 8,000-row UPDATE in the same session took 8 s instead of 0.03 s.
            create.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN EXECUTE $sql${body}$sql$; RETURN NULL; END $$"
            )
            create.append(f"DROP TRIGGER IF EXISTS {name} ON {w.table}")
            create.append(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {w.table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {name} ON {w.table}")
            drop.append(f"DROP FUNCTION IF EXISTS {name}()")
    return create, drop


def _sqlite_row(w: Watch, row: str) -> str:
    """INSERT the household of the NEW or OLD row (a one-row relation of the columns needed)."""
    cols = ", ".join(
        f"{row}.{c} AS {c}" for c in sorted({"id", "person_id", "household_id"} & {"id", *w.columns})
    )
    return _insert(w.households.format(x=f"(SELECT {cols})"))


def sqlite_sql(watches=WATCHED) -> tuple[list[str], list[str]]:
    """(create statements, drop statements) for SQLite (row-level triggers)."""
    create, drop = [], []
    for w in watches:
        one = partial(_sqlite_row, w)
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in w.columns)
        key = next((c for c in ("household_id", "person_id") if c in w.columns), "id")
        moved = f"NEW.{key} IS NOT OLD.{key}"
        events = {
            "insert": ("", one("NEW")),
            # The old row's household only when the row moved to another one.
            "update": (f"WHEN {changed}", one("NEW") + "; " + one("OLD") + f" AND {moved}"),
        }
        if w.on_delete:
            events["delete"] = ("", one("OLD"))
        for event, (when, body) in events.items():
            name = _name(w, event)
            create.append(f"DROP TRIGGER IF EXISTS {name}")
            create.append(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {w.table} FOR EACH ROW {when} BEGIN {body}; END"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {name}")
    return create, drop


def _statements(vendor: str) -> tuple[list[str], list[str]]:
    if vendor == "postgresql":
        return postgresql_sql()
    if vendor == "sqlite":
        return sqlite_sql()
    raise NotImplementedError(f"screening change marks need triggers for {vendor}")


def _tables_exist(connection) -> bool:
    tables = set(connection.introspection.table_names())
    return MARK in tables and all(w.table in tables for w in WATCHED)


def _run(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def before_migrate(sender, using="default", plan=None, **kwargs) -> None:
    """pre_migrate: take the triggers off while migrations run. On SQLite a table rebuild (any
    AlterField) would fail on, or silently drop, triggers that name the rebuilt table; on
    PostgreSQL a renamed or dropped column would break every write to the table."""
    from django.db import connections

    connection = connections[using]
    if plan and connection.vendor in ("postgresql", "sqlite") and _tables_exist(connection):
        _run(connection, _statements(connection.vendor)[1])


def after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: put the (current) triggers back, whatever the migrations changed."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor in ("postgresql", "sqlite") and _tables_exist(connection):
        _run(connection, _statements(connection.vendor)[0])


def uninstall(apps, schema_editor) -> None:
    for statement in _statements(schema_editor.connection.vendor)[1]:
        schema_editor.execute(statement, params=None)
