"""Excel columns of the needs ledger, the two lists, push and care plans (core/export.py)."""

from django.utils.translation import gettext_lazy as _

from core.export import Column, Columns

from .eligibility import describe


def _user(user):
    return user and (user.get_full_name() or user.username)


NEED_COLUMNS = Columns(
    Column(label=_("家庭"), value=lambda n: str(n.household)),
    Column("person.name", _("涉及人员")),
    Column("household.town", _("镇街")),
    Column("household.community", _("村（社区）")),
    Column("domain"),
    Column("description"),
    Column("urgency"),
    Column("source"),
    Column("status"),
    Column("item.name", _("匹配项目")),
    Column("outcome_note"),
    Column("recorded_at"),
    Column(label=_("登记人"), value=lambda n: _user(n.recorded_by)),
    Column("met_on"),
    Column("days_to_meet"),
    select_related=("household__town", "household__community", "person", "item", "recorded_by"),
    prefetch_related=("household__members",),
)

ITEM_COLUMNS = Columns(
    Column("name"),
    Column("list_kind"),
    Column("provider.name", _("提供方")),
    Column("domain"),
    Column("benefit"),
    Column("how_to_apply"),
    Column(label=_("适用条件"), value=lambda i: "；".join(describe(i))),
    Column("active_from"),
    Column("active_to"),
    Column("is_active"),
    select_related=("provider",),
)

PROVIDER_COLUMNS = Columns(
    Column("name"),
    Column("kind"),
    Column("contact_name"),
    Column("contact_phone"),
    Column("address"),
    Column("is_active"),
)

RECOMMENDATION_COLUMNS = Columns(
    Column(label=_("服务对象"), value=lambda r: r.person.name if r.person else str(r.household)),
    Column("household.town", _("镇街")),
    Column("household.community", _("村（社区）")),
    Column("item.name", _("推送项目")),
    Column("item.list_kind", _("所属清单")),
    Column("status"),
    Column("pushed_at"),
    Column("changed_at"),
    Column("note"),
    select_related=("household__town", "household__community", "person", "item"),
    prefetch_related=("household__members",),
)

PLAN_COLUMNS = Columns(
    Column(label=_("家庭"), value=lambda p: str(p.household)),
    Column("household.town", _("镇街")),
    Column("household.community", _("村（社区）")),
    Column("edition"),
    Column("status"),
    Column("goals"),
    Column("review_on"),
    Column(label=_("制定人"), value=lambda p: _user(p.author)),
    Column(label=_("审批人"), value=lambda p: _user(p.approved_by)),
    Column("approved_at"),
    select_related=("household__town", "household__community", "author", "approved_by"),
    prefetch_related=("household__members",),
)
