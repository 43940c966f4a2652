"""The push uptake rows (stats.uptake) equal the raw GROUP BY of the recommendations after a push,
each funnel step, a decline, a re-push, an incremental push, a household move, a withdrawal and
``rebuild_stats``; the dashboard's uptake figure and /push/uptake/ read them and show what the
records show, scoped to the user's area; their query counts do not grow with the data."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from assessments.models import ScreeningState
from assistance import choices as c
from assistance import selectors as assistance_selectors
from assistance.models import CatalogItem, Provider, Recommendation
from assistance.push import push
from assistance.services import recommendation_transition
from dashboards import figures
from dashboards.periods import parse_period
from households import choices as hc
from households import services
from households.models import Division
from stats import selectors, uptake
from stats.models import UptakeTally
from tests.factories import HouseholdFactory, PersonFactory, UserFactory, community, town

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 6, 1)
U = c.UptakeStatus


def item(code: str, **rules) -> CatalogItem:
    return CatalogItem.objects.create(
        provider=Provider.objects.first(),
        code=code,
        name=f"项目{code}",
        list_kind="social",
        domain="care",
        benefit="x",
        **rules,
    )


@pytest.fixture
def city():
    """Three households: two in 花苑社区 (东区), one in 烟洲社区 (西区); two items, one per person
    aged 80 or more, one per household in unsafe housing."""
    CatalogItem.objects.filter(is_seed=True).update(is_active=False)
    homes = {
        "a": HouseholdFactory(community=community("花苑社区"), housing=hc.Housing.DANGEROUS),
        "b": HouseholdFactory(community=community("花苑社区")),
        "c": HouseholdFactory(community=community("烟洲社区"), housing=hc.Housing.DANGEROUS),
    }
    for key, household in homes.items():
        for n in range(2):
            person = PersonFactory(household=household, name=f"{key}{n}", birth=dt.date(1940, 1, 1 + n))
            ScreeningState.objects.create(person=person, signature=1, rule_version="t", screened_on=ON)
    item("elder", min_age=80)
    item("repair", household_conditions=["unsafe_housing"])
    return homes


def assert_rows_match():
    assert uptake.stored_rows() == uptake.raw_rows()


def rec(name: str, code: str = "elder") -> Recommendation:
    return Recommendation.objects.get(person__name=name, item__code=code)


def test_rows_equal_raw_after_push_steps_decline_repush_move_withdrawal_and_rebuild(city, huayuan):
    push(on=ON)
    assert Recommendation.objects.count() == 8
    assert UptakeTally.objects.filter(status=U.PUSHED).exists()
    assert_rows_match()

    r = rec("a0")
    for to in (U.OFFERED, U.APPLIED, U.GRANTED, U.DELIVERED):  # every funnel step
        recommendation_transition(recommendation=r, to=to, user=huayuan)
        assert_rows_match()
    recommendation_transition(recommendation=rec("a1"), to=U.DECLINED, user=huayuan, note="不需要")
    assert_rows_match()

    # A re-push: the declined one comes back when the person's facts change.
    ScreeningState.objects.filter(person__name="a1").update(signature=2)
    assert push(on=ON).repushed == 1
    assert rec("a1").status == U.PUSHED
    assert_rows_match()

    # An incremental push for one household: a new member aged 80 or more.
    PersonFactory(household=city["b"], name="b2", birth=dt.date(1930, 1, 1))
    assert push(households=[city["b"].pk], on=ON, mode="households").created == 1
    assert_rows_match()

    # A household moves to 西区: its recommendations count there now.
    admin = UserFactory(username="uptake-admin", role=Role.ADMIN, is_superuser=True)
    services.household_update(household=city["a"], user=admin, data={"community": community("烟洲社区")})
    assert_rows_match()
    area = selectors.area_filter(huayuan)
    assert sum(uptake.counts(area, "item_id").values()) == 3  # b0, b1, b2; a's went with a

    # A withdrawal: someone no longer eligible.
    person = city["c"].members.get(name="c0")
    person.status = hc.PersonStatus.EXITED
    person.save()
    assert push(on=ON).withdrawn == 1
    assert_rows_match()

    # rebuild_stats puts back rows that something wrote past the services.
    Recommendation.objects.filter(status=U.PUSHED).update(status=U.OFFERED)
    UptakeTally.objects.filter(status=U.DELIVERED).update(n=7)
    call_command("rebuild_stats")
    assert_rows_match()


def test_a_full_push_with_nothing_changed_recounts_only_what_it_touched(city, huayuan):
    push(on=ON)
    recommendation_transition(recommendation=rec("b0"), to=U.OFFERED, user=huayuan)
    with CaptureQueriesContext(connection) as queries:
        push(on=ON)
    assert not any(
        "DELETE FROM" in q["sql"] and "stats_uptaketally" in q["sql"] for q in queries.captured_queries
    )
    assert_rows_match()


def test_a_steps_row_is_its_households_community_now(city, huayuan):
    push(on=ON)
    hy = community("花苑社区")
    before = UptakeTally.objects.get(community=hy, item__code="elder", status=U.PUSHED).n
    recommendation_transition(recommendation=rec("b0"), to=U.OFFERED, user=huayuan)
    assert UptakeTally.objects.get(community=hy, item__code="elder", status=U.PUSHED).n == before - 1
    assert UptakeTally.objects.get(community=hy, item__code="elder", status=U.OFFERED).n == 1


def test_a_refused_step_changes_no_row(city, huayuan):
    push(on=ON)
    r = rec("b0")
    stale = Recommendation.objects.get(pk=r.pk)
    recommendation_transition(recommendation=r, to=U.OFFERED, user=huayuan)
    from core.concurrency import EditConflict

    with pytest.raises(EditConflict):  # the stale copy's version is refused before any row moves
        recommendation_transition(recommendation=stale, to=U.DECLINED, user=huayuan, note="x")
    assert_rows_match()


# --- the pages read the rows -------------------------------------------------------------------


def uptake_figure(user, division, tallies: bool) -> dict:
    saved = figures.USE_TALLIES
    figures.USE_TALLIES = tallies
    try:
        return figures.uptake(figures.Scope(user=user, division=division, period=parse_period({})))
    finally:
        figures.USE_TALLIES = saved


def raw_tables(user) -> dict:
    recs = Recommendation.objects.restrict(user)
    return {
        "by_item": list(assistance_selectors.uptake_by(recs, "item_id", "item__name")),
        "by_town": list(assistance_selectors.uptake_by(recs, "household__town_id", "household__town__name")),
    }


def test_dashboard_figure_and_uptake_page_equal_the_records_at_each_level(
    city, huayuan, manager, dongqu, xiqu
):
    push(on=ON)
    recommendation_transition(recommendation=rec("a0"), to=U.APPLIED, user=huayuan)
    recommendation_transition(recommendation=rec("b1"), to=U.DECLINED, user=huayuan, note="x")
    cases = [
        (manager, Division.objects.get(level="city")),
        (manager, town("西区街道")),
        (dongqu, town("东区街道")),
        (dongqu, community("花苑社区")),
        (huayuan, community("花苑社区")),
        (xiqu, town("西区街道")),
    ]
    for user, division in cases:
        tallied = uptake_figure(user, division, True)
        assert tallied == uptake_figure(user, division, False), (user, division)
        assert tallied["funnel"][0]["n"] > 0
    for user in (manager, dongqu, huayuan, xiqu):
        assert assistance_selectors.uptake_tables(user) == raw_tables(user), user
    assert uptake_figure(manager, Division.objects.get(level="city"), True)["funnel"][0]["n"] == 8
    assert uptake_figure(huayuan, community("花苑社区"), True)["funnel"][0]["n"] == 5
    assert uptake_figure(xiqu, town("西区街道"), True)["funnel"][0]["n"] == 3


def test_uptake_page_shows_the_rows_with_links(city, huayuan, login):
    push(on=ON)
    response = login(huayuan).get("/push/uptake/")
    assert response.status_code == 200
    by_item = {row["item_id"]: row for row in response.context["by_item"]}
    elder = CatalogItem.objects.get(code="elder")
    assert by_item[elder.pk]["total"] == 4  # 花苑's four people aged 80 or more
    assert f"?item={elder.pk}&amp;status=pushed" in response.content.decode()


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.DEPARTMENT_LIAISON])
def test_case_roles_get_no_area_figures(role):
    user = UserFactory(role=role, division=town("东区街道"))
    assert selectors.area_filter(user) is None


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_counts_of_the_uptake_page_and_dashboard_do_not_grow(city, huayuan, manager, login):
    push(on=ON)
    urls = ["/push/uptake/", f"/dashboard/{Division.objects.get(level='city').pk}/"]
    client = login(manager)
    small = [queries(client, url) for url in urls]
    for n in range(6):  # more households, people and items
        household = HouseholdFactory(community=community("烟洲社区"), housing=hc.Housing.DANGEROUS)
        PersonFactory(household=household, name=f"d{n}", birth=dt.date(1930, 1, 1))
        item(f"more{n}", max_age=120)
    push(on=ON)
    assert Recommendation.objects.count() > 40
    assert [queries(client, url) for url in urls] == small


def test_api_stats_serves_the_same_uptake(city, huayuan, login):
    push(on=ON)
    data = login(huayuan).get("/api/stats/").json()
    assert data["uptake"]["funnel"][0]["n"] == 5
    assert data["uptake"] == uptake_figure(huayuan, community("花苑社区"), False)
