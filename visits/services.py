"""Writes for teams, members, pairings, visits and activities. Every write records who (history)
and checks the caller may change the record through restrict(); nothing is deleted."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import bulk
from core.concurrency import claim_version
from core.scoping import CHANGE
from stats import monthly as tallies

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
    with transaction.atomic():
        _save(team, user=user, expected=expected, new=team.pk is None)
        schedule_refresh_teams([team.pk])
    return team


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
            _save(pairing, user=user, new=True)
            schedule_refresh(household_ids=[household.pk])
            return pairing
    except IntegrityError:
        raise ValidationError({"team": _("该队伍已与这户结对，请勿重复结对。")}) from None


def pairing_end(
    *, user, pairing: Pairing, ended_on: dt.date, reason: str, expected: int | None = None
) -> Pairing:
    if not Pairing.objects.restrict(user, CHANGE).filter(pk=pairing.pk, ended_on__isnull=True).exists():
        raise ValidationError(_("该结对不存在或已结束。"))
    if not (reason or "").strip():
        raise ValidationError({"end_reason": _("请说明结束结对的原因。")})
    pairing.ended_on = ended_on
    pairing.end_reason = reason.strip()
    with transaction.atomic():
        _save(pairing, user=user, reason=pairing.end_reason, expected=expected)
        schedule_refresh(household_ids=[pairing.household_id])
    return pairing


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
            schedule_refresh(household_ids=[household.pk])
            tallies.households_touched([household.pk], tallies.VISITS, [visit.visited_on])  # dashboards
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
    was_on = visit.visited_on
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
        schedule_refresh(household_ids=[visit.household_id])
        tallies.households_touched([visit.household_id], tallies.VISITS, [was_on, visit.visited_on])
    return visit


# ---------------------------------------------------------------------------------------------
# Visit frequencies (dated data): a new or changed row may move every due date


def frequency_save(*, user, frequency):
    if not user.sees_whole_city or not user.can_write:
        raise ValidationError(_("只有市级管理人员可以修改探访频次。"))
    with transaction.atomic():
        _save(frequency, user=user, new=True)
        schedule_refresh()
    return frequency


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
        was = list(Activity.objects.filter(pk=activity.pk).values_list("community_id", "held_on"))
        _save(activity, user=user, expected=expected, new=activity.pk is None)
        if participants is not None:
            activity.participants.set(participants)
        tallies.communities_touched(  # the dashboards' rows, where and when it was and is
            [activity.community_id, *[c for c, _d in was]], [activity.held_on, *[d for _c, d in was]]
        )
    return activity


# ---------------------------------------------------------------------------------------------
# Reminders: overdue visits become tasks in the responsible worker's 我的待办


def visit_reminders(*, today: dt.date | None = None) -> int:
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce
    from simple_history.utils import bulk_create_with_history

    from core.models import Task

    from .selectors import schedule_rows

    today = today or dt.date.today()
    # The city's overdue rows from the schedule table's index, each with the responsible worker
    # of one of its open pairings' teams; the key names the visit it waits for (a new one, a new task).
    responsible = Pairing.objects.filter(household=OuterRef("household_id"), ended_on__isnull=True)
    rows = (
        schedule_rows(None, state="overdue", today=today)
        .annotate(
            responsible_id=Subquery(responsible.order_by("id").values("team__responsible")[:1]),
            base=Coalesce("last_visit_on", "paired_on"),
        )
        .values_list("household_id", "town_id", "community_id", "responsible_id", "base")
    )
    tasks = [
        Task(
            kind="visit_overdue",
            title=_("探访逾期，请尽快安排上门探访"),
            household_id=pk,
            town_id=town_id,
            community_id=community_id,
            assignee_id=responsible,
            due_date=today,
            dedupe_key=f"visit-overdue:{pk}:{base or ''}",
        )
        for pk, town_id, community_id, responsible, base in rows
    ]
    keys = [t.dedupe_key for t in tasks]
    existing = set(Task.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    new = [t for t in tasks if t.dedupe_key not in existing]
    bulk_create_with_history(new, Task, batch_size=1000)
    return len(new)


# ---------------------------------------------------------------------------------------------
# The schedule table: recomputed set-based, inside the transaction that changed its inputs

SCHEDULE_LOCKS = 0x5A5356  # advisory locks of the schedule rows: 64 buckets of household ids
SCHEDULE_COLUMNS = (
    "household_id, town_id, community_id, paired, paired_on, interval_days, last_visit_on, "
    "next_due_on, event_on, elderly, due_on, due_reason, refreshed_at"
)
SCHEDULE_CHUNK = 5000


def schedule_refresh(*, household_ids=None, today: dt.date | None = None) -> None:
    """Recompute the schedule rows of these households (None: all) in one INSERT ... SELECT per
    chunk; rows of households that no longer require visits go. On PostgreSQL writers take a
    lock per bucket of ids first, so the second of two writers to one household recomputes after
    the first commits and sees both changes (READ COMMITTED: a new snapshot per statement)."""
    from django.db import connection
    from django.utils import timezone

    from .schedule import frequencies_in_force

    today = today or timezone.localdate()
    freqs = frequencies_in_force(today)
    with transaction.atomic(), connection.cursor() as cursor:
        if household_ids is None:
            _lock_buckets(cursor, None)
            cursor.execute("DELETE FROM visits_householdschedule")
            _insert_schedule(cursor, today, freqs, None)
            return
        ids = sorted({int(i) for i in household_ids if i})
        _lock_buckets(cursor, ids)
        for start in range(0, len(ids), SCHEDULE_CHUNK):
            part = ids[start : start + SCHEDULE_CHUNK]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"DELETE FROM visits_householdschedule WHERE household_id IN ({marks})", part)
            _insert_schedule(cursor, today, freqs, part)


def _lock_buckets(cursor, ids) -> None:
    bulk.advisory_locks(SCHEDULE_LOCKS, range(64) if ids is None else {i % 64 for i in ids})


def _insert_schedule(cursor, today, freqs, ids) -> None:
    from django.utils import timezone

    from .schedule import schedule_facts, schedule_select_sql

    facts_sql, params = schedule_facts(today, freqs, ids).query.sql_with_params()
    select = schedule_select_sql(facts_sql, cursor.db.vendor)
    updates = ", ".join(f"{c} = excluded.{c}" for c in SCHEDULE_COLUMNS.split(", ")[1:])
    cursor.execute(
        f"INSERT INTO visits_householdschedule ({SCHEDULE_COLUMNS}) "
        f"SELECT s.*, %s FROM ({select}) s WHERE true "
        f"ON CONFLICT (household_id) DO UPDATE SET {updates}",
        [timezone.now(), *params],
    )


def schedule_refresh_teams(team_ids) -> None:
    """The households of these teams' open pairings (a team switched on or off)."""
    ids = Pairing.objects.filter(team_id__in=team_ids, ended_on__isnull=True).values_list(
        "household_id", flat=True
    )
    schedule_refresh(household_ids=list(ids))


def on_households_written(household_ids, *, communities=(), everyone=False) -> None:
    """households.hooks: registry services, the roster import and screening changed these
    households (members, status, groups, tiers) or, with ``everyone``, the whole registry."""
    schedule_refresh(household_ids=None if everyone else household_ids)
