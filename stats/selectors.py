"""Reads of the summary rows, area-scoped: the home page, the groups page and (issue #14) the
managers' dashboards read counts here, never by counting the registry.

Every function takes the user (their area decides which communities are summed) and optionally
narrows to a town or community inside it. A user whose area the rows cannot express (a grid
worker) or who sees no area (a volunteer) gets ``None`` from ``area_filter`` and the callers
count the few rows of their area directly (``raw_*``: also the reference the tests compare with).
"""

from django.db.models import Count, Q, Sum

from households import choices as hc

from .models import ANY, HouseholdTally, PersonTally, TallyRun


def area_filter(user, *, town_id: int | None = None, community_id: int | None = None) -> Q | None:
    """The summary rows inside the user's area (and the chosen town/community), or None.
    None also for the joint meeting's case roles (secretariat, liaisons): they see the households
    of their cases, whatever division their account names, never an area's figures."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_volunteer:
        return None
    if getattr(user, "is_case_role", False):
        return None
    if user.sees_whole_city:
        area = Q()
    else:
        division = user.division
        if division is None or division.level not in ("town", "community"):
            return None
        area = Q(**{f"{division.level}_id": division.pk})
    if town_id is not None:
        area &= Q(town_id=town_id)
    if community_id is not None:
        area &= Q(community_id=community_id)
    return area


def _sum(rows, field: str) -> int:
    return rows.aggregate(n=Sum(field))["n"] or 0


def person_count(
    area: Q, *, group: str = ANY, kind: str = ANY, status: str | None = hc.PersonStatus.ACTIVE
) -> int:
    """Persons in the area (in ``group``, holding ``kind``; of ``status``, None = any status)."""
    rows = PersonTally.objects.filter(area, group=group, kind=kind)
    return _sum(rows if status is None else rows.filter(person_status=status), "persons")


def counts_by(area: Q, field: str, *, group: str | None = ANY, kind: str | None = ANY, status=None) -> dict:
    """{value of ``field``: persons} over the area, e.g. ``counts_by(area, "group", group=None)``
    gives persons per group; ``field`` may be "group", "kind", "town_id", "community_id"...
    ``group``/``kind`` None means "each group/kind" (the "" rows left out)."""
    # Rows a write emptied stay until the next full recount (stats.services): not a value here.
    rows = PersonTally.objects.filter(area, persons__gt=0)
    rows = rows.exclude(group=ANY) if group is None else rows.filter(group=group)
    rows = rows.exclude(kind=ANY) if kind is None else rows.filter(kind=kind)
    if status is not None:
        rows = rows.filter(person_status=status)
    return dict(rows.values_list(field).annotate(n=Sum("persons")).order_by())


def household_count(area: Q, *, status: str = hc.RecordStatus.ACTIVE) -> int:
    return _sum(HouseholdTally.objects.filter(area, status=status), "households")


def home_counts(user) -> dict | None:
    """The home page's counters, or None when the user's area is not summarised."""
    area = area_filter(user)
    if area is None:
        return None
    active = PersonTally.objects.filter(area, group=ANY, kind=ANY, person_status=hc.PersonStatus.ACTIVE)
    totals = active.aggregate(persons=Sum("persons"), review=Sum("review"))
    return {
        "households": household_count(area),
        "persons": totals["persons"] or 0,
        "review": totals["review"] or 0,
        "statuses": counts_by(area, "kind", kind=None),
    }


def group_counts(user) -> dict | None:
    """Persons currently in each group (any person status, as the decisions list shows)."""
    area = area_filter(user)
    return None if area is None else counts_by(area, "group", group=None)


def last_full_run() -> TallyRun | None:
    return TallyRun.objects.order_by("-finished_at", "-id").first()


# --- the same figures counted from the registry (small areas, and the tests' reference) ----------


def raw_home_counts(user) -> dict:
    from households.models import AssistanceStatus, Household, Person

    persons = Person.objects.restrict(user).filter(status=hc.PersonStatus.ACTIVE)
    return {
        "households": Household.objects.restrict(user).filter(status=hc.RecordStatus.ACTIVE).count(),
        "persons": persons.count(),
        "review": persons.filter(needs_review=True).count(),
        "statuses": dict(
            AssistanceStatus.objects.restrict(user)
            .current()
            .values_list("kind")
            .annotate(n=Count("person_id", distinct=True))
            .order_by()
        ),
    }


def raw_group_counts(user) -> dict:
    from assessments.models import GroupDecision

    return dict(
        GroupDecision.objects.restrict(user)
        .filter(active=True)
        .values_list("group")
        .annotate(n=Count("id"))
        .order_by()
    )
