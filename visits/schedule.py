"""When each paired household is due a visit, computed by the database for a whole set at once.

A household is due ``interval`` days after its last visit (or after the pairing began, if never
visited), where ``interval`` is the strictest frequency in force over its members' current groups
and tiers (VisitFrequency, dated data). A visitor may set an earlier next date on the visit. A
major event after the last visit (a new high-risk placement, a verified and confirmed alert)
makes it due the day after the event (within 24 hours).

Rather than adding a variable number of days to a date (which SQLite and PostgreSQL spell
differently), each frequency becomes a constant threshold date: "overdue on day D" is
"last visit < D - interval", and the strictest interval is the largest threshold.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .choices import DueReason


def frequencies_in_force(day: dt.date) -> dict[tuple[str, str], int]:
    """{(group, tier): interval days} of the rows in force on ``day`` (latest effective_from)."""
    from .models import VisitFrequency

    rows = VisitFrequency.objects.filter(effective_from__lte=day).order_by("group", "tier", "-effective_from")
    found: dict[tuple[str, str], int] = {}
    for row in rows.values_list("group", "tier", "interval_days"):
        found.setdefault((row[0], row[1]), row[2])
    return found


def _decisions():
    from assessments.models import GroupDecision
    from households.choices import PersonStatus

    return GroupDecision.objects.filter(
        person__household=OuterRef("pk"), active=True, person__status=PersonStatus.ACTIVE
    )


def _per_household(queryset, expression):
    """One aggregate of ``queryset`` per outer household, as a scalar subquery."""
    return Subquery(queryset.order_by().values("person__household").annotate(v=expression).values("v")[:1])


def _case(freqs: dict, value_of) -> Case:
    whens = [When(group=g, tier=t, then=Value(value_of(days))) for (g, t), days in freqs.items()]
    field = DateField() if isinstance(value_of(1), dt.date) else IntegerField()
    return Case(*whens, default=Value(None), output_field=field)


# The sets below are uncorrelated subqueries (``pk__in``): the database computes each once for
# the whole query and probes it per household (a hashed subplan or a semi-join), which also holds
# inside an aggregate's FILTER on the coverage page, where a correlated EXISTS runs per row.


def area(queryset, user, prefix: str):
    """Narrow a set to the user's area (``prefix`` leads to the household), so a town's queue
    builds the town's sets, not the city's. No user: the whole city (reminders, demo)."""
    from core.scoping import area_q

    return queryset if user is None else queryset.filter(area_q(user, prefix))


def households_in(groups=None, tiers: Q | None = None, user=None):
    """Ids of households with a current member in these groups (or these (group, tier) pairs)."""
    from assessments.models import GroupDecision
    from households.choices import PersonStatus

    decisions = GroupDecision.objects.filter(active=True, person__status=PersonStatus.ACTIVE)
    decisions = area(decisions, user, "person__household__")
    if groups is not None:
        decisions = decisions.filter(group__in=groups)
    if tiers is not None:
        decisions = decisions.filter(tiers)
    return decisions.values("person__household_id")


def required_q(freqs: dict, user=None) -> Q:
    """Households with a current member in a group that has a visit frequency."""
    return Q(pk__in=households_in(sorted({g for g, _t in freqs}), user=user))


def open_pairing_q(user=None) -> Q:
    from .models import Pairing

    pairings = area(Pairing.objects.filter(ended_on__isnull=True), user, "household__")
    return Q(pk__in=pairings.values("household_id"))


def visits_since(day: dt.date, user=None):
    from .models import Visit

    return area(Visit.objects.filter(visited_on__gte=day), user, "household__").values("household_id")


def with_schedule(households, today: dt.date, freqs: dict | None = None):
    """Annotate what the due date is made of: last visit, pairing start, interval, threshold
    (today - interval), the visitor's next date, and the latest major event's date."""
    from assessments.choices import AlertStatus, Tier
    from assessments.models import Alert

    from .models import Pairing, Visit

    freqs = freqs if freqs is not None else frequencies_in_force(today)
    visits = Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_on", "-id")
    alerts = Alert.objects.filter(
        confirmed=True,
        status__in=[AlertStatus.VERIFIED, AlertStatus.HANDLED, AlertStatus.CLOSED],
        verified_at__isnull=False,
    )
    annotated = households.annotate(
        last_visit=Subquery(visits.values("visited_on")[:1]),
        last_next_due=Subquery(visits.values("next_due_on")[:1]),
        paired_on=Subquery(
            Pairing.objects.filter(household=OuterRef("pk"), ended_on__isnull=True)
            .order_by("started_on")
            .values("started_on")[:1]
        ),
        interval=_per_household(_decisions(), Min(_case(freqs, lambda d: d))),
        threshold=_per_household(_decisions(), Max(_case(freqs, lambda d: today - dt.timedelta(days=d)))),
        risk_on=_per_household(_decisions().filter(tier=Tier.HIGH_RISK), Max(TruncDate("decided_at"))),
        alert_on=_per_household(alerts, Max(TruncDate("verified_at"))),
    )
    return annotated.annotate(visit_base=Coalesce("last_visit", "paired_on"))


def overdue_q(today: dt.date, freqs: dict | None = None, user=None) -> Q:
    """Paired households past their due date (a visit due today is not late yet).

    For each interval d in force: the household has a member in a (group, tier) of interval d, no
    visit in the last d days, and an open pairing older than d days (a new pairing has d days for
    its first visit). A household late under its strictest interval is late under that term, and
    late under a laxer one only if late under the strictest too. Plus a next date the last visitor
    set that has passed, and a major event left unvisited for more than a day.
    """
    from .models import Pairing

    freqs = freqs if freqs is not None else frequencies_in_force(today)
    by_interval: dict[int, Q] = {}
    for (group, tier), days in freqs.items():
        by_interval[days] = by_interval.get(days, Q(pk__in=[])) | Q(group=group, tier=tier)
    routine = Q(pk__in=[])
    for days, tiers in sorted(by_interval.items()):
        since = today - dt.timedelta(days=days)
        paired_before = area(
            Pairing.objects.filter(ended_on__isnull=True, started_on__lt=since), user, "household__"
        )
        routine |= (
            Q(pk__in=households_in(tiers=tiers, user=user))
            & ~Q(pk__in=visits_since(since, user))
            & Q(pk__in=paired_before.values("household_id"))
        )
    return routine | _typed_late(today, user) | _events_late(today, user)


def _typed_late(today: dt.date, user=None) -> Q:
    """The last visit named a next date that has passed."""
    from .models import Visit

    # Correlate through an annotation: inside ``pk__in`` an OuterRef to a field is resolved
    # against the outermost query (the households), which makes the set per household again.
    later = Visit.objects.filter(household_id=OuterRef("hid"), visited_on__gt=OuterRef("day"))
    late = area(Visit.objects.filter(next_due_on__lt=today), user, "household__")
    late = late.annotate(hid=F("household_id"), day=F("visited_on")).filter(~Exists(later))
    return Q(pk__in=late.values("hid")) & open_pairing_q(user)


def _events_late(today: dt.date, user=None) -> Q:
    """A major event before yesterday with no visit on or after its day (due within 24 hours)."""
    from assessments.choices import AlertStatus, Tier
    from assessments.models import Alert, GroupDecision

    from .models import Visit

    cutoff = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=1), dt.time()))
    visit_since = Visit.objects.filter(household_id=OuterRef("hid"), visited_on__gte=OuterRef("day"))
    risk = (
        area(GroupDecision.objects.all(), user, "person__household__")
        .filter(active=True, tier=Tier.HIGH_RISK, decided_at__lt=cutoff)
        .annotate(hid=F("person__household_id"), day=TruncDate("decided_at"))
        .filter(~Exists(visit_since))
        .values("hid")
    )
    alerts = Alert.objects.filter(
        confirmed=True,
        status__in=[AlertStatus.VERIFIED, AlertStatus.HANDLED, AlertStatus.CLOSED],
        verified_at__lt=cutoff,
    )
    alerts = area(alerts, user, "person__household__")
    alerts = alerts.annotate(hid=F("person__household_id"), day=TruncDate("verified_at"))
    events = Q(pk__in=risk) | Q(pk__in=alerts.filter(~Exists(visit_since)).values("hid"))
    return events & open_pairing_q(user)


@dataclass
class Due:
    on: dt.date | None
    reason: str


def due_from_row(household) -> Due:
    """The due date of a schedule row (selectors.schedule_rows)."""
    return Due(household.due_on, DueReason(household.due_reason or DueReason.NEVER))


def due_of(household) -> Due:
    """The due date of one annotated household (for the rows on a page; no query)."""
    base = max((d for d in (household.last_visit, household.paired_on) if d), default=None)
    if base is None or household.interval is None:
        return Due(None, DueReason.NEVER)
    candidates = [
        (
            base + dt.timedelta(days=household.interval),
            DueReason.ROUTINE if household.last_visit else DueReason.NEVER,
        )
    ]
    if household.last_next_due:
        candidates.append((household.last_next_due, DueReason.ROUTINE))
    for event in (household.risk_on, household.alert_on):
        if event and (household.last_visit is None or event > household.last_visit):
            candidates.append((event + dt.timedelta(days=1), DueReason.EVENT))
    on, reason = min(candidates)
    return Due(on, reason)


# ---------------------------------------------------------------------------------------------
# The schedule table (HouseholdSchedule): the same facts, written once per change, read by index


def schedule_facts(today: dt.date, freqs: dict, household_ids=None):
    """One row of facts per active household that requires visits (``household_ids``: only
    these): what with_schedule annotates, whether a member is elderly, and the earliest major
    event left unvisited (overdue_q's events: any of them late makes the household late)."""
    from assessments.choices import AlertStatus, Group, Tier
    from assessments.models import Alert, GroupDecision
    from households.choices import RecordStatus
    from households.models import Household

    households = Household.objects.filter(status=RecordStatus.ACTIVE).filter(required_q(freqs))
    if household_ids is not None:
        households = households.filter(pk__in=household_ids)
    facts = with_schedule(households, today, freqs)
    after = Coalesce(OuterRef("last_visit"), Value(dt.date(1, 1, 1)))
    risk = (
        GroupDecision.objects.filter(person__household=OuterRef("pk"), active=True, tier=Tier.HIGH_RISK)
        .annotate(day=TruncDate("decided_at"))
        .filter(day__gt=after)
    )
    alerts = (
        Alert.objects.filter(
            person__household=OuterRef("pk"),
            confirmed=True,
            status__in=[AlertStatus.VERIFIED, AlertStatus.HANDLED, AlertStatus.CLOSED],
            verified_at__isnull=False,
        )
        .annotate(day=TruncDate("verified_at"))
        .filter(day__gt=after)
    )

    def first_day(queryset):
        return Subquery(
            queryset.order_by().values("person__household").annotate(v=Min("day")).values("v")[:1]
        )

    return facts.annotate(
        risk_first=first_day(risk),
        alert_first=first_day(alerts),
        elderly=Exists(_decisions().filter(group=Group.ELDERLY)),
        # Named columns: the SQL around this query refers to them by these names.
        hid=F("pk"),
        hid_town=F("town_id"),
        hid_community=F("community_id"),
    ).values_list(
        "hid",
        "hid_town",
        "hid_community",
        "paired_on",
        "interval",
        "last_visit",
        "last_next_due",
        "risk_first",
        "alert_first",
        "elderly",
    )


FAR = "9999-12-31"
INTERVAL = 'f."interval"'  # a keyword in PostgreSQL: quoted


def _sql_dialect(vendor: str):
    """(add days to a date, the least of non-null dates as FAR-padded, a date literal)."""
    if vendor == "postgresql":
        return (lambda d, n: f"({d} + ({n})::integer)", "LEAST", lambda s: f"DATE '{s}'")
    return (lambda d, n: f"date({d}, '+' || ({n}) || ' days')", "MIN", lambda s: f"'{s}'")


def schedule_select_sql(facts_sql: str, vendor: str) -> str:
    """The table's columns from the facts (schedule_facts), as due_of reads them: due on the
    earliest of (base + interval, the visitor's next date, the day after an unvisited event),
    where base is the later of the last visit and the pairing; the reason as due_of ties it."""
    add_days, least, date = _sql_dialect(vendor)
    far = date(FAR)

    def pad(expr):
        return f"COALESCE({expr}, {far})"

    base = (
        "CASE WHEN f.last_visit IS NULL THEN f.paired_on "
        "WHEN f.paired_on IS NULL OR f.last_visit >= f.paired_on THEN f.last_visit ELSE f.paired_on END"
    )
    event = f"NULLIF({least}({pad('f.risk_first')}, {pad('f.alert_first')}), {far})"
    step = (
        f'SELECT f.hid AS id, f.hid_town AS town_id, f.hid_community AS community_id, f.paired_on, f."interval", f.last_visit, '
        f"f.last_next_due, f.elderly, {event} AS event_on, "
        f"{add_days(f'({base})', INTERVAL)} AS routine_on "
        f"FROM ({facts_sql}) f"
    )
    event_due = add_days("g.event_on", "1")
    due = f"NULLIF({least}({pad('g.routine_on')}, {pad('g.last_next_due')}, {pad(event_due)}), {far})"
    return (
        f'SELECT h.id, h.town_id, h.community_id, h.paired, h.paired_on, h."interval", h.last_visit, '
        f"h.last_next_due, h.event_on, h.elderly, h.due_on, CASE WHEN h.due_on IS NULL THEN 'never' "
        f"WHEN h.due_on = h.event_due THEN 'event' "
        f"WHEN h.last_visit IS NULL THEN 'never' ELSE 'routine' END "
        f"FROM (SELECT g.id, g.town_id, g.community_id, g.paired_on IS NOT NULL AS paired, g.paired_on, "
        f'g."interval", g.last_visit, g.last_next_due, g.event_on, g.elderly, {due} AS due_on, '
        f"{event_due} AS event_due FROM ({step}) g) h"
    )
