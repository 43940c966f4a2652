"""Writes for the needs ledger. Every step records who and when (fields and history)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import ScreeningState
from core.concurrency import claim_version
from core.lifecycle import Lifecycle
from core.scoping import CHANGE
from stats import monthly as tallies
from stats import uptake as uptake_rows

from . import choices as c
from .models import CarePlan, CatalogItem, Need, PlanAction, Recommendation

S = c.NeedStatus

# The need lifecycle, written down once (style.md "Lifecycles").
NEED_LIFECYCLE = Lifecycle(
    "status",
    {
        S.RECORDED: (S.MATCHED, S.IN_PROGRESS, S.CLOSED_UNMET, S.ESCALATED),
        S.MATCHED: (S.IN_PROGRESS, S.MET, S.CLOSED_UNMET, S.ESCALATED),
        S.IN_PROGRESS: (S.MET, S.CLOSED_UNMET, S.ESCALATED),
        S.ESCALATED: (S.IN_PROGRESS, S.MET, S.CLOSED_UNMET),
        S.CLOSED_UNMET: (S.RECORDED,),  # reopened
        S.MET: (),
    },
    dict(S.choices),
)
# What a step must carry.
# Lazy: this table is built at import time, the messages are read in the user's language.
NOTE_REQUIRED = {
    S.CLOSED_UNMET: gettext_lazy("请说明未能满足的原因。"),
    S.ESCALATED: gettext_lazy("请说明提交联席会议的理由。"),
    S.RECORDED: gettext_lazy("请说明重新打开的原因。"),
}


def need_record(
    *, user, household, domain, description, source, urgency=c.Urgency.NORMAL, person=None
) -> Need:
    if not type(household).objects.restrict(user, CHANGE).filter(pk=household.pk).exists():
        raise ValidationError(_("您不能为该家庭登记需求。"))
    if person is not None and person.household_id != household.pk:
        raise ValidationError({"person": _("该人员不是本家庭成员。")})
    need = Need(
        household=household,
        person=person,
        domain=domain,
        description=description.strip(),
        source=source,
        urgency=urgency,
        recorded_by=user,
    )
    need.full_clean()
    need._history_user = user
    with transaction.atomic():
        need.save()
        tallies.households_touched([household.pk], tallies.NEEDS, [need.recorded_at])  # dashboards
    return need


def need_accept_suggestion(*, user, person, domain: str) -> Need | None:
    """Record the need a placement or an alert proposes for ``person`` in ``domain``; ``None`` when
    the proposal no longer applies (already recorded: a double click, or a colleague was faster).

    The household row is locked while the proposal is re-read, so two clicks at once record one
    need: the second waits for the first and then finds the domain already open.
    """
    from households.models import Household

    from .suggest import for_person

    with transaction.atomic():
        household = Household.objects.select_for_update().filter(pk=person.household_id).first()
        if household is None:
            return None
        suggestion = next((s for s in for_person(person) if s.domain == domain), None)
        if suggestion is None:
            return None
        return need_record(
            user=user,
            household=household,
            person=person,
            domain=suggestion.domain,
            description=suggestion.description,
            source=suggestion.source,
        )


def need_transition(
    *,
    need: Need,
    to: str,
    user,
    note: str = "",
    item: CatalogItem | None = None,
    authorised: bool = False,
    version: int | None = None,
) -> Need:
    """Move a need along its lifecycle; refuse what the table does not allow, in Chinese.

    ``version``: the one the worker opened (core.concurrency); a later change is an EditConflict.

    ``authorised``: the caller has checked the user's right itself (a joint-meeting case closing
    its needs when a department reports its last task done: the liaison is no worker of the area).
    """
    if not authorised and not Need.objects.restrict(user, CHANGE).filter(pk=need.pk).exists():
        raise ValidationError(_("您不能办理该需求。"))
    NEED_LIFECYCLE.check(need.status, to)
    note = (note or "").strip()
    if to in NOTE_REQUIRED and not note:
        raise ValidationError({"note": NOTE_REQUIRED[to]})
    fields = {"changed_by": user, "changed_at": timezone.now()}
    if to == S.MATCHED:
        if item is None:
            raise ValidationError({"item": _("请选择匹配的清单项目。")})
        fields["item"] = item
    elif item is not None:
        fields["item"] = item
    if note:
        fields["outcome_note"] = note
    if to == S.MET:
        today = dt.date.today()
        fields["met_on"] = today
        fields["days_to_meet"] = (today - timezone.localtime(need.recorded_at).date()).days
    if to == S.RECORDED:
        fields["met_on"] = None
        fields["days_to_meet"] = None
    months = [need.recorded_at, need.met_on, need.changed_at, fields["changed_at"]]  # was and is
    with transaction.atomic():
        claim_version(need, expected=version)
        NEED_LIFECYCLE.move(need, to, user=user, **fields)
        tallies.households_touched([need.household_id], tallies.NEEDS, months)
    return need


def need_update(*, need: Need, user, version: int | None = None, **changes) -> Need:
    """Edit the description, urgency or domain of an open need (``version``: as need_transition)."""
    if not Need.objects.restrict(user, CHANGE).filter(pk=need.pk).exists():
        raise ValidationError(_("您不能修改该需求。"))
    fields = [name for name in ("domain", "description", "urgency") if name in changes]
    with transaction.atomic():
        current = _locked(Need, need)  # the state now, not the one the page or request read
        claim_version(current, expected=need.version if version is None else version)
        if not current.is_open:
            raise ValidationError(_("已办结的需求不能修改。"))
        for name in fields:
            setattr(current, name, changes[name])
        current.full_clean()
        current._history_user = user
        current.save(update_fields=fields)
    need.refresh_from_db()
    return need


def _locked(model, obj):
    """The row as it is now, locked to the end of the transaction: a stale object decides nothing
    and an edit writes only its own fields (never an old status back over a newer one)."""
    return model._default_manager.select_for_update().get(pk=obj.pk)


# ---------------------------------------------------------------------------------------------
# Uptake of a pushed item (幸福清单推送): pushed -> offered -> applied -> granted -> delivered.

U = c.UptakeStatus
UPTAKE_LIFECYCLE = Lifecycle(
    "status",
    {
        U.PUSHED: (U.OFFERED, U.APPLIED, U.DECLINED),
        U.OFFERED: (U.APPLIED, U.DECLINED),
        U.APPLIED: (U.GRANTED, U.DECLINED),
        U.GRANTED: (U.DELIVERED,),
        U.DELIVERED: (),
        U.DECLINED: (),
        U.WITHDRAWN: (),
    },
    dict(U.choices),
)


def recommendation_transition(
    *, recommendation: Recommendation, to: str, user, note: str = "", version: int | None = None
) -> str:
    """Move a recommendation along the funnel. Returns a message for the worker (empty if none)."""
    if not Recommendation.objects.restrict(user, CHANGE).filter(pk=recommendation.pk).exists():
        raise ValidationError(_("您不能办理该推送项目。"))
    UPTAKE_LIFECYCLE.check(recommendation.status, to)
    note = (note or "").strip()
    if to == U.DECLINED and not note:
        raise ValidationError({"note": _("请说明不需要的原因。")})
    fields = {"changed_by": user, "changed_at": timezone.now()}
    if note:
        fields["note"] = note
    if to in (U.DECLINED, U.GRANTED) and recommendation.person_id:
        # Pushed again only when the facts change from what they are now, when the worker
        # records the answer (the push's stored inputs describe today's facts, not the push's).
        state = ScreeningState.objects.filter(person_id=recommendation.person_id).first()
        if state is not None:
            fields["signature"] = state.signature
    was = recommendation.status
    with transaction.atomic():
        # The row first (claim_version's conditional UPDATE holds it), then the community's uptake
        # lock (stats.uptake: the lock order); a push or a colleague that changed it: told.
        claim_version(recommendation, expected=version)
        UPTAKE_LIFECYCLE.move(recommendation, to, user=user, **fields)
        uptake_rows.step(
            household_id=recommendation.household_id, item_id=recommendation.item_id, old=was, new=to
        )
    if to == U.GRANTED and recommendation.item.receives_as:
        return _("救助身份不在此手工写入：下一次名单导入确认后，系统自动更新该人员的救助身份。")
    return ""


# ---------------------------------------------------------------------------------------------
# Personalised care plans (个性化关爱服务方案).

P = c.PlanStatus
A = c.ActionStatus
PLAN_LIFECYCLE = Lifecycle(
    "status",
    {
        P.DRAFT: (P.SUBMITTED,),
        P.SUBMITTED: (P.APPROVED, P.DRAFT),
        P.APPROVED: (P.ACTIVE,),
        P.ACTIVE: (P.REVIEWED, P.CLOSED),
        P.REVIEWED: (P.ACTIVE, P.CLOSED),
        P.CLOSED: (),
    },
    dict(P.choices),
)
APPROVE_PERMISSION = "assistance.approve_careplan"


def can_approve(user, plan) -> bool:
    """A town-level (or city) user holding the approver permission, never the plan's author."""
    level = getattr(getattr(user, "division", None), "level", None)
    return (
        user.is_active
        and user.can_write
        and user.has_perm(APPROVE_PERMISSION)
        and (level == "town" or user.sees_whole_city)
        and user.pk != plan.author_id
    )


# A database constraint (one plan in progress / in force per household, one version number) that
# refuses a write another user made first: the same clear message as a stale transition.
PLAN_RACE_MESSAGE = _("该家庭的方案刚被他人修改，请刷新后再试。")


def owner_choices(*, user, household):
    """Who may be responsible for an action of this household's plan: the user, or an active
    worker (a role that writes) of the household's town. The form, the API and action_add agree."""
    from accounts.choices import WRITE_ROLES
    from accounts.models import User

    return User.objects.filter(
        Q(pk=user.pk)
        | Q(is_active=True, role__in=WRITE_ROLES, division__path__startswith=household.town.path)
    )


def team_choices(*, user, household):
    """Active teams of the household's town that the user can see."""
    from visits.models import Team

    return Team.objects.restrict(user).filter(is_active=True, division__path__startswith=household.town.path)


def _writable(model, obj, user, message):
    if not model.objects.restrict(user, CHANGE).filter(pk=obj.pk).exists():
        raise ValidationError(message)


def plan_create(*, household, user, goals: str, review_on, summary: str = "") -> CarePlan:
    """A first plan, or a new version that copies the last one (goals and open actions)."""
    _writable(type(household), household, user, _("您不能为该家庭制定方案。"))
    last = CarePlan.objects.filter(household=household).order_by("-edition").first()
    if last is not None and last.status in c.PLAN_IN_PROGRESS:
        raise ValidationError(_("该家庭已有正在制定或待审批的方案，请先完成它。"))
    plan = CarePlan(
        household=household,
        edition=(last.edition + 1) if last else 1,
        previous=last,
        goals=goals.strip(),
        summary=summary.strip(),
        review_on=review_on,
        author=user,
    )
    plan.full_clean(exclude=["previous"])
    try:
        with transaction.atomic():
            plan._history_user = user
            plan.save()
            if last is not None:
                _copy_open_actions(last, plan)
    except IntegrityError:  # another user created a plan for this household meanwhile
        raise ValidationError(PLAN_RACE_MESSAGE, code="stale") from None
    return plan


def _copy_open_actions(last, plan) -> None:
    for action in last.actions.filter(status=A.OPEN):
        PlanAction.objects.create(
            plan=plan,
            description=action.description,
            need=action.need,
            item=action.item,
            owner=action.owner,
            owner_team=action.owner_team,
            due_on=action.due_on,
        )


def plan_update(*, plan: CarePlan, user, version: int | None = None, **changes) -> CarePlan:
    _writable(CarePlan, plan, user, _("您不能修改该方案。"))
    fields = [name for name in ("goals", "summary", "review_on") if name in changes]
    with transaction.atomic():
        current = _locked(CarePlan, plan)
        claim_version(current, expected=plan.version if version is None else version)
        if not current.is_editable:
            raise ValidationError(_("只有草稿状态的方案可以修改；已审批的方案请制定新版本。"))
        for name in fields:
            setattr(current, name, changes[name])
        current.full_clean()
        current._history_user = user
        current.save(update_fields=fields)
    plan.refresh_from_db()
    return plan


def action_add(
    *, plan: CarePlan, user, description: str, due_on, owner=None, owner_team=None, need=None, item=None
):
    _writable(CarePlan, plan, user, _("您不能修改该方案。"))
    if not plan.is_editable:
        raise ValidationError(_("只有草稿状态的方案可以增加措施。"))
    if owner is None and owner_team is None:
        raise ValidationError({"owner": _("请指定责任人或责任队伍。")})
    if need is not None and need.household_id != plan.household_id:
        raise ValidationError({"need": _("该需求不属于本家庭。")})
    _check_action_links(plan, user, owner=owner, owner_team=owner_team, item=item)
    action = PlanAction(
        plan=plan,
        description=description.strip(),
        due_on=due_on,
        owner=owner,
        owner_team=owner_team,
        need=need,
        item=item,
    )
    action.full_clean()
    action._history_user = user
    with transaction.atomic():
        if not _locked(CarePlan, plan).is_editable:  # submitted by someone else meanwhile
            raise ValidationError(_("只有草稿状态的方案可以增加措施。"))
        action.save()
        if need is not None and item is not None and need.status == S.RECORDED:
            need_transition(need=need, to=S.MATCHED, user=user, item=item)
    return action


def _check_action_links(plan, user, *, owner, owner_team, item) -> None:
    """Nothing from outside the household's town, nothing inactive (the API gives any id)."""
    household = plan.household
    errors = {}
    if owner is not None and not owner_choices(user=user, household=household).filter(pk=owner.pk).exists():
        errors["owner"] = _("责任人须为本镇街在岗的工作人员。")
    if (
        owner_team is not None
        and not team_choices(user=user, household=household).filter(pk=owner_team.pk).exists()
    ):
        errors["owner_team"] = _("责任队伍须为本镇街在用的队伍。")
    if item is not None and not item.is_active:
        errors["item"] = _("该清单项目已停用。")
    if errors:
        raise ValidationError(errors)


def plan_transition(
    *, plan: CarePlan, to: str, user, note: str = "", review_on=None, version: int | None = None
) -> CarePlan:
    _writable(CarePlan, plan, user, _("您不能办理该方案。"))
    PLAN_LIFECYCLE.check(plan.status, to)
    now = timezone.now()
    fields: dict = {}
    note = (note or "").strip()
    if to == P.SUBMITTED:
        if not plan.actions.exists():
            raise ValidationError(_("请至少填写一项帮扶措施再提交。"))
        fields["submitted_at"] = now
    elif plan.status == P.SUBMITTED:  # approving or returning
        if not can_approve(user, plan):
            raise ValidationError(_("审批须由具有审批权限的镇街人员进行，且不能审批自己制定的方案。"))
        if to == P.DRAFT:
            if not note:
                raise ValidationError({"note": _("请填写退回意见。")})
            fields["return_reason"] = note
        else:
            fields.update(approved_by=user, approved_at=now, return_reason="")
    elif to == P.REVIEWED:
        if not note:
            raise ValidationError({"note": _("请填写评估意见。")})
        fields["review_note"] = note
    elif to == P.ACTIVE:
        if plan.status == P.REVIEWED:
            if review_on is None or review_on <= dt.date.today():
                raise ValidationError({"review_on": _("继续执行请填写下一次评估日期（今天以后）。")})
            fields["review_on"] = review_on
        fields["activated_at"] = now
    elif to == P.CLOSED:
        fields["closed_at"] = now
    try:
        with transaction.atomic():
            claim_version(plan, expected=version)
            if to == P.ACTIVE and plan.status == P.APPROVED:
                _replace_plan_in_force(plan, user, now)
            PLAN_LIFECYCLE.move(plan, to, user=user, **fields)
            if to == P.ACTIVE:
                _start_needs(plan, user)
    except IntegrityError:  # another plan of the household came into force meanwhile
        plan.refresh_from_db()
        raise ValidationError(PLAN_RACE_MESSAGE, code="stale") from None
    return plan


def _replace_plan_in_force(plan, user, now) -> None:
    for old in CarePlan.objects.filter(household=plan.household, status__in=c.PLAN_IN_FORCE).exclude(
        pk=plan.pk
    ):
        claim_version(old)  # its editors are told it changed
        PLAN_LIFECYCLE.move(
            old, P.CLOSED, user=user, closed_at=now, review_note=_("已被第%s版方案替代") % plan.edition
        )


def _start_needs(plan, user) -> None:
    """The needs a plan in force works on are in progress."""
    for need in Need.objects.filter(plan_actions__plan=plan, status__in=[S.RECORDED, S.MATCHED]).distinct():
        need_transition(need=need, to=S.IN_PROGRESS, user=user)


def action_finish(
    *, action: PlanAction, user, done: bool = True, note: str = "", version: int | None = None
) -> PlanAction:
    """Complete (or cancel) an action of a plan in force. The last open action for a need meets it."""
    _writable(PlanAction, action, user, _("您不能办理该措施。"))
    if action.plan.status not in c.PLAN_IN_FORCE:
        raise ValidationError(_("方案启用后才能登记措施落实情况。"))
    note = (note or "").strip()
    if not done and not note:
        raise ValidationError({"note": _("请说明取消的原因。")})
    lifecycle = Lifecycle("status", {A.OPEN: (A.DONE, A.CANCELLED)}, dict(A.choices))
    to = A.DONE if done else A.CANCELLED
    with transaction.atomic():
        if _locked(CarePlan, action.plan).status not in c.PLAN_IN_FORCE:  # closed meanwhile
            raise ValidationError(_("方案启用后才能登记措施落实情况。"))
        claim_version(action, expected=version)
        lifecycle.move(action, to, user=user, done_on=dt.date.today(), note=note or action.note)
        need = action.need
        if done and need is not None and need.is_open:
            still_open = PlanAction.objects.filter(need=need, plan__status__in=c.PLAN_IN_FORCE, status=A.OPEN)
            if not still_open.exists():
                if need.status in (S.RECORDED, S.MATCHED) and S.IN_PROGRESS in NEED_LIFECYCLE.allowed(
                    need.status
                ):
                    need_transition(need=need, to=S.IN_PROGRESS, user=user)
                need_transition(
                    need=need, to=S.MET, user=user, note=_("关爱方案措施已落实：%s") % action.description
                )
    return action


def plan_reminders(*, today=None) -> int:
    """Overdue actions and due reviews become tasks in 我的待办 (once each, by their dedupe key)."""
    from simple_history.utils import bulk_create_with_history

    from core.models import Task

    today = today or dt.date.today()
    tasks = []
    for action in PlanAction.objects.filter(
        status=A.OPEN, due_on__lt=today, plan__status__in=c.PLAN_IN_FORCE
    ).select_related("plan__household"):
        tasks.append(
            Task(
                kind="plan_action_overdue",
                title=_("关爱方案措施逾期：%s") % action.description[:150],
                household=action.plan.household,
                assignee_id=action.owner_id or action.plan.author_id,
                due_date=action.due_on,
                dedupe_key=f"plan-action:{action.pk}",
            )
        )
    for plan in CarePlan.objects.filter(status=P.ACTIVE, review_on__lte=today).select_related("household"):
        tasks.append(
            Task(
                kind="plan_review_due",
                title=_("关爱方案到期评估（第%s版）") % plan.edition,
                household=plan.household,
                assignee_id=plan.author_id,
                due_date=plan.review_on,
                dedupe_key=f"plan-review:{plan.pk}:{plan.review_on:%Y%m%d}",
            )
        )
    existing = set(
        Task.objects.filter(dedupe_key__in=[t.dedupe_key for t in tasks]).values_list("dedupe_key", flat=True)
    )
    new = [t for t in tasks if t.dedupe_key not in existing]
    bulk_create_with_history(new, Task, batch_size=1000)
    return len(new)
