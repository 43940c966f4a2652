"""The care path in Debian's Chromium: record a need, see the pushed item, put it in a plan,
approve it as the town, deliver it, and find the need met."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission

from assessments.models import GroupDecision
from assistance.models import Need
from assistance.push import push
from tests.browser.test_smoke import browser, page  # noqa: F401 (the smoke test's fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(tab, username):
    tab.goto("/accounts/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", "pw-Secret-123")
    tab.get_by_role("button", name="登录").click()


def save(tab):
    tab.locator("main form").last.get_by_role("button", name="保存").click()


def test_need_to_plan_to_met(page, huayuan, dongqu, household):  # noqa: F811
    from playwright.sync_api import expect

    head = household.head
    head.birth_date = dt.date(1940, 2, 2)
    head.living_arrangement = "alone"
    head.save()
    GroupDecision.objects.create(
        person=head, group="elderly", rule_version="t", params_version="t", fingerprint=1
    )
    dongqu.user_permissions.add(Permission.objects.get(codename="approve_careplan"))
    push()

    log_in(page, "huayuan")
    page.goto(f"/households/{household.pk}/")
    expect(page.locator("#recommendations")).to_contain_text("助餐（长者饭堂）")
    page.locator("#needs").get_by_role("link", name="登记需求").click()
    page.select_option("#id_domain", label="照料")
    page.fill("#id_description", "独居，做饭困难，需要助餐")
    save(page)
    expect(page.locator("h1")).to_contain_text("照料")
    need = Need.objects.get()

    page.goto(f"/households/{household.pk}/")
    page.locator("#plan").get_by_role("link", name="制定方案").click()
    page.fill("#id_goals", "解决独居老人吃饭问题")
    page.fill("#id_review_on", (dt.date.today() + dt.timedelta(days=60)).isoformat())
    save(page)
    expect(page).to_have_url(re.compile(r"/plans/\d+/$"))
    plan_url = page.url
    page.get_by_role("link", name="添加措施").click()
    page.fill("#id_description", "长者饭堂每日送餐")
    page.select_option("#id_need", index=1)
    page.select_option("#id_item", label="助餐（长者饭堂）")
    page.select_option("#id_owner", value=str(huayuan.pk))
    page.fill("#id_due_on", (dt.date.today() + dt.timedelta(days=14)).isoformat())
    save(page)
    page.select_option("#id_to", label="提交审批")
    save(page)
    expect(page.locator("h1")).to_contain_text("待审批")

    page.context.clear_cookies()
    log_in(page, "dongqu")
    page.goto(plan_url)
    page.select_option("#id_to", label="审批通过")
    save(page)
    expect(page.locator("h1")).to_contain_text("已审批")

    page.context.clear_cookies()
    log_in(page, "huayuan")
    page.goto(plan_url)
    page.select_option("#id_to", label="启用执行")
    save(page)
    expect(page.locator("h1")).to_contain_text("执行中")
    page.get_by_role("link", name="登记落实").click()
    page.fill("#id_note", "已每日送餐")
    save(page)

    page.goto(f"/needs/{need.pk}/")
    expect(page.locator("h1")).to_contain_text("已满足")
    need.refresh_from_db()
    assert need.status == "met" and need.item.code == "meal_help"
