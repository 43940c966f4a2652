"""Writes to the summary rows. Registry services, imports and screening call these (through
households.hooks.households_written) inside their own transaction.

Each call recomputes the rows of whole communities with two GROUP BY statements over the
community's people (index ``person_community_id``): exact by construction, whatever the change
was, and its cost is the size of one community, not of the city. On PostgreSQL a transaction
takes an advisory lock per community first, so two writers in one community recompute one after
the other and the second sees the first's committed rows (READ COMMITTED: a new snapshot per
statement).
"""

import datetime as dt
import time
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from .models import HouseholdTally, PersonTally, TallyRun

LOCK_NAMESPACE = 0x5A5354  # "ZST": advisory locks of the summary rows, one per community
PERSON = "households_person"
HOUSEHOLD = "households_household"
DECISION = "assessments_groupdecision"
STATUS = "households_assistancestatus"


def on_households_written(
    household_ids: list[int], *, communities: Iterable[int] = (), everyone=False
) -> None:
    if everyone:
        rebuild()
    else:
        refresh_households(household_ids, communities=communities)


def refresh_households(household_ids: Iterable[int], *, communities: Iterable[int] = ()) -> list[int]:
    """Recompute the communities of these households (and ``communities``: where they were)."""
    ids = sorted({int(i) for i in household_ids if i})
    areas = {int(i) for i in communities if i}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            cursor.execute(
                f"SELECT DISTINCT community_id FROM {HOUSEHOLD} WHERE id IN ({', '.join(['%s'] * len(part))})",
                part,
            )
            areas.update(row[0] for row in cursor.fetchall())
    refresh_communities(sorted(areas))
    return sorted(areas)


def refresh_communities(community_ids: Iterable[int] | None, *, on: dt.date | None = None) -> None:
    """Recompute the rows of these communities (None: every community) as of ``on`` (today)."""
    on = on or timezone.localdate()
    ids = None if community_ids is None else sorted({int(i) for i in community_ids})
    if ids == []:
        return
    with transaction.atomic():
        _lock(ids)
        if ids is None:
            _recompute("", [], on)
        else:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                _recompute(f" IN ({', '.join(['%s'] * len(part))})", part, on)


def rebuild(*, on: dt.date | None = None) -> TallyRun:
    """Every community from scratch (``rebuild_stats``, the nightly sweep, seed_demo)."""
    started = time.perf_counter()
    on = on or timezone.localdate()
    refresh_communities(None, on=on)
    return TallyRun.objects.create(
        on=on,
        communities=PersonTally.objects.values("community_id").distinct().count(),
        seconds=round(time.perf_counter() - started, 3),
    )


def _lock(ids: list[int] | None) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: one writer at a time anyway
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute("SELECT id FROM households_division WHERE level = 'community' ORDER BY id")
            ids = [row[0] for row in cursor.fetchall()]
        for community_id in ids:  # in id order: two writers never wait for each other in a cycle
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, community_id])


def _recompute(community_in: str, args: list, on: dt.date) -> None:
    """Replace the rows of the communities ``community_in`` ("" = all) with fresh counts."""
    q = connection.ops.quote_name
    where = f"WHERE community_id{community_in}" if community_in else ""
    where_p = f"WHERE p.community_id{community_in}" if community_in else ""
    and_p = f"AND p.community_id{community_in}" if community_in else ""
    true = "TRUE" if connection.vendor == "postgresql" else "1"
    person_tally, household_tally = PersonTally._meta.db_table, HouseholdTally._meta.db_table
    # Each person counts once with group "" and once per group they are in; once with kind ""
    # and once per kind of assistance current on ``on``: the join gives every (group, kind) cell.
    groups = (
        f"SELECT p.id AS pid, '' AS grp FROM {PERSON} p {where_p} "
        f"UNION ALL SELECT d.person_id, d.{q('group')} FROM {DECISION} d "
        f"JOIN {PERSON} p ON p.id = d.person_id WHERE d.active = {true} {and_p}"
    )
    kinds = (
        f"SELECT p.id AS pid, '' AS kind FROM {PERSON} p {where_p} "
        f"UNION ALL SELECT DISTINCT s.person_id, s.kind FROM {STATUS} s JOIN {PERSON} p ON p.id = s.person_id "
        f"WHERE (s.start_date IS NULL OR s.start_date <= %s) AND (s.end_date IS NULL OR s.end_date > %s) {and_p}"
    )
    insert = (
        f"INSERT INTO {person_tally} (town_id, community_id, {q('group')}, kind, person_status, persons, "
        "households, review) "
        "SELECT p.town_id, p.community_id, g.grp, k.kind, p.status, COUNT(*), COUNT(DISTINCT p.household_id), "
        f"SUM(CASE WHEN p.needs_review = {true} THEN 1 ELSE 0 END) "
    )
    group_by = "GROUP BY p.town_id, p.community_id, g.grp, k.kind, p.status"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {person_tally} {where}", args)
        if community_in and connection.vendor == "postgresql":
            # Each person's groups and kinds by index lookups (LATERAL): the cost is the
            # community's size. Joined as sets, the planner scanned every status in the city.
            cursor.execute(
                f"{insert} FROM {PERSON} p "
                f"CROSS JOIN LATERAL (SELECT '' AS grp UNION ALL SELECT d.{q('group')} FROM {DECISION} d "
                "WHERE d.person_id = p.id AND d.active) g "
                "CROSS JOIN LATERAL (SELECT '' AS kind UNION SELECT s.kind FROM "
                f"{STATUS} s WHERE s.person_id = p.id AND (s.start_date IS NULL OR s.start_date <= %s) "
                f"AND (s.end_date IS NULL OR s.end_date > %s)) k {where_p} {group_by}",
                [on, on, *args],
            )
        else:
            cursor.execute(
                f"{insert} FROM {PERSON} p JOIN ({groups}) g ON g.pid = p.id JOIN ({kinds}) k ON k.pid = p.id "
                f"{where_p} {group_by}",
                [*args, *args, *args, on, on, *args, *args],
            )
        cursor.execute(f"DELETE FROM {household_tally} {where}", args)
        cursor.execute(
            f"INSERT INTO {household_tally} (town_id, community_id, status, households) "
            f"SELECT town_id, community_id, status, COUNT(*) FROM {HOUSEHOLD} {where} "
            "GROUP BY town_id, community_id, status",
            args,
        )
