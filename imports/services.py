"""Writes for roster imports: create a batch, check it (dry run), commit it, run it in the background."""

import hashlib
import logging
import os
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Job

from .files import make_private
from .formats import FormatError
from .models import ImportBatch
from .pipeline import Pipeline, Summary

log = logging.getLogger(__name__)

JOB_KIND = "roster_import"


def sync_max_bytes() -> int:
    """Files up to this size are checked and committed inside the request; larger ones in Celery."""
    return int(getattr(settings, "IMPORT_SYNC_MAX_BYTES", 256 * 1024))


def _require_admin(user) -> None:
    if user is not None and not user.is_city_admin:
        raise PermissionDenied(_("仅系统管理员可以导入名单。"))


def file_sha256(chunks) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def batch_create(*, user, uploaded_file, source: str, snapshot_date=None) -> ImportBatch:
    """Store an uploaded roster as a new batch (nothing is checked yet)."""
    _require_admin(user)
    if source not in dict(ImportBatch._meta.get_field("source").choices):
        raise ValidationError({"source": _("未知的数据来源。")})
    sha256, size = file_sha256(uploaded_file.chunks())
    uploaded_file.seek(0)
    name = os.path.basename(uploaded_file.name or "roster")[:255]
    batch = ImportBatch(
        source=source,
        file_name=name,
        sha256=sha256,
        size=size,
        snapshot_date=snapshot_date or timezone.localdate(),
        created_by=user,
    )
    batch.file.save(name, uploaded_file, save=False)
    make_private(batch.file.path)  # the roster holds ID numbers in clear
    batch.save()
    return batch


def batch_from_path(*, path: str, source: str, user=None, snapshot_date=None) -> ImportBatch:
    """A batch for a file given on the command line (read in place, not copied)."""
    with open(path, "rb") as f:
        sha256, size = file_sha256(iter(lambda: f.read(1024 * 1024), b""))
    return ImportBatch.objects.create(
        source=source,
        file_name=os.path.basename(path)[:255],
        sha256=sha256,
        size=size,
        snapshot_date=snapshot_date or timezone.localdate(),
        created_by=user,
    )


def batch_run(
    *,
    batch: ImportBatch,
    commit: bool,
    user=None,
    path: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    raise_errors: bool = False,
) -> Summary | None:
    """Check (commit=False) or import (commit=True) a batch. Returns None when the batch failed;
    the batch then carries the reason (error_code, message) and its row errors."""
    _require_admin(user)
    path = path or (batch.file.path if batch.file else None)
    if not path:
        raise ValidationError(_("该批次没有保存文件，无法重新执行。"))
    batch.status = ImportBatch.Status.COMMITTING if commit else ImportBatch.Status.CHECKING
    batch.save(update_fields=["status"])
    pipeline = Pipeline(
        batch=batch, path=path, commit=commit, user_id=getattr(user, "pk", None), progress=progress
    )
    try:
        summary = pipeline.run()
    except FormatError as error:
        _mark_failed(batch, error.code, error.message)
        return None
    except Exception:
        log.exception("roster import %s failed", batch.pk)
        _mark_failed(
            batch,
            "internal_error",
            # The exception's text (SQL, paths) goes to the log, never to the user.
            _("导入过程中出现内部错误，已记录在系统日志中，未写入任何数据，可以重试。"),
        )
        if raise_errors:
            raise
        return None
    if commit:
        ImportBatch.objects.filter(pk=batch.pk).update(committed_by=user)
        batch.committed_by = user
    return summary


def _mark_failed(batch: ImportBatch, code: str, message: str) -> None:
    batch.status = ImportBatch.Status.FAILED
    batch.error_code = code
    batch.message = message
    ImportBatch.objects.filter(pk=batch.pk).update(status=batch.status, error_code=code, message=message)


def batch_start(*, batch: ImportBatch, user, commit: bool) -> ImportBatch:
    """Check or commit now (small files) or in a Celery job the page polls (large files)."""
    _require_admin(user)
    if commit and batch.status != ImportBatch.Status.CHECKED:
        raise ValidationError(_("只有校验完成、待确认的批次可以导入。"))
    if not commit and batch.status not in (
        ImportBatch.Status.UPLOADED,
        ImportBatch.Status.FAILED,
        ImportBatch.Status.CHECKED,
    ):
        raise ValidationError(_("该批次正在处理或已导入。"))
    if batch.size <= sync_max_bytes():
        batch_run(batch=batch, commit=commit, user=user)
        batch.refresh_from_db()
        return batch
    with transaction.atomic():
        job = Job.objects.create(
            kind=JOB_KIND,
            title=(_("导入名单：%(name)s") if commit else _("校验名单：%(name)s"))
            % {"name": batch.file_name},
            created_by=user,
            total=1000,
            params={"batch": batch.pk, "commit": commit},
        )
        batch.job = job
        batch.status = ImportBatch.Status.COMMITTING if commit else ImportBatch.Status.CHECKING
        batch.save(update_fields=["job", "status"])
        from .tasks import run_batch

        transaction.on_commit(lambda: run_batch.delay(batch.pk, commit))
    return batch


def run_job(*, batch_id: int, commit: bool) -> str:
    """Body of the Celery task: claim the batch's job, run, record the outcome. Idempotent."""
    batch = ImportBatch.objects.select_related("job", "job__created_by").filter(pk=batch_id).first()
    if batch is None or batch.job is None:
        return "gone"
    job = batch.job
    if not job.claim():
        return "claimed"  # another worker has it, or it already ran: a redelivery does nothing
    try:
        summary = batch_run(
            batch=batch, commit=commit, user=job.created_by, progress=job.report, raise_errors=True
        )
    except OperationalError:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
        raise  # the task retries transient database errors
    except Exception as error:  # noqa: BLE001 - recorded on the job and the batch
        job.fail(str(error)[:2000])
        return "failed"
    if summary is None:
        batch.refresh_from_db()
        job.fail(batch.message)
        return "failed"
    job.finish(result=summary.as_dict())
    return "done"
