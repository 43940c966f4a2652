"""Query-count guards: a list costs the same number of queries for 5 rows as for 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households import choices as c
from households.models import Division
from tests.factories import AssistanceStatusFactory, HouseholdFactory, PersonFactory, community, recount_once

pytestmark = pytest.mark.django_db

PAGES = [
    "/households/?per_page=50",
    "/persons/?per_page=50",
    "/households/?per_page=50&q=lxm",
    "/households/?per_page=50&assistance=dibao&sort=income",
    "/persons/?per_page=50&sort=age",
    "/api/households/?page_size=50",
    "/api/persons/?page_size=50",
    "/api/statuses/?page_size=50",
    "/api/divisions/?page_size=50",
    "/",
]


def add_households(n: int) -> None:
    """n households in 花苑社区, each with two members, a status and a grid of its own (so the
    division list grows too)."""
    with recount_once():  # the summary rows once for all of them, not after each write
        _add_households(n)


def _add_households(n: int) -> None:
    parent = community("花苑社区")
    for _ in range(n):
        grid_no = Division.objects.filter(parent=parent).count() + 1
        Division.objects.create(
            code=f"{parent.code}G{grid_no:03d}", name=f"第{grid_no}网格", level="grid", parent=parent
        )
        household = HouseholdFactory(community=parent)
        head = PersonFactory(household=household, name="李小明")
        PersonFactory(household=household, relation=c.Relation.SPOUSE, male=False)
        AssistanceStatusFactory(person=head)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("persona", ["admin_user", "huayuan"])
@pytest.mark.parametrize("url", PAGES)
def test_list_query_count_does_not_grow_with_rows(request, login, persona, url):
    client = login(request.getfixturevalue(persona))
    add_households(5)
    client.get(url)  # warm up: session, content types
    few = count_queries(client, url)
    add_households(25)
    many = count_queries(client, url)
    assert many == few, f"{url}: {few} queries for 5 households, {many} for 30"
    assert few <= 15, f"{url}: {few} queries"


def test_lists_really_show_the_rows(login, admin_user):
    """Guard for the guard: the pages above list all 30 households, so the count is meaningful."""
    client = login(admin_user)
    add_households(30)
    assert len(client.get("/households/?per_page=50").context["object_list"]) == 30
    assert len(client.get("/persons/?per_page=100").context["object_list"]) == 60
    assert len(client.get("/api/persons/?page_size=50").json()["results"]) == 50
    grids = {d["name"] for d in client.get("/api/divisions/?page_size=50&level=grid").json()["results"]}
    assert {f"第{n}网格" for n in range(1, 31)} <= grids


@pytest.mark.parametrize("url", ["/", "/api/households/", "/api/persons/"])
def test_volunteer_list_query_count_does_not_grow(login, volunteer, household, url):
    """The volunteer's list is their home page (paired households as cards) and the API."""
    from tests.factories import TeamFactory, pair

    team = volunteer.team_memberships.get().team
    client = login(volunteer)
    client.get(url)
    few = count_queries(client, url)
    for _ in range(10):
        extra = HouseholdFactory(community=community("花苑社区"))
        PersonFactory(household=extra)
        PersonFactory(household=extra, relation=c.Relation.SPOUSE, male=False)
        pair(team, extra)
    pair(TeamFactory(), HouseholdFactory())
    many = count_queries(client, url)
    assert many == few, f"{url}: {few} queries for 1 household, {many} for 11"


def test_household_detail_query_count_does_not_grow_with_members(login, huayuan, household):
    client = login(huayuan)
    url = f"/households/{household.pk}/"
    client.get(url)
    few = count_queries(client, url)
    for _ in range(6):
        member = PersonFactory(household=household, relation=c.Relation.SON)
        AssistanceStatusFactory(person=member)
    many = count_queries(client, url)
    assert many == few, f"{few} queries with 1 member, {many} with 7"
