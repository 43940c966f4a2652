"""Excel columns of the registry's lists (core/export.py): Chinese headers, labels, masked IDs."""

from django.utils.translation import gettext_lazy as _

from core.export import BirthDateColumn, Column, Columns, IdNumberColumn, PhoneColumn

from . import choices as c


def _head(household):
    return next((m for m in household.active_members if m.relation == c.Relation.HEAD), None)


def _current_statuses(person) -> str:
    return "、".join(status.get_kind_display() for status in person.statuses.all())


HOUSEHOLD_COLUMNS = Columns(
    Column("id", _("家庭编号")),
    Column("code"),
    Column(label=_("户主"), value=lambda h: getattr(_head(h), "name", "")),
    IdNumberColumn(_head, _("户主身份证号码")),
    PhoneColumn(_head, _("户主联系电话")),
    Column(label=_("在册人数"), value=lambda h: len(h.active_members)),
    Column("town"),
    Column("community"),
    Column("grid"),
    Column("address"),
    Column("housing"),
    Column("safety_grade"),
    Column("size"),
    Column("income_per_capita"),
    Column("zero_employment"),
    Column("status"),
    Column("updated_at"),
    select_related=("grid",),
)

PERSON_COLUMNS = Columns(
    Column("id", _("人员编号")),
    Column("name"),
    Column("sex"),
    IdNumberColumn(),
    BirthDateColumn(),
    Column("relation"),
    PhoneColumn(),
    Column("household.id", _("家庭编号")),
    Column("household.town", _("镇街")),
    Column("household.community", _("村（社区）")),
    Column("household.address", _("家庭住址")),
    Column(label=_("救助身份"), value=_current_statuses),
    Column("disability_category"),
    Column("disability_grade"),
    Column("serious_illness"),
    Column("care_level"),
    Column("labor_capacity"),
    Column("employment"),
    Column("school_stage"),
    Column("living_arrangement"),
    Column("special_family"),
    Column("guardianship"),
    Column("status"),
    Column("needs_review"),
    Column("updated_at"),
)

DIVISION_COLUMNS = Columns(
    Column("code"),
    Column("name"),
    Column("level"),
    Column("parent"),
    Column(label=_("在册家庭数"), value=lambda d: d.household_count),
    Column("is_demo"),
    Column("is_active"),
)
