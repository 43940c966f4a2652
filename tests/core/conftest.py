"""The scoping world: one household (with a head and a current status) in each of four areas."""

import datetime as dt
from dataclasses import dataclass

import pytest

from accounts.choices import Role
from assessments.models import GroupDecision
from assistance.models import CarePlan, CatalogItem, Need, PlanAction, Recommendation
from households.models import AssistanceStatus, Division, Household, Person
from tests.factories import (
    AssistanceStatusFactory,
    HouseholdFactory,
    PersonFactory,
    TeamFactory,
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
    # Needs, pushes and plans (issue 11): one of each, and a second household of the same
    # community without a plan (a new plan needs a household with none in preparation).
    need: Need
    recommendation: Recommendation
    plan: CarePlan
    action: PlanAction
    team: object
    spare: Household

    def object_of(self, model):
        return {
            Household: self.household,
            Person: self.person,
            AssistanceStatus: self.status,
            Division: self.division,
            Need: self.need,
            Recommendation: self.recommendation,
            CarePlan: self.plan,
            PlanAction: self.action,
        }[model]


def _area(household: Household) -> Area:
    person = household.head or PersonFactory(household=household)
    status = AssistanceStatusFactory(person=person)
    author = UserFactory(role=Role.ADMIN)
    # An elderly placement: the person page proposes a 基本生活 need (the accept URL writes one).
    GroupDecision.objects.create(
        person=person, group="elderly", rule_version="t", params_version="t", fingerprint=1
    )
    need = Need.objects.create(
        household=household,
        person=person,
        domain="care",
        description="需要照料",
        source="visit",
        recorded_by=author,
    )
    item = CatalogItem.objects.get(code="meal_help")
    recommendation = Recommendation.objects.create(household=household, person=person, item=item)
    from stats import uptake

    uptake.recount([household.community_id])  # written past the push: count it as a push would
    review_on, due_on = dt.date.today() + dt.timedelta(days=60), dt.date.today() + dt.timedelta(days=30)
    # A plan in force (its action can be finished) and its next version in draft (editable).
    in_force = CarePlan.objects.create(
        household=household, goals="目标", review_on=review_on, author=author, status="active"
    )
    action = PlanAction.objects.create(
        plan=in_force, description="送餐", due_on=due_on, owner=author, need=need
    )
    plan = CarePlan.objects.create(
        household=household, goals="目标", review_on=review_on, author=author, edition=2, previous=in_force
    )
    PlanAction.objects.create(plan=plan, description="助洁", due_on=due_on, owner=author)
    return Area(
        household=household,
        person=person,
        status=status,
        division=household.community,
        need=need,
        recommendation=recommendation,
        plan=plan,
        action=action,
        team=TeamFactory(division=household.community),
        spare=HouseholdFactory(community=household.community, address=f"{household.address}之二"),
    )


@pytest.fixture
def world(household) -> dict[str, Area]:
    return make_world(household)


def make_world(household) -> dict[str, Area]:
    """huayuan_paired is the volunteer's paired household (tests/conftest.py ``household``)."""
    return {
        "huayuan_paired": _area(household),
        "huayuan_other": _area(HouseholdFactory(community=community("花苑社区"))),
        "zhuyuan": _area(HouseholdFactory(community=community("竹苑社区"), address="竹苑路1号")),
        "yanzhou": _area(HouseholdFactory(community=community("烟洲社区"), address="烟洲路1号")),
    }


@pytest.fixture
def xiqu_viewer(db):
    return make_xiqu_viewer()


def make_xiqu_viewer():
    """A read-only manager whose area is one town (西区): read-only AND area-scoped."""
    return UserFactory(username="xiqu_viewer", role=Role.CITY_MANAGER, division=town("西区街道"))
