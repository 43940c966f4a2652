"""If-Match / ETag on the visits API edits, as the other APIs do it (core.api.VersionedViewSetMixin):
a stale If-Match is 412 before anything is written, a stale ``version`` in the body is 409."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.factories import TeamFactory, community
from visits.models import Activity, Pairing, Team, TeamMember, Visit

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def records(huayuan, household):
    team = TeamFactory(name="花苑关爱队", division=community("花苑社区"))
    member = TeamMember.objects.create(team=team, name="王芳", member_type="volunteer")
    visit = Visit.objects.create(household=household, visited_on=TODAY, method="home", recorded_by=huayuan)
    activity = Activity.objects.create(
        title="健康讲座", kind="health_talk", held_on=TODAY, place="社区", community=community("花苑社区"),
        organiser_team=team, recorded_by=huayuan,
    )  # fmt: skip
    return {
        "teams": (team, {"name": "花苑关爱一队"}),
        "team-members": (member, {"name": "王芳芳"}),
        "visits": (visit, {"notes": "复访"}),
        "activities": (activity, {"place": "社区党群服务中心"}),
    }


@pytest.mark.parametrize("route", ["teams", "team-members", "visits", "activities"])
def test_etag_if_match_412_and_stale_version_409(huayuan, records, route):
    record, change = records[route]
    client = api(huayuan)
    url = f"/api/{route}/{record.pk}/"
    read = client.get(url)
    assert read.status_code == 200 and read["ETag"] == f'"{record.version}"'
    stale = client.patch(url, change, format="json", HTTP_IF_MATCH='"99"')
    assert stale.status_code == 412 and stale.json()["version"] == record.version
    record.refresh_from_db()
    assert record.version == 1  # nothing written
    conflict = client.patch(url, {**change, "version": 99}, format="json")
    assert conflict.status_code == 409 and "他人" in conflict.json()["detail"]
    done = client.patch(url, change, format="json", HTTP_IF_MATCH=read["ETag"])
    assert done.status_code == 200, done.json()
    assert done["ETag"] == '"2"' and type(record).objects.get(pk=record.pk).version == 2


def test_ending_a_pairing_honours_if_match(huayuan, household):
    team = TeamFactory(name="花苑关爱队", division=community("花苑社区"))
    pairing = Pairing.objects.create(team=team, household=household, started_on=TODAY)
    client = api(huayuan)
    body = {"ended_on": TODAY.isoformat(), "reason": "搬离"}
    stale = client.post(f"/api/pairings/{pairing.pk}/end/", body, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412 and Pairing.objects.get(pk=pairing.pk).ended_on is None
    conflict = client.post(f"/api/pairings/{pairing.pk}/end/", {**body, "version": 7}, format="json")
    assert conflict.status_code == 409
    done = client.post(f"/api/pairings/{pairing.pk}/end/", body, format="json", HTTP_IF_MATCH='"1"')
    assert done.status_code == 200 and done.json()["version"] == 2
    assert Team.objects.get(pk=team.pk).version == 1
