"""The admin's web flow: upload -> preview -> confirm; background jobs with a progress bar."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import Job
from households.models import Person
from imports.models import ImportBatch

from .conftest import person, write_csv

pytestmark = pytest.mark.django_db


def upload(client, path, name=None, source="social_assistance"):
    with open(path, "rb") as f:
        return client.post(
            reverse("imports:batch-create"),
            {"source": source, "file": SimpleUploadedFile(name or path.name, f.read())},
        )


def test_upload_previews_then_confirm_commits(tmp_path, media, admin_user, login):
    client = login(admin_user)
    path = write_csv(tmp_path / "名单.csv", [person(姓名="陈大文"), person(姓名="", 镇街="火星镇")])
    response = upload(client, path)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "imports:batch-detail", args=[batch.pk]
    )
    assert batch.status == "checked" and batch.created_by == admin_user and len(batch.sha256) == 64
    page = client.get(response["Location"]).content.decode()
    assert "确认导入" in page and "校验预览" in page and "陈大文" in page
    assert "缺少必填项：姓名" in page and "火星镇" in page
    assert Person.objects.count() == 0
    response = client.post(reverse("imports:batch-commit", args=[batch.pk]), follow=True)
    page = response.content.decode()
    assert "导入：新增 1 人，信息变更 0 人" in page
    person_url = reverse("households:person-detail", args=[Person.objects.get().pk])
    assert f'<a href="{person_url}">陈大文</a>' in page  # the new person, linked
    batch.refresh_from_db()
    assert batch.status == "committed" and batch.committed_by == admin_user
    assert Person.objects.get().name == "陈大文"
    assert Person.history.get().history_user == admin_user
    # Confirming twice does nothing and says why.
    response = client.post(reverse("imports:batch-commit", args=[batch.pk]), follow=True)
    assert "只有校验完成" in response.content.decode() and Person.objects.count() == 1
    listing = client.get(reverse("imports:batch-list")).content.decode()
    assert "名单.csv" in listing and "已导入" in listing


def test_error_report_downloads_as_excel(tmp_path, media, admin_user, login):
    client = login(admin_user)
    upload(client, write_csv(tmp_path / "r.csv", [person(), person(残疾等级="九级")]))
    batch = ImportBatch.objects.get()
    response = client.get(reverse("imports:batch-errors", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert len(rows) == 2
    assert rows[1][-4:] == (3, "填写的值不在可选范围内", "残疾等级“九级”不是可接受的值", "unknown_value")


@pytest.mark.parametrize(
    "content,name,expected",
    [
        (b"\x80\xff" * 200, "bad.csv", "无法"),
        (b"just,some,text\n1,2,3\n", "x.csv", "找不到表头行"),
        (b"PK\x03\x04 not really a zip", "x.xlsx", "无法读取 Excel 文件"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" * 20, "photo.xlsx", "不是可读取的表格文件"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" * 20, "photo.xls", "不是可读取的表格文件"),
        ("姓名,公民身份号码\n".encode("utf-32"), "u.csv", "UTF-32"),
    ],
)
def test_malformed_files_show_a_message_not_a_server_error(media, admin_user, login, content, name, expected):
    client = login(admin_user)
    response = client.post(
        reverse("imports:batch-create"),
        {"source": "social_assistance", "file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and expected in page
    # The file itself is the problem: retrying the same bytes cannot help, so no retry button.
    assert reverse("imports:batch-retry", args=[batch.pk]) not in page


def test_wrong_extension_is_refused_on_the_form(media, admin_user, login):
    response = login(admin_user).post(
        reverse("imports:batch-create"),
        {"source": "social_assistance", "file": SimpleUploadedFile("a.docx", b"x")},
    )
    assert response.status_code == 200 and "不支持的文件格式" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_large_file_runs_as_a_job_with_a_progress_bar(
    tmp_path, media, admin_user, login, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_SYNC_MAX_BYTES = 0
    client = login(admin_user)
    path = write_csv(tmp_path / "r.csv", [person()])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(client, path)
    batch = ImportBatch.objects.select_related("job").get()
    assert batch.status == "checking" and batch.job.status == "queued"
    page = client.get(reverse("imports:batch-detail", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and reverse("core:job-progress", args=[batch.job.pk]) in page
    for callback in callbacks:  # the task runs eagerly in tests
        callback()
    batch.refresh_from_db()
    job = Job.objects.get(pk=batch.job_id)
    assert batch.status == "checked" and job.status == "succeeded" and job.result["created"] == 1
    partial = client.get(reverse("core:job-progress", args=[job.pk]) + "?reload=1", HTTP_HX_REQUEST="true")
    assert "every 1s" not in partial.content.decode() and partial["HX-Refresh"] == "true"
    # Confirm runs as a job too; a redelivered task finds the job claimed and does nothing.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:batch-commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "committed" and Person.objects.count() == 1
    from imports.tasks import run_batch

    assert run_batch.apply(args=[batch.pk, True]).get() == "claimed"
    assert Person.objects.count() == 1


def test_non_admins_get_404_everywhere(tmp_path, media, admin_user, dongqu, manager, login):
    admin = login(admin_user)
    upload(admin, write_csv(tmp_path / "r.csv", [person()]))
    batch = ImportBatch.objects.get()
    for user in (dongqu, manager):
        client = login(user)
        for url in (
            reverse("imports:batch-list"),
            reverse("imports:batch-create"),
            reverse("imports:batch-detail", args=[batch.pk]),
            reverse("imports:batch-errors", args=[batch.pk]),
        ):
            assert client.get(url).status_code == 404, url
        assert client.post(reverse("imports:batch-commit", args=[batch.pk])).status_code == 404
    assert Person.objects.count() == 0
    assert "名单导入" not in login(dongqu).get("/").content.decode()
    assert "名单导入" in admin.get("/").content.decode()


def test_job_pages_are_scoped_to_their_owner(admin_user, dongqu, xiqu, login):
    now = timezone.now()
    mine = Job.objects.create(
        kind="rescreen",
        title="重新分类",
        created_by=dongqu,
        total=10,
        done=4,
        status="running",
        started_at=now,
        heartbeat_at=now,  # a live worker (a job without a heartbeat shows as 已中断)
    )
    other = Job.objects.create(kind="rescreen", title="别人的任务", created_by=xiqu)
    client = login(dongqu)
    listing = client.get(reverse("core:job-list")).content.decode()
    assert "重新分类" in listing and "别人的任务" not in listing
    assert client.get(reverse("core:job-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("core:job-progress", args=[other.pk])).status_code == 404
    partial = client.get(reverse("core:job-progress", args=[mine.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in partial and 'class="progress"' in partial and "40%" in partial
    admin_listing = login(admin_user).get(reverse("core:job-list")).content.decode()
    assert "重新分类" in admin_listing and "别人的任务" in admin_listing


def test_failed_batch_is_retried_from_its_page(tmp_path, media, admin_user, login, monkeypatch):
    from imports import pipeline

    def broken(self):
        raise RuntimeError("database went away")

    monkeypatch.setattr(pipeline.Pipeline, "_diff", broken)
    client = login(admin_user)
    upload(client, write_csv(tmp_path / "r.csv", [person()]))
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and batch.error_code == "internal_error"
    page = client.get(reverse("imports:batch-detail", args=[batch.pk])).content.decode()
    assert "未写入任何数据，可以重试" in page and reverse("imports:batch-retry", args=[batch.pk]) in page
    assert "database went away" not in page  # the exception's text stays in the log
    monkeypatch.undo()
    response = client.post(reverse("imports:batch-retry", args=[batch.pk]), follow=True)
    assert "已重新校验" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "checked" and batch.summary["created"] == 1 and batch.error_code == ""
