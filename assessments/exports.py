"""Excel columns of the screening lists (core/export.py)."""

from django.utils.translation import gettext_lazy as _

from core.export import BirthDateColumn, Column, Columns, IdNumberColumn

from . import choices as c

_TASK_KINDS = dict(c.TaskKind.choices)


def _verdict(decision) -> str:
    active = [o for o in decision.overrides.all() if o.active]
    return str(active[0].get_verdict_display()) if active else ""


DECISION_COLUMNS = Columns(
    Column("person.name", _("姓名")),
    Column("person.sex", _("性别")),
    IdNumberColumn("person"),
    BirthDateColumn("person"),
    Column("person.household.town", _("镇街")),
    Column("person.household.community", _("村（社区）")),
    Column("group"),
    Column("tier"),
    Column(label=_("人工认定"), value=_verdict),
    Column("active"),
    Column("decided_at"),
    Column("ended_at"),
    Column("end_reason"),
)

OVERRIDE_COLUMNS = Columns(
    Column("person.name", _("姓名")),
    IdNumberColumn("person"),
    Column("person.household.town", _("镇街")),
    Column("group"),
    Column("verdict"),
    Column("reason"),
    Column("active"),
    Column(
        "created_by",
        _("认定人"),
        value=lambda o: o.created_by and (o.created_by.get_full_name() or o.created_by.username),
    ),
    Column("created_at"),
    Column("retired_at"),
    Column("retired_reason"),
)

TASK_COLUMNS = Columns(
    Column("title"),
    Column(label=_("类型"), value=lambda t: str(_TASK_KINDS.get(t.kind, t.kind))),
    Column("person.name", _("人员")),
    Column("town", _("镇街")),
    Column("community", _("村（社区）")),
    Column(
        label=_("负责人"), value=lambda t: t.assignee and (t.assignee.get_full_name() or t.assignee.username)
    ),
    Column("due_date"),
    Column("status"),
    Column(label=_("已逾期"), value=lambda t: t.is_overdue),
    Column("created_at"),
    Column("completed_at"),
    Column("completion_note"),
)

ALERT_COLUMNS = Columns(
    Column("person.name", _("姓名")),
    IdNumberColumn("person"),
    Column("town"),
    Column("person.household.community", _("村（社区）")),
    Column("kind"),
    Column("source"),
    Column("department"),
    Column("occurred_on"),
    Column("amount"),
    Column("description"),
    Column("status"),
    Column("verify_deadline"),
    Column("verify_method"),
    Column("confirmed"),
    Column("verify_note"),
    Column("outcome"),
    Column("outcome_note"),
    Column("created_at"),
)

VAGRANT_COLUMNS = Columns(
    Column("name"),
    Column("sex"),
    Column("estimated_age"),
    Column("id_masked"),
    Column("source"),
    Column("found_on"),
    Column("found_place"),
    Column("town"),
    Column("community"),
    Column("cannot_afford"),
    Column("no_relatives"),
    Column("not_on_assistance"),
    Column("begging"),
    Column("tracing_status"),
    Column("outcome"),
    Column("outcome_on"),
    Column("destination"),
    Column("status"),
    Column("created_at"),
)
