"""Reads: who the employment drive is for, and the survey's progress per town."""

import datetime as dt
from functools import lru_cache

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Sum

from assessments.choices import Group
from assessments.models import GroupDecision
from assessments.retirement import add_months, has_retired
from core.scoping import HOUSEHOLD_SCOPES
from households import choices as hc
from households.models import AssistanceStatus, Division, Household, Person
from stats.selectors import area_filter

from . import choices as c
from .models import Placement, SurveyContact, SurveyShare, SurveyTally

TARGET_KINDS = (hc.AssistanceKind.DIBAO, hc.AssistanceKind.DIBIAN)
MIN_WORKING_AGE = 16


@lru_cache(maxsize=8)
def _oldest_working_birth(sex: str, on: dt.date) -> dt.date:
    """The earliest birth date of someone not yet retired on ``on`` (retirement moves later with
    the birth date, so the not-retired births are one open range: a bisection finds its start)."""
    lo, hi = add_months(on, -70 * 12), on  # retired at lo, not retired at hi
    while (hi - lo).days > 1:
        mid = lo + (hi - lo) / 2
        if has_retired(mid, sex, on):
            lo = mid
        else:
            hi = mid
    return hi


def working_age_q(on: dt.date | None = None, prefix: str = "") -> Q:
    on = on or dt.date.today()
    youngest = add_months(on, -MIN_WORKING_AGE * 12)
    return Q(**{f"{prefix}birth_date__lte": youngest}) & (
        Q(**{f"{prefix}sex": "male", f"{prefix}birth_date__gte": _oldest_working_birth("male", on)})
        | Q(**{f"{prefix}sex": "female", f"{prefix}birth_date__gte": _oldest_working_birth("female", on)})
    )


def in_unemployed_group() -> Q:
    """On PostgreSQL a correlated EXISTS per person (an index probe). The uncorrelated
    ``IN (subquery)`` that SQLite needs (a correlated EXISTS made it scan the statuses once per row:
    23 s for 7k people) becomes, once OR-ed with the household test at 1M persons, a subquery too
    big for a hashed lookup that PostgreSQL re-read for every person (minutes)."""
    decisions = GroupDecision.objects.filter(group=Group.UNEMPLOYED, active=True)
    if connection.vendor == "postgresql":
        return Q(Exists(decisions.filter(person_id=OuterRef("pk"))))
    return Q(pk__in=decisions.values("person_id"))


def household_holds(kinds=TARGET_KINDS, field: str = "household_id") -> Q:
    holders = AssistanceStatus.objects.current().filter(kind__in=kinds)
    if connection.vendor == "postgresql":
        return Q(Exists(holders.filter(person__household_id=OuterRef(field))))
    return Q(**{f"{field}__in": holders.values("person__household_id")})


def targets(queryset=None, on: dt.date | None = None):
    """People the drive is for: in the ``unemployed`` group, or working-age members of 低保 and
    低边 households (current members only)."""
    queryset = Person.objects.all() if queryset is None else queryset
    return queryset.exclude(status__in=hc.INACTIVE_PERSON_STATUSES).filter(
        in_unemployed_group() | (household_holds() & working_age_q(on))
    )


def listed_targets(queryset=None):
    """The targets as of the summary rows (``TargetShare``): the list pages and the API. The rows
    follow every write and are recomputed nightly (working age follows birthdays)."""
    queryset = Person.objects.all() if queryset is None else queryset
    return queryset.filter(employment_target__isnull=False)


def target_households(queryset=None, on: dt.date | None = None):
    queryset = Household.objects.all() if queryset is None else queryset
    return queryset.filter(pk__in=targets(on=on).values("household_id"))


SURVEY_STATES = {
    # state -> households whose contacts ...
    "surveyed": Q(),
    "on_site": Q(method=c.SurveyMethod.ON_SITE),
    "phone": Q(method=c.SurveyMethod.PHONE),
    "reached": ~Q(result=c.SurveyResult.NOT_REACHED),
}


def surveyed(state: str = "surveyed", since: dt.date | None = None):
    """Exists(contact of the outer household) for a survey state; ``since`` limits the period."""
    contacts = SurveyContact.objects.filter(SURVEY_STATES[state], household_id=OuterRef("pk"))
    if since:
        contacts = contacts.filter(contacted_on__gte=since)
    return Exists(contacts)


def raw_households_in_state(queryset, state: str, since: dt.date | None = None):
    """The households behind one number of the survey page, decided from the registry (the
    reference the summary rows are tested against)."""
    base = target_households(queryset)
    if state == "target":
        return base
    if state == "not_surveyed":
        return base.filter(~surveyed("surveyed", since))
    if state == "not_reached":
        return base.filter(surveyed("surveyed", since) & ~surveyed("reached", since))
    return base.filter(surveyed(state, since))


# The survey state of a household from its summary row: the last date of each kind of contact.
LAST_DATE = {
    "surveyed": "last_contact",
    "on_site": "last_on_site",
    "phone": "last_phone",
    "reached": "last_reached",
}


def _since_q(state: str, since: dt.date | None) -> Q:
    field = f"survey_share__{LAST_DATE[state]}"
    return Q(**{f"{field}__gte": since}) if since else Q(**{f"{field}__isnull": False})


def households_in_state(queryset, state: str, since: dt.date | None = None):
    """The households behind one number of the survey page, read from the summary rows."""
    base = queryset.filter(survey_share__persons__gt=0)
    if state == "target":
        return base
    if state == "not_surveyed":
        return base.exclude(_since_q("surveyed", since))
    if state == "not_reached":
        return base.filter(_since_q("surveyed", since)).exclude(_since_q("reached", since))
    return base.filter(_since_q(state, since))


PROGRESS_STATES = ("target", "surveyed", "on_site", "phone", "reached", "not_reached", "not_surveyed")


def raw_survey_progress(households, towns, since: dt.date | None = None) -> list[dict]:
    """One row per town (all of ``towns``, even with nothing yet): households per survey state,
    decided from the registry (areas the summary rows cannot express, and the tests' reference)."""
    base = target_households(households).annotate(
        s_any=surveyed("surveyed", since),
        s_on_site=surveyed("on_site", since),
        s_phone=surveyed("phone", since),
        s_reached=surveyed("reached", since),
    )
    rows = base.values("town_id").annotate(
        target=Count("id"),
        surveyed=Count("id", filter=Q(s_any=True)),
        on_site=Count("id", filter=Q(s_on_site=True)),
        phone=Count("id", filter=Q(s_phone=True)),
        reached=Count("id", filter=Q(s_reached=True)),
    )
    return _progress_table({row["town_id"]: row for row in rows.order_by()}, towns)


def survey_progress(user, towns, since: dt.date | None = None) -> list[dict]:
    """The survey page's table for ``user``'s area, from the summary rows: the communities'
    tallies, or with ``since`` the target households' last contact dates."""
    area = tally_area(user)
    if area is None:
        return raw_survey_progress(Household.objects.restrict(user), towns, since)
    if since is None:
        rows = (
            SurveyTally.objects.filter(area)
            .values("town_id")
            .annotate(**{state: Sum(field) for state, field in TALLY_SUMS.items()})
        )
    else:
        rows = (
            SurveyShare.objects.filter(area)
            .values("town_id")
            .annotate(
                target=Count("pk"),
                **{
                    state: Count("pk", filter=Q(**{f"{field}__gte": since}))
                    for state, field in LAST_DATE.items()
                },
            )
        )
    return _progress_table({row["town_id"]: row for row in rows.order_by()}, towns)


TALLY_SUMS = {
    "target": "households",
    "surveyed": "surveyed",
    "on_site": "on_site",
    "phone": "phone",
    "reached": "reached",
}


def tally_area(user) -> Q | None:
    """The summary rows inside the user's area, or None when the rows cannot express it (a grid
    worker, a role that sees a set of households): then the page counts from the registry."""
    if user.is_authenticated and not user.is_superuser and user.role in HOUSEHOLD_SCOPES:
        return None
    return area_filter(user)


def _progress_table(by_town: dict, towns) -> list[dict]:
    table = []
    for town in towns:
        row = by_town.get(town.pk, {})
        counts = {state: row.get(state) or 0 for state in ("target", *LAST_DATE)}
        counts["not_reached"] = counts["surveyed"] - counts["reached"]
        counts["not_surveyed"] = counts["target"] - counts["surveyed"]
        counts["rate"] = round(100 * counts["surveyed"] / counts["target"]) if counts["target"] else None
        table.append({"town": town, **counts})
    return table


def progress_totals(table: list[dict]) -> dict:
    totals = {state: sum(row[state] for row in table) for state in PROGRESS_STATES}
    totals["rate"] = round(100 * totals["surveyed"] / totals["target"]) if totals["target"] else None
    return totals


def visible_towns(user):
    """All 23 towns for city-wide roles; the user's own town for town and community workers."""
    towns = Division.objects.towns().order_by("code")
    if user.sees_whole_city:
        return towns
    town = user.division.town if user.division_id else None
    return towns.filter(pk=town.pk) if town else towns.none()


def served_days(person_id: int, *, exclude_pk: int | None = None) -> int:
    """Days a person has already held public-welfare posts (active ones up to their planned end)."""
    total = 0
    rows = Placement.objects.filter(person_id=person_id)
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    for start, end, planned in rows.values_list("start_date", "end_date", "planned_end"):
        total += ((end or planned) - start).days
    return total
