"""Writes of the joint meeting. Each lifecycle is written down once (core/lifecycle.py); each step
checks who may make it, records who and when, and is kept in history."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.choices import NeedStatus
from assistance.services import NEED_LIFECYCLE, need_transition
from core.concurrency import claim_version
from core.lifecycle import Lifecycle
from core.scoping import CHANGE
from households.models import Household

from . import choices as c
from .models import (
    ENDORSE_PERMISSION,
    JointCase,
    Meeting,
    ProgressReport,
    ResolutionTask,
    can_run_meetings,
    is_liaison,
    is_secretariat,
)

S = c.CaseStatus
M = c.MeetingStatus
T = c.TaskStatus

CASE_LIFECYCLE = Lifecycle(
    "status",
    {
        S.SUBMITTED: (S.ENDORSED, S.RETURNED, S.WITHDRAWN),
        S.RETURNED: (S.SUBMITTED, S.WITHDRAWN),
        S.ENDORSED: (S.ON_AGENDA, S.RETURNED),
        S.ON_AGENDA: (S.RESOLVING, S.ENDORSED),
        S.RESOLVING: (S.CLOSED,),
        S.CLOSED: (),
        S.WITHDRAWN: (),
    },
    dict(S.choices),
)
# The steps a user picks on the case page; the others follow from the agenda and the tasks.
MANUAL_CASE_STEPS = (S.ENDORSED, S.RETURNED, S.SUBMITTED, S.WITHDRAWN)
MEETING_LIFECYCLE = Lifecycle(
    "status", {M.SCHEDULED: (M.HELD, M.CANCELLED), M.HELD: (), M.CANCELLED: ()}, dict(M.choices)
)
TASK_LIFECYCLE = Lifecycle(
    "status",
    {
        T.ASSIGNED: (T.IN_PROGRESS, T.DONE, T.UNABLE),
        T.IN_PROGRESS: (T.IN_PROGRESS, T.DONE, T.UNABLE),
        T.DONE: (),
        T.UNABLE: (),
    },
    dict(T.choices),
)


def _case_in_reach(case, user, action=CHANGE) -> bool:
    return JointCase.objects.restrict(user, action).filter(pk=case.pk).exists()


def can_endorse(user, case) -> bool:
    """A town-level (or city) worker holding the endorse permission, never the case's author."""
    level = getattr(getattr(user, "division", None), "level", None)
    return bool(
        user.is_active
        and user.can_write
        and user.has_perm(ENDORSE_PERMISSION)
        and (level == "town" or user.sees_whole_city)
        and user.pk != case.author_id
        and _case_in_reach(case, user)
    )


def _number(case: JointCase) -> None:
    year = timezone.localdate().year
    last = JointCase.objects.filter(year=year).aggregate(m=Max("seq"))["m"] or 0
    case.year, case.seq = year, last + 1


def case_escalate(*, user, household: Household, needs, summary: str) -> JointCase:
    """A worker escalates a household and the needs concerned; the needs become 已提交联席会议."""
    if not Household.objects.restrict(user, CHANGE).filter(pk=household.pk).exists():
        raise ValidationError(_("您不能为该家庭提交联席会议。"))
    needs = list(needs)
    if not needs:
        raise ValidationError({"needs": _("请选择本案涉及的需求（至少一项）。")})
    for need in needs:
        if need.household_id != household.pk:
            raise ValidationError({"needs": _("所选需求不属于本家庭。")})
        if not need.is_open:
            raise ValidationError({"needs": _("已办结的需求不能提交联席会议。")})
    busy = JointCase.objects.open().filter(needs__in=needs).values_list("seq", flat=True)
    if busy:
        raise ValidationError({"needs": _("所选需求已在另一个未办结的联席会议案件中。")})
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("请填写案情摘要。")})
    case = JointCase(household=household, summary=summary, author=user)
    for _attempt in range(3):
        _number(case)
        case.full_clean(exclude=["needs"])
        try:
            with transaction.atomic():
                case._history_user = user
                case.save()
                case.needs.set(needs)
                note = _("提交联席会议：%(number)s") % {"number": case.number}
                for need in needs:
                    if need.status != NeedStatus.ESCALATED:
                        need_transition(need=need, to=NeedStatus.ESCALATED, user=user, note=note)
            return case
        except IntegrityError:
            case.pk = None  # another case took this number meanwhile: take the next one
    raise ValidationError(_("提交人数较多，请稍后再试。"))


def case_update(*, case: JointCase, user, summary: str, expected_version: int | None = None) -> JointCase:
    """The worker corrects the summary of a case not yet endorsed (or returned to them)."""
    if not _case_in_reach(case, user) or is_secretariat(user):
        raise ValidationError(_("您不能修改该案件。"))
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("请填写案情摘要。")})
    with transaction.atomic():
        claim_version(case, expected=expected_version)
        current = JointCase.objects.select_for_update().get(pk=case.pk)
        if not current.is_editable:
            raise ValidationError(_("案件已通过审核，不能再修改；如需更正请联系联席会议办公室。"))
        current.summary = summary
        current.full_clean(exclude=["needs"])
        current._history_user = user
        current.save(update_fields=["summary"])
    case.refresh_from_db()
    return case


def allowed_steps(case: JointCase, user) -> list[str]:
    """The manual steps this user may make on this case now (the page offers only these)."""
    steps = []
    for to in CASE_LIFECYCLE.allowed(case.status):
        if to not in MANUAL_CASE_STEPS:
            continue
        if to == S.ENDORSED:
            ok = can_endorse(user, case)
        elif to == S.RETURNED:
            ok = can_endorse(user, case) if case.status == S.SUBMITTED else can_run_meetings(user)
        else:
            ok = user.can_write and _case_in_reach(case, user)
        if ok:
            steps.append(to)
    return steps


def case_transition(
    *, case: JointCase, to: str, user, note: str = "", expected_version: int | None = None
) -> JointCase:
    """Endorse, return, resubmit or withdraw a case (the agenda and closing have their own steps)."""
    if to not in MANUAL_CASE_STEPS:
        raise ValidationError(_("该操作请在会议或决议事项中进行。"))
    CASE_LIFECYCLE.check(case.status, to)
    note = (note or "").strip()
    if to == S.RETURNED and not note:
        raise ValidationError({"note": _("请填写退回意见。")})
    if to == S.WITHDRAWN and not note:
        raise ValidationError({"note": _("请说明撤回的原因。")})
    fields = {}
    if to == S.ENDORSED:
        if not can_endorse(user, case):
            raise ValidationError(_("只有具有审核权限的镇街负责人可以审核，且不能审核自己提交的案件。"))
        fields = {"endorsed_by": user, "endorsed_at": timezone.now(), "review_note": note}
    elif to == S.RETURNED:
        allowed = can_endorse(user, case) if case.status == S.SUBMITTED else can_run_meetings(user)
        if not allowed:
            raise ValidationError(_("您不能退回该案件。"))
        fields = {"review_note": note}
    elif not (_case_in_reach(case, user) and user.can_write):
        raise ValidationError(_("您不能办理该案件。"))
    with transaction.atomic():
        claim_version(case, expected=expected_version)
        CASE_LIFECYCLE.move(case, to, user=user, **fields)
        if to == S.WITHDRAWN:
            _release_needs(case, user, note)
    return case


def _release_needs(case, user, note):
    """A withdrawn case hands its needs back to the town (已提交联席会议 -> 帮扶中)."""
    for need in case.needs.filter(status=NeedStatus.ESCALATED):
        need_transition(need=need, to=NeedStatus.IN_PROGRESS, user=user, note=note, authorised=True)


def _require_secretariat(user):
    if not can_run_meetings(user):
        raise ValidationError(_("只有联席会议办公室可以安排议程和交办决议。"))


def case_schedule(*, case: JointCase, meeting: Meeting, user) -> JointCase:
    """Put an endorsed case on the agenda of a meeting that has not been held yet."""
    _require_secretariat(user)
    if meeting.status != M.SCHEDULED:
        raise ValidationError({"meeting": _("只能列入尚未召开的会议。")})
    CASE_LIFECYCLE.check(case.status, S.ON_AGENDA)
    with transaction.atomic():
        Meeting.objects.select_for_update().get(pk=meeting.pk)  # one agenda number per case
        order = (JointCase.objects.filter(meeting=meeting).aggregate(m=Max("agenda_order"))["m"] or 0) + 1
        CASE_LIFECYCLE.move(case, S.ON_AGENDA, user=user, meeting=meeting, agenda_order=order)
    return case


def case_unschedule(*, case: JointCase, user) -> JointCase:
    _require_secretariat(user)
    if case.meeting is not None and case.meeting.status != M.SCHEDULED:
        raise ValidationError(_("会议已召开，不能再移出议程。"))
    CASE_LIFECYCLE.move(case, S.ENDORSED, user=user, meeting=None, agenda_order=None)
    return case


# ---------------------------------------------------------------------------------------------
# Meetings


MEETING_FIELDS = ("title", "held_on", "place", "attendees", "minutes")


def meeting_create(*, user, title, held_on, departments, place="", attendees="", minutes="") -> Meeting:
    _require_secretariat(user)
    meeting = Meeting(
        title=title.strip(),
        held_on=held_on,
        place=place.strip(),
        attendees=attendees.strip(),
        minutes=minutes.strip(),
        created_by=user,
    )
    meeting.full_clean()
    if not departments:
        raise ValidationError({"departments": _("请选择参会单位。")})
    with transaction.atomic():
        meeting._history_user = user
        meeting.save()
        meeting.departments.set(departments)
    return meeting


def meeting_update(*, meeting: Meeting, user, expected_version: int | None = None, **changes) -> Meeting:
    _require_secretariat(user)
    if meeting.status == M.CANCELLED:
        raise ValidationError(_("已取消的会议不能修改。"))
    departments = changes.pop("departments", None)
    if departments is not None and not departments:
        raise ValidationError({"departments": _("请选择参会单位。")})
    fields = [name for name in MEETING_FIELDS if name in changes]
    with transaction.atomic():
        claim_version(meeting, expected=expected_version)
        current = Meeting.objects.select_for_update().get(pk=meeting.pk)
        for name in fields:
            value = changes[name]
            setattr(current, name, value.strip() if isinstance(value, str) else value)
        current.full_clean()
        current._history_user = user
        current.save(update_fields=fields or None)
        if departments is not None:
            current.departments.set(departments)
    meeting.refresh_from_db()
    return meeting


def meeting_transition(*, meeting: Meeting, to: str, user, expected_version: int | None = None) -> Meeting:
    """Held (on or after its date) or cancelled (its agenda goes back to 待列入议程)."""
    _require_secretariat(user)
    MEETING_LIFECYCLE.check(meeting.status, to)
    if to == M.HELD and meeting.held_on > timezone.localdate():
        raise ValidationError(_("会议日期未到，不能标记为已召开。"))
    with transaction.atomic():
        claim_version(meeting, expected=expected_version)
        MEETING_LIFECYCLE.move(meeting, to, user=user)
        if to == M.CANCELLED:
            for case in JointCase.objects.filter(meeting=meeting, status=S.ON_AGENDA):
                CASE_LIFECYCLE.move(case, S.ENDORSED, user=user, meeting=None, agenda_order=None)
    return meeting


# ---------------------------------------------------------------------------------------------
# Resolutions and progress


def task_add(*, case: JointCase, user, department, action: str, deadline: dt.date) -> ResolutionTask:
    """A resolution of the meeting: a task for a named department with a deadline."""
    _require_secretariat(user)
    if case.status not in (S.ON_AGENDA, S.RESOLVING) or case.meeting is None:
        raise ValidationError(_("只有已列入议程的案件可以交办决议事项。"))
    if case.meeting.status != M.HELD:
        raise ValidationError(_("会议召开后才能录入决议事项。"))
    if not department.is_active:
        raise ValidationError({"department": _("该部门已停用。")})
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": _("办理期限不能早于今天。")})
    task = ResolutionTask(
        case=case,
        meeting=case.meeting,
        department=department,
        action=(action or "").strip(),
        deadline=deadline,
        created_by=user,
    )
    task.full_clean()
    with transaction.atomic():
        task._history_user = user
        task.save()
        if case.status == S.ON_AGENDA:
            CASE_LIFECYCLE.move(case, S.RESOLVING, user=user)
    return task


def may_report(user, task) -> bool:
    if not (is_liaison(user) or is_secretariat(user) or user.is_city_admin):
        return False
    return ResolutionTask.objects.restrict(user, CHANGE).filter(pk=task.pk).exists()


def task_report(
    *, task: ResolutionTask, user, text: str, status: str, expected_version: int | None = None
) -> ProgressReport:
    """A department reports progress (its status after the report). The last task done closes the
    case, and the case's needs are marked met (or closed unmet if any task could not be done)."""
    if not may_report(user, task):
        raise ValidationError(_("只有责任单位的联络员或联席会议办公室可以报告进展。"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写进展情况。")})
    with transaction.atomic():
        # The case row first: two departments finishing the last two tasks at once are serialised,
        # so exactly one of them sees no open task left and closes the case.
        JointCase.objects.select_for_update().get(pk=task.case_id)
        claim_version(task, expected=expected_version)
        current = ResolutionTask.objects.select_for_update().get(pk=task.pk)
        TASK_LIFECYCLE.check(current.status, status)
        now = timezone.now()
        fields = {"status": status, "last_report_at": now}
        if status == T.DONE:
            fields["done_on"] = timezone.localdate()
        for name, value in fields.items():
            setattr(current, name, value)
        current._history_user = user
        current.save(update_fields=list(fields))
        report = ProgressReport.objects.create(task=current, text=text, status=status, reported_by=user)
        case = JointCase.objects.get(pk=task.case_id)
        if case.status == S.RESOLVING and not case.tasks.open().exists():
            case_close(case=case, user=user)
    task.refresh_from_db()
    return report


def case_close(*, case: JointCase, user) -> JointCase:
    """Close a case whose tasks are all finished; its open needs get the outcome."""
    tasks = list(case.tasks.select_related("department").order_by("deadline", "id"))
    if any(t.is_open for t in tasks) or not tasks:
        raise ValidationError(_("还有未完成的决议事项，案件不能办结。"))
    all_done = all(t.status == T.DONE for t in tasks)
    lines = [
        _("%(dept)s：%(action)s（%(status)s）")
        % {"dept": t.department.short_name, "action": t.action, "status": t.get_status_display()}
        for t in tasks
    ]
    head = _("联席会议决议已全部落实。") if all_done else _("联席会议决议办理完毕，部分事项无法落实。")
    outcome = "\n".join([head, *lines])[:4000]
    CASE_LIFECYCLE.move(case, S.CLOSED, user=user, outcome=outcome, closed_at=timezone.now())
    target = NeedStatus.MET if all_done else NeedStatus.CLOSED_UNMET
    for need in case.needs.all():
        if target in NEED_LIFECYCLE.allowed(need.status):
            need_transition(need=need, to=target, user=user, note=outcome[:2000], authorised=True)
    return case
