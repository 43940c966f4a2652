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
