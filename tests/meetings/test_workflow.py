"""Escalation workflow and its permissions; resolutions, deadlines and closing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from assistance.choices import NeedStatus
from assistance.services import need_record
from meetings import choices as c
from meetings import selectors, services
from meetings.models import JointCase, ProgressReport, ResolutionTask

from .conftest import TODAY, dept

pytestmark = pytest.mark.django_db
S, T = c.CaseStatus, c.TaskStatus


def test_escalating_marks_the_needs_escalated_and_numbers_the_case(case, need):
    need.refresh_from_db()
    assert case.status == S.SUBMITTED
    assert need.status == NeedStatus.ESCALATED
    assert case.number.startswith("联席〔") and case.number.endswith("1号")
    assert list(case.needs.all()) == [need]


def test_escalation_needs_a_need_of_the_household_and_a_summary(household, huayuan, need):
    with pytest.raises(ValidationError) as error:
        services.case_escalate(user=huayuan, household=household, needs=[], summary="x")
    assert "needs" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_escalate(user=huayuan, household=household, needs=[need], summary="  ")
    assert "summary" in error.value.message_dict


def test_a_need_cannot_be_in_two_open_cases(case, household, huayuan, need):
    with pytest.raises(ValidationError, match="另一个未办结"):
        services.case_escalate(user=huayuan, household=household, needs=[need], summary="再次提交")


def test_worker_outside_the_area_cannot_escalate(household, xiqu, need):
    with pytest.raises(ValidationError):
        services.case_escalate(user=xiqu, household=household, needs=[need], summary="x")


def test_the_author_cannot_endorse_their_own_case(case, huayuan, dongqu):
    from django.contrib.auth.models import Permission

    huayuan.user_permissions.add(Permission.objects.get(codename="endorse_case"))
    huayuan = type(huayuan).objects.get(pk=huayuan.pk)
    with pytest.raises(ValidationError, match="不能审核自己"):
        services.case_transition(case=case, to=S.ENDORSED, user=huayuan)
    with pytest.raises(ValidationError):  # a town worker without the permission
        services.case_transition(case=case, to=S.ENDORSED, user=dongqu)
    case.refresh_from_db()
    assert case.status == S.SUBMITTED


def test_endorser_returns_with_a_reason_and_the_worker_resubmits(case, dongqu_endorser, huayuan):
    with pytest.raises(ValidationError) as error:
        services.case_transition(case=case, to=S.RETURNED, user=dongqu_endorser)
    assert "note" in error.value.message_dict
    services.case_transition(case=case, to=S.RETURNED, user=dongqu_endorser, note="请补充收入情况")
    services.case_update(case=case, user=huayuan, summary="补充：家庭月收入900元")
    services.case_transition(case=case, to=S.SUBMITTED, user=huayuan)
    services.case_transition(case=case, to=S.ENDORSED, user=dongqu_endorser)
    case.refresh_from_db()
    assert case.status == S.ENDORSED and case.endorsed_by == dongqu_endorser
    assert case.history.count() >= 5


def test_stale_summary_edit_is_refused(case, huayuan):
    from core.concurrency import EditConflict

    services.case_update(case=case, user=huayuan, summary="第一次修改", expected_version=1)
    with pytest.raises(EditConflict):
        services.case_update(
            case=JointCase.objects.get(pk=case.pk), user=huayuan, summary="旧页面", expected_version=1
        )


def test_withdrawn_case_hands_its_needs_back(case, huayuan, need):
    services.case_transition(case=case, to=S.WITHDRAWN, user=huayuan, note="镇街已解决")
    need.refresh_from_db()
    assert need.status == NeedStatus.IN_PROGRESS


def test_only_the_secretariat_puts_cases_on_the_agenda(endorsed, meeting, dongqu_endorser, renshe, mishu):
    for user in (dongqu_endorser, renshe):
        with pytest.raises(ValidationError):
            services.case_schedule(case=endorsed, meeting=meeting, user=user)
    services.case_schedule(case=endorsed, meeting=meeting, user=mishu)
    endorsed.refresh_from_db()
    assert endorsed.status == S.ON_AGENDA and endorsed.agenda_order == 1


def test_a_submitted_case_cannot_go_on_the_agenda(case, meeting, mishu):
    with pytest.raises(ValidationError):
        services.case_schedule(case=case, meeting=meeting, user=mishu)


def test_resolutions_only_after_the_meeting_is_held(endorsed, meeting, mishu):
    services.case_schedule(case=endorsed, meeting=meeting, user=mishu)
    endorsed.refresh_from_db()
    with pytest.raises(ValidationError, match="会议召开后"):
        services.task_add(case=endorsed, user=mishu, department=dept("housing"), action="x", deadline=TODAY)


def test_a_deadline_in_the_past_is_refused(resolving, mishu):
    with pytest.raises(ValidationError) as error:
        services.task_add(
            case=resolving,
            user=mishu,
            department=dept("housing"),
            action="x",
            deadline=TODAY - dt.timedelta(days=1),
        )
    assert "deadline" in error.value.message_dict


def test_a_future_meeting_cannot_be_marked_held(mishu):
    meeting = services.meeting_create(
        user=mishu, title="下月会议", held_on=TODAY + dt.timedelta(days=5), departments=[dept("housing")]
    )
    with pytest.raises(ValidationError):
        services.meeting_transition(meeting=meeting, to=c.MeetingStatus.HELD, user=mishu)


def test_cancelling_a_meeting_puts_its_agenda_back(endorsed, meeting, mishu):
    services.case_schedule(case=endorsed, meeting=meeting, user=mishu)
    services.meeting_transition(meeting=meeting, to=c.MeetingStatus.CANCELLED, user=mishu)
    endorsed.refresh_from_db()
    assert endorsed.status == S.ENDORSED and endorsed.meeting is None


def test_overdue_tasks_show_for_the_secretariat(resolving, mishu, renshe, dongqu):
    task = resolving.tasks.get(department__code="hr_social_security")
    assert not selectors.overdue_tasks(mishu).exists()  # due today: not overdue yet
    later = TODAY + dt.timedelta(days=1)
    assert list(selectors.overdue_tasks(mishu, today=later)) == [task]
    assert list(selectors.overdue_tasks(renshe, today=later)) == [task]
    assert list(selectors.overdue_tasks(dongqu, today=later)) == [task]  # a case of their town
    rows = selectors.overdue_by_department(mishu, today=later)
    assert {r["department__name"]: r["overdue"] for r in rows} == {
        "市人力资源和社会保障局": 1,
        "市医疗保障局": 0,
    }
    services.task_report(task=task, user=renshe, text="已上岗", status=T.DONE)
    assert not selectors.overdue_tasks(mishu, today=later).exists()


def test_liaison_reports_only_on_their_departments_tasks(resolving, renshe, zhujian, dongqu):
    mine = resolving.tasks.get(department__code="hr_social_security")
    other = resolving.tasks.get(department__code="medical_insurance")
    services.task_report(task=mine, user=renshe, text="已联系用人单位", status=T.IN_PROGRESS)
    for user, task in ((renshe, other), (zhujian, mine), (dongqu, mine)):
        with pytest.raises(ValidationError):
            services.task_report(task=task, user=user, text="x", status=T.DONE)
    mine.refresh_from_db()
    assert mine.status == T.IN_PROGRESS and mine.reports.count() == 1


def test_last_task_done_closes_the_case_and_meets_its_needs(resolving, renshe, mishu, need):
    hr, mi = (
        resolving.tasks.get(department__code=code) for code in ("hr_social_security", "medical_insurance")
    )
    services.task_report(task=hr, user=renshe, text="已上岗", status=T.DONE)
    resolving.refresh_from_db()
    assert resolving.status == S.RESOLVING
    services.task_report(task=mi, user=mishu, text="医疗救助已到账", status=T.DONE)
    resolving.refresh_from_db()
    need.refresh_from_db()
    assert resolving.status == S.CLOSED and resolving.closed_at
    assert "全部落实" in resolving.outcome
    assert need.status == NeedStatus.MET and need.met_on == TODAY
    assert "全部落实" in need.outcome_note


def test_a_task_that_cannot_be_done_closes_the_needs_unmet(resolving, renshe, mishu, need):
    hr, mi = (
        resolving.tasks.get(department__code=code) for code in ("hr_social_security", "medical_insurance")
    )
    services.task_report(task=hr, user=renshe, text="本人拒绝上岗", status=T.UNABLE)
    services.task_report(task=mi, user=mishu, text="已到账", status=T.DONE)
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED_UNMET


def test_a_finished_task_takes_no_more_reports(resolving, renshe):
    hr = resolving.tasks.get(department__code="hr_social_security")
    services.task_report(task=hr, user=renshe, text="完成", status=T.DONE)
    with pytest.raises(ValidationError):
        services.task_report(
            task=ResolutionTask.objects.get(pk=hr.pk), user=renshe, text="再报", status=T.IN_PROGRESS
        )
    assert ProgressReport.objects.filter(task=hr).count() == 1


def test_a_stale_report_is_refused(resolving, renshe):
    from core.concurrency import EditConflict

    hr = resolving.tasks.get(department__code="hr_social_security")
    stale = ResolutionTask.objects.get(pk=hr.pk)
    services.task_report(task=hr, user=renshe, text="第一次", status=T.IN_PROGRESS, expected_version=1)
    with pytest.raises(EditConflict):
        services.task_report(task=stale, user=renshe, text="旧页面", status=T.DONE, expected_version=1)


def test_a_need_met_meanwhile_is_left_as_it_is(resolving, renshe, mishu, household, huayuan):
    extra = need_record(user=huayuan, household=household, domain="care", description="助餐", source="visit")
    resolving.needs.add(extra)
    from assistance.services import need_transition

    need_transition(need=extra, to=NeedStatus.CLOSED_UNMET, user=huayuan, note="家属已安排")
    for task in resolving.tasks.all():
        services.task_report(task=task, user=mishu, text="完成", status=T.DONE)
    extra.refresh_from_db()
    assert extra.status == NeedStatus.CLOSED_UNMET
