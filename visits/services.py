"""Writes for teams, members, pairings, visits and activities. Every write records who (history)
and checks the caller may change the record through restrict(); nothing is deleted."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.concurrency import claim_version
from core.scoping import CHANGE

from . import choices as c
from .models import Activity, Pairing, Team, TeamMember, Visit, VisitService

EDIT_WINDOW_DAYS = 7


def _save(obj, *, user, reason: str = "", expected: int | None = None, new: bool = False):
    obj.full_clean()
    obj._history_user = user
    if reason:
        obj._change_reason = reason
    with transaction.atomic():
        if not new and hasattr(obj, "version"):
            claim_version(obj, expected=expected)
        obj.save()
    return obj


def _may_change_division(user, division) -> bool:
    from households.models import Division

    return user.can_write and Division.objects.restrict(user).filter(pk=division.pk).exists()


# ---------------------------------------------------------------------------------------------
# Teams and members


def team_save(*, user, team: Team, expected: int | None = None) -> Team:
    if not _may_change_division(user, team.division):
        raise ValidationError({"division": _("您不能在该区域建立或修改队伍。")})
    return _save(team, user=user, expected=expected, new=team.pk is None)


def member_save(*, user, member: TeamMember, phone: str | None = None, expected: int | None = None):
    if not Team.objects.restrict(user, CHANGE).filter(pk=member.team_id).exists():
        raise ValidationError(_("您不能修改该队伍的队员。"))
    if phone is not None:
        member.set_phone(phone.strip())
    if member.user_id and member.user.role != "volunteer" and member.member_type == c.MemberType.VOLUNTEER:
        raise ValidationError({"user": _("志愿者只能关联“探访志愿者”角色的账号。")})
    try:
        return _save(member, user=user, expected=expected, new=member.pk is None)
    except IntegrityError:
        raise ValidationError({"user": _("该账号已是本队队员。")}) from None


# ---------------------------------------------------------------------------------------------
# Pairings (结对): one open pairing per team and household


def pairing_create(*, user, team: Team, household, started_on: dt.date, member: TeamMember | None = None):
    from households.models import Household

    if not Household.objects.restrict(user, CHANGE).filter(pk=household.pk).exists():
        raise ValidationError(_("您不能为该家庭安排结对。"))
    if not Team.objects.restrict(user, CHANGE).filter(pk=team.pk, is_active=True).exists():
        raise ValidationError({"team": _("请选择您辖区内在用的队伍。")})
    if Pairing.objects.filter(team=team, household=household, ended_on__isnull=True).exists():
        raise ValidationError({"team": _("该队伍已与这户结对，请勿重复结对。")})
    pairing = Pairing(team=team, household=household, member=member, started_on=started_on)
    try:
        with transaction.atomic():
            return _save(pairing, user=user, new=True)
    except IntegrityError:
        raise ValidationError({"team": _("该队伍已与这户结对，请勿重复结对。")}) from None


def pairing_end(*, user, pairing: Pairing, ended_on: dt.date, reason: str) -> Pairing:
    if not Pairing.objects.restrict(user, CHANGE).filter(pk=pairing.pk, ended_on__isnull=True).exists():
        raise ValidationError(_("该结对不存在或已结束。"))
    if not (reason or "").strip():
        raise ValidationError({"end_reason": _("请说明结束结对的原因。")})
    pairing.ended_on = ended_on
    pairing.end_reason = reason.strip()
    return _save(pairing, user=user, reason=pairing.end_reason, new=True)


# ---------------------------------------------------------------------------------------------
# Visits


def may_record_visit(user, household) -> bool:
    """Staff who may change the household, or a volunteer paired with it."""
    from households.models import Household

    action = "view" if user.is_volunteer else CHANGE
    return Household.objects.restrict(user, action).filter(pk=household.pk).exists()


def visit_record(
    *,
    user,
    household,
    services,
    problems: str = "",
    create_need: bool = False,
    need_domain: str = "",
    key: str | None = None,
    members=(),
    **fields,
) -> Visit:
    """Record a visit; with ``key`` a second send of the same draft returns the first visit."""
    if key:
        existing = Visit.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.household_id != household.pk or existing.recorded_by_id != user.pk:
                raise ValidationError(_("提交编号重复，请刷新页面后重新填写。"))
            return existing
    if not may_record_visit(user, household):
        raise ValidationError(_("您不能为该家庭记录探访。"))
    _check_services(services)
    fields.setdefault("team", _team_for(user, household))
    visit = Visit(
        household=household,
        recorded_by=user,
        problems=(problems or "").strip(),
        idempotency_key=key or None,
        **fields,
    )
    _check_date(visit.visited_on)
    try:
        with transaction.atomic():
            _save(visit, user=user, new=True)
            VisitService.objects.bulk_create([VisitService(visit=visit, service=s) for s in set(services)])
            visit.members.set(_own_members(members, visit.team))
            if not user.is_volunteer:
                visit.users.add(user)
            if create_need and visit.problems:
                _need_from(visit, user=user, domain=need_domain)
    except IntegrityError:
        if key:
            return Visit.objects.get(idempotency_key=key)  # the other send won the race
        raise
    return visit


def _team_for(user, household):
    """The team the visit is for: the visitor's own paired team, else any open pairing's team."""
    pairings = Pairing.objects.filter(household=household, ended_on__isnull=True).select_related("team")
    own = pairings.filter(team__members__user=user).first()
    chosen = own or pairings.order_by("id").first()
    return chosen.team if chosen else None


def _check_services(services) -> None:
    if not services:
        raise ValidationError({"services": _("请至少选择一项服务内容。")})
    if not set(services) <= set(c.Service.values):
        raise ValidationError({"services": _("服务内容不正确。")})


def _check_date(day) -> None:
    if day and day > dt.date.today():
        raise ValidationError({"visited_on": _("探访日期不能晚于今天。")})


def _own_members(members, team):
    return [m for m in members if team is not None and m.team_id == team.pk]


def _need_from(visit: Visit, *, user, domain: str) -> None:
    """The problem found becomes a need in the ledger (assistance.services.need_record). A
    volunteer may not write the ledger: the team's responsible worker records it for them."""
    from assistance import services as ledger
    from assistance.choices import NeedDomain, NeedSource

    recorder = user
    if user.is_volunteer:
        recorder = visit.team.responsible if visit.team and visit.team.responsible_id else None
        if recorder is None:
            return  # no worker to own it: the problem stays on the visit for staff to pick up
    need = ledger.need_record(
        user=recorder,
        household=visit.household,
        domain=domain if domain in NeedDomain.values else NeedDomain.LIVING,
        description=visit.problems,
        source=NeedSource.VISIT,
    )
    Visit.objects.filter(pk=visit.pk).update(need=need)
    visit.need = need


def visit_update(*, user, visit: Visit, services=None, reason: str = "", expected=None, **fields) -> Visit:
    if not Visit.objects.restrict(user, CHANGE).filter(pk=visit.pk).exists():
        raise ValidationError(_("您不能修改该探访记录。"))
    late = (dt.date.today() - visit.recorded_at.date()).days > EDIT_WINDOW_DAYS
    if late and not (reason or "").strip():
        raise ValidationError({"reason": _("记录已超过7天，修改须说明原因。")})
    for name, value in fields.items():
        setattr(visit, name, value)
    _check_date(visit.visited_on)
    with transaction.atomic():
        _save(visit, user=user, reason=(reason or "").strip(), expected=expected)
        if services is not None:
            _check_services(services)
            visit.services.exclude(service__in=services).delete()  # child rows, the visit stays
            have = set(visit.services.values_list("service", flat=True))
            VisitService.objects.bulk_create(
                [VisitService(visit=visit, service=s) for s in set(services) - have]
            )
    return visit


# ---------------------------------------------------------------------------------------------
# Community activities


def activity_save(*, user, activity: Activity, participants=None, expected=None) -> Activity:
    if not _may_change_division(user, activity.community):
        raise ValidationError({"community": _("您不能在该区域登记活动。")})
    if (
        activity.organiser_team_id
        and not Team.objects.restrict(user).filter(pk=activity.organiser_team_id).exists()
    ):
        raise ValidationError({"organiser_team": _("请选择您辖区内的队伍。")})
    _check_date(activity.held_on)
    with transaction.atomic():
        _save(activity, user=user, expected=expected, new=activity.pk is None)
        if participants is not None:
            activity.participants.set(participants)
    return activity


# ---------------------------------------------------------------------------------------------
# Reminders: overdue visits become tasks in the responsible worker's 我的待办


def visit_reminders(*, today: dt.date | None = None) -> int:
    from simple_history.utils import bulk_create_with_history

    from core.models import Task

    from .selectors import overdue_households

    today = today or dt.date.today()
    rows = overdue_households(today=today).values_list("pk", "responsible_id", "visit_base")
    tasks = [
        Task(
            kind="visit_overdue",
            title=_("探访逾期，请尽快安排上门探访"),
            household_id=pk,
            assignee_id=responsible,
            due_date=today,
            dedupe_key=f"visit-overdue:{pk}:{base or ''}",
        )
        for pk, responsible, base in rows
    ]
    keys = [t.dedupe_key for t in tasks]
    existing = set(Task.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    new = [t for t in tasks if t.dedupe_key not in existing]
    bulk_create_with_history(new, Task, batch_size=1000)
    return len(new)
