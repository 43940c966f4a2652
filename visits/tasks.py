"""Celery tasks of visiting care: take nothing, call the service, safe to run twice."""

from celery import shared_task


@shared_task
def visit_reminders() -> int:
    """Daily: overdue paired households become tasks in the responsible worker's 我的待办 (once
    per household and last visit, by the task's dedupe key)."""
    from .services import visit_reminders as remind

    return remind()


@shared_task
def schedule_refresh() -> None:
    """Nightly: every household's schedule row, set-based (before the reminders read it)."""
    from .services import schedule_refresh as refresh

    refresh()
