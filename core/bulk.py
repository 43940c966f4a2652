"""Set-based writes on PostgreSQL: many rows in one statement, with their history rows.

Django's bulk_create builds one placeholder per value and psycopg quotes each value client-side;
simple-history's bulk_history_create then builds a model instance per row. For tens of thousands
of rows both cost seconds. Here each column travels as one array literal and the history rows
are written by the same statement (a writable CTE), so the cost is PostgreSQL's own.
"""

import datetime as dt
import json
from collections.abc import Iterable

from django.db import connection, models

_TYPES = {
    "AutoField": "integer",
    "BigAutoField": "bigint",
    "BigIntegerField": "bigint",
    "IntegerField": "integer",
    "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "smallint",
    "SmallIntegerField": "smallint",
    "ForeignKey": "bigint",
    "OneToOneField": "bigint",
    "BooleanField": "boolean",
    "DateField": "date",
    "DateTimeField": "timestamptz",
    "FloatField": "double precision",
    "DecimalField": "numeric",
    "UUIDField": "uuid",
    "TimeField": "time",
    "DurationField": "interval",
    "JSONField": "jsonb",
    "CharField": "text",
    "TextField": "text",
    "SlugField": "text",
    "EmailField": "text",
    "URLField": "text",
}


def pg_array(values: Iterable) -> str:
    """A PostgreSQL array literal, to pass as one text parameter cast with ``::type[]``.

    Django's psycopg cursor binds client-side: a Python list parameter is quoted element by
    element by psycopg's generic array dumper, which costs seconds for 100,000 elements. Plain
    string building of the same literal costs milliseconds.
    """
    parts = []
    for v in values:
        if v is None:
            parts.append("NULL")
        elif v is True or v is False:
            parts.append("t" if v else "f")
        elif isinstance(v, int):
            parts.append(str(v))
        else:
            text = v.isoformat() if isinstance(v, dt.date) else str(v)
            parts.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(parts) + "}"


def pg_type(field) -> str:
    kind = field.get_internal_type()
    if kind == "ForeignKey":
        return (
            pg_type(field.target_field)
            if field.target_field.get_internal_type() != "AutoField"
            else "integer"
        )
    return _TYPES.get(kind, "text")


def insert(model, objects: list, *, skip_conflicts: bool = False, history_date=None) -> int:
    """INSERT ``objects`` (unsaved instances) in one statement; returns the number inserted.

    ``skip_conflicts``: ON CONFLICT DO NOTHING (rows that would break a unique constraint are
    left out, and get no history row). ``history_date``: also write a "+" history row for each
    row inserted (the model must have simple-history's ``history``). PostgreSQL only.
    """
    if not objects:
        return 0
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    for f in fields:
        if getattr(f, "generated", False) or getattr(f, "db_default", None) is not models.NOT_PROVIDED:
            raise NotImplementedError(f"core.bulk cannot write {f} (database-computed value)")
        if f.get_internal_type() == "JSONField" and f.encoder is not None:
            raise NotImplementedError(f"core.bulk cannot write {f} (custom JSON encoder)")
    columns, casts, params = [], [], []
    for f in fields:
        values = [f.pre_save(obj, add=True) for obj in objects]
        kind = pg_type(f)
        if kind == "jsonb":
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
            casts.append("%s::text[]")
        else:
            casts.append(f"%s::{kind}[]")
        columns.append(quote(f.column))
        params.append(pg_array(values))
    names = [f"c{i}" for i in range(len(fields))]
    select = ", ".join(
        f"u.{n}::jsonb" if pg_type(f) == "jsonb" else f"u.{n}" for f, n in zip(fields, names, strict=True)
    )
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {select} FROM unnest({', '.join(casts)}) AS u({', '.join(names)})"
        + (" ON CONFLICT DO NOTHING" if skip_conflicts else "")
    )
    if history_date is not None:
        history = model.history.model._meta
        own = {f.column for f in meta.concrete_fields}
        targets, sources = [], []
        for f in history.concrete_fields:
            if f.column == "history_id":
                continue
            targets.append(quote(f.column))
            if f.column in own:
                sources.append(f"new.{quote(f.column)}")
            elif f.column == "history_date":
                sources.append("%s::timestamptz")
            elif f.column == "history_type":
                sources.append("'+'")
            else:  # history_change_reason, history_user_id
                sources.append("NULL")
        sql = (
            f"WITH new AS ({sql} RETURNING *) "
            f"INSERT INTO {quote(history.db_table)} ({', '.join(targets)}) SELECT {', '.join(sources)} FROM new"
        )
        params.append(history_date)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def analyze(*models_) -> None:
    """Fresh planner statistics for these tables after a bulk write, inside the writer's own
    transaction (ANALYZE counts the transaction's uncommitted rows). What follows a first full
    sweep (summary recounts, the visit schedule) joins a million new group decisions: planned on
    the statistics of the empty table, with autovacuum off or behind, such a statement probed the
    table row by row for many minutes. Samples ~30,000 rows a table: about a second at 1M."""
    if connection.vendor != "postgresql":
        return
    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models_)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {names}")


def analyze_stale(*models_) -> None:
    """ANALYZE those of these tables that changed by more than a tenth since their last analysis
    (or never had one); one cheap catalogue query when none did. For loops of committed batches
    (a first sweep of a million people): without it, on a fresh database with autovacuum off or
    behind, every batch after the first planned on an empty table."""
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) AND ("
            "coalesce(last_analyze, last_autoanalyze) IS NULL "
            "OR n_mod_since_analyze > 0.1 * greatest(n_live_tup, 1000))",
            [tables],
        )
        stale = [row[0] for row in cursor.fetchall()]
        if stale:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in stale))


def advisory_locks(namespace: int, keys: Iterable[int], *, shared: bool = False) -> None:
    """PostgreSQL transaction-level advisory locks on ``(namespace, key)`` for every key, taken in
    ascending key order by one statement (so two writers never wait for each other in a cycle, and
    a writer of many keys pays one round trip, not one per key). No-op elsewhere: SQLite has one
    writer at a time."""
    ids = sorted({int(k) for k in keys})
    if connection.vendor != "postgresql" or not ids:
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count({function}(%s, k)) FROM (SELECT k FROM unnest(%s::int[]) AS k ORDER BY k) s",
            [namespace, ids],
        )
