import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE = re.compile(r"^1\d{10}$")
LANDLINE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$")


def normalize_phone(raw: str) -> str:
    return re.sub(r"[\s()（）]", "", str(raw or "")).replace("—", "-").replace("－", "-")


def is_valid_phone(value: str) -> bool:
    """An 11-digit mobile starting with 1, or a landline (0760-88881234, 88881234)."""
    return bool(MOBILE.match(value) or LANDLINE.match(value))


EARLIEST_DATE = dt.date(1900, 1, 1)
FUTURE_YEARS = 10


def plausible_date(value) -> None:
    """A date a care record can carry: from 1900 to ten years ahead. Year 1 or 9999 from a
    hostile client or a typo is refused instead of stored (it sorted first in every list)."""
    if value is None:
        return
    if value < EARLIEST_DATE:
        raise ValidationError(_("日期不能早于 %(d)s。"), params={"d": EARLIEST_DATE.isoformat()})
    today = dt.date.today()
    latest = today.replace(year=today.year + FUTURE_YEARS, day=min(today.day, 28))
    if value > latest:
        raise ValidationError(_("日期不能晚于 %(d)s。"), params={"d": latest.isoformat()})
