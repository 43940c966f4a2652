"""The period a dashboard or report covers, read from (and written back to) the URL.

``?period=month&month=2026-03``, ``?period=quarter&quarter=2026-Q1``, ``?period=year&year=2026``,
``?period=custom&start=2026-01-01&end=2026-02-15``. No parameters: the current month. Anything
else is a ValidationError with a Chinese message (the views answer 400).
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MONTH, QUARTER, YEAR, CUSTOM = "month", "quarter", "year", "custom"
KINDS = {
    MONTH: gettext_lazy("月"),
    QUARTER: gettext_lazy("季度"),
    YEAR: gettext_lazy("年"),
    CUSTOM: gettext_lazy("自定义"),
}
EARLIEST = dt.date(2000, 1, 1)
LATEST_YEAR = 2100
MAX_DAYS = 3660  # a custom period of at most about ten years


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # inclusive

    @property
    def as_of(self) -> dt.date:
        """The day the stock figures are counted at: the period's last day, or today if sooner."""
        return min(self.end, dt.date.today())

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return _("%(y)d年%(m)d月") % {"y": self.start.year, "m": self.start.month}
        if self.kind == QUARTER:
            return _("%(y)d年第%(q)d季度") % {"y": self.start.year, "q": (self.start.month - 1) // 3 + 1}
        if self.kind == YEAR:
            return _("%(y)d年") % {"y": self.start.year}
        return _("%(start)s 至 %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def params(self) -> dict[str, str]:
        """The URL parameters that give this period back (bookmarkable)."""
        if self.kind == MONTH:
            return {"period": MONTH, "month": f"{self.start:%Y-%m}"}
        if self.kind == QUARTER:
            return {"period": QUARTER, "quarter": f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"}
        if self.kind == YEAR:
            return {"period": YEAR, "year": str(self.start.year)}
        return {"period": CUSTOM, "start": self.start.isoformat(), "end": self.end.isoformat()}

    def months(self, count: int = 12) -> list[dt.date]:
        """The first days of the ``count`` months ending with the month of ``as_of``."""
        year, month = self.as_of.year, self.as_of.month
        firsts = []
        for _i in range(count):
            firsts.append(dt.date(year, month, 1))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return list(reversed(firsts))


def month_period(year: int, month: int) -> Period:
    return Period(MONTH, dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))


def _bad(message):
    raise ValidationError(message)


def _checked_year(text: str) -> int:
    year = int(text)
    if not EARLIEST.year <= year <= LATEST_YEAR:
        _bad(_("年份应在 %(first)d 到 %(last)d 之间。") % {"first": EARLIEST.year, "last": LATEST_YEAR})
    return year


def _month(text: str) -> Period:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        _bad(_("月份格式应为“年-月”，例如 2026-03。"))
    return month_period(_checked_year(match[1]), int(match[2]))


def _quarter(text: str) -> Period:
    match = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text.strip())
    if not match:
        _bad(_("季度格式应为“年-Q季度”，例如 2026-Q1。"))
    year, quarter = _checked_year(match[1]), int(match[2])
    first = month_period(year, 3 * quarter - 2)
    return Period(QUARTER, first.start, month_period(year, 3 * quarter).end)


def _year(text: str) -> Period:
    if not re.fullmatch(r"\d{4}", text.strip()):
        _bad(_("年份格式应为四位数字，例如 2026。"))
    year = _checked_year(text)
    return Period(YEAR, dt.date(year, 1, 1), dt.date(year, 12, 31))


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return _bad(_("%(what)s格式应为“年-月-日”，例如 2026-03-31。") % {"what": what})


def _custom(data) -> Period:
    start = _date(data.get("start", ""), _("开始日期"))
    end = _date(data.get("end", ""), _("结束日期"))
    if end < start:
        _bad(_("结束日期不能早于开始日期。"))
    if (end - start).days > MAX_DAYS:
        _bad(_("自定义期间不能超过十年。"))
    return Period(CUSTOM, start, end)


def parse_period(data, today: dt.date | None = None) -> Period:
    """The period named by the query parameters ``data`` (a QueryDict or dict)."""
    today = today or dt.date.today()
    kind = (data.get("period") or "").strip() or MONTH
    if kind not in KINDS:
        _bad(_("期间类型只能是月、季度、年或自定义。"))
    if kind == MONTH:
        period = _month(data.get("month") or f"{today:%Y-%m}")
    elif kind == QUARTER:
        period = _quarter(data.get("quarter") or f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    elif kind == YEAR:
        period = _year(data.get("year") or str(today.year))
    else:
        period = _custom(data)
    if period.start > today:
        _bad(_("所选期间尚未开始。"))
    if period.start < EARLIEST:
        _bad(_("所选期间过早（最早 2000 年）。"))
    return period
