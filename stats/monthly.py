"""Monthly flows and group stock per community: the managers' dashboards (issue #14) read these
rows instead of grouping millions of visits, needs and decisions.

Writes: the services that change visits, activities and needs (visits/services.py,
assistance/services.py) and every writer of the registry and of group decisions (through
households.hooks.households_written: registry services, imports, the screening sweep) call
``refresh`` for the communities they touched, inside their own transaction. ``refresh`` recomputes
the rows of whole communities for the families asked, set-based (one GROUP BY per metric over the
community's records): exact whatever the change was (a visit's date moved to another month, a
need reopened, a household moved away), at the cost of one community, not of the city. An
advisory lock per community (PostgreSQL) makes two writers in one community recompute one after
the other; READ COMMITTED gives the second a snapshot that holds the first's rows.

Past months' group stock (persons in each group at a month's end) is a snapshot: written on the
1st by the beat task ``stats.tasks.snapshot_last_month`` and for every past month by
``rebuild_stats``, from the dated stays in groups (GroupDecision decided_at .. ended_at), so it
equals what the raw query gives for that day.

``raw_*``: the same figures counted from the records; the tests' oracle.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core import bulk

from .models import GroupStock, MonthlyTally

LOCK_NAMESPACE = 0x5A534D  # "ZSM": advisory locks of the monthly rows, one per community

VISITS, NEEDS, GROUPS = "visits", "needs", "groups"
FAMILIES = {
    VISITS: ("visits", "service", "activity"),
    NEEDS: ("need_collected", "need_met", "need_days", "need_closed"),
    GROUPS: ("group_new", "group_exit"),
}
ALL = tuple(FAMILIES)


def _month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


# ---------------------------------------------------------------------------------------------
# The counts of each metric, per (town, community, month, key), for some communities


def _in_months(column: str, months: list[dt.date] | None, *, dated: bool = False) -> Q:
    """Records whose ``column`` falls in one of ``months`` (None: any month); ``dated``: a
    date column, else a datetime counted by its local day."""
    if months is None:
        return Q()
    from assessments.selectors import end_of_day, start_of_day

    q = Q()
    for first in months:
        last = _month_end(first)
        if dated:
            q |= Q(**{f"{column}__gte": first, f"{column}__lte": last})
        else:
            q |= Q(**{f"{column}__gte": start_of_day(first), f"{column}__lt": end_of_day(last)})
    return q


def _visit_counts(ids: list[int] | None, months: list[dt.date] | None = None):
    from visits.choices import ACTIVITY_SERVICE
    from visits.models import Activity, Visit, VisitService

    m = TruncMonth("visited_on")
    visits = Visit.objects.filter(_area("household__", ids), _in_months("visited_on", months, dated=True))
    yield from (
        ("visits", t, c, mo, "", n)
        for t, c, mo, n in visits.annotate(m=m)
        .values_list("household__town_id", "household__community_id", "m")
        .annotate(n=Count("id"))
        .order_by()
    )
    services = VisitService.objects.filter(visit__in=visits).annotate(m=TruncMonth("visit__visited_on"))
    yield from (
        ("service", t, c, mo, s, n)
        for t, c, mo, s, n in services.values_list(
            "visit__household__town_id", "visit__household__community_id", "m", "service"
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    # An activity counts its registered participants and its others under one service.
    activities = Activity.objects.filter(_area("", ids), _in_months("held_on", months, dated=True))
    per = defaultdict(int)
    rows = activities.annotate(m=TruncMonth("held_on")).values_list("town_id", "community_id", "m", "kind")
    for t, c, mo, kind, n in rows.annotate(n=Count("participants")).order_by():
        per[(t, c, mo, ACTIVITY_SERVICE[kind])] += n
    for t, c, mo, kind, n in rows.annotate(n=Sum("other_count")).order_by():
        per[(t, c, mo, ACTIVITY_SERVICE[kind])] += n or 0
    yield from (("activity", *k, n) for k, n in per.items() if n)


def _need_counts(ids: list[int] | None, months: list[dt.date] | None = None):
    from assistance.choices import NeedStatus
    from assistance.models import Need

    needs = Need.objects.filter(_area("household__", ids))
    where = ("household__town_id", "household__community_id")
    for metric, column, extra, key in (
        ("need_collected", "recorded_at", Q(), None),
        ("need_met", "met_on", Q(met_on__isnull=False), None),
        ("need_days", "met_on", Q(met_on__isnull=False, days_to_meet__isnull=False), "days_to_meet"),
        ("need_closed", "changed_at", Q(status=NeedStatus.CLOSED_UNMET, changed_at__isnull=False), None),
    ):
        fields = [*where, "m", *([key] if key else [])]
        when = _in_months(column, months, dated=column == "met_on")
        rows = (
            needs.filter(extra, when)
            .annotate(m=TruncMonth(column))
            .values_list(*fields)
            .annotate(n=Count("id"))
        )
        for row in rows.order_by():
            t, c, mo = row[0], row[1], row[2]
            yield (metric, t, c, mo, str(row[3]) if key else "", row[-1])


def _group_counts(ids: list[int] | None, months: list[dt.date] | None = None):
    from assessments.models import GroupDecision

    decisions = GroupDecision.objects.filter(_area("person__household__", ids))
    where = ("person__household__town_id", "person__household__community_id")
    for metric, column in (("group_new", "decided_at"), ("group_exit", "ended_at")):
        rows = (
            decisions.filter(_in_months(column, months), **{f"{column}__isnull": False})
            .annotate(m=TruncMonth(column))
            .values_list(*where, "m", "group")
            .annotate(n=Count("id"))
            .order_by()
        )
        yield from ((metric, *row) for row in rows)


COUNTERS = {VISITS: _visit_counts, NEEDS: _need_counts, GROUPS: _group_counts}


def _area(prefix: str, ids: list[int] | None) -> Q:
    return Q() if ids is None else Q(**{f"{prefix}community_id__in": ids})


# ---------------------------------------------------------------------------------------------
# Writes


def refresh(
    community_ids: Iterable[int] | None, families: Iterable[str] = ALL, months: Iterable | None = None
) -> None:
    """Recompute the monthly rows (and the current group stock, with GROUPS) of these
    communities (None: every community) for ``families``; ``months`` (dates in them) narrows
    the recount to those months' cells, so a visit costs one community-month, not its history."""
    months = None if months is None else sorted({_month(m) for m in months if m})
    ids = None if community_ids is None else sorted({int(i) for i in community_ids if i})
    if ids == []:
        return
    families = tuple(families)
    with transaction.atomic():
        _lock(ids)
        for start in range(0, 1 if ids is None else len(ids), 500):
            part = None if ids is None else ids[start : start + 500]
            for family in families:
                _replace(family, part, months)
            if GROUPS in families:
                _replace_stock(part, None)


def _replace(family: str, ids: list[int] | None, months: list[dt.date] | None = None) -> None:
    rows = MonthlyTally.objects.filter(metric__in=FAMILIES[family])
    if ids is not None:
        rows = rows.filter(community_id__in=ids)
    if months is not None:
        rows = rows.filter(month__in=months)
    rows.delete()
    fresh = [
        MonthlyTally(town_id=t, community_id=c, month=_month(mo), metric=metric, key=key or "", n=n)
        for metric, t, c, mo, key, n in COUNTERS[family](ids, months)
        if c is not None and n
    ]
    MonthlyTally.objects.bulk_create(_merged(fresh), batch_size=2000)


def _merged(rows: list[MonthlyTally]) -> list[MonthlyTally]:
    """One row per key: TruncMonth of two local days can meet in one month twice on SQLite."""
    merged: dict[tuple, MonthlyTally] = {}
    for row in rows:
        k = (row.community_id, row.metric, row.month, row.key)
        if k in merged:
            merged[k].n += row.n
        else:
            merged[k] = row
    return list(merged.values())


def _replace_stock(ids: list[int] | None, month: dt.date | None) -> None:
    """The persons and households in each group of these communities, now (month None) or at
    the end of ``month``, from the dated stays (assessments.selectors.placed_on_q)."""
    rows = GroupStock.objects.filter(month=month) if month else GroupStock.objects.filter(month__isnull=True)
    if ids is not None:
        rows = rows.filter(community_id__in=ids)
    rows.delete()
    GroupStock.objects.bulk_create(_stock_rows(ids, month), batch_size=2000)


def _stock_rows(ids: list[int] | None, month: dt.date | None) -> list[GroupStock]:
    from assessments.models import GroupDecision
    from assessments.selectors import placed_on_q

    day = timezone.localdate() if month is None else _month_end(month)
    placed = GroupDecision.objects.filter(placed_on_q(day), _area("person__household__", ids))
    where = ("person__household__town_id", "person__household__community_id")
    distinct = {
        "persons": Count("person_id", distinct=True),
        "households": Count("person__household_id", distinct=True),
    }
    fresh = [
        GroupStock(town_id=t, community_id=c, month=month, group=g, persons=p, households=h)
        for t, c, g, p, h in placed.values_list(*where, "group").annotate(**distinct).order_by()
    ]
    fresh += [
        GroupStock(town_id=t, community_id=c, month=month, group="", persons=p, households=h)
        for t, c, p, h in placed.values_list(*where).annotate(**distinct).order_by()
    ]
    return [row for row in fresh if row.community_id is not None]


def snapshot(month: dt.date, community_ids: Iterable[int] | None = None) -> None:
    """The group stock as of the end of ``month`` (a month that has ended)."""
    ids = None if community_ids is None else sorted(set(community_ids))
    with transaction.atomic():
        _replace_stock(ids, _month(month))


def rebuild(*, months_back: int = 24) -> None:
    """Every community's rows from scratch, and the month-end snapshots of the last
    ``months_back`` months (``rebuild_stats``; the snapshots of older months are kept)."""
    refresh(None)
    first = timezone.localdate().replace(day=1)
    for _i in range(months_back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        snapshot(first)


def _month_end(first: dt.date) -> dt.date:
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _lock(ids: list[int] | None) -> None:
    if ids is not None:  # a full rebuild replaces everything anyway
        bulk.advisory_locks(LOCK_NAMESPACE, ids)


# Hooks for the writers: they pass what they touched, the families follow from the caller.


def on_households_written(household_ids, *, communities=(), everyone=False) -> None:
    """Registry writes, imports, screening: the group rows of those communities (decisions and
    stays); every family when households moved (``communities``: where they were), since a
    household takes its visits and needs with it. A write without a move leaves visits and needs
    where they were, so it does not pay for recounting their history."""
    if everyone:
        refresh(None)
        return
    moved_from = {int(c) for c in communities if c}
    current = _communities_of(household_ids)
    # One household still where it was (an edit passes its community whatever changed): no move.
    stayed = len(set(household_ids)) == 1 and moved_from <= current
    refresh(current | moved_from, (GROUPS,) if not moved_from or stayed else ALL)


def households_touched(household_ids: Iterable[int], family: str, months: Iterable) -> None:
    """A visit or a need of these households was written (visits/, assistance/ services);
    ``months``: the dates it had and has (a visit moved from March to April touches both)."""
    refresh(_communities_of(household_ids), (family,), months)


def communities_touched(community_ids: Iterable[int], months: Iterable, family: str = VISITS) -> None:
    """An activity of these communities was written (its old and new day in ``months``)."""
    refresh(community_ids, (family,), months)


def _communities_of(household_ids: Iterable[int]) -> set[int]:
    from households.models import Household

    ids = sorted({int(i) for i in household_ids if i})
    found: set[int] = set()
    for start in range(0, len(ids), 5000):
        found.update(
            Household.objects.filter(pk__in=ids[start : start + 5000]).values_list("community_id", flat=True)
        )
    return {c for c in found if c}


# ---------------------------------------------------------------------------------------------
# Reads (``area``: a Q over town_id / community_id, stats.selectors.area_filter)


def flows(area: Q, metrics: Iterable[str], first: dt.date, last: dt.date) -> dict[tuple[str, str], int]:
    """{(metric, key): n} summed over the months first..last (first days of months)."""
    rows = MonthlyTally.objects.filter(area, metric__in=list(metrics), month__gte=first, month__lte=last)
    return {(m, k): n for m, k, n in rows.values_list("metric", "key").annotate(n=Sum("n")).order_by()}


def flows_by_month(area: Q, metrics: Iterable[str], first: dt.date, last: dt.date) -> dict[tuple, int]:
    """{(month, metric, key): n} for the months first..last."""
    rows = MonthlyTally.objects.filter(area, metric__in=list(metrics), month__gte=first, month__lte=last)
    return {
        (mo, m, k): n
        for mo, m, k, n in rows.values_list("month", "metric", "key").annotate(n=Sum("n")).order_by()
    }


def stock(area: Q, month: dt.date | None, by: str | None = None) -> dict | None:
    """{(by value or None, group): (persons, households)} now (month None) or at the end of
    ``month``; None when that month has no snapshot."""
    rows = GroupStock.objects.filter(area)
    rows = rows.filter(month__isnull=True) if month is None else rows.filter(month=month)
    fields = [by, "group"] if by else ["group"]
    result = {}
    for row in rows.values_list(*fields).annotate(p=Sum("persons"), h=Sum("households")).order_by():
        key = (row[0], row[1]) if by else (None, row[0])
        result[key] = (row[-2], row[-1])
    if month is not None and not result and not GroupStock.objects.filter(month=month).exists():
        return None
    return result


def median_of(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: how many}: the mean of the middle one or two."""
    count = sum(histogram.values())
    if not count:
        return None
    wanted = sorted({(count - 1) // 2, count // 2})
    found, seen = [], 0
    for value in sorted(histogram):
        upto = seen + histogram[value]
        found += [value for i in wanted if seen <= i < upto]
        seen = upto
    return sum(found) / len(found)


def raw_rows(family: str) -> dict[tuple, int]:
    """The oracle: {(community, month, metric, key): n} counted from the records now."""
    merged = _merged(
        [
            MonthlyTally(town_id=t, community_id=c, month=_month(mo), metric=m, key=k or "", n=n)
            for m, t, c, mo, k, n in COUNTERS[family](None, None)
            if c is not None and n
        ]
    )
    return {(r.community_id, r.month, r.metric, r.key): r.n for r in merged}


def stored_rows(family: str) -> dict[tuple, int]:
    rows = MonthlyTally.objects.filter(metric__in=FAMILIES[family])
    return {
        (c, mo, m, k): n for c, mo, m, k, n in rows.values_list("community_id", "month", "metric", "key", "n")
    }


def raw_stock(month: dt.date | None = None) -> dict[tuple, tuple[int, int]]:
    """The oracle of the group stock: {(community, group): (persons, households)}."""
    return {(r.community_id, r.group): (r.persons, r.households) for r in _stock_rows(None, month)}


def stored_stock(month: dt.date | None = None) -> dict[tuple, tuple[int, int]]:
    rows = GroupStock.objects.filter(month=month) if month else GroupStock.objects.filter(month__isnull=True)
    return {
        (c, g): (p, h) for c, g, p, h in rows.values_list("community_id", "group", "persons", "households")
    }
