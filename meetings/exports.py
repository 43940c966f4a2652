"""Excel columns of the joint meeting's lists (core/export.py)."""

from django.utils.translation import gettext_lazy as _

from core.export import Column, Columns


def _user(user):
    return user and (user.get_full_name() or user.username)


CASE_COLUMNS = Columns(
    Column(label=_("案件编号"), value=lambda x: str(x.number)),
    Column(label=_("家庭"), value=lambda x: str(x.household)),
    Column("household.town", _("镇街")),
    Column("household.community", _("村（社区）")),
    Column("status"),
    Column("summary"),
    Column(label=_("提交人"), value=lambda x: _user(x.author)),
    Column("created_at"),
    Column("endorsed_at"),
    Column("meeting.title", _("上会会议")),
    Column("closed_at"),
    Column("outcome"),
    select_related=("household__town", "household__community", "author", "meeting"),
    prefetch_related=("household__members",),
)

MEETING_COLUMNS = Columns(
    Column("title"),
    Column("held_on"),
    Column("place"),
    Column("status"),
    Column(label=_("参会单位"), value=lambda m: "、".join(d.short_name for d in m.departments.all())),
    Column("attendees"),
    Column("minutes"),
    prefetch_related=("departments",),
)

TASK_COLUMNS = Columns(
    Column(label=_("案件编号"), value=lambda t: str(t.case.number)),
    Column(label=_("家庭"), value=lambda t: str(t.case.household)),
    Column("case.household.town", _("镇街")),
    Column("department.name", _("责任单位")),
    Column("action"),
    Column("deadline"),
    Column("status"),
    Column(label=_("是否逾期"), value=lambda t: str(_("逾期")) if t.is_overdue else ""),
    Column("done_on"),
    Column("last_report_at"),
    Column("meeting.title", _("决议会议")),
    select_related=("case__household__town", "department", "meeting"),
    prefetch_related=("case__household__members",),
)

DEPARTMENT_COLUMNS = Columns(Column("name"), Column("short_name"), Column("is_active"))
