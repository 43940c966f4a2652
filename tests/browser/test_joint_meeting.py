"""The joint meeting's path in Debian's Chromium: a worker escalates a household's need, the town
endorses, the secretariat puts it on a meeting's agenda, holds the meeting and gives 人社 a
resolution; the 人社 liaison sees that case only (and nothing of the household beyond it), reports
it done, and the case closes with the need met."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission

from accounts.choices import Role
from assistance.services import need_record
from meetings import services
from meetings.models import Department, JointCase, Liaison
from tests.browser.test_care_path import log_in, save
from tests.browser.test_smoke import browser, page  # noqa: F401 (the smoke test's fixtures)
from tests.factories import HouseholdFactory, PersonFactory, UserFactory, community

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_escalate_endorse_meet_resolve_and_close(page, huayuan, dongqu, household):  # noqa: F811
    from playwright.sync_api import expect

    dongqu.user_permissions.add(Permission.objects.get(codename="endorse_case"))
    UserFactory(username="mishu", role=Role.SECRETARIAT)
    renshe = UserFactory(username="renshe", role=Role.DEPARTMENT_LIAISON)
    Liaison.objects.create(user=renshe, department=Department.objects.get(code="hr_social_security"))
    need = need_record(
        user=huayuan,
        household=household,
        domain="living",
        description="户主失业，需要公益性岗位",
        source="visit",
    )
    other_need = need_record(
        user=huayuan, household=household, domain="medical", description="慢病药费", source="visit"
    )
    # Another endorsed case, not on any agenda: the liaison must not see it.
    other = HouseholdFactory(community=community("花苑社区"), address="花苑路2号")
    PersonFactory(household=other, name="钱无关")
    other_case = services.case_escalate(
        user=huayuan,
        household=other,
        needs=[
            need_record(user=huayuan, household=other, domain="housing", description="漏雨", source="visit")
        ],
        summary="危房",
    )

    log_in(page, "huayuan")  # the worker escalates
    page.goto(f"/households/{household.pk}/")
    page.get_by_role("link", name="提交联席会议").click()
    page.get_by_label(re.compile("户主失业")).check()
    page.fill("#id_summary", "户主失业，单靠低保难以维持，需人社安置公益性岗位")
    save(page)
    expect(page.locator("h1")).to_contain_text("待镇街审核")
    case_url = page.url
    case = JointCase.objects.exclude(pk=other_case.pk).get()

    page.context.clear_cookies()
    log_in(page, "dongqu")  # the town endorses
    page.goto(case_url)
    page.select_option("#id_to", label="审核通过，报联席会议")
    save(page)
    expect(page.locator("h1")).to_contain_text("待列入议程")

    page.context.clear_cookies()
    log_in(page, "mishu")  # the secretariat: a meeting, the agenda, held, a resolution for 人社
    page.goto("/joint/meetings/new/")
    page.fill("#id_title", "2026年第1次联席会议")
    page.fill("#id_held_on", dt.date.today().isoformat())
    page.get_by_label("市人力资源和社会保障局").check()
    save(page)
    expect(page).to_have_url(re.compile(r"/joint/meetings/\d+/$"))
    meeting_url = page.url
    page.goto(case_url)
    page.select_option("#id_meeting", label=f"2026年第1次联席会议（{dt.date.today():%Y-%m-%d}）")
    page.get_by_role("button", name="列入议程").click()
    expect(page.locator("h1")).to_contain_text("已列入议程")
    page.goto(meeting_url)
    page.select_option("#id_to", label="已召开")
    save(page)
    page.goto(case_url)
    page.select_option("#id_department", label="市人力资源和社会保障局")
    page.fill("#id_action", "安排户主到社区公益性岗位")
    page.fill("#id_deadline", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="交办").click()
    expect(page.locator("h1")).to_contain_text("决议落实中")

    page.context.clear_cookies()
    log_in(page, "renshe")  # the liaison: that case only, and of the household only its need
    expect(page).to_have_url(re.compile(r"/joint/$"))
    page.goto("/joint/cases/")
    expect(page.locator("main")).to_contain_text(case.number)
    expect(page.locator("main")).not_to_contain_text(other_case.number)
    page.goto(case_url)
    expect(page.locator("main")).to_contain_text("户主失业，需要公益性岗位")
    expect(page.locator("main")).not_to_contain_text("慢病药费")
    assert page.goto(f"/needs/{other_need.pk}/").status == 404
    assert page.goto(f"/households/{household.pk}/").status == 404
    page.goto(case_url)
    page.get_by_role("link", name="安排户主到社区公益性岗位").first.click()
    page.select_option("#id_status", label="已完成")
    page.fill("#id_text", "已安排到花苑社区保洁岗位")
    page.get_by_role("button", name="提交报告").click()
    page.goto(case_url)
    expect(page.locator("h1")).to_contain_text("已办结")

    need.refresh_from_db()
    assert need.status == "met"
