"""Minimum necessary (PIPL): what a user may see of a person, decided in one place.

A resident ID number holds the region, the full birth date and the sex (GB 11643-1999). The
masked ID (``442000********5418``) shows the region and the last four characters; with the full
birth date beside it the whole number is back. So a user who may not reveal an ID number never
gets a full birth date: pages, API, history and exports show the age instead. Templates use the
``birth_or_age`` tag (core/templatetags/care.py), serializers ``PrivacyFieldsMixin``
(core/serializers.py), history core/history.py, exports ``birth_date_header`` and
``birth_date_cell`` below.

Volunteers (探访志愿者) see only what a visit needs; ``VISIT_PERSON_FIELDS`` and
``VISIT_HOUSEHOLD_FIELDS`` list it. They may reveal the phone number of a person in a household
their team is paired with (the scoped queryset decides "paired"), never an ID number.
"""

import datetime as dt

from django.utils.translation import gettext as _

ID_NUMBER = "id_number"
PHONE = "phone"

# Fields that, next to the masked ID, rebuild the ID number: kept from users who may not reveal it.
ID_REBUILDING_FIELDS = ("birth_date",)

# What a visit needs (issue 8): name, sex, age, relation, care notes, current groups; no ID number,
# income, assistance, disability details, 计生特殊家庭 or change log.
VISIT_PERSON_FIELDS = (
    "id",
    "household",
    "name",
    "sex",
    "age",
    "relation",
    "phone_masked",
    "living_arrangement",
    "care_level",
    "status",
    "groups",
)
VISIT_HOUSEHOLD_FIELDS = ("id", "town", "community", "address", "status", "members", "teams")


def may_see_birth_date(user) -> bool:
    """Full birth dates (and ID-rebuilding fields) only for users who may reveal ID numbers."""
    return bool(getattr(user, "can_reveal", False))


def sees_visit_view_only(user) -> bool:
    """Volunteers get the visit view: only what a visit needs, no statistics, no change log."""
    return bool(getattr(user, "is_volunteer", False))


def may_reveal(user, field: str) -> bool:
    """May this user reveal ``field`` of a person they can see (the caller scopes the person)?"""
    if getattr(user, "can_reveal", False):
        return field in (ID_NUMBER, PHONE)
    return sees_visit_view_only(user) and getattr(user, "is_active", False) and field == PHONE


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_text(birth_date: dt.date | None, *, today: dt.date | None = None) -> str:
    if birth_date is None:
        return "—"
    return _("%(age)s岁") % {"age": age_on(birth_date, today or dt.date.today())}


def birth_date_text(user, birth_date: dt.date | None, *, today: dt.date | None = None) -> str:
    """ "1989-03-31" for a user who may see it, else "37岁"."""
    if birth_date is None:
        return "—"
    if may_see_birth_date(user):
        return birth_date.isoformat()
    return age_text(birth_date, today=today)


# Exports (one column): the header and the cell follow the same rule as the pages.


def birth_date_header(user) -> str:
    return _("出生日期") if may_see_birth_date(user) else _("年龄")


def birth_date_cell(user, birth_date: dt.date | None, *, today: dt.date | None = None):
    """The date itself (a real Excel date) for a user who may see it, else the age as a number."""
    if birth_date is None:
        return None
    if may_see_birth_date(user):
        return birth_date
    return age_on(birth_date, today or dt.date.today())
