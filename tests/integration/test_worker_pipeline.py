"""The real background path: API upload -> Celery job on Redis -> commit -> re-screening job."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from assessments.models import GroupDecision
from core.models import Job
from households import services as registry
from households.models import Person
from imports.models import ImportBatch
from tests.imports.conftest import HEADER, make_id, person, write_csv

from .test_celery_worker import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_edit_is_rescreened_by_the_worker(celery_worker_on_redis, huayuan):
    from tests.factories import PersonFactory

    elder = PersonFactory(birth=dt.date(1940, 1, 1), name="王婆婆")
    registry.person_update(person=elder, user=huayuan, data={"living_arrangement": "alone"})
    assert wait_for(
        lambda: GroupDecision.objects.filter(person=elder, group="elderly", active=True).exists(), timeout=30
    )
    # The job writes the decision, then (in its own commit) its state: under load the check above
    # can see the first before the second.
    assert wait_for(
        lambda: Job.objects.filter(kind="rescreen", status=Job.Status.SUCCEEDED).exists(), timeout=30
    )


def test_a_large_import_runs_as_a_job_on_the_worker(celery_worker_on_redis, admin_user, tmp_path, settings):
    settings.IMPORT_SYNC_MAX_BYTES = 0  # every file takes the background path
    settings.MEDIA_ROOT = tmp_path / "media"
    ids = [make_id(birth=dt.date(1950, 1, 1) + dt.timedelta(days=i)) for i in range(20)]
    rows = [person(**{"姓名": f"测试{i}", "公民身份号码": ids[i], "户编号": f"H{i}"}) for i in range(20)]
    path = write_csv(tmp_path / "roster.csv", rows, header=HEADER)
    api = APIClient()
    api.force_authenticate(admin_user)
    upload = SimpleUploadedFile("roster.csv", path.read_bytes(), content_type="text/csv")
    response = api.post(
        "/api/import-batches/", {"file": upload, "source": "social_assistance", "commit": "true"}
    )
    assert response.status_code == 201, response.content
    batch_id = response.json()["id"]

    def finished():
        batch = ImportBatch.objects.get(pk=batch_id)
        if batch.status == ImportBatch.Status.CHECKED:
            api.post(f"/api/import-batches/{batch_id}/commit/")
        return batch.status in (ImportBatch.Status.COMMITTED, ImportBatch.Status.FAILED)

    assert wait_for(finished, timeout=60)
    batch = ImportBatch.objects.get(pk=batch_id)
    assert batch.status == ImportBatch.Status.COMMITTED, batch.__dict__
    assert Person.objects.filter(name__startswith="测试").count() == 20
    # The commit queued re-screening of the new households; the worker ran it too.
    assert wait_for(
        lambda: Job.objects.filter(kind="rescreen", status=Job.Status.SUCCEEDED).exists(), timeout=60
    )
