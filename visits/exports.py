"""Excel columns of the team, visit, activity and queue lists (core/export.py)."""

from django.utils.translation import gettext_lazy as _

from core.export import Column, Columns

from .choices import Service
from .schedule import due_from_row


def _services(visit) -> str:
    labels = dict(Service.choices)
    return "、".join(str(labels[s.service]) for s in visit.services.all())


TEAM_COLUMNS = Columns(
    Column("name"),
    Column("division.name", _("所属区域")),
    Column("team_type"),
    Column(
        label=_("负责工作人员"),
        value=lambda t: t.responsible and (t.responsible.get_full_name() or t.responsible.username),
    ),
    Column(label=_("队员数"), value=lambda t: t.member_count),
    Column(label=_("结对户数"), value=lambda t: t.pairing_count),
    Column("is_active"),
    select_related=("division", "responsible"),
)

VISIT_COLUMNS = Columns(
    Column(label=_("家庭"), value=lambda v: str(v.household)),
    Column("household.town", _("镇街")),
    Column("household.community", _("村（社区）")),
    Column("visited_on"),
    Column("method"),
    Column("team.name", _("队伍")),
    Column(label=_("服务内容"), value=_services),
    Column("health"),
    Column("electricity"),
    Column("gas"),
    Column("fire"),
    Column("carers_ok"),
    Column("problems"),
    Column("next_due_on"),
    select_related=("household__town", "household__community", "team"),
    prefetch_related=("household__members", "services"),
)

ACTIVITY_COLUMNS = Columns(
    Column("title"),
    Column("kind"),
    Column("held_on"),
    Column("place"),
    Column("town.name", _("镇街")),
    Column("community.name", _("村（社区）")),
    Column("organiser_team.name", _("组织队伍")),
    Column("organiser_provider.name", _("组织机构")),
    Column(label=_("登记对象参与人数"), value=lambda a: a.participants.count()),
    Column("other_count"),
    select_related=("town", "community", "organiser_team", "organiser_provider"),
)

QUEUE_COLUMNS = Columns(  # rows of the schedule table (selectors.schedule_rows)
    Column(label=_("家庭"), value=lambda row: str(row.household)),
    Column("town.name", _("镇街")),
    Column("community.name", _("村（社区）")),
    Column("household.address"),
    Column(label=_("上次探访"), value=lambda row: row.last_visit_on),
    Column(label=_("应探访日期"), value=lambda row: due_from_row(row).on),
    select_related=("household", "town", "community"),
    prefetch_related=("household__members",),
)
