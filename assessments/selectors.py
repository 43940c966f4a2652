"""Reads of screening that are more than a filter: the baseline review list, task totals, supervision."""

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from core.models import Task
from core.scoping import VIEW
from households.models import Division

from .choices import TaskKind
from .models import GroupDecision, Override


def baseline_pending(*, task: Task, user, action: str = VIEW):
    """The placements a community's baseline review asks to confirm: active decisions of people
    in the task's community, made by the baseline, with no worker verdict yet. ``user=None``: all
    of them, whoever may see them (to tell whether the review is finished)."""
    if task.kind != TaskKind.BASELINE or task.community_id is None:
        return GroupDecision.objects.none()
    verdict = Override.objects.filter(person_id=OuterRef("person_id"), group=OuterRef("group"), active=True)
    decisions = GroupDecision.objects.all() if user is None else GroupDecision.objects.restrict(user, action)
    return decisions.filter(
        active=True, person__household__community_id=task.community_id, decided_at__lte=task.created_at
    ).exclude(Exists(verdict))


def task_totals(queryset) -> list[dict]:
    """Counts by kind and state of a task queryset (one grouped query), with overdue open ones."""
    overdue = Q(status=Task.Status.OPEN, due_date__lt=timezone.localdate())
    rows = (
        queryset.order_by()
        .values("kind", "status")
        .annotate(n=Count("id"), overdue=Count("id", filter=overdue))
    )
    by_kind: dict[str, dict] = {}
    for row in rows:
        entry = by_kind.setdefault(
            row["kind"], {"kind": row["kind"], "open": 0, "done": 0, "cancelled": 0, "overdue": 0}
        )
        entry[row["status"]] = row["n"]
        entry["overdue"] += row["overdue"]
    return sorted(by_kind.values(), key=lambda e: (-e["open"], e["kind"]))


def supervision(*, user, town_id: int | None = None) -> dict:
    """Open and overdue tasks per area and per worker, within the user's area.

    City-wide users see one row per town (each opens that town's communities); town users and a
    city user who picked a town see one row per community. Two grouped queries, whatever the size.
    """
    tasks = Task.objects.restrict(user).filter(status=Task.Status.OPEN)
    overdue = Q(due_date__lt=timezone.localdate())
    division = getattr(user, "division", None)
    if town_id is None and division is not None and division.level == "town":
        town_id = division.pk
    if town_id is None and user.sees_whole_city:
        level, column = "town", F("town")
    else:
        level, column = "community", F("community")
        if town_id is not None:
            tasks = tasks.filter(town_id=town_id)
    counts = {
        row["area"]: row
        for row in tasks.annotate(area=column)
        .values("area")
        .annotate(open=Count("id"), overdue=Count("id", filter=overdue))
        .order_by()
    }
    areas = Division.objects.filter(pk__in=[a for a in counts if a is not None]).order_by("code", "name")
    area_rows = [{"division": d, **counts[d.pk]} for d in areas]
    unplaced = counts.get(None)
    workers = list(
        tasks.values("assignee")
        .annotate(open=Count("id"), overdue=Count("id", filter=overdue))
        .order_by("-overdue", "-open", "assignee")
    )
    users = User.objects.in_bulk([w["assignee"] for w in workers if w["assignee"]])
    for w in workers:
        w["user"] = users.get(w["assignee"])
    return {
        "level": level,
        "town": Division.objects.filter(pk=town_id).first() if town_id else None,
        "areas": area_rows,
        "unplaced": unplaced,
        "workers": workers,
        "total_open": sum(r["open"] for r in counts.values()),
        "total_overdue": sum(r["overdue"] for r in counts.values()),
    }


# Dates typed into a filter are clamped to these, so 0001-01-01 or 9999-12-31 cannot overflow a
# datetime (a 500) when turned into an instant and converted to UTC.
_FIRST_DAY, _LAST_DAY = dt.date(1900, 1, 1), dt.date(9000, 1, 1)


def start_of_day(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in local time."""
    day = min(max(day, _FIRST_DAY), _LAST_DAY)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in local time: "as of the end of day" means before this."""
    day = min(max(day, _FIRST_DAY), _LAST_DAY)
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def placed_on_q(day: dt.date, prefix: str = "") -> Q:
    """Decisions in force at the end of ``day``: made by then and not ended by then.

    A stay in a group is one GroupDecision row (decided_at .. ended_at), so the placements of a
    past day are rebuilt from the rows alone, whatever happened since."""
    cutoff = end_of_day(day)
    return Q(**{f"{prefix}decided_at__lt": cutoff}) & (
        Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gte": cutoff})
    )


def members_on(day: dt.date, group: str | None = None):
    """Unscoped decisions in force at the end of ``day`` (optionally of one group); callers scope."""
    decisions = GroupDecision.objects.filter(placed_on_q(day))
    return decisions if group in (None, "", ANY_GROUP) else decisions.filter(group=group)


ANY_GROUP = "any"
