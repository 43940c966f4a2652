"""In chromium: a city manager opens the city dashboard, clicks a town, then a number, and lands
on the list of exactly those people."""

import re

import pytest

from tests.dashboards.conftest import dash_world  # noqa: F401 - the hand-counted world

from .test_export_and_users import _log_in, _page
from .test_smoke import browser  # noqa: F401 - the shared browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_manager_drills_from_city_to_town_to_a_list(browser, live_server, manager, dash_world):  # noqa: F811
    context, page = _page(browser, live_server, 1366, 800)
    try:
        _log_in(page, "manager")
        assert page.url.endswith("/dashboard/")  # the managers' landing page
        page.goto("/dashboard/?period=month&month=2026-01")
        page.get_by_role("heading", name="各镇街分类对象").wait_for()
        page.locator("table a", has_text="东区街道").first.click()
        page.wait_for_url(re.compile(r"/dashboard/\d+/\?period=month&month=2026-01"))
        row = page.locator("tr", has=page.locator("th a", has_text="花苑社区"))
        persons = row.locator("td a").nth(-2)
        assert persons.inner_text() == "2"
        persons.click()
        page.wait_for_url(re.compile(r"/persons/\?"))
        names = page.locator("main table tbody tr").all_inner_texts()
        assert len(names) == 2
        assert any("甲一" in n for n in names) and any("甲二" in n for n in names)
    finally:
        context.close()
