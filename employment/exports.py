"""Excel columns of the employment lists (core/export.py). Names and ages, IDs masked."""

from django.utils.translation import gettext_lazy as _

from core.export import BirthDateColumn, Column, Columns, IdNumberColumn


def _user(user):
    return user and (user.get_full_name() or user.username)


def _profile(attr):
    def value(person):
        profile = (
            getattr(person, "employment_profile", None) if hasattr(person, "employment_profile") else None
        )
        if profile is None:
            return ""
        display = getattr(profile, f"get_{attr}_display", None)
        return display() if display else getattr(profile, attr)

    return value


PERSON_PATH = ("person__household__town", "person__household__community", "person")

TARGET_COLUMNS = Columns(
    Column("name"),
    IdNumberColumn(""),
    Column("sex"),
    BirthDateColumn(""),
    Column("household.town", _("镇街")),
    Column("household.community", _("村（社区）")),
    Column("employment"),
    Column(label=_("文化程度"), value=_profile("education")),
    Column(label=_("就业意向"), value=_profile("intention")),
    Column(label=_("技能特长"), value=_profile("skills")),
    select_related=("household__town", "household__community", "employment_profile"),
)

TRAINING_COLUMNS = Columns(
    Column("person.name", _("姓名")),
    Column("person.household.town", _("镇街")),
    Column("person.household.community", _("村（社区）")),
    Column("course"),
    Column("organizer"),
    Column("start_date"),
    Column("end_date"),
    Column("status"),
    Column("certificate"),
    select_related=PERSON_PATH,
)

POST_COLUMNS = Columns(
    Column("town"),
    Column("name"),
    Column("employer"),
    Column("capacity"),
    Column("filled"),
    Column(label=_("空岗"), value=lambda p: p.vacancies),
    Column("tenure_limit_months"),
    Column("is_active"),
    select_related=("town",),
)

PLACEMENT_COLUMNS = Columns(
    Column("person.name", _("姓名")),
    Column("person.household.town", _("镇街")),
    Column("person.household.community", _("村（社区）")),
    Column("post.name", _("岗位")),
    Column("post.employer", _("用人单位")),
    Column("start_date"),
    Column("planned_end"),
    Column("end_date"),
    Column("status"),
    Column("end_reason"),
    select_related=(*PERSON_PATH, "post"),
)

REFERRAL_COLUMNS = Columns(
    Column("person.name", _("姓名")),
    Column("person.household.town", _("镇街")),
    Column("person.household.community", _("村（社区）")),
    Column("kind"),
    Column("employer"),
    Column("position"),
    Column("referred_on"),
    Column("outcome"),
    Column("employed_at"),
    Column("employed_from"),
    select_related=PERSON_PATH,
)

SURVEY_COLUMNS = Columns(
    Column(label=_("家庭"), value=lambda s: str(s.household)),
    Column("person.name", _("联系人员")),
    Column("household.town", _("镇街")),
    Column("household.community", _("村（社区）")),
    Column("method"),
    Column("contacted_on"),
    Column("result"),
    Column("note"),
    Column(label=_("联系人"), value=lambda s: _user(s.contacted_by)),
    select_related=("household__town", "household__community", "person", "contacted_by"),
    prefetch_related=("household__members",),
)

SURVEY_HOUSEHOLD_COLUMNS = Columns(
    Column(label=_("家庭"), value=str),
    Column("town"),
    Column("community"),
    Column("address"),
    select_related=("town", "community"),
    prefetch_related=("members",),
)
