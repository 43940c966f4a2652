"""Every figure of the dashboards, the monthly report and /api/stats/: the one seam.

Each function takes a ``Scope`` (who asks, which division, which period) and returns plain data
(dicts, lists, numbers, strings): the HTML pages, the printable report, the Excel workbook and the
API all render the same figures. Today they are grouped aggregate queries over the case records,
scoped by the records' own ``restrict(user)``; when the ``stats`` app's summary tables exist, the
functions here switch to them and nothing else changes.

Each figure carries ``link``: the list page (with its filters in the query string) that shows the
rows behind the number; that list, opened by the same user, shows exactly that many rows (tests/
dashboards/test_drilldown.py). Lists apply the user's own scoping, so a link never widens it.

How each figure is made "as of" a day D (the period's last day, or today if sooner), so that
March's figures generated in May are March's figures:

- Persons / households in a group: GroupDecision rows are stays in a group (decided_at ..
  ended_at, never deleted); a stay counts at D if it began before the end of D and had not ended
  by then (assessments.selectors.placed_on_q). A person is counted in the area of the household
  they belong to now (moves between households are not dated).
- New placements / exits in the period: stays that began / ended within the period (local days).
- Needs collected: recorded_at within the period (or up to D for the running total). Needs met:
  met_on within the period (up to D); "met" is final, so met_on never changes. Open at D: recorded
  by D, not met by D, not closed unmet by D (a closed need's changed_at is its closing; a need
  closed, then reopened after D counts as open). Median days to meet: days_to_meet of the needs
  met in the period (recorded day to met day).
- Follow-up tasks, monitoring alerts, imports and push uptake are the state now (their steps are
  not all dated): they are marked ``current`` and are not part of the monthly report.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from assessments.choices import GROUP_SHORT, AlertStatus, Group
from assessments.models import Alert, GroupDecision
from assessments.selectors import ANY_GROUP, end_of_day, placed_on_q, start_of_day
from assistance.choices import UptakeStatus
from assistance.filtersets import FUNNEL, need_open_on_q, reached_statuses
from assistance.models import CatalogItem, Need, Recommendation
from core.models import Task
from core.scoping import AREA_FIELD
from employment.choices import PlacementStatus, ReferralOutcome, TrainingStatus
from households.choices import DivisionLevel
from households.models import Division
from imports.models import ImportBatch
from meetings.choices import OPEN_CASE_STATUSES, CaseStatus
from meetings.models import JointCase, ResolutionTask
from stats import monthly
from stats import selectors as stats_selectors
from stats import uptake as uptake_rows
from visits.choices import ACTIVITY_SERVICE, Service
from visits.models import Activity, Team, Visit, VisitService

from .periods import Period

LEVELS = (DivisionLevel.CITY, DivisionLevel.TOWN, DivisionLevel.COMMUNITY, DivisionLevel.GRID)
CHILD_LEVEL = {DivisionLevel.CITY: DivisionLevel.TOWN, DivisionLevel.TOWN: DivisionLevel.COMMUNITY}


@dataclass(frozen=True)
class Scope:
    user: object
    division: Division
    period: Period

    @property
    def level(self) -> str:
        return self.division.level

    def area(self, prefix: str) -> Q:
        """The scope's division over a model whose household sits at ``prefix``."""
        if self.level == DivisionLevel.CITY:
            return Q()
        return Q(**{prefix + AREA_FIELD[self.level]: self.division.pk})

    def filters(self) -> dict:
        """The list pages' area filter for this division (their own scoping does the rest)."""
        if self.level in (DivisionLevel.TOWN, DivisionLevel.COMMUNITY):
            return {self.level: self.division.pk}
        return {}  # the city (everything the user sees) or a grid worker's grid (their scoping)


# ---------------------------------------------------------------------------------------------
# Which divisions a user may look at


def visible_divisions(user):
    return Division.objects.restrict(user).filter(level__in=LEVELS)


def sees_area_figures(user) -> bool:
    """Staff of an area; not volunteers, nor the secretariat and liaisons (they see their cases)."""
    return (
        getattr(user, "is_authenticated", False)
        and not getattr(user, "is_volunteer", False)
        and not getattr(user, "is_case_role", False)
    )


def home_division(user) -> Division | None:
    """Where a user's dashboard opens: the city for city-wide roles, else their own area."""
    if not sees_area_figures(user):
        return None
    if user.sees_whole_city:
        return Division.objects.filter(level=DivisionLevel.CITY).order_by("code").first()
    return user.division


def breadcrumbs(scope: Scope) -> list[dict]:
    """The division and those above it that the user may open (city > town > community)."""
    chain, node = [], scope.division
    while node is not None:
        chain.append(node)
        node = node.parent
    visible = set(
        visible_divisions(scope.user).filter(pk__in=[d.pk for d in chain]).values_list("pk", flat=True)
    )
    return [
        {"name": d.name, "level": d.level, "link": dashboard_link(d, scope.period)}
        for d in reversed(chain)
        if d.pk in visible
    ]


# ---------------------------------------------------------------------------------------------
# Links


def _link(name: str, **params) -> str:
    query = {k: v for k, v in params.items() if v is not None}
    return f"{reverse(name)}?{urlencode(query)}" if query else reverse(name)


def dashboard_link(division: Division, period: Period) -> str:
    return f"{reverse('dashboards:division', args=[division.pk])}?{urlencode(period.params())}"


def _day(day: dt.date) -> str:
    return day.isoformat()


# ---------------------------------------------------------------------------------------------
# Summary rows (stats.monthly, stats.selectors): where the figures come from at scale

USE_TALLIES = True  # False: every figure from the records (the tests compare the two)


def _tally_area(scope: Scope) -> Q | None:
    """The summary rows of the scope's division inside the user's area, or None when the rows
    cannot say it (a grid, a user whose area is not a town or community): then the records."""
    if not USE_TALLIES or scope.level not in (
        DivisionLevel.CITY,
        DivisionLevel.TOWN,
        DivisionLevel.COMMUNITY,
    ):
        return None
    narrow = {f"{scope.level}_id": scope.division.pk} if scope.level != DivisionLevel.CITY else {}
    return stats_selectors.area_filter(scope.user, **narrow)


def _tally_months(scope: Scope) -> tuple[dt.date, dt.date] | None:
    """The first days of the period's first and last months, if it is whole months (the rows
    are monthly: a custom period of odd days is counted from the records)."""
    p = scope.period
    if p.start.day != 1 or p.end != _month_end(p.end.replace(day=1)):
        return None
    return p.start, p.end.replace(day=1)


def _trend_area(scope: Scope) -> Q | None:
    """The rows for a monthly trend: its last month must end at the period's end or today."""
    day = scope.period.as_of
    if day != dt.date.today() and day != _month_end(_first(day)):
        return None
    return _tally_area(scope)


def _first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _stock(scope: Scope, area: Q, by: str | None = None) -> dict | None:
    """{(by, group): (persons, households)} at the period's end from the group stock rows: now,
    or a month-end snapshot; None when neither applies (counted from the records)."""
    day = scope.period.as_of
    if day == dt.date.today():
        return monthly.stock(area, None, by)
    if day == _month_end(_first(day)):
        return monthly.stock(area, _first(day), by)
    return None


# ---------------------------------------------------------------------------------------------
# Groups: persons and households per group, placements and exits


def _decisions(scope: Scope):
    return GroupDecision.objects.restrict(scope.user).filter(scope.area("person__household__"))


def _in_period(column: str, period: Period) -> Q:
    return Q(**{f"{column}__gte": start_of_day(period.start)}) & Q(
        **{f"{column}__lt": end_of_day(period.end)}
    )


def _group_links(scope: Scope, group: str) -> dict:
    day, p, area = scope.period.as_of, scope.period, scope.filters()
    moves = {"group": None if group == ANY_GROUP else group, "active": "", **area}
    return {
        "persons": _link("households:person-list", group=group, group_on=_day(day), **area),
        "households": _link("households:household-list", group=group, group_on=_day(day), **area),
        "new": _link(
            "assessments:group-list", decided_after=_day(p.start), decided_before=_day(p.end), **moves
        ),
        "exits": _link(
            "assessments:group-list", ended_after=_day(p.start), ended_before=_day(p.end), **moves
        ),
    }


def _group_figures(scope: Scope) -> tuple[dict, dict, dict]:
    """(stock per group, flow per group, distinct totals) from the rows, else the records."""
    area, months = _tally_area(scope), _tally_months(scope)
    tallied = None if area is None else _stock(scope, area)
    if tallied is not None and months:
        stock = {g: {"persons": p, "households": h} for (_b, g), (p, h) in tallied.items() if g}
        any_ = tallied.get((None, ""), (0, 0))
        flows = monthly.flows(area, ("group_new", "group_exit"), *months)
        flow: dict[str, dict] = {}
        for (metric, group), n in flows.items():
            flow.setdefault(group, {})["new" if metric == "group_new" else "exits"] = n
        return stock, flow, {"persons": any_[0], "households": any_[1]}
    decisions = _decisions(scope)
    current = decisions.filter(placed_on_q(scope.period.as_of))
    distinct = {
        "persons": Count("person_id", distinct=True),
        "households": Count("person__household_id", distinct=True),
    }
    stock = {row["group"]: row for row in current.values("group").annotate(**distinct).order_by()}
    decided, ended = _in_period("decided_at", scope.period), _in_period("ended_at", scope.period)
    flow = {
        row["group"]: row
        for row in decisions.filter(decided | ended)
        .values("group")
        .annotate(new=Count("id", filter=decided), exits=Count("id", filter=ended))
        .order_by()
    }
    return stock, flow, current.aggregate(**distinct)


def groups(scope: Scope) -> dict:
    """Per group: persons and households in it at the period's end, placements and exits in it."""
    stock, flow, total = _group_figures(scope)
    rows = []
    for code, label in Group.choices:
        s, f = stock.get(code, {}), flow.get(code, {})
        rows.append(
            {
                "group": code,
                "label": str(label),
                "short": str(GROUP_SHORT[code]),
                "persons": s.get("persons", 0),
                "households": s.get("households", 0),
                "new": f.get("new", 0),
                "exits": f.get("exits", 0),
                "links": _group_links(scope, code),
            }
        )
    return {
        "as_of": scope.period.as_of,
        "rows": rows,
        "persons": total["persons"],
        "households": total["households"],
        "new": sum(r["new"] for r in rows),
        "exits": sum(r["exits"] for r in rows),
        "links": _group_links(scope, ANY_GROUP),
    }


def groups_by_division(scope: Scope) -> dict | None:
    """The same stock per town (city) or per community (town); None below a town."""
    child_level = CHILD_LEVEL.get(scope.level)
    if child_level is None:
        return None
    area = _tally_area(scope)
    tallied = None if area is None else _stock(scope, area, by=f"{child_level}_id")
    if tallied is not None:
        cells = {(child, g): p for (child, g), (p, _h) in tallied.items() if g}
        totals = {child: {"persons": p, "households": h} for (child, g), (p, h) in tallied.items() if not g}
    else:
        column = f"person__household__{child_level}"
        current = _decisions(scope).filter(placed_on_q(scope.period.as_of))
        cells = {
            (row[column], row["group"]): row["n"]
            for row in current.values(column, "group")
            .annotate(n=Count("person_id", distinct=True))
            .order_by()
        }
        totals = {
            row[column]: row
            for row in current.values(column)
            .annotate(
                persons=Count("person_id", distinct=True),
                households=Count("person__household_id", distinct=True),
            )
            .order_by()
        }
    children = Division.objects.filter(parent=scope.division, level=child_level, is_active=True).order_by(
        "code"
    )
    day = _day(scope.period.as_of)
    rows = []
    for child in children:
        area = {child_level: child.pk}
        rows.append(
            {
                "division": child.pk,
                "name": child.name,
                "link": dashboard_link(child, scope.period),
                "cells": [
                    {
                        "group": code,
                        "n": cells.get((child.pk, code), 0),
                        "link": _link("households:person-list", group=code, group_on=day, **area),
                    }
                    for code in Group.values
                ],
                "persons": totals.get(child.pk, {}).get("persons", 0),
                "households": totals.get(child.pk, {}).get("households", 0),
                "persons_link": _link("households:person-list", group=ANY_GROUP, group_on=day, **area),
                "households_link": _link("households:household-list", group=ANY_GROUP, group_on=day, **area),
            }
        )
    return {
        "level": child_level,
        "groups": [{"group": code, "short": str(GROUP_SHORT[code])} for code in Group.values],
        "rows": rows,
    }


# ---------------------------------------------------------------------------------------------
# Needs ledger


def _needs(scope: Scope):
    return Need.objects.restrict(scope.user).filter(scope.area("household__"))


def _median(values_qs, count: int) -> float | None:
    """The median of an ordered values_list of ``count`` rows, reading one or two of them."""
    if not count:
        return None
    middle = list(values_qs[(count - 1) // 2 : count // 2 + 1])
    return sum(middle) / len(middle)


def _need_figures(scope: Scope) -> tuple[dict, float | None]:
    """The needs' counts and median days, from the monthly rows when the period is whole months:
    open at D = collected by D - met by D - closed unmet by D (need_open_on_q, as sums)."""
    p, day = scope.period, scope.period.as_of
    area, months = _tally_area(scope), _tally_months(scope)
    if area is not None and months:
        now = monthly.flows(area, ("need_collected", "need_met", "need_days"), *months)
        upto = monthly.flows(
            area, ("need_collected", "need_met", "need_closed"), dt.date(1900, 1, 1), _first(day)
        )
        figures = {
            "collected": now.get(("need_collected", ""), 0),
            "met": now.get(("need_met", ""), 0),
            "collected_total": upto.get(("need_collected", ""), 0),
            "met_total": upto.get(("need_met", ""), 0),
        }
        figures["open"] = figures["collected_total"] - figures["met_total"] - upto.get(("need_closed", ""), 0)
        days = {int(k): n for (metric, k), n in now.items() if metric == "need_days"}
        return figures, monthly.median_of(days)
    recorded = _in_period("recorded_at", p)
    met = Q(met_on__gte=p.start, met_on__lte=p.end)
    figures = _needs(scope).aggregate(
        collected=Count("id", filter=recorded),
        met=Count("id", filter=met),
        open=Count("id", filter=need_open_on_q(day)),
        collected_total=Count("id", filter=Q(recorded_at__lt=end_of_day(day))),
        met_total=Count("id", filter=Q(met_on__lte=day)),
    )
    timed = _needs(scope).filter(met, days_to_meet__isnull=False)
    timed_count = figures["met"] if figures["met"] == 0 else timed.count()
    return figures, _median(
        timed.order_by("days_to_meet").values_list("days_to_meet", flat=True), timed_count
    )


def needs(scope: Scope) -> dict:
    """Needs collected, met and open; running totals at the period's end; median days to meet."""
    p, day, area = scope.period, scope.period.as_of, scope.filters()
    figures, median = _need_figures(scope)
    return {
        **figures,
        "median_days": median,
        "as_of": day,
        "links": {
            "collected": _link(
                "assistance:need-list", recorded_after=_day(p.start), recorded_before=_day(p.end), **area
            ),
            "met": _link("assistance:need-list", met_after=_day(p.start), met_before=_day(p.end), **area),
            "open": _link("assistance:need-list", open_on=_day(day), **area),
            "collected_total": _link("assistance:need-list", recorded_before=_day(day), **area),
            "met_total": _link("assistance:need-list", met_before=_day(day), **area),
        },
    }


def needs_trend(scope: Scope, months: int = 12) -> list[dict]:
    """Needs collected and met per month, for the ``months`` months ending with the period's end."""
    firsts = scope.period.months(months)
    start, day, area = firsts[0], scope.period.as_of, scope.filters()
    summed = _trend_area(scope)
    if summed is not None:
        rows = monthly.flows_by_month(summed, ("need_collected", "need_met"), start, _first(day))
        collected = {mo: n for (mo, metric, _k), n in rows.items() if metric == "need_collected"}
        met = {mo: n for (mo, metric, _k), n in rows.items() if metric == "need_met"}
    else:
        needs_ = _needs(scope)
        collected = dict(
            needs_.filter(recorded_at__gte=start_of_day(start), recorded_at__lt=end_of_day(day))
            .annotate(month=TruncMonth("recorded_at"))
            .values_list("month")
            .annotate(n=Count("id"))
            .order_by()
        )
        met = dict(
            needs_.filter(met_on__gte=start, met_on__lte=day)
            .annotate(month=TruncMonth("met_on"))
            .values_list("month")
            .annotate(n=Count("id"))
            .order_by()
        )
        collected = {_as_date(k): v for k, v in collected.items()}
        met = {_as_date(k): v for k, v in met.items()}
    points = []
    for first in firsts:
        last = min(_month_end(first), day)
        points.append(
            {
                "month": first,
                "label": f"{first.year}-{first.month:02d}",
                "collected": collected.get(first, 0),
                "met": met.get(first, 0),
                "collected_link": _link(
                    "assistance:need-list", recorded_after=_day(first), recorded_before=_day(last), **area
                ),
                "met_link": _link(
                    "assistance:need-list", met_after=_day(first), met_before=_day(last), **area
                ),
            }
        )
    return points


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _month_end(first: dt.date) -> dt.date:
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Current work: follow-up tasks, monitoring alerts, imports


def tasks(scope: Scope) -> dict:
    """Follow-up tasks open now, and those past their due date (the task list's own filters)."""
    area = Q()
    if scope.level in (DivisionLevel.TOWN, DivisionLevel.COMMUNITY):
        area = Q(**{str(scope.level): scope.division.pk})  # the task's own area (its household's)
    today = dt.date.today()
    figures = (
        Task.objects.restrict(scope.user)
        .filter(area, status=Task.Status.OPEN)
        .aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    )
    base = {"queue": "all", "status": Task.Status.OPEN, **scope.filters()}
    return {
        **figures,
        "current": True,
        "links": {
            "open": _link("assessments:task-list", **base),
            "overdue": _link("assessments:task-list", overdue="true", **base),
        },
    }


def alerts(scope: Scope) -> dict:
    """Monitoring alerts waiting to be verified, verified and not yet handled, and past deadline."""
    area = Q()
    if scope.level == DivisionLevel.TOWN:
        area = Q(town=scope.division.pk)  # the alert's responsible town, as the alert list filters
    elif scope.level == DivisionLevel.COMMUNITY:
        area = Q(person__household__community=scope.division.pk)
    pending = Q(status=AlertStatus.PENDING)
    figures = (
        Alert.objects.restrict(scope.user)
        .filter(area)
        .aggregate(
            pending=Count("id", filter=pending),
            verified=Count("id", filter=Q(status=AlertStatus.VERIFIED)),
            overdue=Count("id", filter=pending & Q(verify_deadline__lt=dt.date.today())),
        )
    )
    area_filters = scope.filters()
    return {
        **figures,
        "current": True,
        "links": {
            "pending": _link("assessments:alert-list", status=AlertStatus.PENDING, **area_filters),
            "verified": _link("assessments:alert-list", status=AlertStatus.VERIFIED, **area_filters),
            "overdue": _link("assessments:alert-list", overdue="true", **area_filters),
        },
    }


def imports(scope: Scope) -> dict | None:
    """Import batches by state: city-wide rosters, shown at city level to those who run imports."""
    if scope.level != DivisionLevel.CITY or not getattr(scope.user, "is_city_admin", False):
        return None
    counts = dict(
        ImportBatch.objects.restrict(scope.user).values_list("status").annotate(n=Count("id")).order_by()
    )
    rows = [
        {
            "status": code,
            "label": str(label),
            "n": counts.get(code, 0),
            "link": _link("imports:batch-list", status=code),
        }
        for code, label in ImportBatch.Status.choices
    ]
    return {
        "rows": rows,
        "total": sum(r["n"] for r in rows),
        "current": True,
        "link": _link("imports:batch-list"),
    }


# ---------------------------------------------------------------------------------------------
# Push uptake


def _uptake_counts(scope: Scope) -> dict[int, dict[str, int]]:
    """{item: {status: n}} from the uptake rows (stats.uptake), else from the records."""
    counts: dict[int, dict[str, int]] = {}
    tally = _tally_area(scope)
    if tally is not None:
        for (item, status), n in uptake_rows.counts(tally, "item_id").items():
            counts.setdefault(item, {})[status] = n
        return counts
    recs = Recommendation.objects.restrict(scope.user).filter(scope.area("household__"))
    for row in recs.values("item_id", "status").annotate(n=Count("id")).order_by():
        counts.setdefault(row["item_id"], {})[row["status"]] = row["n"]
    return counts


def uptake(scope: Scope, top: int = 30) -> dict:
    """Items pushed and how far each got (the funnel), per catalog item and in total, as now."""
    area = scope.filters()
    counts = _uptake_counts(scope)
    list_url = reverse("assistance:recommendation-list")  # once: up to 155 links below

    def link(**params) -> str:
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{list_url}?{query}" if query else list_url

    def funnel(by_status: dict, item=None) -> list[dict]:
        steps = []
        for step in FUNNEL:
            n = sum(by_status.get(s, 0) for s in reached_statuses(step))
            if step == UptakeStatus.PUSHED:
                n = sum(by_status.values())
                link_ = link(item=item, **area)
            else:
                link_ = link(item=item, reached=step.value, **area)
            steps.append({"step": step.value, "label": str(step.label), "n": n, "link": link_})
        return steps

    totals: dict[str, int] = {}
    for by_status in counts.values():
        for status, n in by_status.items():
            totals[status] = totals.get(status, 0) + n
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:top]
    names = dict(CatalogItem.objects.filter(pk__in=[pk for pk, _c in ranked]).values_list("pk", "name"))
    items = []
    for pk, by_status in ranked:
        steps = funnel(by_status, pk)
        pushed, granted = steps[0]["n"], steps[3]["n"]
        items.append(
            {
                "item": pk,
                "name": names.get(pk, ""),
                "steps": steps,
                "rate": round(100 * granted / pushed) if pushed else 0,
            }
        )
    return {
        "funnel": funnel(totals),
        "items": items,
        "more": max(0, len(counts) - top),
        "current": True,
    }


# ---------------------------------------------------------------------------------------------
# Care services: person-times (人次), visit coverage, visiting teams

# The bureau's report names two kinds of service: 探访慰问、生活帮扶、医疗帮扶 (care), and
# 心理疏导、助医、助餐等社会帮扶 (social: every other service).
CARE_SERVICES = (Service.CONDOLENCE, Service.LIVING, Service.MEDICAL)


def _visits(scope: Scope):
    return Visit.objects.restrict(scope.user).filter(scope.area("household__"))


def _activities(scope: Scope):
    if scope.level == DivisionLevel.GRID:  # activities belong to a community, not a grid
        return Activity.objects.restrict(scope.user).filter(community=scope.division.parent_id)
    return Activity.objects.restrict(scope.user).filter(scope.area(""))


def raw_times(scope: Scope, since: dt.date, until: dt.date) -> dict[str, dict[str, int]]:
    """{service: {"visits": n, "activities": n}} over the days since..until (inclusive), as
    visits.selectors.person_times counts them (one per service of a visit; an activity's registered
    participants and others under the service its kind counts as), narrowed to the scope's area."""
    result = {code: {"visits": 0, "activities": 0} for code in Service.values}
    visits = _visits(scope).filter(visited_on__range=(since, until))
    for service, n in (
        VisitService.objects.filter(visit__in=visits)
        .values_list("service")
        .annotate(n=Count("id"))
        .order_by()
    ):
        result[service]["visits"] += n
    activities = _activities(scope).filter(held_on__range=(since, until))
    for kind, n in activities.values_list("kind").annotate(n=Count("participants")).order_by():
        result[ACTIVITY_SERVICE[kind]]["activities"] += n
    for kind, n in activities.values_list("kind").annotate(n=Sum("other_count")).order_by():
        result[ACTIVITY_SERVICE[kind]]["activities"] += n or 0
    return result


def _times(scope: Scope, since: dt.date, until: dt.date) -> dict[str, dict[str, int]]:
    """raw_times from the monthly rows when since..until are whole months (or end today)."""
    area = _tally_area(scope)
    whole = since.day == 1 and (until == _month_end(_first(until)) or until == dt.date.today())
    if area is None or not whole:
        return raw_times(scope, since, until)
    result = {code: {"visits": 0, "activities": 0} for code in Service.values}
    for (metric, service), n in monthly.flows(area, ("service", "activity"), since, _first(until)).items():
        result[service]["visits" if metric == "service" else "activities"] += n
    return result


def _times_by_month(scope: Scope, firsts: list[dt.date]) -> dict[dt.date, tuple[int, int]]:
    """{month: (person-times, visits made)} for the months ``firsts``, in one read."""
    area = _trend_area(scope)
    if area is None:
        result = {}
        for first in firsts:
            last = min(_month_end(first), scope.period.as_of)
            times = raw_times(scope, first, last)
            result[first] = (
                sum(v["visits"] + v["activities"] for v in times.values()),
                _visits(scope).filter(visited_on__range=(first, last)).count(),
            )
        return result
    result = dict.fromkeys(firsts, (0, 0))
    rows = monthly.flows_by_month(area, ("service", "activity", "visits"), firsts[0], firsts[-1])
    totals: dict = {}
    for (mo, metric, _key), n in rows.items():
        times, visits = totals.get(mo, (0, 0))
        totals[mo] = (times + (n if metric != "visits" else 0), visits + (n if metric == "visits" else 0))
    result.update(totals)
    return result


def _visit_link(scope: Scope, since: dt.date, until: dt.date, **more) -> str:
    return _link(
        "visits:visit-list", visited_on_min=_day(since), visited_on_max=_day(until), **more, **scope.filters()
    )


def _activity_link(scope: Scope, since: dt.date, until: dt.date) -> str:
    return _link("visits:activity-list", held_on_min=_day(since), held_on_max=_day(until), **scope.filters())


def services(scope: Scope) -> dict:
    """Person-times per service type in the period and in the year up to the period's end."""
    p = scope.period
    year_start = dt.date(p.as_of.year, 1, 1)
    period, year = _times(scope, p.start, p.end), _times(scope, year_start, p.as_of)
    rows = []
    for code, label in Service.choices:
        now, ytd = period[code], year[code]
        rows.append(
            {
                "service": code,
                "label": str(label),
                "care": code in CARE_SERVICES,
                "visits": now["visits"],
                "activities": now["activities"],
                "n": now["visits"] + now["activities"],
                "year": ytd["visits"] + ytd["activities"],
                "links": {
                    "visits": _visit_link(scope, p.start, p.end, service=code),
                    "activities": _activity_link(scope, p.start, p.end),
                    "year": _visit_link(scope, year_start, p.as_of, service=code),
                },
            }
        )

    def total(key: str, care: bool | None = None) -> int:
        return sum(r[key] for r in rows if care is None or r["care"] == care)

    return {
        "rows": rows,
        "year_start": year_start,
        "n": total("n"),
        "year": total("year"),
        "care": total("n", True),
        "social": total("n", False),
        "care_year": total("year", True),
        "social_year": total("year", False),
        "links": {
            "visits": _visit_link(scope, p.start, p.end),
            "activities": _activity_link(scope, p.start, p.end),
            "year": _visit_link(scope, year_start, p.as_of),
        },
    }


def services_trend(scope: Scope, months: int = 12) -> list[dict]:
    """Person-times per month (visits and activities), the months of needs_trend."""
    firsts = scope.period.months(months)
    by_month = _times_by_month(scope, firsts)
    points = []
    for first in firsts:
        last = min(_month_end(first), scope.period.as_of)
        n, visits = by_month[first]
        points.append(
            {
                "month": first,
                "label": f"{first.year}-{first.month:02d}",
                "n": n,
                "visits": visits,
                "link": _visit_link(scope, first, last, service=None),
            }
        )
    return points


COVERAGE_KEYS = (
    "required",
    "paired",
    "unpaired",
    "overdue",
    "elderly",
    "elderly_visited",
    "elderly_unvisited",
)


def coverage(scope: Scope) -> dict:
    """Households that require visits (by the frequencies in force per group), paired, overdue,
    and the special-hardship elderly visited this month: per town (city) or community (town),
    ranked by the share visited; the state today (visits.selectors.coverage)."""
    from visits import selectors as visit_selectors

    today = dt.date.today()
    child_level = CHILD_LEVEL.get(scope.level)
    level = DivisionLevel.TOWN if child_level == DivisionLevel.TOWN else DivisionLevel.COMMUNITY
    rows = visit_selectors.coverage(scope.user, level=level, today=today)
    if scope.level == DivisionLevel.TOWN:
        children = set(Division.objects.filter(parent=scope.division).values_list("pk", flat=True))
        rows = [r for r in rows if r["division_id"] in children]
    elif scope.level == DivisionLevel.COMMUNITY:
        rows = [r for r in rows if r["division_id"] == scope.division.pk]
    elif scope.level != DivisionLevel.CITY:
        rows = []  # a grid: its own households are the community's rows, not an area to rank
    total = visit_selectors.totals(rows)

    def links(area: dict) -> dict:
        return {state: _link("visits:queue", state=state, **area) for state in COVERAGE_KEYS}

    table = []
    for row in rows:
        area = {level: row["division_id"]}
        table.append(
            {
                "division": row["division_id"],
                "name": row["name"],
                **{k: row[k] for k in COVERAGE_KEYS},
                "rate": row["rate"],
                "links": links(area),
            }
        )
    ranked = sorted(table, key=lambda r: (-(r["rate"] if r["rate"] is not None else -1), r["name"]))
    return {
        "level": level if child_level else scope.level,
        "rows": ranked if child_level else table,
        **{k: total[k] for k in COVERAGE_KEYS},
        "rate": total["rate"],
        "links": links(scope.filters()),
        "current": True,
    }


def _teams_q(scope: Scope) -> Q:
    visible = Division.objects.restrict(scope.user).filter(path__startswith=scope.division.path)
    return Q(division__in=visible.values("pk"), is_active=True)


def teams(scope: Scope) -> dict:
    """Visiting care teams (探访关爱服务队伍) in use in the area at the period's end: as they stood
    then, from the teams' history (a team set up later or closed since does not change March)."""
    day = scope.period.as_of
    if day >= dt.date.today():
        n = Team.objects.filter(_teams_q(scope)).count()
    else:
        n = Team.history.as_of(end_of_day(day)).filter(_teams_q(scope)).count()
    return {
        "n": n,
        "as_of": day,
        "link": _link("visits:team-list", is_active="true", **scope.filters()),
    }


# ---------------------------------------------------------------------------------------------
# Joint meeting and employment: the state now


def joint_cases(scope: Scope) -> dict | None:
    """Joint-meeting cases open, on the agenda and closed; resolution tasks past their deadline."""
    cases = JointCase.objects.restrict(scope.user).filter(scope.area("household__"))
    figures = cases.aggregate(
        open=Count("id", filter=Q(status__in=OPEN_CASE_STATUSES)),
        on_agenda=Count("id", filter=Q(status=CaseStatus.ON_AGENDA)),
        closed=Count("id", filter=Q(status=CaseStatus.CLOSED)),
    )
    overdue = (
        ResolutionTask.objects.restrict(scope.user).filter(scope.area("case__household__")).overdue().count()
    )
    area = scope.filters()
    return {
        **figures,
        "overdue_tasks": overdue,
        "current": True,
        "links": {
            "open": _link("meetings:case-list", state="open", **area),
            "on_agenda": _link("meetings:case-list", status=CaseStatus.ON_AGENDA, **area),
            "closed": _link("meetings:case-list", status=CaseStatus.CLOSED, **area),
            "overdue_tasks": _link("meetings:task-list", state="overdue", **area),
        },
    }


def employment(scope: Scope) -> dict:
    """Employment outcomes: people in public-welfare posts now, referrals that ended in a job, people
    in training, and target households surveyed (the employment pages' own lists)."""
    from employment import selectors as jobs
    from employment.models import Placement, Referral, SurveyHousehold, Training

    person_area = scope.area("person__household__")
    placed = Placement.objects.restrict(scope.user).filter(person_area, status=PlacementStatus.ACTIVE).count()
    employed = (
        Referral.objects.restrict(scope.user).filter(person_area, outcome=ReferralOutcome.EMPLOYED).count()
    )
    training = (
        Training.objects.restrict(scope.user).filter(person_area, status=TrainingStatus.ENROLLED).count()
    )
    households = SurveyHousehold.objects.restrict(scope.user).filter(scope.area(""))
    surveyed = jobs.households_in_state(households, "surveyed").count()
    area = scope.filters()
    return {
        "placed": placed,
        "employed": employed,
        "training": training,
        "surveyed": surveyed,
        "current": True,
        "links": {
            "placed": _link("employment:placement-list", status=PlacementStatus.ACTIVE, **area),
            "employed": _link("employment:referral-list", outcome=ReferralOutcome.EMPLOYED, **area),
            "training": _link("employment:training-list", status=TrainingStatus.ENROLLED, **area),
            "surveyed": _link("employment:survey-households", state="surveyed", **area),
        },
    }


# ---------------------------------------------------------------------------------------------
# Everything on one page, and the monthly report


def summary(scope: Scope) -> dict:
    return {
        "division": {"id": scope.division.pk, "name": scope.division.name, "level": scope.division.level},
        "period": {
            "kind": scope.period.kind,
            "start": scope.period.start,
            "end": scope.period.end,
            "as_of": scope.period.as_of,
            "label": scope.period.label,
        },
        "groups": groups(scope),
        "by_division": groups_by_division(scope),
        "needs": needs(scope),
        "needs_trend": needs_trend(scope),
        "tasks": tasks(scope),
        "alerts": alerts(scope),
        "imports": imports(scope),
        "uptake": uptake(scope),
        "services": services(scope),
        "services_trend": services_trend(scope),
        "coverage": coverage(scope),
        "teams": teams(scope),
        "joint_cases": joint_cases(scope),
        "employment": employment(scope),
    }


def monthly_report(scope: Scope) -> dict:
    """The bureau's monthly report for a past month: only as-of figures (see the module docstring),
    so generating it later gives the same numbers."""
    g, n = groups(scope), needs(scope)
    day = scope.period.as_of
    area = _("全市") if scope.level == DivisionLevel.CITY else scope.division.name
    sentence = _(
        "截至%(y)d年%(m)d月%(d)d日，%(area)s共排查7类困难群众%(persons)s人（%(households)s户），"
        "收集并满足需求%(met)s个。"
    ) % {
        "y": day.year,
        "m": day.month,
        "d": day.day,
        "area": area,
        "persons": f"{g['persons']:,}",
        "households": f"{g['households']:,}",
        "met": f"{n['met_total']:,}",
    }
    month = _(
        "本月新纳入分类%(new)s人次、退出%(exits)s人次；新收集需求%(collected)s个，满足需求%(met)s个，"
        "月末尚未办结%(open)s个。"
    ) % {
        "new": f"{g['new']:,}",
        "exits": f"{g['exits']:,}",
        "collected": f"{n['collected']:,}",
        "met": f"{n['met']:,}",
        "open": f"{n['open']:,}",
    }
    sv, t = services(scope), teams(scope)
    care = _(
        "%(y)d年以来，开展探访慰问、生活帮扶、医疗帮扶%(care)s人次（本月%(care_m)s人次）；"
        "开展心理疏导、助医、助餐等社会帮扶%(social)s人次（本月%(social_m)s人次）；"
        "建立探访关爱服务队伍%(teams)s支。"
    ) % {
        "y": day.year,
        "care": f"{sv['care_year']:,}",
        "care_m": f"{sv['care']:,}",
        "social": f"{sv['social_year']:,}",
        "social_m": f"{sv['social']:,}",
        "teams": f"{t['n']:,}",
    }
    sentences = [sentence, month]
    if n["median_days"] is not None:
        sentences.append(
            _("本月满足的需求从登记到满足的中位天数为%(days)s天。") % {"days": _number(n["median_days"])}
        )
    sentences.append(care)
    return {
        "division": {"id": scope.division.pk, "name": scope.division.name, "level": scope.division.level},
        "area": area,
        "month": f"{scope.period.start:%Y-%m}",
        "label": scope.period.label,
        "as_of": day,
        "sentences": sentences,
        "groups": g,
        "by_division": groups_by_division(scope),
        "needs": n,
        "services": sv,
        "teams": t,
    }


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
