"""The scoping world: one household (with a head and a current status) in each of four areas."""

from dataclasses import dataclass

import pytest

from accounts.choices import Role
from households.models import AssistanceStatus, Division, Household, Person
from tests.factories import (
    AssistanceStatusFactory,
    HouseholdFactory,
    PersonFactory,
    UserFactory,
    community,
    town,
)


@dataclass
class Area:
    household: Household
    person: Person
    status: AssistanceStatus
    division: Division

    def object_of(self, model):
        return {
            Household: self.household,
            Person: self.person,
            AssistanceStatus: self.status,
            Division: self.division,
        }[model]


def _area(household: Household) -> Area:
    person = household.head or PersonFactory(household=household)
    status = AssistanceStatusFactory(person=person)
    return Area(household=household, person=person, status=status, division=household.community)


@pytest.fixture
def world(household) -> dict[str, Area]:
    """huayuan_paired is the volunteer's paired household (tests/conftest.py ``household``)."""
    return {
        "huayuan_paired": _area(household),
        "huayuan_other": _area(HouseholdFactory(community=community("花苑社区"))),
        "zhuyuan": _area(HouseholdFactory(community=community("竹苑社区"), address="竹苑路1号")),
        "yanzhou": _area(HouseholdFactory(community=community("烟洲社区"), address="烟洲路1号")),
    }


@pytest.fixture
def xiqu_viewer(db):
    """A read-only manager whose area is one town (西区): read-only AND area-scoped."""
    return UserFactory(username="xiqu_viewer", role=Role.CITY_MANAGER, division=town("西区街道"))
