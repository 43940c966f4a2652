import time

import pytest

from core.models import Job
from zhongshan_care.celery import app

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@app.task(name="tests.integration.finish_job")
def finish_job(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    if job.claim():
        job.report(1, 1)
        job.finish({"worker": "redis"})


def wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_job_enqueued_on_redis_is_run_by_a_real_worker(celery_worker_on_redis):
    job = Job.objects.create(kind="test", title="worker round trip")
    result = finish_job.delay(job.pk)
    assert result.id
    assert wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED)
    job.refresh_from_db()
    assert job.result == {"worker": "redis"}
    assert job.percent == 100
