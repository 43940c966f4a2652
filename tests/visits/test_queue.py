"""The visit queue read from the schedule table (selectors.schedule_rows): the same households as
the on-the-fly computation on a hand-counted fixture, scoped per persona, paged by cursor there
and back, in a number of queries that does not grow with the rows (issue 12)."""

import datetime as dt
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from visits import selectors
from visits.models import Pairing
from visits.services import schedule_refresh

from .conftest import TODAY, in_group, visited

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def ids(rows) -> list[int]:
    return [row.household_id for row in rows]


def oracle(state: str, user=None) -> set[int]:
    """The old computation: from visits, pairings and decisions per household."""
    households = selectors.visit_households(user, today=TODAY)
    return set(households.filter(selectors.state_q(state, TODAY, user=user)).values_list("pk", flat=True))


@pytest.fixture
def fixture(make_household, admin_user):
    """花苑 (东区): never visited since the pairing (due 01-31), visited 40 days ago (due 06-07),
    visited 25 days ago (due in 5 days: due soon), visited 3 days ago (due in 27), not paired,
    a pairing ended; 烟洲 (西区): visited 35 days ago (due 06-12); one in no group."""
    h = {
        "never": make_household("elderly"),
        "late": make_household("elderly"),
        "soon": make_household("elderly"),
        "fresh": make_household("elderly"),
        "unpaired": make_household("elderly", paired_on=None),
        "ended": make_household("elderly"),
        "west": make_household("elderly", name="烟洲社区"),
        "no_group": make_household(None),
    }
    for name, days in (("late", 40), ("soon", 25), ("fresh", 3), ("ended", 40), ("west", 35)):
        visited(h[name], TODAY - days * DAY, user=admin_user)
    Pairing.objects.filter(household=h["ended"]).update(ended_on=TODAY - 50 * DAY)
    schedule_refresh(today=TODAY)  # the rows were written straight to the tables, not by services
    return h


def test_queue_equals_the_old_computation_on_a_hand_counted_fixture(fixture, admin_user):
    h = fixture
    overdue = ids(selectors.schedule_rows(admin_user, state="overdue", today=TODAY))
    assert overdue == [h["never"].pk, h["late"].pk, h["west"].pk]  # by due date
    assert set(overdue) == oracle("overdue")
    assert ids(selectors.schedule_rows(admin_user, state="due_soon", today=TODAY)) == [h["soon"].pk]
    unpaired = set(ids(selectors.schedule_rows(admin_user, state="unpaired", today=TODAY)))
    assert unpaired == {h["unpaired"].pk, h["ended"].pk} == oracle("unpaired")
    assert h["no_group"].pk not in ids(selectors.schedule_rows(admin_user, today=TODAY))


def test_a_town_worker_gets_only_their_town(fixture, dongqu, xiqu):
    h = fixture
    assert ids(selectors.schedule_rows(dongqu, state="overdue", today=TODAY)) == [h["never"].pk, h["late"].pk]
    assert set(ids(selectors.schedule_rows(dongqu, state="overdue", today=TODAY))) == oracle(
        "overdue", dongqu
    )
    assert ids(selectors.schedule_rows(xiqu, state="overdue", today=TODAY)) == [h["west"].pk]


def test_the_town_page_lists_only_the_town(fixture, login, dongqu):
    response = login(dongqu).get("/care/queue/", {"state": "overdue"})
    assert response.status_code == 200
    shown = set(ids(response.context["object_list"]))
    assert fixture["west"].pk not in shown and fixture["late"].pk in shown


def test_a_volunteer_gets_only_paired_households(fixture, volunteer, household):
    in_group(household, "elderly")
    schedule_refresh(today=TODAY)
    assert ids(selectors.schedule_rows(volunteer, today=TODAY)) == [household.pk]


def test_a_team_queue_is_its_open_pairings(fixture, admin_user, team):
    other = Pairing.objects.get(household=fixture["west"]).team
    assert other == team  # the fixture pairs every household with one team: move one away
    from tests.factories import TeamFactory

    Pairing.objects.filter(household=fixture["late"]).update(team=TeamFactory(name="别的队"))
    rows = selectors.schedule_rows(admin_user, state="overdue", today=TODAY, team=team)
    assert ids(rows) == [fixture["never"].pk, fixture["west"].pk]


@pytest.fixture
def many_overdue(make_household, admin_user):
    """23 overdue households, visited on 3 days in turn: many share a due date (the pk breaks ties)."""
    for n in range(23):
        visited(make_household("elderly"), TODAY - (31 + n % 3) * DAY, user=admin_user)
    schedule_refresh(today=TODAY)
    return ids(selectors.schedule_rows(admin_user, state="overdue", today=TODAY))


def _page(client, query: str):
    response = client.get("/care/queue/" + (query or "?state=overdue") + "&per_page=10")
    assert response.status_code == 200
    page = response.context["page_obj"]
    return ids(response.context["object_list"]), page.previous_query, page.next_query


def test_next_and_previous_by_cursor_there_and_back(many_overdue, login, dongqu):
    client = login(dongqu)
    first, previous, following = _page(client, "?state=overdue")
    assert first == many_overdue[:10] and not previous and "after=" in following
    second, back, following = _page(client, following)
    assert second == many_overdue[10:20] and "before=" in back
    third, back_from_third, end = _page(client, following)
    assert third == many_overdue[20:] and not end
    assert _page(client, back_from_third)[0] == second
    again, none, _following = _page(client, back)
    assert again == first and not none


def test_the_api_pages_by_cursor_there_and_back(many_overdue, dongqu):
    api = APIClient()
    api.force_authenticate(dongqu)
    body = api.get("/api/visit-queue/", {"state": "overdue", "page_size": 10}).json()
    seen = [r["id"] for r in body["results"]]
    while body["next"]:
        body = api.get(body["next"]).json()
        seen += [r["id"] for r in body["results"]]
    assert seen == many_overdue
    assert [r["id"] for r in api.get(body["previous"]).json()["results"]] == many_overdue[10:20]


def test_a_forged_cursor_is_the_first_page_not_an_error(many_overdue, login, dongqu):
    from core.pagination import _encode

    for cursor in (_encode([None, 1]), _encode(["2026-01-01", 10**30]), "garbage"):
        rows, _previous, _following = _page(login(dongqu), f"?state=overdue&after={cursor}")
        assert rows == many_overdue[:10]


def _queries(client, query="?state=overdue") -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/care/queue/" + query).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_rows(make_household, admin_user, login, dongqu):
    def overdue(n):
        for _ in range(n):
            visited(make_household("elderly"), TODAY - 40 * DAY, user=admin_user)
        schedule_refresh(today=TODAY)

    client = login(dongqu)
    overdue(2)
    few = _queries(client)
    overdue(12)
    assert _queries(client) == few
    cursor = parse_qs(_page(client, "?state=overdue")[2].lstrip("?"))["after"][0]
    assert _queries(client, f"?state=overdue&after={cursor}") <= few


def test_the_count_reads_only_the_schedule_table(make_household, admin_user, login, dongqu):
    visited(make_household("elderly"), TODAY - 40 * DAY, user=admin_user)
    schedule_refresh(today=TODAY)
    with CaptureQueriesContext(connection) as captured:
        login(dongqu).get("/care/queue/?state=overdue")
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper() and "householdschedule" in q["sql"]]
    assert counts and all("households_household" not in sql for sql in counts)


def test_team_page_overdue_list(fixture, login, admin_user, team):
    """Read today (later than the fixture's day): the three late then are first, by due date."""
    response = login(admin_user).get(f"/teams/{team.pk}/")
    assert response.status_code == 200
    shown = ids(response.context["overdue"])
    assert shown[:3] == [fixture["never"].pk, fixture["late"].pk, fixture["west"].pk]
    assert not {fixture["unpaired"].pk, fixture["ended"].pk} & set(shown)


def test_joined_volunteer_sees_no_queue_page(fixture, login, volunteer):
    assert login(volunteer).get("/care/queue/").status_code == 404
