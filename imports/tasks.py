from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(bind=True, max_retries=3, acks_late=True)
def run_batch(self, batch_id: int, commit: bool) -> str:
    """Check or commit one import batch. Takes an id; a redelivered message finds the job claimed."""
    try:
        return services.run_job(batch_id=batch_id, commit=commit)
    except OperationalError as error:
        raise self.retry(exc=error, countdown=10 * 2**self.request.retries) from error


@shared_task
def purge_expired_files() -> dict:
    """Beat job: uploaded rosters and error reports past IMPORT_FILE_RETENTION_DAYS are deleted."""
    from .files import purge_expired

    return purge_expired()


@shared_task(bind=True, max_retries=3, acks_late=True)
def build_error_report(self, job_id: int) -> str:
    """A large error report, written to a private file the batch page then offers."""
    from .reports import report_job

    try:
        return report_job(job_id=job_id)
    except OperationalError as error:
        raise self.retry(exc=error, countdown=10 * 2**self.request.retries) from error
