"""The targets list sorted by age reads the birth dates on the summary rows (one partial index
per basis): the same order as sorting the people themselves by birth date."""

import pytest

from assessments import screening
from households import choices as hc
from households.models import Person
from tests.factories import HouseholdFactory, community

from .conftest import jobless

pytestmark = pytest.mark.django_db


@pytest.fixture
def targets(db):
    """低保 targets of several ages, two born on the same day (the id breaks the tie)."""
    people = []
    for age in (22, 35, 35, 47, 58):
        household = HouseholdFactory(community=community("花苑社区"))
        people.append(jobless(household=household, age=age))
    people.append(jobless("烟洲社区", age=30, kind=hc.AssistanceKind.DIBIAN))
    screening.rescreen(everyone=True)
    return people


def listed(client, **query) -> list[int]:
    return [p.pk for p in client.get("/employment/", {"basis": "dibao", **query}).context["object_list"]]


@pytest.mark.parametrize("sort", ["age", "-age"])
def test_age_sort_is_the_persons_birth_order(login, admin_user, targets, sort):
    expected = Person.objects.filter(employment_target__dibao=True)
    if sort == "age":  # youngest first: latest birth, then the newest id
        expected = expected.order_by("-birth_date", "-id")
    else:
        expected = expected.order_by("birth_date", "id")
    shown = listed(login(admin_user), sort=sort)
    assert shown == list(expected.values_list("pk", flat=True))
    assert len(shown) == 5  # the 低边 target is not on the 低保 list


def test_age_sort_keeps_the_area_scope(login, dongqu, targets):
    shown = listed(login(dongqu), sort="age")
    assert set(shown) == {p.pk for p in targets[:5]}  # 花苑 is in 东区
