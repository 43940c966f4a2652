"""The Content-Security-Policy forbids inline script and style: pages, the language switch, the
job progress bars and Swagger UI still work, and Chromium reports no violation."""

import re

import pytest

from tests.browser.test_smoke import ARGS, CHROMIUM, browser  # noqa: F401 - the shared fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def csp_page(browser, live_server):  # noqa: F811
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    yield page, violations
    context.close()


def test_pages_work_under_the_csp_without_violations(csp_page, admin_user, household):
    from playwright.sync_api import expect

    page, violations = csp_page
    page.goto("/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw-Secret-123")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_contain_text("工作台")
    page.goto(f"/households/{household.pk}/")
    page.goto("/jobs/")
    page.goto("/accounts/tokens/")
    expect(page.locator("h1")).to_have_text("接口令牌")
    # The language switch is a pair of buttons (no inline handler).
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(re.compile("API"))
    assert not violations, violations
