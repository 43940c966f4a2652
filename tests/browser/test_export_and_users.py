"""In chromium: a community worker downloads the person list (masked, age only) on a phone, and an
admin creates a user through the app's own page at laptop size."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from accounts.models import User
from core.models import ExportLog
from tests.factories import community

from .test_smoke import ARGS, CHROMIUM, browser  # noqa: F401 - the shared browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _page(browser, live_server, width, height):  # noqa: F811
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": width, "height": height},
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def _log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-Secret-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")


def test_worker_exports_the_person_list_on_a_phone(browser, live_server, huayuan, household):  # noqa: F811
    person = household.head
    context, page = _page(browser, live_server, 390, 844)
    try:
        _log_in(page, "huayuan")
        page.goto("/persons/")
        with page.expect_download() as download:
            page.get_by_role("button", name="导出 Excel").click()
        content = Path(download.value.path()).read_bytes()  # the file goes with the context
        assert download.value.suggested_filename.startswith("人员_")
    finally:
        context.close()
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("人员编号", "姓名", "性别", "身份证号码", "年龄")
    assert rows[1][3] == person.id_masked and rows[1][4] == person.age
    assert ExportLog.objects.get().row_count == 1


def test_admin_creates_a_user_in_the_app(browser, live_server, admin_user):  # noqa: F811
    context, page = _page(browser, live_server, 1366, 800)
    try:
        _log_in(page, "admin")
        page.get_by_role("link", name="用户管理").click()
        page.get_by_role("link", name="新建用户").click()
        page.fill("#id_username", "zhaoliu")
        page.fill("#id_first_name", "赵六")
        page.select_option("#id_role", "community_worker")
        page.select_option("#id_division", str(community("花苑社区").pk))
        page.fill("#id_password1", "Huayuan-2026-care")
        page.fill("#id_password2", "Huayuan-2026-care")
        page.get_by_role("button", name="保存").click()
        page.wait_for_url("**/users/*/")
        assert "用户已创建" in page.content()
    finally:
        context.close()
    assert User.objects.get(username="zhaoliu").division == community("花苑社区")
