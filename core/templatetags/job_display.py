"""Plain-Chinese display of background jobs: durations and results (issue 8)."""

import datetime as dt

from django import template
from django.utils.translation import gettext as _

from core import jobs

register = template.Library()


@register.filter
def readable_duration(value: dt.timedelta | None) -> str:
    """0:00:00.339506 -> "不到 1 秒"; 0:02:05 -> "2 分 5 秒"; 1:03:00 -> "1 小时 3 分"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    if seconds < 1:
        return _("不到 1 秒")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)s 小时 %(m)s 分") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)s 分 %(s)s 秒") % {"m": minutes, "s": secs}
    return _("%(s)s 秒") % {"s": secs}


@register.filter
def job_results(job) -> list[tuple[str, object]]:
    return jobs.result_items(job)


@register.filter
def job_can_retry(job) -> bool:
    return jobs.can_retry(job)


@register.filter
def job_can_cancel(job) -> bool:
    return jobs.can_cancel(job)
