"""The joint meeting through its pages and its API, exports, and query counts of the lists."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from assistance.choices import NeedStatus
from assistance.services import need_record
from meetings import choices as c
from meetings import services
from meetings.models import JointCase, Meeting, ResolutionTask
from tests.factories import HouseholdFactory, PersonFactory, community

from .conftest import TODAY, dept

pytestmark = pytest.mark.django_db


def test_the_whole_path_through_the_pages(household, need, huayuan, dongqu_endorser, mishu, renshe, login):
    worker = login(huayuan)
    page = worker.get(f"/households/{household.pk}/escalate/")
    assert page.status_code == 200 and need.description in page.content.decode()
    response = worker.post(
        f"/households/{household.pk}/escalate/", {"needs": [need.pk], "summary": "需多部门协调"}
    )
    case = JointCase.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/joint/cases/{case.pk}/"

    endorser = login(dongqu_endorser)
    assert "审核通过" in endorser.get(f"/joint/cases/{case.pk}/").content.decode()
    endorser.post(f"/joint/cases/{case.pk}/transition/", {"to": "endorsed", "note": "同意"})

    secretariat = login(mishu)
    assert secretariat.get("/joint/meetings/new/").status_code == 200
    secretariat.post(
        "/joint/meetings/new/",
        {"title": "第1次会议", "held_on": TODAY.isoformat(), "departments": [dept("hr_social_security").pk]},
    )
    meeting = Meeting.objects.get()
    secretariat.post(f"/joint/cases/{case.pk}/schedule/", {"meeting": meeting.pk})
    secretariat.post(f"/joint/meetings/{meeting.pk}/transition/", {"to": "held"})
    secretariat.post(
        f"/joint/meetings/{meeting.pk}/edit/",
        {
            "title": "第1次会议",
            "held_on": TODAY.isoformat(),
            "departments": [dept("hr_social_security").pk],
            "minutes": "会议决定由人社局安排公益性岗位。",
            "version": Meeting.objects.get().version,
        },
    )
    secretariat.post(
        f"/joint/cases/{case.pk}/tasks/new/",
        {
            "department": dept("hr_social_security").pk,
            "action": "安排公益性岗位",
            "deadline": TODAY.isoformat(),
        },
    )
    task = ResolutionTask.objects.get()

    liaison = login(renshe)
    assert "安排公益性岗位" in liaison.get("/joint/resolutions/").content.decode()
    page = liaison.get(f"/joint/resolutions/{task.pk}/")
    assert "报告进展" in page.content.decode()
    liaison.post(
        f"/joint/resolutions/{task.pk}/report/", {"status": "done", "text": "已上岗", "version": task.version}
    )
    case.refresh_from_db()
    need.refresh_from_db()
    assert case.status == c.CaseStatus.CLOSED
    assert need.status == NeedStatus.MET
    record = secretariat.get(f"/joint/meetings/{meeting.pk}/print/").content.decode()
    for text in ("联席会议记录", case.number, "会议决定由人社局安排公益性岗位", "安排公益性岗位", "已完成"):
        assert text in record


def test_a_bad_form_is_a_400_page_with_chinese_errors_not_a_500(resolving, mishu, renshe, login):
    task = resolving.tasks.first()
    response = login(mishu).post(
        f"/joint/cases/{resolving.pk}/tasks/new/",
        {"department": "abc", "action": "", "deadline": "2026-13-45"},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = login(renshe).post(f"/joint/resolutions/{task.pk}/report/", {"status": "flying", "text": ""})
    assert response.status_code in (200, 404)


def test_stale_report_form_shows_the_conflict(resolving, renshe, login):
    task = resolving.tasks.get(department__code="hr_social_security")
    client = login(renshe)
    client.post(
        f"/joint/resolutions/{task.pk}/report/", {"status": "in_progress", "text": "一", "version": 1}
    )
    response = client.post(
        f"/joint/resolutions/{task.pk}/report/", {"status": "done", "text": "二", "version": 1}
    )
    assert response.status_code == 200
    assert "此记录已被他人修改" in response.content.decode()
    task.refresh_from_db()
    assert task.status == c.TaskStatus.IN_PROGRESS


def test_api_workflow(household, need, huayuan, dongqu_endorser, mishu, renshe, login):
    response = login(huayuan).post(
        "/api/joint-cases/",
        {"household": household.pk, "needs": [need.pk], "summary": "经API提交"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["number"]
    response = login(dongqu_endorser).post(
        f"/api/joint-cases/{pk}/transition/", {"to": "endorsed"}, content_type="application/json"
    )
    assert response.json()["status"] == "endorsed"
    secretariat = login(mishu)
    response = secretariat.post(
        "/api/meetings/",
        {"title": "API会议", "held_on": TODAY.isoformat(), "departments": [dept("hr_social_security").pk]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    meeting_pk = response.json()["id"]
    secretariat.post(
        f"/api/joint-cases/{pk}/schedule/", {"meeting": meeting_pk}, content_type="application/json"
    )
    secretariat.post(
        f"/api/meetings/{meeting_pk}/transition/", {"to": "held"}, content_type="application/json"
    )
    response = secretariat.post(
        "/api/resolution-tasks/",
        {
            "case": pk,
            "department": dept("hr_social_security").pk,
            "action": "岗位",
            "deadline": TODAY.isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    task_pk = response.json()["id"]
    liaison = login(renshe)
    stale = liaison.post(
        f"/api/resolution-tasks/{task_pk}/report/",
        {"status": "done", "text": "完成"},
        content_type="application/json",
        HTTP_IF_MATCH='"7"',
    )
    assert stale.status_code == 412
    response = liaison.post(
        f"/api/resolution-tasks/{task_pk}/report/",
        {"status": "done", "text": "完成"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["reports"][0]["text"] == "完成"
    assert login(huayuan).get(f"/api/joint-cases/{pk}/").json()["status"] == "closed"


def test_api_refuses_bad_input_with_400(resolving, mishu, huayuan, household, need, login):
    secretariat = login(mishu)
    bad = [
        ("/api/meetings/", {"title": "", "held_on": "昨天", "departments": []}),
        (
            "/api/resolution-tasks/",
            {"case": resolving.pk, "department": 99999, "action": "x", "deadline": "x"},
        ),
        (
            "/api/resolution-tasks/",
            {
                "case": resolving.pk,
                "department": dept("housing").pk,
                "action": "x",
                "deadline": (TODAY - dt.timedelta(days=3)).isoformat(),
            },
        ),
        (f"/api/joint-cases/{resolving.pk}/transition/", {"to": "closed"}),
    ]
    for url, body in bad:
        response = secretariat.post(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
    response = login(huayuan).post(
        "/api/joint-cases/",
        {"household": household.pk, "needs": [need.pk], "summary": "重复"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "needs" in response.json()


def test_stale_meeting_patch_gets_409(meeting, mishu, login):
    client = login(mishu)
    assert (
        client.patch(
            f"/api/meetings/{meeting.pk}/", {"minutes": "一", "version": 1}, content_type="application/json"
        ).status_code
        == 200
    )
    response = client.patch(
        f"/api/meetings/{meeting.pk}/", {"minutes": "二", "version": 1}, content_type="application/json"
    )
    assert response.status_code == 409
    meeting.refresh_from_db()
    assert meeting.minutes == "一"


def test_task_list_exports_to_excel(resolving, mishu, login):
    response = login(mishu).post("/joint/resolutions/")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert "责任单位" in rows[0] and len(rows) == 3
    assert {r[rows[0].index("责任单位")] for r in rows[1:]} == {"市人力资源和社会保障局", "市医疗保障局"}


def _more_cases(n, mishu, meeting, huayuan, dongqu_endorser):
    for i in range(n):
        household = HouseholdFactory(community=community("花苑社区"))
        PersonFactory(household=household)
        need = need_record(
            user=huayuan, household=household, domain="living", description=f"困难{i}", source="visit"
        )
        case = services.case_escalate(user=huayuan, household=household, needs=[need], summary=f"摘要{i}")
        services.case_transition(case=case, to=c.CaseStatus.ENDORSED, user=dongqu_endorser)
        # The meeting is already held: put the case on its agenda as it stood before.
        JointCase.objects.filter(pk=case.pk).update(status="on_agenda", meeting=meeting, agenda_order=i + 2)
        case.refresh_from_db()
        services.task_add(
            case=case, user=mishu, department=dept("housing"), action=f"事项{i}", deadline=TODAY
        )


@pytest.mark.parametrize(
    "url",
    [
        "/joint/",
        "/joint/cases/",
        "/joint/resolutions/",
        "/joint/meetings/",
        "/api/joint-cases/",
        "/api/resolution-tasks/",
        "/api/meetings/",
    ],
)
def test_list_pages_do_not_query_per_row(url, resolving, meeting, mishu, huayuan, dongqu_endorser, login):
    client = login(mishu)
    overdue = TODAY - dt.timedelta(days=1)  # the overdue list names each task's household
    ResolutionTask.objects.update(deadline=overdue)
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _more_cases(4, mishu, meeting, huayuan, dongqu_endorser)
    ResolutionTask.objects.update(deadline=overdue)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) <= len(few), (len(few), len(many))


def test_meeting_edit_form_keeps_the_date(meeting, mishu, login):
    page = login(mishu).get(f"/joint/meetings/{meeting.pk}/edit/").content.decode()
    assert f'value="{meeting.held_on.isoformat()}"' in page


def test_the_printed_record_says_when_a_case_has_no_resolution_yet(endorsed, meeting, mishu, login):
    services.case_schedule(case=endorsed, meeting=meeting, user=mishu)
    record = login(mishu).get(f"/joint/meetings/{meeting.pk}/print/").content.decode()
    assert record.count(endorsed.number) == 2  # on the agenda and in the resolutions table
    assert "本案尚未形成决议事项。" in record
