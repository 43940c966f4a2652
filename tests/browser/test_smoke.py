"""Smoke test in Debian's Chromium: log in, find a person by pinyin initials, open the household,
reveal the ID number (htmx) and check the reveal was logged."""

import os
import re
from pathlib import Path

import pytest

from core.models import RevealLog
from tests.conftest import require_service

# Playwright's sync API runs an event loop in this thread; the ORM calls below are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path("/tmp/smoke.png")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def browser():
    require_service(Path(CHROMIUM).exists(), f"Debian's chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_community_worker_finds_a_person_and_reveals_the_id(page, huayuan, household):
    from playwright.sync_api import expect

    person = household.head
    clear_id = person.id_number

    page.goto("/accounts/login/")
    expect(page.locator("h1")).to_have_text("登录关爱帮扶系统")
    page.fill("#id_username", "huayuan")
    page.fill("#id_password", "pw-Secret-123")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_contain_text("工作台")

    page.get_by_role("textbox", name="查找人员").fill("lxm")
    page.get_by_role("button", name="查找").click()
    expect(page).to_have_url(re.compile(r"/persons/\?q=lxm"))
    page.get_by_role("link", name="李小明", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/persons/{person.pk}/$"))
    expect(page.get_by_text(person.id_masked)).to_be_visible()
    page.locator(".crumbs").get_by_role("link", name="李小明户").click()

    expect(page).to_have_url(re.compile(rf"/households/{household.pk}/$"))
    cell = page.locator(f"#id_number-{person.pk}")
    expect(cell).to_contain_text(person.id_masked)
    assert clear_id not in page.content()
    cell.get_by_role("button", name="显示").click()
    expect(cell).to_have_text(clear_id)

    log = RevealLog.objects.get()
    assert (log.user.username, log.person_id, log.field) == ("huayuan", person.pk, "id_number")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
