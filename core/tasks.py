"""Celery tasks of core's shared mechanisms: they take a Job id, claim the job, call a service;
and the beat task of the job lifecycle (core/jobs.py)."""

from celery import shared_task

from . import jobs
from .models import ExportLog, Job


@shared_task
def recover_jobs() -> dict:
    """Every minute: re-queue or fail jobs whose worker died; send jobs the broker missed."""
    return jobs.jobs_recover()


@shared_task
def run_export_job(job_id: int) -> None:
    job = Job.objects.filter(pk=job_id, kind="export").first()
    if job is None or not job.claim():
        return  # gone, or already taken by another delivery of the same message
    export = ExportLog.objects.filter(pk=job.params.get("export_id")).select_related("user").first()
    if export is None:
        job.fail("export record missing")
        return
    from .export_services import export_run

    try:
        export_run(export=export, job=job)
    except Exception as error:
        job.fail(f"{type(error).__name__}: {error}")
        raise
