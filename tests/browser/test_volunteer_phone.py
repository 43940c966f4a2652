"""Issue 8: a volunteer on a 390x844 phone sees their paired households as large, readable cards,
no birth date, no change log, and can reveal (logged) and call a household's phone number.
Screenshots at 390x844 and 1366x800 go to /tmp/volunteer-*.png for a person to look at."""

import datetime as dt
from pathlib import Path

import pytest

from core.models import RevealLog
from core.privacy import age_on
from households import choices as c
from tests.browser.test_smoke import ARGS, CHROMIUM, browser  # noqa: F401 - the shared fixture
from tests.factories import HouseholdFactory, PersonFactory, community, pair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BIRTH = dt.date(1941, 3, 31)


@pytest.fixture
def paired(volunteer, household):
    head = household.head
    head.set_phone("13912345678")
    head.save()
    household.address = "东区街道花苑社区花苑新村12栋3单元502房"
    household.save()
    PersonFactory(
        household=household,
        name="欧阳秀英",
        relation=c.Relation.PARENT,
        birth=BIRTH,
        male=False,
        living_arrangement=c.LivingArrangement.ALONE,
        care_level=c.CareLevel.MODERATE,
    )
    team = volunteer.team_memberships.get().team
    second = HouseholdFactory(community=community("花苑社区"), address="花苑路88号")
    PersonFactory(household=second, name="陈大文")
    pair(team, second)
    return household


def _open(browser, live_server, width, height):  # noqa: F811 - browser is the fixture
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/accounts/login/")
    page.fill("#id_username", "volunteer")
    page.fill("#id_password", "pw-Secret-123")
    page.get_by_role("button", name="登录").click()
    return context, page, errors


def _no_birth_date_and_no_change_log(page):
    text = page.locator("body").inner_text()
    for value in ("1941-03-31", "1941年3月31日", "19410331", "变更记录", "出生日期"):
        assert value not in text, value


def test_volunteer_on_a_phone_sees_readable_cards_and_calls(browser, live_server, paired):  # noqa: F811
    from playwright.sync_api import expect

    context, page, errors = _open(browser, live_server, 390, 844)
    expect(page.locator("h1")).to_have_text("我的探访家庭")
    cards = page.locator(".visit-card")
    expect(cards).to_have_count(2)
    expect(page.get_by_text("欧阳秀英")).to_be_visible()
    _no_birth_date_and_no_change_log(page)
    assert page.get_by_role("link", name="API").count() == 0

    # Nothing is cut off sideways; names stay on one line; text and targets are large.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for name in page.locator(".visit-name").all():
        box = name.bounding_box()
        assert box["width"] > box["height"], "a name wraps one character per line"
    body_px = float(page.locator(".visit").evaluate("e => getComputedStyle(e).fontSize").rstrip("px"))
    assert body_px >= 18
    for target in page.locator(".visit-btn").all():
        assert target.bounding_box()["height"] >= 44
    page.screenshot(path="/tmp/volunteer-390.png", full_page=True)

    # Reveal the phone (logged), then it is a tel: link.
    page.get_by_role("button", name="显示李小明的电话号码（将被记录）").click()
    expect(page.locator('a[href="tel:13912345678"]')).to_be_visible()
    log = RevealLog.objects.get()
    assert (log.user.username, log.field) == ("volunteer", "phone")
    assert page.locator('a[href="tel:13912345678"]').bounding_box()["height"] >= 44
    page.screenshot(path="/tmp/volunteer-revealed-390.png")

    # The household page: the same minimum, no change log.
    page.locator(".visit-card").filter(has_text="欧阳秀英").get_by_role("link", name="查看这户").click()
    expect(page.locator("h1")).to_contain_text("李小明户")
    _no_birth_date_and_no_change_log(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/volunteer-household-390.png", full_page=True)

    page.get_by_role("link", name="欧阳秀英").click()
    expect(page.locator("h1")).to_have_text("欧阳秀英")
    expect(page.locator("dd").get_by_text(f"{age_on(BIRTH, dt.date.today())}岁")).to_be_visible()
    _no_birth_date_and_no_change_log(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/volunteer-person-390.png", full_page=True)
    context.close()
    assert not errors, errors


def test_volunteer_home_at_laptop_size(browser, live_server, paired):  # noqa: F811
    from playwright.sync_api import expect

    context, page, errors = _open(browser, live_server, 1366, 800)
    expect(page.locator(".visit-card")).to_have_count(2)
    _no_birth_date_and_no_change_log(page)
    page.screenshot(path="/tmp/volunteer-1366.png", full_page=True)
    assert Path("/tmp/volunteer-1366.png").stat().st_size > 10_000
    context.close()
    assert not errors, errors
