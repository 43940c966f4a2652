"""Celery tasks of the summary rows: take nothing, call the service, safe to run twice."""

from celery import shared_task


@shared_task
def snapshot_last_month() -> str:
    """On the 1st: the group stock as of the end of the month that just ended (the monthly
    report of that month reads it, so generating it later gives the same figures)."""
    import datetime as dt

    from django.utils import timezone

    from .monthly import snapshot

    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    snapshot(month)
    return f"{month:%Y-%m}"
