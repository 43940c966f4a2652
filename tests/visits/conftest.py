import datetime as dt

import pytest

from assessments.models import GroupDecision
from tests.factories import HouseholdFactory, PersonFactory, TeamFactory, community
from visits.models import Pairing, Visit

TODAY = dt.date(2026, 6, 17)  # a Wednesday in mid-month


def in_group(household, group, tier="", decided_at=None):
    person = household.head or PersonFactory(household=household)
    return GroupDecision.objects.create(
        person=person,
        group=group,
        tier=tier,
        rule_version="t",
        params_version="t",
        fingerprint=1,
        **({"decided_at": decided_at} if decided_at else {}),
    )


def visited(household, on, *, user, next_due_on=None):
    return Visit.objects.create(
        household=household, visited_on=on, method="home", recorded_by=user, next_due_on=next_due_on
    )


@pytest.fixture
def team(db):
    return TeamFactory(name="花苑关爱队")


@pytest.fixture
def make_household(db, team):
    def make(group="elderly", tier="", *, paired_on=dt.date(2026, 1, 1), name="花苑社区", decided_at=None):
        household = HouseholdFactory(community=community(name))
        PersonFactory(household=household)
        if group:
            in_group(household, group, tier, decided_at)
        if paired_on:
            Pairing.objects.create(team=team, household=household, started_on=paired_on)
        return household

    return make
