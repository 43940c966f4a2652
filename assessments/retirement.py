"""Statutory retirement age (法定退休年龄) under China's 2025 gradual reform.

Decision of the NPC Standing Committee (2024-09-13), in force 2025-01-01: the retirement age rises
by one month every four months of birth (men 60 -> 63, women cadres 55 -> 58) or every two
months of birth (women workers 50 -> 55), starting with people born in January 1965 (men),
January 1970 (women, 55 base) and January 1975 (women, 50 base).

The roster has no cadre/worker field, so screening treats every woman on the 55 track
(``FEMALE_55``). ``FEMALE_50`` is implemented for completeness and for the day the roster
records it.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Track:
    base_years: int
    first_cohort: tuple[int, int]  # (year, month) of birth of the first delayed cohort
    months_per_step: int  # months of birth per extra month of working life
    max_delay: int  # months


MALE = Track(60, (1965, 1), 4, 36)
FEMALE_55 = Track(55, (1970, 1), 4, 36)
FEMALE_50 = Track(50, (1975, 1), 2, 60)


def track_for(sex: str) -> Track:
    return MALE if sex == "male" else FEMALE_55


def delay_months(birth: dt.date, track: Track) -> int:
    months_since = (birth.year - track.first_cohort[0]) * 12 + birth.month - track.first_cohort[1]
    if months_since < 0:
        return 0
    return min(months_since // track.months_per_step + 1, track.max_delay)


def retirement_age_months(birth: dt.date, track: Track) -> int:
    return track.base_years * 12 + delay_months(birth, track)


def add_months(day: dt.date, months: int) -> dt.date:
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def retirement_date(birth: dt.date, track: Track) -> dt.date:
    return add_months(birth, retirement_age_months(birth, track))


def has_retired(birth: dt.date, sex: str, on: dt.date) -> bool:
    return retirement_date(birth, track_for(sex)) <= on


def retired_cutoff(track: Track, on: dt.date) -> dt.date:
    """The latest birth date that has reached retirement age on ``on``.

    retirement_date() never decreases as the birth date increases, so "retired on ``on``" is
    exactly "born on or before this cut-off": SQL compares birth_date with one date per sex
    instead of doing date arithmetic per row.
    """
    low = add_months(on, -(track.base_years * 12 + track.max_delay + 1)).toordinal()
    high = on.toordinal()
    while low < high:  # invariant: retirement_date(low) <= on
        mid = (low + high + 1) // 2
        if retirement_date(dt.date.fromordinal(mid), track) <= on:
            low = mid
        else:
            high = mid - 1
    return dt.date.fromordinal(low)


def describe_age(months: int) -> str:
    years, rest = divmod(months, 12)
    if rest:
        return _("%(years)s岁%(months)s个月") % {"years": years, "months": rest}
    return _("%(years)s岁") % {"years": years}
