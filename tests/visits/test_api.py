"""The visits API: the idempotency key, volunteers recording visits of paired households only,
bad input as a Chinese 400, pairing end, coverage figures."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from households.hooks import households_written
from tests.factories import HouseholdFactory, TeamFactory, community
from visits.models import Pairing, Visit

from .conftest import in_group

pytestmark = pytest.mark.django_db
TODAY = dt.date.today().isoformat()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _visit(household, **extra):
    return {
        "household": household.pk,
        "visited_on": TODAY,
        "method": "home",
        "services": ["condolence"],
        **extra,
    }


def test_the_same_key_records_one_visit(volunteer, household):
    client = api(volunteer)
    first = client.post(
        "/api/visits/", _visit(household), format="json", HTTP_IDEMPOTENCY_KEY="abcdef-123456"
    )
    second = client.post(
        "/api/visits/", _visit(household), format="json", HTTP_IDEMPOTENCY_KEY="abcdef-123456"
    )
    assert first.status_code == second.status_code == 201, first.content
    assert first.json()["id"] == second.json()["id"] and Visit.objects.count() == 1


def test_a_volunteer_cannot_record_an_unpaired_household(volunteer):
    other = HouseholdFactory(community=community("花苑社区"))
    response = api(volunteer).post("/api/visits/", _visit(other), format="json")
    assert response.status_code == 400 and not Visit.objects.exists()


def test_bad_visits_are_400_in_chinese(huayuan, household):
    response = api(huayuan).post(
        "/api/visits/", _visit(household, services=[], visited_on="2999-01-01"), format="json"
    )
    assert response.status_code == 400
    response = api(huayuan).post("/api/visits/", _visit(household, visited_on="2999-01-01"), format="json")
    assert response.status_code == 400 and "日期不能晚于" in str(response.json())  # core.validators
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    response = api(huayuan).post("/api/visits/", _visit(household, visited_on=tomorrow), format="json")
    assert response.status_code == 400 and "今天" in str(response.json())


def test_a_volunteer_cannot_edit_a_visit(volunteer, household, huayuan):
    visit_id = api(huayuan).post("/api/visits/", _visit(household), format="json").json()["id"]
    assert api(volunteer).patch(f"/api/visits/{visit_id}/", {"notes": "x"}, format="json").status_code in (
        403,
        404,
    )


def test_pairing_through_the_api_and_ending_it(huayuan, household):
    team = TeamFactory()
    created = api(huayuan).post(
        "/api/pairings/", {"team": team.pk, "household": household.pk, "started_on": TODAY}, format="json"
    )
    assert created.status_code == 201, created.content
    again = api(huayuan).post(
        "/api/pairings/", {"team": team.pk, "household": household.pk, "started_on": TODAY}, format="json"
    )
    assert again.status_code == 400 and "重复" in str(again.json())
    ended = api(huayuan).post(
        f"/api/pairings/{created.json()['id']}/end/", {"ended_on": TODAY, "reason": "搬离"}, format="json"
    )
    assert ended.status_code == 200 and Pairing.objects.get(pk=created.json()["id"]).ended_on is not None


def test_coverage_figures_through_the_api(huayuan, household):
    in_group(household, "elderly")
    households_written([household.pk])  # as screening does when it places someone
    body = api(huayuan).get("/api/visit-queue/coverage/").json()
    assert body["total"]["elderly"] == 1 and body["rows"][0]["name"] == "花苑社区"
    queue = api(huayuan).get("/api/visit-queue/", {"state": "unpaired"}).json()
    assert [row["id"] for row in queue["results"]] == [household.pk]
