"""Accessibility and layout in Debian's Chromium (issue 8, WCAG 2.1 AA).

axe-core (shipped inside the axe-playwright-python wheel, nothing fetched) runs over the main pages
as each role and fails on any serious or critical violation; DOM checks cover what axe cannot see:
radios and checkboxes beside their labels, the navigation fitting at 1366 px in English and on a
390 px phone, the skip link, focus after a failed save, text size and touch targets."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from accounts.choices import Role
from assessments import screening
from assessments.models import GroupDecision
from tests.conftest import require_service
from tests.factories import PersonFactory, UserFactory, community

from .test_smoke import ARGS, CHROMIUM

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
BLOCKING = {"serious", "critical"}

# Each role's main pages ({hh}: a 花苑社区 household, {p}: its member aged 82, {d}: that person's
# placement), spread over the roles so that every main page is checked once in about a minute.
PAGES = {
    "admin": [
        "/",
        "/imports/",
        "/imports/new/",
        "/jobs/",
        "/groups/sweeps/",
        "/persons/?sort=name",
        "/groups/decisions/{d}/",
    ],
    "manager": ["/", "/households/", "/groups/", "/tasks/?queue=all", "/warnings/", "/persons/{p}/"],
    "dongqu": [
        "/",
        "/persons/",
        "/divisions/",
        "/vagrants/",
        "/groups/overrides/",
        "/households/new/",
        "/warnings/new/",
        "/vagrants/new/",
        "/dashboard/",
        "/dashboard/report/",
    ],
    "huayuan": [
        "/",
        "/households/",
        "/tasks/",
        "/households/{hh}/",
        "/persons/{p}/",
        "/groups/decisions/{d}/",
        "/households/{hh}/edit/",
        "/persons/{p}/edit/",
        "/accounts/password/",
    ],
    "volunteer": ["/", "/households/", "/households/{hh}/"],
}
ROLES = {
    "admin": {"role": Role.ADMIN, "is_staff": True, "is_superuser": True},
    "manager": {"role": Role.CITY_MANAGER},
    "dongqu": {"role": Role.TOWN_WORKER, "division": "东区街道"},
    "huayuan": {"role": Role.COMMUNITY_WORKER, "division": "花苑社区"},
    "volunteer": {"role": Role.VOLUNTEER, "division": "花苑社区"},
}


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
def world(volunteer, household):
    """The 花苑社区 household of the volunteer's pairing, with a member aged 82 living alone, screened."""
    from households.models import Division

    elder = PersonFactory(
        household=household,
        name="李老伯",
        relation="spouse",
        birth=dt.date(dt.date.today().year - 82, 1, 1),
        living_arrangement="alone",
    )
    screening.rescreen(on=dt.date.today(), everyone=True)
    decision = GroupDecision.objects.filter(person=elder, active=True).first()
    assert decision, "the screened head should be placed in a group"
    users = {"volunteer": volunteer}
    for name, spec in ROLES.items():
        if name == "volunteer":
            continue
        spec = dict(spec)
        division = spec.pop("division", None)
        if division:
            spec["division"] = (
                Division.objects.get(name=division) if name == "dongqu" else community(division)
            )
        users[name] = UserFactory(username=f"{name}-a11y", **spec)
    return {"users": users, "hh": household.pk, "p": elder.pk, "d": decision.pk}


def open_as(browser, live_server, user, *, viewport=DESKTOP, language="zh-hans"):
    """A browser page logged in as ``user`` (session cookie from Django's test client)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="zh-CN")
    cookies = [
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    ]
    if language != "zh-hans":
        cookies.append({"name": settings.LANGUAGE_COOKIE_NAME, "value": language})
    context.add_cookies([{**cookie, "url": live_server.url} for cookie in cookies])
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


AXE_RUN = """() => Promise.race([
  axe.run(document, {resultTypes: ['violations']}),
  new Promise((_, reject) => setTimeout(() => reject(new Error('axe-core took over 30 s')), 30000)),
])"""


def blocking_violations(page) -> list[str]:
    """Serious and critical axe-core findings on the current page (each run bounded to 30 s)."""
    from axe_playwright_python.base import AXE_SCRIPT

    page.evaluate(AXE_SCRIPT)
    results = page.evaluate(AXE_RUN)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("role", list(PAGES))
def test_axe_finds_no_serious_violation_on_the_main_pages(browser, live_server, world, role):
    context, page, errors = open_as(browser, live_server, world["users"][role])
    found = {}
    try:
        for template in PAGES[role]:
            url = template.format(**world)
            response = page.goto(url)
            assert response.status == 200, f"{role} {url}: {response.status}"
            if violations := blocking_violations(page):
                found[url] = violations
    finally:
        context.close()
    assert not found, f"axe-core, {role}: {found}"
    assert not errors, f"JavaScript errors: {errors}"


def test_axe_on_the_login_page_and_its_error(browser, live_server, db):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        assert not blocking_violations(page)
        page.fill("#id_username", "nobody")
        page.fill("#id_password", "wrong-password")
        page.get_by_role("button", name="登录").click()
        page.wait_for_selector("#login-error")
        assert page.evaluate("document.activeElement.id") == "login-error"
        assert not blocking_violations(page)
    finally:
        context.close()


LABEL_BESIDE_CONTROL = """() => [...document.querySelectorAll('main input[type=radio], main input[type=checkbox]')]
  .map(input => {
    const label = input.closest('label') || document.querySelector(`label[for="${input.id}"]`);
    const a = input.getBoundingClientRect(), b = label.getBoundingClientRect();
    const text = [...label.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join('');
    const textRange = document.createRange();
    const node = [...label.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
    textRange.selectNodeContents(node);
    const t = textRange.getBoundingClientRect();
    return {name: input.name, text, mark: getComputedStyle(label, '::after').content,
            dy: Math.abs((a.top + a.bottom) / 2 - (t.top + t.bottom) / 2),
            gap: t.left - a.right, width: a.width};
  })"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_each_radio_and_checkbox_sits_beside_its_own_label(browser, live_server, world, viewport):
    context, page, _errors = open_as(browser, live_server, world["users"]["dongqu"], viewport=viewport)
    try:
        for url, kinds in [
            (f"/groups/decisions/{world['d']}/", {"verdict"}),
            ("/vagrants/new/", {"begging"}),
        ]:
            page.goto(url)
            controls = page.evaluate(LABEL_BESIDE_CONTROL)
            assert kinds <= {c["name"] for c in controls}, url
            for control in controls:
                assert control["text"], control
                assert control["dy"] <= 8, f"{url}: {control} is not level with its label"
                assert 0 <= control["gap"] <= 24, f"{url}: {control} floats away from its label"
                assert control["width"] <= 32, f"{url}: {control} is stretched"
                assert control["mark"] in ("none", "normal"), f"{url}: a choice carries the required mark"
    finally:
        context.close()


NAV_OVERFLOW = """() => {
  const nav = document.getElementById('mainnav');
  const cut = [...nav.querySelectorAll('a')].filter(a => {
    const r = a.getBoundingClientRect();
    return r.width === 0 || r.right > window.innerWidth || r.left < 0;
  }).map(a => a.textContent.trim());
  return {cut, scroll: nav.scrollWidth - nav.clientWidth, page: document.documentElement.scrollWidth - window.innerWidth};
}"""


def test_english_navigation_fits_at_1366_px(browser, live_server, world):
    context, page, _errors = open_as(browser, live_server, world["users"]["admin"], language="en")
    try:
        page.goto("/persons/")
        assert page.locator("html").get_attribute("lang") == "en"
        result = page.evaluate(NAV_OVERFLOW)
        assert result == {"cut": [], "scroll": 0, "page": 0}
        for href in ("/jobs/", "/admin/", "/api/docs/"):
            assert page.locator(f'#mainnav a[href="{href}"]').is_visible(), href
    finally:
        context.close()


def test_phone_menu_opens_the_navigation_without_sideways_scrolling(browser, live_server, world):
    from playwright.sync_api import expect

    context, page, errors = open_as(
        browser, live_server, world["users"]["admin"], viewport=PHONE, language="en"
    )
    try:
        page.goto("/")
        nav = page.locator("#mainnav")
        expect(nav).to_be_hidden()
        toggle = page.locator(".nav-toggle")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(nav.locator('a[href="/api/docs/"]')).to_be_visible()
        assert page.evaluate(NAV_OVERFLOW) == {"cut": [], "scroll": 0, "page": 0}
    finally:
        context.close()
    assert not errors


def test_skip_link_is_the_first_tab_stop_and_moves_to_the_content(browser, live_server, world):
    context, page, _errors = open_as(browser, live_server, world["users"]["huayuan"])
    try:
        page.goto("/persons/")
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.className, document.activeElement.textContent]")
        assert focused == ["skip-link", "跳到主要内容"]
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
        assert outline == "3px"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
    finally:
        context.close()


def test_failed_save_moves_focus_to_the_error_summary(browser, live_server, world):
    context, page, _errors = open_as(browser, live_server, world["users"]["huayuan"])
    try:
        page.goto("/vagrants/new/")
        page.locator("main form").get_by_role("button", name="保存").click()
        page.wait_for_selector(".error-summary")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert page.locator(".error-summary").get_attribute("role") == "alert"
        assert not blocking_violations(page)
    finally:
        context.close()


TEXT_AND_TARGETS = """() => {
  const small = [...document.querySelectorAll('body *')].filter(el =>
    el.offsetParent !== null && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
    && parseFloat(getComputedStyle(el).fontSize) < 14).map(el => el.tagName + ':' + el.textContent.trim().slice(0, 20));
  const tiny = [...document.querySelectorAll('.topbar a, .topbar button, #mainnav a, main .btn, main input, main select')]
    .filter(el => el.offsetParent !== null && el.type !== 'hidden' && el.type !== 'checkbox' && el.type !== 'radio')
    .filter(el => el.getBoundingClientRect().height < 44).map(el => el.outerHTML.slice(0, 60));
  return {base: parseFloat(getComputedStyle(document.body).fontSize), small, tiny};
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_text_is_at_least_14px_on_a_16px_base_and_controls_44px_tall(browser, live_server, world, viewport):
    context, page, _errors = open_as(browser, live_server, world["users"]["huayuan"], viewport=viewport)
    try:
        for url in ("/persons/", f"/households/{world['hh']}/", "/vagrants/new/"):
            page.goto(url)
            if viewport is PHONE:
                page.get_by_role("button", name="菜单").click()
            result = page.evaluate(TEXT_AND_TARGETS)
            assert result == {"base": 16, "small": [], "tiny": []}, url
    finally:
        context.close()


def test_the_axe_check_itself_reports_a_serious_violation(browser):
    """The gate above can fail: grey-on-white text is a serious colour-contrast violation."""
    page = browser.new_page()
    try:
        page.set_content(
            '<html lang="zh"><title>t</title><main><p style="color:#bbb">低对比度文字</p></main></html>'
        )
        assert any(v.startswith("color-contrast (serious)") for v in blocking_violations(page))
    finally:
        page.close()
