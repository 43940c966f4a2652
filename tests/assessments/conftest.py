"""Screening fixtures: a fixed reference date and helpers to build people with given facts."""

import datetime as dt

import pytest

from assessments import screening
from assessments.models import GroupDecision
from households import choices as hc
from tests.factories import AssistanceStatusFactory, HouseholdFactory, PersonFactory, community

# A fixed screening day in the past (ID numbers may not be born in the future).
ON = dt.date(2026, 6, 15)


def born(age: int, *, days_later: int = 0) -> dt.date:
    """Birth date of someone exactly ``age`` on ON (``days_later=1``: turns ``age`` tomorrow).

    Plain calendar arithmetic on the literal ON (15 June: no leap day to handle), not
    rules.years_before: the rule tables must not build their inputs with the code under test.
    """
    return dt.date(ON.year - age, ON.month, ON.day) + dt.timedelta(days=days_later)


def make_person(
    *,
    age: int | None = None,
    birth: dt.date | None = None,
    male: bool = True,
    household=None,
    low_income: bool = False,
    household_fields: dict | None = None,
    **fields,
):
    if household is None:
        household = HouseholdFactory(community=community("花苑社区"), **(household_fields or {}))
    person = PersonFactory(household=household, birth=birth or born(age), male=male, **fields)
    if low_income:
        AssistanceStatusFactory(person=person, kind=hc.AssistanceKind.DIBAO)
    return person


def groups_of(person) -> dict[str, str]:
    return dict(GroupDecision.objects.filter(person=person, active=True).values_list("group", "tier"))


@pytest.fixture
def rescreen():
    """Re-screen everyone on ON (or another day)."""

    def run(on: dt.date = ON, **kwargs):
        if not kwargs:
            kwargs["everyone"] = True
        return screening.rescreen(on=on, **kwargs)

    return run


@pytest.fixture
def already_screened(db):
    """A registry that had its first (baseline) screening: later changes get their own tasks."""
    make_person(age=30, household=HouseholdFactory(community=community("烟洲社区")))
    screening.rescreen(everyone=True, on=ON)
