"""Celery tasks of the employment drive: take no arguments, call the service, safe to run twice."""

from celery import shared_task


@shared_task
def tenure_reminders() -> int:
    """Daily: placements at or near their tenure limit become tasks for the worker who placed them."""
    from .services import tenure_reminders as remind

    return remind()


@shared_task
def refresh_survey_tallies() -> int:
    """Nightly: the survey's summary rows from scratch. Working age follows birthdays and a 低保
    status ends on its date, which no write reports; also a safety net for the day's writes."""
    from .tallies import rebuild

    return rebuild()
