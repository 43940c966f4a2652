from django.db.models import Case, IntegerField, Prefetch, Q, Value, When

from .models import Pairing


def paired_household_ids(user):
    """Households a volunteer may see: open pairings of the active teams they belong to."""
    return Pairing.objects.filter(
        ended_on__isnull=True,
        team__is_active=True,
        team__members__user=user,
        team__members__is_active=True,
    ).values("household_id")


def for_visit(households, user):
    """What a visit page or the volunteer API shows of each household, in a fixed number of
    queries: town and community, the members still on record (``visit_members``) with their
    current groups (``current_group_list``), and the user's own open pairings (``my_pairings``)."""
    from assessments.models import GroupDecision
    from households.choices import PersonStatus
    from households.models import Person

    members = (
        Person.objects.exclude(status=PersonStatus.ARCHIVED)
        .annotate(
            is_head=Case(When(relation="head", then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("is_head", "birth_date", "id")
        .prefetch_related(
            Prefetch(
                "group_decisions",
                queryset=GroupDecision.objects.filter(active=True).only("id", "person_id", "group"),
                to_attr="current_group_list",
            )
        )
    )
    pairings = Pairing.objects.filter(
        ended_on__isnull=True,
        team__is_active=True,
        team__members__user=user,
        team__members__is_active=True,
    ).select_related("team")
    return households.select_related("town", "community").prefetch_related(
        Prefetch("members", queryset=members, to_attr="visit_members"),
        Prefetch("pairings", queryset=pairings, to_attr="my_pairings"),
    )


# ---------------------------------------------------------------------------------------------
# Schedules, queues and coverage: all set-based (visits/schedule.py)

STATES = ("required", "paired", "unpaired", "overdue", "elderly", "elderly_visited", "elderly_unvisited")
QUEUE_STATES = (*STATES, "due_soon")  # the coverage page counts STATES; the queue lists these too
DUE_STATES = ("paired", "overdue", "due_soon")  # paired rows: each has a due date, the queue's order
DUE_SOON_DAYS = 7


def visit_households(user=None, *, today=None, freqs=None):
    """Active households that require visits (in the user's area), schedule-annotated, computed
    on the fly (visits/schedule.py): the oracle of the schedule table, and the demo's input."""
    import datetime as dt

    from households.choices import RecordStatus
    from households.models import Household

    from .schedule import frequencies_in_force, required_q, with_schedule

    today = today or dt.date.today()
    freqs = freqs if freqs is not None else frequencies_in_force(today)
    households = Household.objects.all() if user is None else Household.objects.restrict(user)
    households = households.filter(status=RecordStatus.ACTIVE).filter(required_q(freqs, user))
    return with_schedule(households, today, freqs)


def state_q(state: str, today, freqs=None, user=None) -> Q:
    """Households in a state, as sets narrowed to the user's area (schedule.area), computed on the
    fly: the oracle of schedule_q."""
    from assessments.choices import Group

    from .schedule import households_in, open_pairing_q, overdue_q, visits_since

    elderly = Q(pk__in=households_in([Group.ELDERLY], user=user))
    visited = Q(pk__in=visits_since(today.replace(day=1), user))
    return {
        "required": Q(),
        "paired": open_pairing_q(user),
        "unpaired": ~open_pairing_q(user),
        "overdue": overdue_q(today, freqs, user),
        "elderly": elderly,
        "elderly_visited": elderly & visited,
        "elderly_unvisited": elderly & ~visited,
    }[state]


def schedule_q(state: str, today, prefix: str = "") -> Q:
    """A state of the schedule table's rows (``prefix`` leads to the row), compared with today."""
    import datetime as dt

    first = today.replace(day=1)
    never_this_month = Q(**{f"{prefix}last_visit_on__lt": first}) | Q(
        **{f"{prefix}last_visit_on__isnull": True}
    )
    elderly = Q(**{f"{prefix}elderly": True})
    return {
        "required": Q(),
        "paired": Q(**{f"{prefix}paired": True}),
        "unpaired": Q(**{f"{prefix}paired": False}),
        "overdue": Q(**{f"{prefix}paired": True, f"{prefix}due_on__lt": today}),
        "due_soon": Q(
            **{
                f"{prefix}paired": True,
                f"{prefix}due_on__range": (today, today + dt.timedelta(DUE_SOON_DAYS)),
            }
        ),
        "elderly": elderly,
        "elderly_visited": elderly & Q(**{f"{prefix}last_visit_on__gte": first}),
        "elderly_unvisited": elderly & never_this_month,
    }[state]


def schedule_rows(user, *, state: str | None = None, today=None, team=None):
    """The queue: schedule rows (HouseholdSchedule) in the user's area (restrict: the row's own
    town and community columns; a volunteer, their paired households; None: the whole city), in
    a state (schedule_q; None: every row that requires visits), by due date then household. Read
    from the table first: the households are joined for the page's rows only (``for_page``), so
    a town's overdue page walks the index (town, due_on, household) and stops after the page."""
    import datetime as dt

    from .models import HouseholdSchedule

    rows = HouseholdSchedule.objects.all() if user is None else HouseholdSchedule.objects.restrict(user)
    if state is not None:
        rows = rows.filter(schedule_q(state, today or dt.date.today()))
    if team is not None:
        rows = rows.filter(household_id__in=team_household_ids(team))
    return rows.order_by("due_on", "household_id")


def team_household_ids(team):
    """Households of a team's open pairings (one column, for ``household_id__in``)."""
    return Pairing.objects.filter(team=team, ended_on__isnull=True).values("household_id")


def for_page(rows):
    """What a queue page shows of its rows: the household (named by its head: only the members'
    names and relations are read), town, community."""
    from households.models import Person

    members = Person.objects.only("id", "household_id", "name", "relation")
    return rows.select_related("household", "town", "community").prefetch_related(
        Prefetch("household__members", queryset=members)
    )


def coverage(user, *, level: str, today=None):
    """One row per community (level="community") or town: the counts behind the coverage page,
    in one grouped scan of the schedule table (each count a schedule_q state)."""
    import datetime as dt

    from django.db.models import Count

    from .models import HouseholdSchedule

    today = today or dt.date.today()
    field = "community" if level == "community" else "town"
    # Counted as n_<state>: "paired" and "elderly" are also the columns the filters read.
    counts = {f"n_{s}": Count("pk", filter=schedule_q(s, today)) for s in STATES if s != "required"}
    rows = (
        HouseholdSchedule.objects.restrict(user)
        .order_by()
        .values(field, f"{field}__name", f"{field}__code")
        .annotate(required=Count("pk"), **counts)
        .order_by(f"{field}__code")
    )
    return [_with_rate(_unprefixed(row), field) for row in rows]


def _unprefixed(row: dict) -> dict:
    return {k[2:] if k.startswith("n_") else k: v for k, v in row.items()}


def coverage_computed(user, *, level: str, today=None):
    """The same figures computed on the fly from visits, pairings and decisions (the oracle the
    tests hold the table to; slow on a big registry)."""
    import datetime as dt

    from django.db.models import Count

    from .schedule import frequencies_in_force

    today = today or dt.date.today()
    field = "community" if level == "community" else "town"
    freqs = frequencies_in_force(today)
    counts = {s: Count("pk", filter=state_q(s, today, freqs, user)) for s in STATES if s != "required"}
    rows = (
        visit_households(user, today=today, freqs=freqs)
        .order_by()
        .values(field, f"{field}__name", f"{field}__code")
        .annotate(required=Count("pk"), **counts)
        .order_by(f"{field}__code")
    )
    return [_with_rate(row, field) for row in rows]


def _with_rate(row: dict, field: str) -> dict:
    row["division_id"] = row[field]
    row["name"] = row[f"{field}__name"]
    row["rate"] = round(100 * row["elderly_visited"] / row["elderly"]) if row["elderly"] else None
    return row


def totals(rows: list[dict]) -> dict:
    keys = ("required", *[s for s in STATES if s != "required"])
    total = {k: sum(r[k] for r in rows) for k in keys}
    total["rate"] = round(100 * total["elderly_visited"] / total["elderly"]) if total["elderly"] else None
    return total


def person_times(user, *, since, until):
    """Person-times (人次) per service type: one per service of a visit, plus each activity's
    registered participants and others, under the service its kind counts as."""
    from django.db.models import Count, Sum

    from .choices import ACTIVITY_SERVICE, Service
    from .models import Activity, Visit, VisitService

    visits = Visit.objects.restrict(user).filter(visited_on__range=(since, until))
    result = dict.fromkeys(Service.values, 0)
    for row in VisitService.objects.filter(visit__in=visits).values("service").annotate(n=Count("id")):
        result[row["service"]] += row["n"]
    activities = Activity.objects.restrict(user).filter(held_on__range=(since, until))
    # Two queries: summing other_count over the participants join would count it once per participant.
    for row in activities.values("kind").annotate(n=Count("participants")):
        result[ACTIVITY_SERVICE[row["kind"]]] += row["n"]
    for row in activities.values("kind").annotate(n=Sum("other_count")):
        result[ACTIVITY_SERVICE[row["kind"]]] += row["n"] or 0
    return result


def teams_with_counts(teams):
    from django.db.models import Count, OuterRef, Subquery

    from .models import TeamMember

    def count_of(queryset):
        return Subquery(queryset.order_by().values("team").annotate(n=Count("id")).values("n")[:1])

    members = TeamMember.objects.filter(team=OuterRef("pk"), is_active=True)
    pairings = Pairing.objects.filter(team=OuterRef("pk"), ended_on__isnull=True)
    from django.db.models.functions import Coalesce

    return teams.annotate(
        member_count=Coalesce(count_of(members), 0), pairing_count=Coalesce(count_of(pairings), 0)
    )


def activities_with_counts(activities):
    from django.db.models import Count

    return activities.annotate(participant_count=Count("participants", distinct=True))
