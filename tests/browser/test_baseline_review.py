"""A community worker bulk-confirms the baseline review of their community in Debian's Chromium."""

import re
from pathlib import Path

import pytest

from assessments import screening
from assessments.choices import TaskKind
from assessments.models import Override
from core.models import Task
from tests.assessments.conftest import ON, make_person
from tests.factories import HouseholdFactory, community

from .test_smoke import browser, page  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SCREENSHOTS = Path("/tmp/h-tasks")


def _login(tab, username):
    tab.goto("/accounts/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", "pw-Secret-123")
    tab.get_by_role("button", name="登录").click()


def test_worker_bulk_confirms_a_baseline_review(page, huayuan):  # noqa: F811
    from playwright.sync_api import expect

    household = HouseholdFactory(community=community("花苑社区"))
    for age in (72, 81, 90):
        make_person(age=age, living_arrangement="alone", household=household)
    screening.rescreen(everyone=True, on=ON)
    review = Task.objects.get(kind=TaskKind.BASELINE)

    _login(page, "huayuan")
    page.goto("/tasks/")
    expect(page.get_by_text("本社区新纳入分类对象 3 人，请核实")).to_be_visible()
    page.get_by_role("link", name="核实清单").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{review.pk}/review/$"))
    expect(page.locator("tbody tr")).to_have_count(3)
    page.get_by_role("checkbox", name="全选本页").check()
    expect(page.locator("input[name=ids]:checked")).to_have_count(3)
    page.fill("#id_reason", "入户核实，情况属实")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "baseline-review.png"), full_page=True)
    page.get_by_role("button", name="确认勾选的分类认定").click()
    expect(page.get_by_text("已确认 3 项分类认定。")).to_be_visible()
    expect(page.get_by_text("清单中的人员均已核实。")).to_be_visible()

    review.refresh_from_db()
    assert review.status == "done"
    assert set(Override.objects.values_list("verdict", "reason")) == {("confirm", "入户核实，情况属实")}
