"""Writes to the summary rows. Registry services, imports and screening call these (through
households.hooks.households_written) inside their own transaction.

A write costs the households it touched, not their community: each household's part of the rows
is stored (``PersonTallyShare``: its persons per cell; ``HouseholdTallyShare``: where and how the
household itself was counted). ``apply_households`` takes the old shares out (DELETE ... RETURNING),
computes the new ones from the registry (INSERT ... SELECT ... RETURNING, index lookups by
household) and adds new minus old to the rows with one upsert per table
(``ON CONFLICT DO UPDATE SET n = n + excluded.n``). The rows stay the sums of their shares.

Concurrency (PostgreSQL; SQLite has one writer at a time): a writer of a few households takes a
shared advisory lock on their communities and an exclusive one on each household, in id order, so
two writers of one household diff one after the other (READ COMMITTED: the second's statements see
the first's committed shares and people) while writers of different households run side by side;
their upserts lock the rows in key order and add, so neither loses the other's difference nor hits
the key. A writer of many households (an import, a sweep) and a recount lock their communities
exclusively instead (no lock per household: the lock table is finite).

Full recounts (``rebuild``: ``rebuild_stats``, seed_demo, a full screening sweep) recompute every
share from the registry and every row as the sum of its shares, set-based.
"""

import datetime as dt
import time
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.utils import timezone

from core import bulk

from .models import HouseholdTally, HouseholdTallyShare, PersonTally, PersonTallyShare, TallyRun

LOCK_NAMESPACE = 0x5A5354  # "ZST": advisory locks of the summary rows, one per community
HOUSEHOLD_LOCK_NAMESPACE = 0x5A5348  # "ZSH": one per household
FEW_HOUSEHOLDS = 64  # up to this many: locked one by one, their communities shared
CHUNK = 2000
PERSON = "households_person"
HOUSEHOLD = "households_household"
DECISION = "assessments_groupdecision"
STATUS = "households_assistancestatus"


# Summary rows of the apps above stats (the employment survey's), redone with these by
# ``rebuild_stats``: they register here in their AppConfig.ready(), so stats imports none of them.
_full_rebuilds: list[Callable[[], object]] = []


def on_full_rebuild(callback: Callable[[], object]) -> None:
    if callback not in _full_rebuilds:
        _full_rebuilds.append(callback)


def rebuild_others() -> None:
    for callback in list(_full_rebuilds):
        callback()


def on_households_written(
    household_ids: list[int], *, communities: Iterable[int] = (), everyone=False
) -> None:
    if everyone:
        rebuild()
    else:
        apply_households(household_ids, communities=communities)


def apply_households(
    household_ids: Iterable[int], *, communities: Iterable[int] = (), on: dt.date | None = None
) -> None:
    """Replace these households' shares with fresh ones and add the difference to the rows.
    ``communities``: where they were before a move (the stored shares say it too; only locked).
    Communities named without any household are recounted."""
    ids = sorted({int(i) for i in household_ids if i})
    areas = {int(i) for i in communities if i}
    if not ids:
        refresh_communities(sorted(areas))
        return
    on = on or timezone.localdate()
    with transaction.atomic():
        _lock_households(ids, areas)
        for start in range(0, len(ids), CHUNK):
            _apply(ids[start : start + CHUNK], on)


def refresh_communities(community_ids: Iterable[int] | None, *, on: dt.date | None = None) -> None:
    """Recount the shares and rows of these communities (None: every community) as of ``on``."""
    on = on or timezone.localdate()
    ids = None if community_ids is None else sorted({int(i) for i in community_ids})
    if ids == []:
        return
    with transaction.atomic():
        _lock_communities(ids)
        if ids is None:
            _recount("", [], on)
        else:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                _recount(f" IN ({_marks(part)})", part, on)


def rebuild(*, on: dt.date | None = None) -> TallyRun:
    """Every community from scratch (``rebuild_stats``, the nightly sweep, seed_demo)."""
    started = time.perf_counter()
    on = on or timezone.localdate()
    _analyze_sources()
    refresh_communities(None, on=on)
    return TallyRun.objects.create(
        on=on,
        communities=PersonTally.objects.values("community_id").distinct().count(),
        seconds=round(time.perf_counter() - started, 3),
    )


def _analyze_sources() -> None:
    """Fresh planner statistics before a full recount. A first sweep writes a million group
    decisions and then recounts in the same transaction: planned on the empty table's statistics
    (and with autovacuum off or behind), the recount probed the decisions per person by a
    sequential scan and ran for over 13 minutes at 1M persons. ANALYZE inside the transaction
    counts its own new rows; it samples (~30,000 rows a table), about a second at 1M."""
    from assessments.models import GroupDecision
    from households.models import AssistanceStatus, Household, Person

    bulk.analyze(Person, Household, GroupDecision, AssistanceStatus)


# --- locks (PostgreSQL) ------------------------------------------------------------------------


def _lock_households(ids: list[int], areas: set[int]) -> None:
    if connection.vendor != "postgresql":
        return
    locked: set[int] = set()
    with connection.cursor() as cursor:
        if len(ids) <= FEW_HOUSEHOLDS:
            # Sorted arrays, one statement each: every writer takes its locks in the same order.
            bulk.advisory_locks(HOUSEHOLD_LOCK_NAMESPACE, ids)
        # Where the households are now and where their shares say they were counted; asked again
        # once locked, in case a writer of many households moved one meanwhile (then lock that too).
        while True:
            cursor.execute(
                f"SELECT community_id FROM {HOUSEHOLD} WHERE id = ANY(%s) UNION "
                f"SELECT community_id FROM {HouseholdTallyShare._meta.db_table} WHERE household_id = ANY(%s)",
                [ids, ids],
            )
            areas = areas | {row[0] for row in cursor.fetchall() if row[0]}
            if areas <= locked:
                return
            new = sorted(areas - locked)
            if len(ids) > FEW_HOUSEHOLDS:
                _lock_communities(new)
            else:
                bulk.advisory_locks(LOCK_NAMESPACE, new, shared=True)
            locked |= set(new)


def _lock_communities(ids: list[int] | None) -> None:
    """Exclusive: no other writer in these communities until this transaction ends."""
    if connection.vendor != "postgresql":
        return  # SQLite: one writer at a time anyway
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute("SELECT id FROM households_division WHERE level = 'community' ORDER BY id")
            ids = [row[0] for row in cursor.fetchall()]
    bulk.advisory_locks(LOCK_NAMESPACE, ids)


# --- one write: old shares out, new shares in, the difference onto the rows ----------------------


def _apply(ids: list[int], on: dt.date) -> None:
    person_share, household_share = PersonTallyShare._meta.db_table, HouseholdTallyShare._meta.db_table
    q = connection.ops.quote_name
    share_columns = f"household_id, town_id, community_id, {q('group')}, kind, person_status, persons, review"
    marks = _marks(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {person_share} WHERE household_id IN ({marks}) RETURNING {share_columns}", ids
        )
        old_cells = cursor.fetchall()
        sql, args = _shares_sql(f"p.household_id IN ({marks})", ids, on)
        cursor.execute(f"{sql} RETURNING {share_columns}", args)
        new_cells = cursor.fetchall()
        cursor.execute(
            f"DELETE FROM {household_share} WHERE household_id IN ({marks}) "
            "RETURNING household_id, town_id, community_id, status",
            ids,
        )
        old_marks = cursor.fetchall()
        cursor.execute(
            f"INSERT INTO {household_share} (household_id, town_id, community_id, status) "
            f"SELECT id, town_id, community_id, status FROM {HOUSEHOLD} WHERE id IN ({marks}) "
            "RETURNING household_id, town_id, community_id, status",
            ids,
        )
        new_marks = cursor.fetchall()
        _add(
            cursor,
            PersonTally,
            ["group", "kind", "person_status"],
            ["persons", "households", "review"],
            _person_deltas(old_cells, new_cells),
        )
        _add(cursor, HouseholdTally, ["status"], ["households"], _household_deltas(old_marks, new_marks))


def _person_deltas(old: list[tuple], new: list[tuple]) -> dict:
    """{(community, group, kind, status): [town, persons, households, review]} of new minus old."""
    deltas: dict[tuple, list[int]] = {}
    for sign, rows in ((-1, old), (1, new)):
        for _household, town, community, group, kind, status, persons, review in rows:
            d = deltas.setdefault((community, group, kind, status), [town, 0, 0, 0])
            d[1] += sign * persons
            d[2] += sign
            d[3] += sign * review
    return {k: v for k, v in deltas.items() if any(v[1:])}


def _household_deltas(old: list[tuple], new: list[tuple]) -> dict:
    deltas: dict[tuple, list[int]] = {}
    for sign, rows in ((-1, old), (1, new)):
        for _household, town, community, status in rows:
            deltas.setdefault((community, status), [town, 0])[1] += sign
    return {k: v for k, v in deltas.items() if v[1]}


def _add(cursor, model, keys: list[str], counts: list[str], deltas: dict) -> None:
    """One upsert adding the differences; rows in key order, so two writers never wait in a cycle.
    Rows that fall to 0 stay (deleting them could race with a writer adding to them); the
    selectors skip them and the next full recount drops them."""
    if not deltas:
        return
    q = connection.ops.quote_name
    table = model._meta.db_table
    columns = ["town_id", "community_id", *map(q, keys), *counts]
    rows = [[town, *key, *numbers] for key, (town, *numbers) in sorted(deltas.items())]
    values = ", ".join([f"({_marks(columns)})"] * len(rows))
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} "
        f"ON CONFLICT (community_id, {', '.join(map(q, keys))}) DO UPDATE SET {updates}",
        [value for row in rows for value in row],
    )


# --- recounts -----------------------------------------------------------------------------------


def _shares_sql(person_filter: str, args: list, on: dt.date) -> tuple[str, list]:
    """INSERT the person shares of the people matching ``person_filter`` (on ``p``; "" = all)."""
    q = connection.ops.quote_name
    true = "TRUE" if connection.vendor == "postgresql" else "1"
    where_p = f"WHERE {person_filter}" if person_filter else ""
    and_p = f"AND {person_filter}" if person_filter else ""
    insert = (
        f"INSERT INTO {PersonTallyShare._meta.db_table} (household_id, town_id, community_id, {q('group')}, "
        "kind, person_status, persons, review) "
        "SELECT p.household_id, p.town_id, p.community_id, g.grp, k.kind, p.status, COUNT(*), "
        f"SUM(CASE WHEN p.needs_review = {true} THEN 1 ELSE 0 END) "
    )
    group_by = "GROUP BY p.household_id, p.town_id, p.community_id, g.grp, k.kind, p.status"
    if person_filter and connection.vendor == "postgresql":
        # Each person's groups and kinds by index lookups (LATERAL): the cost is the people
        # matched. Joined as sets, the planner scanned every status in the city.
        return (
            f"{insert} FROM {PERSON} p "
            f"CROSS JOIN LATERAL (SELECT '' AS grp UNION ALL SELECT d.{q('group')} FROM {DECISION} d "
            "WHERE d.person_id = p.id AND d.active) g "
            "CROSS JOIN LATERAL (SELECT '' AS kind UNION SELECT s.kind FROM "
            f"{STATUS} s WHERE s.person_id = p.id AND (s.start_date IS NULL OR s.start_date <= %s) "
            f"AND (s.end_date IS NULL OR s.end_date > %s)) k {where_p} {group_by}",
            [on, on, *args],
        )
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
    return (
        f"{insert} FROM {PERSON} p JOIN ({groups}) g ON g.pid = p.id JOIN ({kinds}) k ON k.pid = p.id "
        f"{where_p} {group_by}",
        [*args, *args, *args, on, on, *args, *args],
    )


def _recount(community_in: str, args: list, on: dt.date) -> None:
    """Replace the shares and rows of the communities ``community_in`` ("" = all) with fresh ones."""
    q = connection.ops.quote_name
    where = f"WHERE community_id{community_in}" if community_in else ""
    person_tally, household_tally = PersonTally._meta.db_table, HouseholdTally._meta.db_table
    person_share, household_share = PersonTallyShare._meta.db_table, HouseholdTallyShare._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {person_share} {where}", args)
        sql, sql_args = _shares_sql(f"p.community_id{community_in}" if community_in else "", args, on)
        cursor.execute(sql, sql_args)
        cursor.execute(f"DELETE FROM {person_tally} {where}", args)
        cursor.execute(
            f"INSERT INTO {person_tally} (town_id, community_id, {q('group')}, kind, person_status, persons, "
            f"households, review) SELECT town_id, community_id, {q('group')}, kind, person_status, "
            f"SUM(persons), COUNT(*), SUM(review) FROM {person_share} {where} "
            f"GROUP BY town_id, community_id, {q('group')}, kind, person_status",
            args,
        )
        # A household's share is keyed by the household: also drop the one of a household that
        # is now here but was counted elsewhere (a move nobody reported).
        also = f" OR household_id IN (SELECT id FROM {HOUSEHOLD} {where})" if community_in else ""
        cursor.execute(f"DELETE FROM {household_share} {where}{also}", [*args, *args] if also else args)
        cursor.execute(
            f"INSERT INTO {household_share} (household_id, town_id, community_id, status) "
            f"SELECT id, town_id, community_id, status FROM {HOUSEHOLD} {where}",
            args,
        )
        cursor.execute(f"DELETE FROM {household_tally} {where}", args)
        cursor.execute(
            f"INSERT INTO {household_tally} (town_id, community_id, status, households) "
            f"SELECT town_id, community_id, status, COUNT(*) FROM {household_share} {where} "
            "GROUP BY town_id, community_id, status",
            args,
        )


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values))
