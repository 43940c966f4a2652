"""Writes of screening: overrides, task completion, monitoring alerts, vagrant intake.

Views, the API and the warning importer call these; none writes the models directly.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core import idnumber
from core.concurrency import claim_version
from core.models import Task
from core.scoping import CHANGE
from households import choices as hc
from households import services as household_services
from households.hooks import households_written
from households.models import Division, Person
from households.policy import policy_value

from . import choices as c
from . import rules, screening, selectors
from .models import Alert, GroupDecision, Override, ScreeningState, VagrantRecord
from .tasks import enqueue_rescreen


def _require_writer(user) -> None:
    if user is None or not user.can_write:
        raise PermissionDenied(_("您的角色没有修改权限。"))


# ---------------------------------------------------------------------------------------------
# Overrides


def _current_signature(person: Person) -> int:
    state = ScreeningState.objects.filter(person=person).first()
    if state is None or state.rule_version != rules.RULE_VERSION:
        screening.rescreen(person_ids=[person.pk])
        state = ScreeningState.objects.get(person=person)
    return state.signature


def current_override_id(*, person_id: int, group: str) -> int:
    """The review state a worker saw (0: no verdict yet); the review form sends it back."""
    return (
        Override.objects.filter(person_id=person_id, group=group, active=True)
        .values_list("pk", flat=True)
        .first()
        or 0
    )


def _check_not_reviewed_meanwhile(person: Person, group: str, seen_override: int | None) -> None:
    current = (
        Override.objects.filter(person=person, group=group, active=True).select_related("created_by").first()
    )
    if seen_override is None or (current.pk if current else 0) == seen_override:
        return
    if current is None:
        raise ValidationError(
            _("此记录已被他人修改：之前的人工认定已被撤销。请确认后再次提交。"), code="stale"
        )
    raise ValidationError(
        _(
            "此记录已被他人修改：%(who)s 已于 %(when)s 作出人工认定“%(verdict)s”（理由：%(reason)s）。如仍要提交您的认定，请再次保存。"
        )
        % {
            "who": current.created_by.get_full_name() or current.created_by.username,
            "when": timezone.localtime(current.created_at).strftime("%Y-%m-%d %H:%M"),
            "verdict": current.get_verdict_display(),
            "reason": current.reason,
        },
        code="stale",
    )


@transaction.atomic
def override_record(
    *, person: Person, group: str, verdict: str, reason: str, user, seen_override: int | None = None
) -> Override:
    """Confirm or reject the rules' placement of a person in a group, with a reason.

    The verdict holds until the facts the group depends on change; then screening retires it
    and creates a task asking the worker to decide again. Two reviews at once queue on the
    decision's row lock; ``seen_override`` (the id of the verdict the worker saw, 0 for none)
    refuses a review made over another worker's newer verdict.
    """
    _require_writer(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写理由。")})
    if group not in c.Group.values or verdict not in c.Verdict.values:
        raise ValidationError(_("无效的分类或认定。"))
    decision = (
        GroupDecision.objects.select_for_update().filter(person=person, group=group, active=True).first()
    )
    if decision is None:
        raise ValidationError(_("该人员当前不在此分类中，无法确认或否定。"))
    _check_not_reviewed_meanwhile(person, group, seen_override)
    signature = _current_signature(person)
    now = timezone.now()
    for previous in Override.objects.filter(person=person, group=group, active=True):
        previous.active = False
        previous.retired_at = now
        previous.retired_reason = _("被新的人工认定取代")
        previous.save(update_fields=["active", "retired_at", "retired_reason"])
    override = Override.objects.create(
        person=person,
        group=group,
        verdict=verdict,
        reason=reason,
        fingerprint=rules.fingerprint(signature, group),
        decision=decision,
        created_by=user,
    )
    screening.rescreen(person_ids=[person.pk], force=True)
    return override


@transaction.atomic
def override_withdraw(*, override: Override, user) -> Override:
    """Withdraw a worker's verdict: the rules decide again."""
    _require_writer(user)
    if not override.active:
        raise ValidationError(_("该人工认定已失效。"))
    override.active = False
    override.retired_at = timezone.now()
    override.retired_reason = _("由 %(user)s 撤销") % {"user": user.get_full_name() or user.username}
    override.save(update_fields=["active", "retired_at", "retired_reason"])
    screening.rescreen(person_ids=[override.person_id], force=True)
    return override


# ---------------------------------------------------------------------------------------------
# Tasks


@transaction.atomic
def task_complete(*, task: Task, user, note: str) -> Task:
    _require_writer(user)
    if task.status != Task.Status.OPEN:
        raise ValidationError(_("该事项已办结。"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写办理说明。")})
    task.status = Task.Status.DONE
    task.completed_at = timezone.now()
    task.completed_by = user
    task.completion_note = note
    task.save(update_fields=["status", "completed_at", "completed_by", "completion_note"])
    return task


TASK_CONFIRM, TASK_CLOSE = "confirm", "close"
BULK_LIMIT = 500


def _in_area_or_404(queryset, ids) -> list:
    """All of ``ids`` from a restricted queryset, or 404: a selection with anything outside the
    user's area (or unknown) is refused whole, without saying which (do not confirm it exists)."""
    wanted = {int(i) for i in ids}
    if not wanted or len(wanted) > BULK_LIMIT:
        raise ValidationError(_("请选择 1 至 %(n)s 项。") % {"n": BULK_LIMIT})
    found = list(queryset.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise Http404
    return found


def _finish_tasks(tasks: list[Task], *, user, status: str, note: str) -> int:
    """Move open tasks to done or cancelled in one conditional UPDATE, with their history rows."""
    now = timezone.now()
    open_ids = [t.pk for t in tasks if t.status == Task.Status.OPEN]
    changed = Task.objects.filter(pk__in=open_ids, status=Task.Status.OPEN).update(
        status=status, completed_at=now, completed_by=user, completion_note=note
    )
    done = list(Task.objects.filter(pk__in=open_ids, status=status, completed_at=now))
    if done:
        Task.history.bulk_history_create(done, update=True, default_user=user, default_date=now)
    return changed


@transaction.atomic
def tasks_bulk(*, task_ids, user, action: str, reason: str = "") -> int:
    """Confirm (mark done) or close (cancel, with a reason) a selection of tasks; returns how many.

    Confirming a community's baseline review confirms every placement it lists.
    """
    _require_writer(user)
    reason = (reason or "").strip()[:1000]
    if action not in (TASK_CONFIRM, TASK_CLOSE):
        raise ValidationError(_("请选择批量操作。"))
    if action == TASK_CLOSE and not reason:
        raise ValidationError({"reason": _("关闭事项须填写原因。")})
    tasks = _in_area_or_404(Task.objects.restrict(user, CHANGE).select_for_update(of=("self",)), task_ids)
    if action == TASK_CLOSE:
        return _finish_tasks(tasks, user=user, status=Task.Status.CANCELLED, note=reason)
    for task in tasks:
        if task.kind == c.TaskKind.BASELINE and task.status == Task.Status.OPEN:
            pending = selectors.baseline_pending(task=task, user=user, action=CHANGE).values_list(
                "pk", flat=True
            )
            _confirm_decisions(list(pending), user=user, reason=reason or _("首次筛查核实：情况属实"))
    return _finish_tasks(tasks, user=user, status=Task.Status.DONE, note=reason or _("已核实确认"))


def _confirm_decisions(decision_ids: list[int], *, user, reason: str) -> int:
    """Confirm placements in bulk (no re-screening needed: a confirmation keeps them as they are)."""
    decisions = GroupDecision.objects.filter(pk__in=decision_ids, active=True)
    taken = set(
        Override.objects.filter(person_id__in=decisions.values("person_id"), active=True).values_list(
            "person_id", "group"
        )
    )
    new = [
        Override(
            person_id=d.person_id,
            group=d.group,
            verdict=c.Verdict.CONFIRM,
            reason=reason,
            fingerprint=d.fingerprint,
            decision=d,
            created_by=user,
        )
        for d in decisions.only("id", "person_id", "group", "fingerprint")
        if (d.person_id, d.group) not in taken
    ]
    created = Override.objects.bulk_create(new, batch_size=1000)
    if created:
        Override.history.bulk_history_create(created, default_user=user)
    return len(created)


@transaction.atomic
def baseline_confirm(*, task: Task, decision_ids, user, reason: str = "") -> int:
    """Confirm the selected placements of a community's baseline review; returns how many.

    Anything not in the review's list (another community, outside the user's area, already
    decided) refuses the whole selection. The review is done once nothing is left to confirm.
    """
    _require_writer(user)
    if task.kind != c.TaskKind.BASELINE:
        raise Http404
    pending = selectors.baseline_pending(task=task, user=user, action=CHANGE)
    decisions = _in_area_or_404(pending, decision_ids)
    reason = (reason or "").strip()[:1000] or _("首次筛查核实：情况属实")
    confirmed = _confirm_decisions([d.pk for d in decisions], user=user, reason=reason)
    if task.status == Task.Status.OPEN and not selectors.baseline_pending(task=task, user=None).exists():
        _finish_tasks([task], user=user, status=Task.Status.DONE, note=_("已全部核实确认"))
    return confirmed


# ---------------------------------------------------------------------------------------------
# Monitoring alerts (动态监测预警)


def _verify_deadline(on: dt.date) -> dt.date:
    days = policy_value("alert_verify_days", on)
    return on + dt.timedelta(days=int(days if days is not None else 5))


def _verify_task_key(alert: Alert) -> str:
    return f"alert:{alert.pk}:verify"


@transaction.atomic
def alert_create(
    *,
    person: Person,
    kind: str,
    user=None,
    source: str = c.AlertSource.MANUAL,
    department: str = "",
    occurred_on: dt.date | None = None,
    amount=None,
    description: str = "",
    dedupe_key: str | None = None,
    rescreen: bool = True,
) -> Alert:
    """Record an alert, assign it to the person's town with a deadline, and ask for verification."""
    if user is not None:
        _require_writer(user)
    household = person.household
    today = timezone.localdate()
    alert = Alert(
        person=person,
        town_id=household.town_id,
        kind=kind,
        source=source,
        department=department,
        occurred_on=occurred_on,
        amount=amount,
        description=description,
        verify_deadline=_verify_deadline(today),
        dedupe_key=dedupe_key,
        created_by=user,
    )
    alert.full_clean(exclude=["dedupe_key"])
    alert.save()
    workers = screening.responsible_workers()
    Task.objects.get_or_create(
        dedupe_key=_verify_task_key(alert),
        defaults={
            "kind": c.TaskKind.ALERT,
            "title": _("核实预警：%(name)s %(kind)s")
            % {"name": person.name, "kind": alert.get_kind_display()},
            "detail": description,
            "household": household,
            "person": person,
            "assignee_id": screening.assignee_for(workers, household.town_id, household.community_id),
            "due_date": alert.verify_deadline,
        },
    )
    if rescreen:
        enqueue_rescreen(household_ids=[household.pk], user=user)
    return alert


def _close_verify_task(alert: Alert, user, note: str) -> None:
    task = Task.objects.filter(dedupe_key=_verify_task_key(alert), status=Task.Status.OPEN).first()
    if task is not None:
        task.status = Task.Status.DONE
        task.completed_at = timezone.now()
        task.completed_by = user
        task.completion_note = note
        task.save(update_fields=["status", "completed_at", "completed_by", "completion_note"])


@transaction.atomic
def alert_verify(
    *, alert: Alert, user, method: str, confirmed: bool, note: str, version: int | None = None
) -> Alert:
    """Record the visit or phone check. A confirmed death ends the person's records."""
    _require_writer(user)
    if alert.status != c.AlertStatus.PENDING:
        raise ValidationError(_("该预警已核实。"))
    if method not in c.VerifyMethod.values:
        raise ValidationError({"method": _("请选择核实方式。")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写核实情况。")})
    claim_version(alert, expected=version)  # two workers verifying at once: the second is told
    alert.verify_method = method
    alert.confirmed = confirmed
    alert.verify_note = note
    alert.verified_at = timezone.now()
    alert.verified_by = user
    if confirmed:
        alert.status = c.AlertStatus.VERIFIED
    else:
        alert.status = c.AlertStatus.CLOSED
        alert.outcome = c.AlertOutcome.CLOSED
        alert.outcome_note = _("核实情况不属实")
        alert.handled_at, alert.handled_by = alert.verified_at, user
    alert.save()
    _close_verify_task(alert, user, note)
    if confirmed:  # a major event: the household's next visit is due within 24 hours (visits)
        households_written([alert.person.household_id])
    if confirmed and alert.kind == c.AlertKind.DEATH:
        person_record_death(person=alert.person, user=user, on=alert.occurred_on or timezone.localdate())
    else:
        enqueue_rescreen(household_ids=[alert.person.household_id], user=user)
    return alert


@transaction.atomic
def alert_handle(
    *,
    alert: Alert,
    user,
    outcome: str,
    note: str,
    assistance_kind: str = "",
    version: int | None = None,
) -> Alert:
    """Handle a verified alert: admit to a status, temporary assistance, refer, or close."""
    _require_writer(user)
    if alert.status != c.AlertStatus.VERIFIED:
        raise ValidationError(_("只有已核实的预警可以处置。"))
    note = (note or "").strip()
    if outcome not in c.AlertOutcome.values:
        raise ValidationError({"outcome": _("请选择处置结果。")})
    if outcome in (c.AlertOutcome.REFERRED, c.AlertOutcome.CLOSED) and not note:
        raise ValidationError({"note": _("转介或关闭须填写说明。")})
    admitting = outcome == c.AlertOutcome.ADMITTED
    if admitting and (
        assistance_kind not in hc.AssistanceKind.values or assistance_kind == hc.AssistanceKind.TEMPORARY
    ):
        raise ValidationError({"assistance_kind": _("请选择纳入的救助类型。")})
    claim_version(alert, expected=version)  # before the statuses it adds: one handling only
    today = timezone.localdate()
    if admitting:
        household_services.status_add(
            person=alert.person,
            user=user,
            data={"kind": assistance_kind, "start_date": today, "detail": _("预警处置")},
        )
    elif outcome == c.AlertOutcome.TEMPORARY:
        household_services.status_add(
            person=alert.person,
            user=user,
            data={"kind": hc.AssistanceKind.TEMPORARY, "start_date": today, "detail": _("预警处置")},
        )
    alert.outcome = outcome
    alert.outcome_note = note
    alert.status = c.AlertStatus.CLOSED if outcome == c.AlertOutcome.CLOSED else c.AlertStatus.HANDLED
    alert.handled_at = timezone.now()
    alert.handled_by = user
    alert.save()
    return alert


@transaction.atomic
def person_record_death(*, person: Person, user, on: dt.date) -> Person:
    """A death: statuses end, open tasks close, the person is marked deceased.

    Screening then ends their group decisions (a deceased person is in no group) without
    creating follow-up tasks.
    """
    for status in person.statuses.current():
        end = max(on, status.start_date) if status.start_date else on
        household_services.status_end(status=status, user=user, end_date=end)
    now = timezone.now()
    for task in Task.objects.filter(person=person, status=Task.Status.OPEN):
        task.status = Task.Status.CANCELLED
        task.completed_at = now
        task.completed_by = user
        task.completion_note = _("人员已死亡，事项关闭")
        task.save(update_fields=["status", "completed_at", "completed_by", "completion_note"])
    household_services.person_set_status(person=person, user=user, status=hc.PersonStatus.DECEASED)
    return person


# ---------------------------------------------------------------------------------------------
# Vagrants (流浪乞讨人员)

VAGRANT_FIELDS = [
    "source",
    "name",
    "sex",
    "estimated_age",
    "found_on",
    "found_place",
    "community",
    "situation",
    "cannot_afford",
    "no_relatives",
    "not_on_assistance",
    "begging",
    "tracing_status",
    "tracing_note",
    "outcome",
    "outcome_on",
    "destination",
]
_CLOSING = {c.VagrantOutcome.RETURNED, c.VagrantOutcome.PLACED, c.VagrantOutcome.LEFT}


def _apply_vagrant(record: VagrantRecord, data: dict, id_number: str | None, user) -> set[int]:
    """Apply form data; return the roster persons whose vagrant group may have changed.

    The ID number links the record to a roster person only inside the user's area (the same
    restrict() as every write): a community worker must not place a person of another town in
    the vagrant group. Outside it the record keeps the hash unlinked, for a town or city user.
    """
    touched = {record.person_id} if record.person_id else set()
    for name in VAGRANT_FIELDS:
        if name in data:
            setattr(record, name, data[name])
    if record.community_id:
        community = Division.objects.get(pk=record.community_id)
        record.town_id = community.parent_id
    if id_number:
        parsed = idnumber.parse(id_number)
        record.id_hash = idnumber.id_hash(parsed.value)
        record.id_masked = parsed.masked
        record.sex = record.sex or parsed.sex
        person = Person.objects.restrict(user, CHANGE).filter(id_hash=record.id_hash).first()
        record.person = person
        if person is not None:
            touched.add(person.pk)
    record.status = c.VagrantStatus.CLOSED if record.outcome in _CLOSING else c.VagrantStatus.OPEN
    return touched


@transaction.atomic
def vagrant_create(*, user, data: dict, id_number: str | None = None) -> VagrantRecord:
    _require_writer(user)
    record = VagrantRecord(created_by=user)
    touched = _apply_vagrant(record, data, id_number, user)
    record.full_clean(exclude=["town", "id_hash"])
    record.save()
    if touched:
        enqueue_rescreen(person_ids=touched, user=user)
    return record


@transaction.atomic
def vagrant_update(
    *, record: VagrantRecord, user, data: dict, id_number: str | None = None, version: int | None = None
) -> VagrantRecord:
    _require_writer(user)
    touched = _apply_vagrant(record, data, id_number, user)
    record.full_clean(exclude=["town", "id_hash"])
    claim_version(record, expected=version)
    record.save()
    if record.person_id:
        touched.add(record.person_id)
    if touched:
        enqueue_rescreen(person_ids=touched, user=user)
    return record
