"""Celery tasks of the push: take nothing but ids, call the service, safe to run twice."""

from celery import shared_task

from . import push


@shared_task
def push_after_sweep() -> dict:
    """Nightly, after the screening sweep: the households whose facts changed (the first run of
    a day covers everyone, since ageing and dated statuses change eligibility by the calendar)."""
    run = push.push_incremental()
    return {"mode": run.mode, "created": run.created, "repushed": run.repushed, "withdrawn": run.withdrawn}


@shared_task
def plan_reminders() -> int:
    """Daily: overdue plan actions and due plan reviews become tasks."""
    from .services import plan_reminders as remind

    return remind()
