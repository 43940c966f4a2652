"""A large export on a real Celery worker: the page's POST only enqueues; the worker writes the
file, logs the reveals and the progress, and the exporter downloads it."""

import io

import pytest
from openpyxl import load_workbook

from core.models import ExportLog, Job, RevealLog
from tests.factories import PersonFactory

from .test_celery_worker import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_large_export_is_written_by_the_worker(
    celery_worker_on_redis, settings, tmp_path, login, huayuan, household
):
    settings.VAR_DIR = tmp_path
    settings.EXPORT_INLINE_MAX_ROWS = 1
    for n in range(2):
        PersonFactory(household=household, name=f"成员{n}", relation="child")
    client = login(huayuan)
    response = client.post("/persons/", {"reveal": "1"})
    assert response.status_code == 302
    export = ExportLog.objects.get()
    assert wait_for(
        lambda: ExportLog.objects.get(pk=export.pk).status == "succeeded", timeout=180
    )  # a loaded CI machine on SQLite took over 60 s
    export.refresh_from_db()
    assert export.job.status == Job.Status.SUCCEEDED and export.row_count == 3
    assert RevealLog.objects.filter(export=export).count() == 6
    download = client.get(f"/exports/{export.pk}/download/")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row == 4
