"""Every team, queue, coverage, visit and activity page and API route answers each persona:
200 inside their area, 404 outside it (and to volunteers on staff pages)."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import HouseholdFactory, PersonFactory, TeamFactory, community
from visits import services
from visits.models import Activity, Pairing, TeamMember

from .conftest import in_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(volunteer, household, huayuan, admin_user):
    """The volunteer's team (花苑) paired with ``household``; a 西区 team with its own household."""
    team = volunteer.team_memberships.get().team
    team.responsible = huayuan
    team.save()
    member = volunteer.team_memberships.get()
    in_group(household, "elderly")
    visit = services.visit_record(
        user=huayuan, household=household, services=["condolence"], visited_on=dt.date.today(), method="home"
    )
    activity = Activity.objects.create(
        title="健康讲座",
        kind="health_talk",
        held_on=dt.date.today(),
        place="花苑社区活动室",
        community=community("花苑社区"),
        organiser_team=team,
        recorded_by=huayuan,
    )
    far = HouseholdFactory(community=community("烟洲社区"), address="烟洲路9号")
    PersonFactory(household=far)
    in_group(far, "child")
    far_team = TeamFactory(name="烟洲队", division=community("烟洲社区"))
    far_member = TeamMember.objects.create(team=far_team, name="陈队员", member_type="neighbour")
    far_pairing = Pairing.objects.create(team=far_team, household=far, started_on=dt.date.today())
    far_visit = services.visit_record(
        user=admin_user, household=far, services=["living"], visited_on=dt.date.today(), method="phone"
    )
    far_activity = Activity.objects.create(
        title="书画班",
        kind="calligraphy",
        held_on=dt.date.today(),
        place="烟洲",
        community=community("烟洲社区"),
        organiser_team=far_team,
        recorded_by=admin_user,
    )
    return {
        "near": {
            "team": team,
            "member": member,
            "pairing": Pairing.objects.get(team=team),
            "visit": visit,
            "activity": activity,
            "household": household,
        },
        "far": {
            "team": far_team,
            "member": far_member,
            "pairing": far_pairing,
            "visit": far_visit,
            "activity": far_activity,
            "household": far,
        },
    }


LISTS = [
    "visits:team-list",
    "visits:team-create",
    "visits:queue",
    "visits:coverage",
    "visits:frequency-list",
    "visits:visit-list",
    "visits:activity-list",
    "visits:activity-create",
]
OBJECT_PAGES = [
    ("visits:team-detail", "team"),
    ("visits:team-update", "team"),
    ("visits:member-create", "team"),
    ("visits:member-update", "member"),
    ("visits:team-pair", "team"),
    ("visits:household-pair", "household"),
    ("visits:pairing-end", "pairing"),
    ("visits:visit-detail", "visit"),
    ("visits:visit-update", "visit"),
    ("visits:visit-create", "household"),
    ("visits:phone-visit", "household"),
    ("visits:activity-detail", "activity"),
    ("visits:activity-update", "activity"),
]
VOLUNTEER_SEES = {"visits:team-detail", "visits:visit-detail", "visits:phone-visit"}
WRITE_PAGES = {
    "visits:team-update",
    "visits:member-create",
    "visits:member-update",
    "visits:team-pair",
    "visits:household-pair",
    "visits:pairing-end",
    "visits:visit-update",
    "visits:visit-create",
    "visits:activity-update",
    "visits:team-create",
    "visits:activity-create",
    "visits:phone-visit",
}


@pytest.mark.parametrize("persona", ["admin_user", "dongqu", "huayuan", "manager", "volunteer", "xiqu"])
def test_every_page_for_every_persona(scene, persona, request, login):
    user = request.getfixturevalue(persona)
    client = login(user)
    for name in LISTS:
        code = client.get(reverse(name)).status_code
        expected = 404 if user.is_volunteer or (name in WRITE_PAGES and not user.can_write) else 200
        assert code == expected, (persona, name, code)
    for name, kind in OBJECT_PAGES:
        for side in ("near", "far"):
            obj = scene[side][kind]
            code = client.get(reverse(name, args=[obj.pk])).status_code
            inside = side == "near" or not user.division_id or user.username == "xiqu"
            if persona == "xiqu":
                inside = side == "far"
            if name in WRITE_PAGES and not user.can_write:
                inside = False
            if user.is_volunteer:
                inside = side == "near" and name in VOLUNTEER_SEES
            assert code == (200 if inside else 404), (persona, name, side, code)


API = ["api-team", "api-team-member", "api-pairing", "api-visit", "api-activity"]


@pytest.mark.parametrize("persona", ["admin_user", "dongqu", "huayuan", "manager", "volunteer", "xiqu"])
def test_every_api_route_for_every_persona(scene, persona, request):
    user = request.getfixturevalue(persona)
    client = APIClient()
    client.force_authenticate(user)
    kinds = {
        "team": "team",
        "team-member": "member",
        "pairing": "pairing",
        "visit": "visit",
        "activity": "activity",
    }
    for route, kind in kinds.items():
        for side in ("near", "far"):
            obj = scene[side][kind]
            code = client.get(
                f"/api/{route}s/{obj.pk}/" if route != "activity" else f"/api/activities/{obj.pk}/"
            ).status_code
            inside = (side == "near" and persona != "xiqu") or (
                side == "far" and persona in ("admin_user", "manager", "xiqu")
            )
            if user.is_volunteer:
                inside = side == "near" and route in ("team", "visit")
            assert code == (200 if inside else 404), (persona, route, side, code)
    for path in ("/api/visit-queue/", "/api/visit-queue/coverage/", "/api/visit-frequencies/"):
        code = client.get(path).status_code
        assert code == (404 if user.is_volunteer else 200), (persona, path, code)


def test_every_visits_url_and_route_is_in_the_persona_matrix():
    """A new page or API route of visits/ must join the lists above (and so the 404 checks)."""
    from django.urls import get_resolver

    from visits.api.urls import router

    _prefix, resolver = get_resolver().namespace_dict["visits"]
    names = {f"visits:{p.name}" for p in resolver.url_patterns}
    assert names == set(LISTS) | {n for n, _kind in OBJECT_PAGES}
    routes = {prefix for prefix, _viewset, _basename in router.registry}
    assert routes == {
        "teams",
        "team-members",
        "pairings",
        "visits",
        "activities",
        "visit-frequencies",
        "visit-queue",
    }
