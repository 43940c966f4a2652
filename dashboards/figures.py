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

from django.db.models import Count, Q
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
from households.choices import DivisionLevel
from households.models import Division
from imports.models import ImportBatch

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


def groups(scope: Scope) -> dict:
    """Per group: persons and households in it at the period's end, placements and exits in it."""
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
    total = current.aggregate(**distinct)
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
    column = f"person__household__{child_level}"
    current = _decisions(scope).filter(placed_on_q(scope.period.as_of))
    cells = {
        (row[column], row["group"]): row["n"]
        for row in current.values(column, "group").annotate(n=Count("person_id", distinct=True)).order_by()
    }
    totals = {
        row[column]: row
        for row in current.values(column)
        .annotate(
            persons=Count("person_id", distinct=True), households=Count("person__household_id", distinct=True)
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


def needs(scope: Scope) -> dict:
    """Needs collected, met and open; running totals at the period's end; median days to meet."""
    p, day, area = scope.period, scope.period.as_of, scope.filters()
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
    median = _median(timed.order_by("days_to_meet").values_list("days_to_meet", flat=True), timed_count)
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
        field = scope.level
        area = Q(**{f"household__{field}": scope.division.pk}) | Q(
            household__isnull=True, **{field: scope.division.pk}
        )
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


def uptake(scope: Scope, top: int = 30) -> dict:
    """Items pushed and how far each got (the funnel), per catalog item and in total, as now."""
    area = scope.filters()
    recs = Recommendation.objects.restrict(scope.user).filter(scope.area("household__"))
    counts: dict[int, dict[str, int]] = {}
    for row in recs.values("item_id", "status").annotate(n=Count("id")).order_by():
        counts.setdefault(row["item_id"], {})[row["status"]] = row["n"]

    def funnel(by_status: dict, item=None) -> list[dict]:
        steps = []
        for step in FUNNEL:
            n = sum(by_status.get(s, 0) for s in reached_statuses(step))
            if step == UptakeStatus.PUSHED:
                n = sum(by_status.values())
                link = _link("assistance:recommendation-list", item=item, **area)
            else:
                link = _link("assistance:recommendation-list", item=item, reached=step.value, **area)
            steps.append({"step": step.value, "label": str(step.label), "n": n, "link": link})
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
    sentences = [sentence, month]
    if n["median_days"] is not None:
        sentences.append(
            _("本月满足的需求从登记到满足的中位天数为%(days)s天。") % {"days": _number(n["median_days"])}
        )
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
    }


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
