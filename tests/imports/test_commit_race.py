"""Issue 9 item 13 / issue 10 item 6: two commits of one batch at the same moment (two threads, two
database connections, PostgreSQL): one wins, the other gets 409, the summary is right."""

import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.test import APIClient

from core.models import Job
from households.models import Person
from imports.models import ImportBatch
from tests.imports.conftest import make_id, person, write_csv

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_simultaneous_commits_one_200_one_409(admin_user, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL (CI runs the suite on it too)")
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [
        person(**{"姓名": f"测试{i}", "公民身份号码": make_id(birth=dt.date(1950, 1, 1 + i))})
        for i in range(20)
    ]
    path = write_csv(tmp_path / "r.csv", rows)
    api = APIClient()
    api.force_authenticate(admin_user)
    upload = SimpleUploadedFile("r.csv", path.read_bytes())
    batch_id = api.post("/api/import-batches/", {"file": upload, "source": "social_assistance"}).json()["id"]
    assert ImportBatch.objects.get(pk=batch_id).status == "checked"
    barrier = threading.Barrier(2)
    codes = []

    def commit():
        client = APIClient()
        client.force_authenticate(admin_user)
        barrier.wait()
        try:
            codes.append(client.post(f"/api/import-batches/{batch_id}/commit/").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=commit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [200, 409]
    batch = ImportBatch.objects.get(pk=batch_id)
    assert batch.status == "committed" and batch.summary["created"] == 20
    assert Person.objects.count() == 20
    assert not Job.objects.filter(kind="roster_import", status="queued").exists()  # no stray job
