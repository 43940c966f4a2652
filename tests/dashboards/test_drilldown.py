"""Every number on a dashboard is a link, and the list it opens shows exactly that many rows."""

import datetime as dt

import pytest

from dashboards import figures
from dashboards.periods import month_period, parse_period
from tests.factories import community, town

pytestmark = pytest.mark.django_db


def numbers(summary: dict):
    """(label, number, link) for every linked number of a dashboard's figures."""
    g = summary["groups"]
    for row in [*g["rows"], g]:
        for key in ("persons", "households", "new", "exits"):
            yield f"groups.{row.get('group', 'all')}.{key}", row[key], row["links"][key]
    if summary["by_division"]:
        for row in summary["by_division"]["rows"]:
            for cell in row["cells"]:
                yield f"{row['name']}.{cell['group']}", cell["n"], cell["link"]
            yield f"{row['name']}.persons", row["persons"], row["persons_link"]
            yield f"{row['name']}.households", row["households"], row["households_link"]
    for key, link in summary["needs"]["links"].items():
        yield f"needs.{key}", summary["needs"][key], link
    for p in summary["needs_trend"]:
        yield f"trend.{p['label']}.collected", p["collected"], p["collected_link"]
        yield f"trend.{p['label']}.met", p["met"], p["met_link"]
    for section in ("tasks", "alerts"):
        for key, link in summary[section]["links"].items():
            yield f"{section}.{key}", summary[section][key], link
    if summary["imports"]:
        for row in summary["imports"]["rows"]:
            yield f"imports.{row['status']}", row["n"], row["link"]
        yield "imports.total", summary["imports"]["total"], summary["imports"]["link"]
    for step in summary["uptake"]["funnel"]:
        yield f"uptake.{step['step']}", step["n"], step["link"]
    for item in summary["uptake"]["items"]:
        for step in item["steps"]:
            yield f"uptake.{item['name']}.{step['step']}", step["n"], step["link"]
    # Visits behind the person-times (the activities' part links to the activities, not persons).
    for row in summary["services"]["rows"]:
        yield f"services.{row['service']}.visits", row["visits"], row["links"]["visits"]
    for p in summary["services_trend"]:
        yield f"services_trend.{p['label']}", p["visits"], p["link"]
    cov = summary["coverage"]
    for row in [*cov["rows"], cov]:
        for key, link in row["links"].items():
            yield f"coverage.{row.get('name', 'all')}.{key}", row[key], link
    if summary["period"]["as_of"] >= dt.date.today():  # the list shows the teams in use now
        yield "teams", summary["teams"]["n"], summary["teams"]["link"]
    for section in ("joint_cases", "employment"):
        for key, link in summary[section]["links"].items():
            yield f"{section}.{key}", summary[section][key], link


def listed(client, link: str) -> int:
    response = client.get(link)
    assert response.status_code == 200, (link, response.status_code)
    return response.context["paginator"].count


def city():
    from households.models import Division

    return Division.objects.get(level="city")


CASES = [
    ("manager", city, month_period(2026, 1)),
    ("manager", lambda: town("东区街道"), month_period(2026, 2)),
    ("admin_user", city, None),
    ("dongqu", lambda: town("东区街道"), None),
    ("huayuan", lambda: community("花苑社区"), None),
    ("huayuan", lambda: community("花苑社区"), month_period(2026, 1)),
]


@pytest.mark.parametrize(("persona", "division", "period"), CASES)
def test_every_number_lands_on_a_list_of_that_count(request, login, care_world, persona, division, period):
    user = request.getfixturevalue(persona)
    period = period or parse_period({})
    summary = figures.summary(figures.Scope(user=user, division=division(), period=period))
    client = login(user)
    checked = nonzero = 0
    for label, n, link in numbers(summary):
        assert listed(client, link) == n, (label, n, link)
        checked += 1
        nonzero += bool(n)
    assert checked > 30 and nonzero > 5


def test_city_dashboard_links_a_town_then_a_number(login, manager, work_world):
    """The path the Playwright test clicks, without a browser."""
    client = login(manager)
    page = client.get("/dashboard/?period=month&month=2026-01")
    east = next(r for r in page.context["by_division"]["rows"] if r["name"] == "东区街道")
    town_page = client.get(east["link"])
    assert town_page.status_code == 200
    flower = next(r for r in town_page.context["by_division"]["rows"] if r["name"] == "花苑社区")
    assert flower["persons"] == 2
    assert listed(client, flower["persons_link"]) == 2


def test_every_list_behind_a_number_exports_that_many_rows(login, dongqu, work_world):
    """The shared export (core/export.py) of each drill-down list: the same rows, masked, logged."""
    import io

    from openpyxl import load_workbook

    from core.models import ExportLog

    period = month_period(2026, 1)
    summary = figures.summary(figures.Scope(user=dongqu, division=town("东区街道"), period=period))
    client = login(dongqu)
    exported = 0
    for label, n, link in {(label, n, link) for label, n, link in numbers(summary) if n}:
        response = client.post(link)
        assert response.status_code == 200, (label, link)
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert len(rows) - 1 == n, (label, n, link)
        exported += 1
    assert exported > 5
    assert ExportLog.objects.filter(user=dongqu).count() == exported
