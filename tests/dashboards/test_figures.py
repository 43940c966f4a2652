"""Figures against the hand-counted world (tests/dashboards/conftest.py), at each level."""

import datetime as dt

import pytest

from dashboards import figures
from dashboards.periods import month_period
from tests.factories import community, town

pytestmark = pytest.mark.django_db

JAN = month_period(2026, 1)
FEB = month_period(2026, 2)


def scope(user, division, period=JAN):
    return figures.Scope(user=user, division=division, period=period)


def by_group(result):
    return {
        row["group"]: (row["persons"], row["households"], row["new"], row["exits"]) for row in result["rows"]
    }


def city():
    from households.models import Division

    return Division.objects.get(level="city")


def test_city_groups_at_the_end_of_january(dash_world, manager):
    g = figures.groups(scope(manager, city()))
    assert (g["persons"], g["households"], g["new"], g["exits"]) == (5, 3, 2, 0)
    rows = by_group(g)
    assert rows["elderly"] == (3, 2, 0, 0)
    assert rows["disabled_ill"] == (1, 1, 1, 0)
    assert rows["housing"] == (1, 1, 1, 0)
    assert rows["unemployed"] == (0, 0, 0, 0)  # placed in March


def test_february_shows_the_exit_and_later_placements_do_not_leak_back(dash_world, manager):
    g = figures.groups(scope(manager, city(), FEB))
    assert (g["persons"], g["new"], g["exits"]) == (4, 0, 1)
    assert by_group(g)["elderly"] == (2, 2, 0, 1)


def test_town_and_community_levels(dash_world, manager, dongqu, huayuan):
    east = figures.groups(scope(dongqu, town("东区街道")))
    assert (east["persons"], east["households"], east["new"]) == (4, 2, 1)
    flower = figures.groups(scope(huayuan, community("花苑社区")))
    assert (flower["persons"], flower["households"]) == (2, 1)
    assert by_group(flower)["child"] == (1, 1, 0, 0)
    # The city manager drilling into the same community sees the same numbers.
    assert figures.groups(scope(manager, community("花苑社区")))["persons"] == 2


def test_groups_by_town_and_by_community(dash_world, manager):
    towns = figures.groups_by_division(scope(manager, city()))
    rows = {r["name"]: r for r in towns["rows"]}
    assert (rows["东区街道"]["persons"], rows["东区街道"]["households"]) == (4, 2)
    assert (rows["西区街道"]["persons"], rows["西区街道"]["households"]) == (1, 1)
    assert {c["group"]: c["n"] for c in rows["东区街道"]["cells"]}["elderly"] == 3  # p1, p3, p6
    communities = figures.groups_by_division(scope(manager, town("东区街道")))
    cells = {r["name"]: r["persons"] for r in communities["rows"]}
    assert cells["花苑社区"] == 2 and cells["竹苑社区"] == 2
    assert figures.groups_by_division(scope(manager, community("花苑社区"))) is None


def test_needs_in_january_and_as_of_its_end(dash_world, manager):
    n = figures.needs(scope(manager, city()))
    assert (n["collected"], n["met"], n["open"], n["collected_total"], n["met_total"]) == (3, 1, 1, 3, 1)
    assert n["median_days"] == 10
    feb = figures.needs(scope(manager, city(), FEB))
    assert (feb["collected"], feb["met"], feb["open"], feb["collected_total"], feb["met_total"]) == (
        1,
        1,
        1,
        4,
        2,
    )
    assert feb["median_days"] == 2
    flower = figures.needs(scope(manager, community("花苑社区")))
    assert (flower["collected"], flower["met"], flower["open"]) == (2, 1, 1)


def test_needs_trend_counts_each_month(dash_world, manager):
    points = {p["label"]: p for p in figures.needs_trend(scope(manager, city(), FEB))}
    assert len(points) == 12
    assert (points["2026-01"]["collected"], points["2026-01"]["met"]) == (3, 1)
    assert (points["2026-02"]["collected"], points["2026-02"]["met"]) == (1, 1)


def test_monthly_report_for_a_past_month_is_the_same_later(dash_world, manager, dongqu):
    report = figures.monthly_report(scope(manager, city()))
    assert report["sentences"][0] == "截至2026年1月31日，全市共排查7类困难群众5人（3户），收集并满足需求1个。"
    assert "本月新纳入分类2人次、退出0人次" in report["sentences"][1]
    assert "中位天数为10天" in report["sentences"][2]
    town_report = figures.monthly_report(scope(dongqu, town("东区街道")))
    assert town_report["sentences"][0].startswith("截至2026年1月31日，东区街道共排查7类困难群众4人（2户）")


def test_workers_dashboard_opens_on_their_own_area(dash_world, manager, dongqu, huayuan, volunteer):
    assert figures.home_division(manager).level == "city"
    assert figures.home_division(dongqu) == town("东区街道")
    assert figures.home_division(huayuan) == community("花苑社区")
    assert figures.home_division(volunteer) is None


def test_period_as_of_is_never_after_today():
    assert month_period(2099, 1).as_of == dt.date.today()


def services_of(result):
    return {
        row["service"]: (row["visits"], row["activities"], row["year"])
        for row in result["rows"]
        if row["n"] or row["year"]
    }


def test_person_times_by_service_this_period_and_this_year(care_world, manager, dongqu, huayuan):
    jan = figures.services(scope(manager, city()))
    assert services_of(jan) == {
        "condolence": (1, 0, 1),
        "living": (1, 0, 1),
        "counselling": (1, 0, 1),
        "medical": (0, 5, 5),
    }
    assert (jan["care"], jan["social"], jan["n"], jan["year"]) == (7, 1, 8, 8)
    feb = figures.services(scope(manager, city(), FEB))
    assert (feb["care"], feb["social"], feb["care_year"], feb["social_year"]) == (1, 0, 8, 1)
    # A town and a community see their own: 西区 (烟洲) had only February's visit.
    assert figures.services(scope(dongqu, town("东区街道")))["n"] == 8
    assert figures.services(scope(huayuan, community("花苑社区")))["n"] == 7
    trend = {p["label"]: p["n"] for p in figures.services_trend(scope(manager, city(), FEB))}
    assert (trend["2026-01"], trend["2026-02"], trend["2025-12"]) == (8, 1, 0)


def test_person_times_agree_with_the_visits_selector(care_world, manager):
    from visits.selectors import person_times

    raw = person_times(manager, since=dt.date(2026, 1, 1), until=dt.date(2026, 2, 28))
    year = figures.services(scope(manager, city(), FEB))
    assert {r["service"]: r["year"] for r in year["rows"]} == raw


def test_teams_are_counted_as_they_stood_at_the_month_end(care_world, manager):
    from dashboards.periods import parse_period

    assert figures.teams(scope(manager, city()))["n"] == 0  # set up after January
    assert figures.teams(scope(manager, city(), parse_period({})))["n"] == 1  # the closed one not


def test_report_has_the_bureaus_service_sentence(care_world, manager):
    report = figures.monthly_report(scope(manager, city()))
    assert report["sentences"][-1] == (
        "2026年以来，开展探访慰问、生活帮扶、医疗帮扶7人次（本月7人次）；"
        "开展心理疏导、助医、助餐等社会帮扶1人次（本月1人次）；建立探访关爱服务队伍0支。"
    )


def test_coverage_joint_cases_and_employment_are_present(care_world, manager, dongqu):
    summary = figures.summary(scope(manager, city()))
    assert {r["name"] for r in summary["coverage"]["rows"]} >= {"东区街道"}
    for key in ("open", "on_agenda", "closed", "overdue_tasks"):
        assert summary["joint_cases"][key] == 0
    for key in ("placed", "employed", "training", "surveyed"):
        assert summary["employment"][key] == 0
    town_cov = figures.coverage(scope(dongqu, town("东区街道")))
    assert {r["name"] for r in town_cov["rows"]} <= {"花苑社区", "竹苑社区"}
