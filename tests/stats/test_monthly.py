"""The dashboards' summary rows (stats.monthly) equal the raw counts after imports, services,
edits, moves and sweeps; the dashboard's figures from the rows equal those from the records."""

import datetime as dt

import pytest
from django.core.management import call_command

from assessments import screening
from assistance import services as ledger
from dashboards import figures
from dashboards.periods import month_period, parse_period
from households import services
from households.models import Division, Household, Person
from stats import monthly
from stats.models import GroupStock, MonthlyTally
from tests.factories import TeamFactory, community, town
from tests.stats.test_tallies import imported  # noqa: F401  (the fixture)
from visits import services as care

pytestmark = pytest.mark.django_db


def assert_rows_match():
    for family in monthly.FAMILIES:
        assert monthly.stored_rows(family) == monthly.raw_rows(family), family
    assert monthly.stored_stock() == monthly.raw_stock()


def summary(user, division, period, tallies: bool):
    saved = figures.USE_TALLIES
    figures.USE_TALLIES = tallies
    try:
        data = figures.summary(figures.Scope(user=user, division=division, period=period))
    finally:
        figures.USE_TALLIES = saved
    return {
        k: data[k] for k in ("groups", "by_division", "needs", "needs_trend", "services", "services_trend")
    }


def assert_figures_match(request):
    today = dt.date.today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    cases = [
        ("manager", Division.objects.get(level="city")),
        ("dongqu", town("东区街道")),
        ("huayuan", community("花苑社区")),
        ("xiqu", town("西区街道")),
    ]
    periods = [
        parse_period({}),
        parse_period({"period": "year", "year": str(today.year)}),
        month_period(last.year, last.month),
    ]
    for name, division in cases:
        user = request.getfixturevalue(name)
        for period in periods:
            assert summary(user, division, period, True) == summary(user, division, period, False), (
                name,
                period,
            )


def test_rows_equal_raw_after_imports_services_edits_moves_and_sweeps(request, imported, admin_user):  # noqa: F811
    assert_rows_match()  # the import's hook
    screening.rescreen(everyone=True, full=True)  # the sweep places people in groups
    assert GroupStock.objects.filter(month__isnull=True).exists()
    assert_rows_match()

    chen = Household.objects.get(members__name="陈大文")
    wang = Household.objects.get(members__name="王老伯")
    today = dt.date.today()
    first = today.replace(day=1)
    # Visits, an edit that moves one to last month and changes its services, an activity.
    v1 = care.visit_record(
        user=admin_user, household=chen, services=["condolence", "living"], visited_on=today, method="home"
    )
    care.visit_record(user=admin_user, household=wang, services=["meals"], visited_on=first, method="phone")
    assert_rows_match()
    care.visit_update(
        user=admin_user,
        visit=v1,
        services=["medical"],
        visited_on=first - dt.timedelta(days=3),
        reason="补录",
    )
    from visits.models import Activity

    team = TeamFactory(division=community("花苑社区"))
    talk = Activity(
        title="书画",
        kind="calligraphy",
        held_on=first,
        place="活动室",
        community=community("花苑社区"),
        organiser_team=team,
        other_count=4,
        recorded_by=admin_user,
    )
    care.activity_save(user=admin_user, activity=talk, participants=list(chen.members.all()))
    assert MonthlyTally.objects.filter(metric="activity").exists()
    assert_rows_match()

    # Needs: recorded, met, closed unmet, reopened.
    n1 = ledger.need_record(
        user=admin_user, household=chen, domain="living", description="缺米", source="other"
    )
    n2 = ledger.need_record(
        user=admin_user, household=wang, domain="medical", description="看病", source="other"
    )
    ledger.need_transition(need=n1, to="in_progress", user=admin_user)
    ledger.need_transition(need=n1, to="met", user=admin_user)
    ledger.need_transition(need=n2, to="closed_unmet", user=admin_user, note="不符合条件")
    assert_rows_match()
    ledger.need_transition(need=n2, to="recorded", user=admin_user, note="重新核实")
    assert_rows_match()
    assert_figures_match(request)

    # A household moves to another town's community: its visits, needs and stays go with it.
    services.household_update(household=chen, user=admin_user, data={"community": community("烟洲社区")})
    assert_rows_match()
    # A death, then the incremental and the full sweep (stays end, the stock follows).
    services.person_set_status(person=Person.objects.get(name="王老伯"), user=admin_user, status="deceased")
    screening.rescreen(everyone=True)
    assert_rows_match()
    screening.rescreen(everyone=True, full=True)
    assert_rows_match()
    assert_figures_match(request)


def test_rebuild_command_and_month_end_snapshots(request, imported):  # noqa: F811
    screening.rescreen(everyone=True, full=True)
    before = monthly.stored_rows(monthly.GROUPS), monthly.stored_stock()
    MonthlyTally.objects.all().delete()
    GroupStock.objects.all().delete()
    call_command("rebuild_stats", stdout=open("/dev/null", "w"))
    assert (monthly.stored_rows(monthly.GROUPS), monthly.stored_stock()) == before
    last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    assert monthly.stored_stock(last.replace(day=1)) == monthly.raw_stock(last.replace(day=1))
    assert_figures_match(request)


def test_median_of_a_histogram():
    assert monthly.median_of({}) is None
    assert monthly.median_of({10: 1}) == 10
    assert monthly.median_of({2: 1, 10: 1}) == 6
    assert monthly.median_of({1: 2, 5: 1, 9: 1}) == 3
