"""Push uptake rows (``UptakeTally``): recommendations per community, catalog item and funnel
status, so that the dashboards and /push/uptake/ never group the recommendations of a city.

Writes, inside the writer's transaction:

- a push (assistance.push) recounts the communities whose recommendations it may have written,
  or every community when it evaluated an item for everyone
  (``recount(None)``): one DELETE and one INSERT ... SELECT ... GROUP BY per 500 communities;
- a funnel step (assistance.services.recommendation_transition) adds -1 to the old status and +1
  to the new one (``step``) with one upsert;
- a household that moves (households.hooks, with ``communities``: where it was) recounts where it
  was and where it is: its recommendations move with it;
- ``rebuild_stats`` recounts everything.

Concurrency (PostgreSQL; SQLite has one writer at a time): a step holds the recommendation's row
(its conditional UPDATE) and then a shared advisory lock of its household's community; a recount
takes the exclusive lock of each community it replaces, after its own row writes. So steps in one
community run side by side (the upsert adds to the row under its row lock: no count is lost), a
recount waits for the steps in flight and the steps that follow wait for the recount, and no
writer waits for a lock while holding one the other waits for.

``raw_rows``: the same counts from the recommendations; the tests' oracle.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from core import bulk

from .models import UptakeTally

LOCK_NAMESPACE = 0x5A5355  # "ZSU": advisory locks of the uptake rows, one per community
CHUNK = 500
HOUSEHOLD = "households_household"
RECOMMENDATION = "assistance_recommendation"


# --- recounts -----------------------------------------------------------------------------------


def recount(community_ids: Iterable[int] | None) -> None:
    """Replace the rows of these communities (None: every community) with a fresh count."""
    ids = None if community_ids is None else sorted({int(i) for i in community_ids if i})
    if ids == []:
        return
    with transaction.atomic():
        _lock(ids)
        if ids is None:
            _replace("", [])
            return
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            _replace(f" IN ({_marks(part)})", part)


def _replace(community_in: str, args: list) -> None:
    """DELETE the rows of ``community_in`` ("" = all) and INSERT them again from a GROUP BY: by the
    community's households, then their recommendations (index on household, status, item)."""
    table, q = UptakeTally._meta.db_table, connection.ops.quote_name
    where = f"WHERE community_id{community_in}" if community_in else ""
    households = f"WHERE h.community_id{community_in}" if community_in else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} {where}", args)
        cursor.execute(
            f"INSERT INTO {table} (town_id, community_id, item_id, {q('status')}, n) "
            f"SELECT h.town_id, h.community_id, r.item_id, r.status, COUNT(*) FROM {HOUSEHOLD} h "
            f"JOIN {RECOMMENDATION} r ON r.household_id = h.id {households} "
            "GROUP BY h.town_id, h.community_id, r.item_id, r.status",
            args,
        )


def communities_of(household_ids: Iterable[int]) -> set[int]:
    ids = sorted({int(i) for i in household_ids if i})
    found: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            cursor.execute(
                f"SELECT DISTINCT community_id FROM {HOUSEHOLD} WHERE id IN ({_marks(part)})", part
            )
            found.update(row[0] for row in cursor.fetchall())
    return found


def on_households_written(household_ids, *, communities=(), everyone=False) -> None:
    """Registry writes: only a move changes where recommendations count (``communities``: where
    the households were). An edit passes its own community: one household still there is no
    move. Writers of everyone (seed, screening sweeps) move nobody and write no recommendation."""
    moved_from = {int(c) for c in communities if c}
    if everyone or not moved_from:
        return
    current = communities_of(household_ids)
    if len(set(household_ids)) == 1 and moved_from <= current:
        return
    recount(current | moved_from)


# --- one funnel step ----------------------------------------------------------------------------


def step(*, household_id: int, item_id: int, old: str, new: str) -> None:
    """A recommendation of this household and item moved from ``old`` to ``new`` (its conditional
    UPDATE is done, in this transaction): -1 and +1 on its community's rows."""
    if old == new:
        return
    with transaction.atomic():
        town, community = _lock_household_community(household_id)
        _add(town, community, item_id, {old: -1, new: 1})


def _lock_household_community(household_id: int) -> tuple[int, int]:
    """The household's (town, community) with a shared lock of the community held; asked again once
    locked, in case a move committed meanwhile (then that community is locked too)."""
    locked: set[int] = set()
    while True:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT town_id, community_id FROM {HOUSEHOLD} WHERE id = %s", [household_id])
            town, community = cursor.fetchone()
        if community in locked or connection.vendor != "postgresql":
            return town, community
        bulk.advisory_locks(LOCK_NAMESPACE, [community], shared=True)
        locked.add(community)


def _add(town: int, community: int, item_id: int, deltas: dict[str, int]) -> None:
    """One upsert, rows in key order. Rows that fall to 0 stay (the readers skip them; the next
    recount of the community drops them)."""
    table, q = UptakeTally._meta.db_table, connection.ops.quote_name
    rows = [[town, community, item_id, status, n] for status, n in sorted(deltas.items()) if n]
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (town_id, community_id, item_id, {q('status')}, n) VALUES {values} "
            f"ON CONFLICT (community_id, item_id, {q('status')}) DO UPDATE SET n = {table}.n + excluded.n",
            [value for row in rows for value in row],
        )


def _lock(ids: list[int] | None) -> None:
    """Exclusive locks of these communities (None: every community), in id order."""
    if connection.vendor != "postgresql":
        return
    if ids is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM households_division WHERE level = 'community' ORDER BY id")
            ids = [row[0] for row in cursor.fetchall()]
    bulk.advisory_locks(LOCK_NAMESPACE, ids)


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values))


# --- reads (``area``: stats.selectors.area_filter) ----------------------------------------------


def counts(area: Q, *fields: str) -> dict[tuple, int]:
    """{(*field values, status): n} over the area, e.g. ``counts(area, "item_id")``."""
    rows = UptakeTally.objects.filter(area, n__gt=0).values_list(*fields, "status")
    return {tuple(row[:-1]): row[-1] for row in rows.annotate(n=Sum("n")).order_by()}


# --- the oracle ---------------------------------------------------------------------------------


def raw_rows() -> dict[tuple, int]:
    """{(community, item, status): n} counted from the recommendations now."""
    from assistance.models import Recommendation

    rows = Recommendation.objects.values_list("household__community_id", "item_id", "status")
    return {tuple(row[:-1]): row[-1] for row in rows.annotate(n=Count("id")).order_by()}


def stored_rows() -> dict[tuple, int]:
    rows = UptakeTally.objects.exclude(n=0).values_list("community_id", "item_id", "status", "n")
    return {tuple(row[:-1]): row[-1] for row in rows}
