"""The job lifecycle (core/jobs.py): lease, resume, recovery, outbox, retry/cancel, plain display."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import ScreeningSweep
from assessments.tasks import JOB_KIND
from core import jobs
from core.models import Job
from households import services as registry
from imports import services as imports
from imports.models import ImportBatch
from tests.assessments.conftest import make_person
from tests.imports.conftest import make_id, person, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def _age(job, seconds=3600):
    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds),
        started_at=timezone.now() - dt.timedelta(seconds=seconds),
    )
    job.refresh_from_db()


def _running_job(**kw):
    job = Job.objects.create(kind=JOB_KIND, params={"household_ids": [1]}, **kw)
    assert job.claim()
    return job


def test_claim_is_won_once_and_a_dead_workers_job_is_resumed():
    job = Job.objects.create(kind=JOB_KIND)
    assert job.claim() and not Job.objects.get(pk=job.pk).claim()  # a live lease: redelivery is a no-op
    _age(job)
    assert job.is_stuck
    assert Job.objects.get(pk=job.pk).claim()  # the worker died: a redelivered message resumes it
    job.refresh_from_db()
    assert job.status == "running" and job.attempts == 2 and not job.is_stuck


def test_recover_requeues_a_stuck_job_and_it_completes():
    elder = make_person(age=82, living_arrangement="alone")
    job = Job.objects.create(kind=JOB_KIND, params={"household_ids": [elder.household_id]})
    job.claim()
    _age(job)
    assert jobs.jobs_recover()["requeued"] == 1  # re-sent; eager in tests, so it runs
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 2


def test_recover_fails_a_job_that_keeps_dying_and_its_batch_becomes_retryable(
    tmp_path, media, admin_user, settings
):
    settings.IMPORT_SYNC_MAX_BYTES = 0
    path = write_csv(tmp_path / "r.csv", [person()])
    batch = imports.batch_from_path(path=str(path), source="social_assistance", user=admin_user)
    batch.file.name = str(path)
    ImportBatch.objects.filter(pk=batch.pk).update(status="committing")
    job = Job.objects.create(kind=imports.JOB_KIND, params={"batch": batch.pk, "commit": True}, attempts=3)
    ImportBatch.objects.filter(pk=batch.pk).update(job=job)
    Job.objects.filter(pk=job.pk).update(status="running")
    _age(job)
    assert jobs.jobs_recover()["failed"] == 1
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == "failed" and "多次中断" in job.error
    assert batch.status == "failed" and "未写入任何数据" in batch.message


def test_a_batch_left_busy_by_a_crashed_request_becomes_retryable(tmp_path, media, admin_user):
    path = write_csv(tmp_path / "r.csv", [person()])
    batch = imports.batch_from_path(path=str(path), source="social_assistance", user=admin_user)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="committing", claimed_at=timezone.now() - dt.timedelta(minutes=11)
    )
    fresh = imports.batch_from_path(path=str(path), source="social_assistance", user=admin_user)
    ImportBatch.objects.filter(pk=fresh.pk).update(status="committing", claimed_at=timezone.now())
    assert jobs.jobs_recover()["other"] == 1
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.error_code == "interrupted"
    assert ImportBatch.objects.get(pk=fresh.pk).status == "committing"  # still within its time


def test_broker_down_an_edit_is_saved_and_its_rescreen_waits_in_the_outbox(
    huayuan, monkeypatch, django_capture_on_commit_callbacks
):
    elder = make_person(age=82)
    kind = jobs._kinds[JOB_KIND]

    def broker_down(job):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(kind, "dispatch", broker_down)
    jobs.reset_delayed()
    with django_capture_on_commit_callbacks(execute=True):
        registry.person_update(person=elder, user=huayuan, data={"living_arrangement": "alone"})
    elder.refresh_from_db()
    assert elder.living_arrangement == "alone"  # the change itself is saved
    job = Job.objects.filter(kind=JOB_KIND).latest("id")
    assert job.status == "queued" and job.dispatched_at is None and jobs.dispatch_delayed()
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(seconds=30))
    job.refresh_from_db()
    assert job.waits_for_broker
    assert jobs.jobs_recover()["sent"] == 0  # still down: kept
    monkeypatch.undo()
    assert jobs.jobs_recover()["sent"] == 1  # back: sent (and run, eagerly)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.dispatched_at is not None


def test_the_page_says_background_work_will_follow(huayuan, login, monkeypatch):
    from core.middleware import DelayedWorkNoticeMiddleware

    def view(request):
        jobs._delayed.set(True)
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = __import__("django.test", fromlist=["RequestFactory"]).RequestFactory().post("/api/x/")
    response = DelayedWorkNoticeMiddleware(view)(request)
    assert response["X-Background-Work"] == "delayed" and not jobs.dispatch_delayed()


def test_admin_retries_and_cancels_from_the_page_and_the_api(
    admin_user, huayuan, login, django_capture_on_commit_callbacks
):
    elder = make_person(age=82, living_arrangement="alone")
    failed = Job.objects.create(
        kind=JOB_KIND, params={"household_ids": [elder.household_id]}, status="failed"
    )
    client = login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:job-retry", args=[failed.pk]))
    failed.refresh_from_db()
    assert failed.status == "succeeded"
    queued = Job.objects.create(kind=JOB_KIND, params={"household_ids": [1]})
    api = APIClient()
    api.force_authenticate(admin_user)
    assert api.post(f"/api/jobs/{queued.pk}/cancel/").json()["status"] == "cancelled"
    assert api.post(f"/api/jobs/{queued.pk}/cancel/").status_code == 409
    running = _running_job()
    assert api.post(f"/api/jobs/{running.pk}/retry/").status_code == 409  # a live job is not retried
    # Non-admins: not found.
    mine = Job.objects.create(kind=JOB_KIND, status="failed", created_by=huayuan, error="Traceback: boom")
    worker = APIClient()
    worker.force_authenticate(huayuan)
    assert worker.post(f"/api/jobs/{mine.pk}/retry/").status_code == 404
    assert "Traceback" not in worker.get(f"/api/jobs/{mine.pk}/").json()["error"]
    assert login(huayuan).post(reverse("core:job-cancel", args=[mine.pk])).status_code == 404


def test_jobs_page_speaks_plain_chinese(admin_user, login):
    start = timezone.now()
    Job.objects.create(
        kind=imports.JOB_KIND,
        title="导入名单：a.csv",
        status="succeeded",
        done=920,
        total=1000,
        result={"created": 19992, "rows": 20000},
        started_at=start,
        finished_at=start + dt.timedelta(microseconds=339506),
    )
    job = Job.objects.get()
    client = login(admin_user)
    listing = client.get(reverse("core:job-list")).content.decode()
    assert "名单导入" in listing and "不到 1 秒" in listing and "0:00:00.339506" not in listing
    page = client.get(reverse("core:job-detail", args=[job.pk])).content.decode()
    visible, technical = page.split("技术详情")
    assert "新增人员：19992" in visible and "created: 19992" not in visible
    assert "roster_import" not in visible and "920 / 1000" not in visible
    assert "roster_import" in technical


def test_two_commits_of_one_batch_one_wins_the_other_is_409(tmp_path, media, admin_user):
    api = APIClient()
    api.force_authenticate(admin_user)
    path = write_csv(tmp_path / "r.csv", [person()])
    with open(path, "rb") as f:
        batch_id = api.post("/api/import-batches/", {"file": f, "source": "social_assistance"}).json()["id"]
    batch = ImportBatch.objects.get(pk=batch_id)
    stale = ImportBatch.objects.get(pk=batch_id)  # the second click loaded the batch before the first won
    imports.batch_start(batch=batch, user=admin_user, commit=True)
    with pytest.raises(ValidationError):
        imports.batch_start(batch=stale, user=admin_user, commit=True)
    assert api.post(f"/api/import-batches/{batch_id}/commit/").status_code == 409
    assert ImportBatch.objects.get(pk=batch_id).summary["created"] == 1


def test_commit_true_is_honoured_for_a_large_file(
    tmp_path, media, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_SYNC_MAX_BYTES = 0
    api = APIClient()
    api.force_authenticate(admin_user)
    path = write_csv(tmp_path / "r.csv", [person(), person(**{"公民身份号码": make_id(dt.date(1970, 1, 1))})])
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as f:
        response = api.post(
            "/api/import-batches/", {"file": f, "source": "social_assistance", "commit": "true"}
        )
    batch = ImportBatch.objects.get(pk=response.json()["id"])
    assert batch.status == "committed" and batch.job.status == "succeeded"


def test_in_request_commits_are_limited_by_the_rows_they_write(tmp_path, media, admin_user, settings):
    settings.IMPORT_SYNC_MAX_ROWS = 0
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = write_csv(tmp_path / "r.csv", [person()])
    upload = SimpleUploadedFile("r.csv", path.read_bytes())
    batch = imports.batch_create(user=admin_user, uploaded_file=upload, source="social_assistance")
    imports.batch_start(batch=batch, user=admin_user, commit=False)
    assert batch.status == "checked" and batch.job is None  # a small check stays in the request
    imports.batch_start(batch=batch, user=admin_user, commit=True)
    batch.refresh_from_db()
    assert batch.job is not None  # one new person is over the (test) limit: a background job


def test_an_error_after_the_commit_does_not_claim_nothing_was_written(
    tmp_path, media, admin_user, monkeypatch
):
    from imports.pipeline import Pipeline

    def boom(self):
        raise RuntimeError("after the commit")

    monkeypatch.setattr(Pipeline, "_analyze_registry", boom)
    path = write_csv(tmp_path / "r.csv", [person()])
    batch = imports.batch_from_path(path=str(path), source="social_assistance", user=admin_user)
    summary = imports.batch_run(batch=batch, commit=True, user=admin_user, path=str(path))
    batch.refresh_from_db()
    assert summary is not None and batch.status == "committed" and "未写入" not in batch.message


def test_an_interrupted_full_sweep_makes_the_next_sweep_full():
    from assessments import screening

    make_person(age=82, living_arrangement="alone")
    screening.rescreen(everyone=True)
    Job.objects.create(kind=JOB_KIND, params={"everyone": True, "full": True}, status="failed")
    screening.rescreen(everyone=True)
    last = ScreeningSweep.objects.order_by("-id").first()
    assert last.mode == "full" and last.reason == "上次全量核对未完成"
    screening.rescreen(everyone=True)  # done now: back to incremental
    assert ScreeningSweep.objects.order_by("-id").first().mode == "incremental"
