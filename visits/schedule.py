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


def required_q(freqs: dict) -> Q:
    """Households with a current member in a group that has a visit frequency."""
    groups = sorted({g for g, _t in freqs})
    return Q(Exists(_decisions().filter(group__in=groups)))


def open_pairing_q() -> Q:
    from .models import Pairing

    return Q(Exists(Pairing.objects.filter(household=OuterRef("pk"), ended_on__isnull=True)))


def with_schedule(households, today: dt.date, freqs: dict | None = None):
    """Annotate what the due date is made of: last visit, pairing start, interval, threshold
    (today - interval), the visitor's next date, and the latest major event's date."""
    from assessments.choices import AlertStatus, Tier
    from assessments.models import Alert

    from .models import Pairing, Visit

    freqs = freqs if freqs is not None else frequencies_in_force(today)
    visits = Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_on", "-id")
    alerts = Alert.objects.filter(
        person__household=OuterRef("pk"),
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


def _event_pending(field: str) -> Q:
    return Q(**{f"{field}__isnull": False}) & (
        Q(last_visit__isnull=True) | Q(**{f"{field}__gt": F("last_visit")})
    )


def overdue_q(today: dt.date) -> Q:
    """On schedule-annotated households: paired and past their due date (today is not late)."""
    day_before = today - dt.timedelta(days=1)
    routine = Q(threshold__isnull=False) & Q(visit_base__lt=F("threshold"))
    typed = Q(last_next_due__lt=today)
    risk = _event_pending("risk_on") & Q(risk_on__lt=day_before)
    alert = _event_pending("alert_on") & Q(alert_on__lt=day_before)
    return Q(paired_on__isnull=False) & (routine | typed | risk | alert)


@dataclass
class Due:
    on: dt.date | None
    reason: str


def due_of(household) -> Due:
    """The due date of one annotated household (for the rows on a page; no query)."""
    base = household.last_visit or household.paired_on
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
