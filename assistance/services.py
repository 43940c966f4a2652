"""Writes for the needs ledger. Every step records who and when (fields and history)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.lifecycle import Lifecycle
from core.scoping import CHANGE

from . import choices as c
from .models import CatalogItem, Need, Recommendation

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
NOTE_REQUIRED = {
    S.CLOSED_UNMET: _("请说明未能满足的原因。"),
    S.ESCALATED: _("请说明提交联席会议的理由。"),
    S.RECORDED: _("请说明重新打开的原因。"),
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
    need.save()
    return need


def need_transition(*, need: Need, to: str, user, note: str = "", item: CatalogItem | None = None) -> Need:
    """Move a need along its lifecycle; refuse what the table does not allow, in Chinese."""
    if not Need.objects.restrict(user, CHANGE).filter(pk=need.pk).exists():
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
    with transaction.atomic():
        NEED_LIFECYCLE.move(need, to, user=user, **fields)
    return need


def need_update(*, need: Need, user, **changes) -> Need:
    """Edit the description, urgency or domain of an open need."""
    if not Need.objects.restrict(user, CHANGE).filter(pk=need.pk).exists():
        raise ValidationError(_("您不能修改该需求。"))
    if not need.is_open:
        raise ValidationError(_("已办结的需求不能修改。"))
    for name in ("domain", "description", "urgency"):
        if name in changes:
            setattr(need, name, changes[name])
    need.full_clean()
    need._history_user = user
    need.save()
    return need


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


def recommendation_transition(*, recommendation: Recommendation, to: str, user, note: str = "") -> str:
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
    UPTAKE_LIFECYCLE.move(recommendation, to, user=user, **fields)
    if to == U.GRANTED and recommendation.item.receives_as:
        return _("救助身份不在此手工写入：下一次名单导入确认后，系统自动更新该人员的救助身份。")
    return ""
