"""Celery beat task of the job lifecycle (core/jobs.py)."""

from celery import shared_task

from . import jobs


@shared_task
def recover_jobs() -> dict:
    """Every minute: re-queue or fail jobs whose worker died; send jobs the broker missed."""
    return jobs.jobs_recover()
