"""Writes for roster imports: create a batch, check it (dry run), commit it, run it in the background."""

import hashlib
import logging
import os
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import jobs
from core.models import Job

from .files import make_private
from .formats import FormatError
from .models import ImportBatch
from .pipeline import Pipeline, SourceBusy, Summary

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
    ImportBatch.objects.filter(pk=batch.pk).update(status=batch.status)
    if commit and connection.vendor == "postgresql":
        jobs.end_with_client(connection)  # a killed web server's commit must not run on, holding locks
    pipeline = Pipeline(
        batch=batch, path=path, commit=commit, user_id=getattr(user, "pk", None), progress=progress
    )
    try:
        summary = pipeline.run()
    except FormatError as error:
        _mark_failed(batch, error.code, error.message)
        return None
    except SourceBusy as error:
        _mark_failed(batch, "source_busy", error.message)
        return None
    except Exception:
        if commit and _committed(batch):
            # The import's transaction went through; what failed came after it (e.g. statistics or a
            # follow-up). Saying "nothing was written" here would be false (issue 10, item 2).
            log.exception("roster import %s: committed, then an error after the commit", batch.pk)
            batch.refresh_from_db()
            return pipeline.summary
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


def _committed(batch: ImportBatch) -> bool:
    return ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.COMMITTED).exists()


def _mark_failed(batch: ImportBatch, code: str, message: str) -> None:
    batch.status = ImportBatch.Status.FAILED
    batch.error_code = code
    batch.message = message
    ImportBatch.objects.filter(pk=batch.pk).update(status=batch.status, error_code=code, message=message)


def sync_max_rows() -> int:
    """Commits that write more rows than this (new + changed + exited people, from the dry run) run
    in the background whatever the file size: the request is limited by the work, not the bytes."""
    return int(getattr(settings, "IMPORT_SYNC_MAX_ROWS", 5000))


def _work(batch: ImportBatch) -> int:
    return batch.count("created") + batch.count("updated") + batch.count("exited")


CHECKABLE = (ImportBatch.Status.UPLOADED, ImportBatch.Status.FAILED, ImportBatch.Status.CHECKED)


def _claim(batch: ImportBatch, *, commit: bool) -> None:
    """One conditional UPDATE moves the batch into checking/committing: of two clicks (or two API
    calls) on one batch, exactly one wins; the other is refused (409 in the API)."""
    allowed = (ImportBatch.Status.CHECKED,) if commit else CHECKABLE
    target = ImportBatch.Status.COMMITTING if commit else ImportBatch.Status.CHECKING
    won = ImportBatch.objects.filter(pk=batch.pk, status__in=allowed).update(
        status=target, claimed_at=timezone.now()
    )
    if not won:
        if commit:
            raise ValidationError(_("只有校验完成、待确认的批次可以导入（该批次可能正在导入或已导入）。"))
        raise ValidationError(_("该批次正在处理或已导入。"))
    batch.status = target


def batch_start(*, batch: ImportBatch, user, commit: bool, then_commit: bool = False) -> ImportBatch:
    """Check or commit now (small work) or in a Celery job the page polls (large files, or a commit
    that writes many rows). ``then_commit``: a check that passes goes on to the commit (API
    ``commit=true``), in the request or in the same background job."""
    _require_admin(user)
    if commit and not batch.file:
        raise ValidationError(_("该批次没有保存文件，无法导入。"))
    _claim(batch, commit=commit)
    background = batch.size > sync_max_bytes() or (commit and _work(batch) > sync_max_rows())
    if not background:
        batch_run(batch=batch, commit=commit, user=user)
        batch.refresh_from_db()
        if then_commit and batch.status == ImportBatch.Status.CHECKED:
            return batch_start(batch=batch, user=user, commit=True)
        return batch
    with transaction.atomic():
        job = Job.objects.create(
            kind=JOB_KIND,
            title=(_("导入名单：%(name)s") if commit or then_commit else _("校验名单：%(name)s"))
            % {"name": batch.file_name},
            created_by=user,
            total=1000,
            params={"batch": batch.pk, "commit": commit, "then_commit": then_commit and not commit},
        )
        batch.job = job
        batch.save(update_fields=["job"])
        jobs.enqueue(job)  # sent after the commit; kept in the outbox while the broker is down
    return batch


def run_job(*, batch_id: int, commit: bool) -> str:
    """Body of the Celery task: claim the batch's job, run, record the outcome. Idempotent: a
    redelivered message finds the job claimed; a job whose worker died resumes (the commit is one
    transaction, so the batch is either committed or untouched)."""
    batch = ImportBatch.objects.select_related("job", "job__created_by").filter(pk=batch_id).first()
    if batch is None or batch.job is None:
        return "gone"
    job = batch.job
    if not job.claim():
        return "claimed"  # another worker has it, or it already ran: a redelivery does nothing
    try:
        with jobs.running(job):
            outcome = _run_claimed(batch, job, commit)
    except OperationalError:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
        raise  # the task retries transient database errors
    except Exception as error:  # noqa: BLE001 - recorded on the job and the batch
        job.fail(str(error)[:2000])
        return "failed"
    return outcome


def _run_claimed(batch: ImportBatch, job: Job, commit: bool) -> str:
    batch.refresh_from_db()
    user = job.created_by
    then_commit = bool(job.params.get("then_commit")) and not commit
    status = batch.status
    if status == ImportBatch.Status.COMMITTED and (commit or then_commit):
        # Resumed after the worker died between the commit and the end of the job.
        _rescreen_batch(batch)
        job.finish(result=batch.summary)
        return "done"
    if status == ImportBatch.Status.CHECKED and not commit and not then_commit:
        job.finish(result=batch.summary)  # resumed after the check was saved
        return "done"
    if status not in (ImportBatch.Status.CHECKING, ImportBatch.Status.COMMITTING, ImportBatch.Status.CHECKED):
        job.fail(_("该批次的状态已变化，任务未执行。"))
        return "failed"
    run = {"batch": batch, "user": user, "progress": job.report, "raise_errors": True}
    if status == ImportBatch.Status.CHECKED:  # the check was saved before the worker died
        _claim(batch, commit=True)
        summary = batch_run(commit=True, **run)
    else:
        summary = batch_run(commit=commit, **run)
        if summary is not None and then_commit:
            _claim(batch, commit=True)
            summary = batch_run(commit=True, **run)
    if summary is None:
        batch.refresh_from_db()
        job.fail(batch.message)
        return "failed"
    job.finish(result=summary.as_dict())
    return "done"


def _rescreen_batch(batch: ImportBatch) -> None:
    """Re-screening of the households this batch wrote (lost if the worker died after the commit;
    the nightly sweep would find them through the change marks, this is sooner)."""
    from households.hooks import households_changed

    from .models import SnapshotMember

    households_changed(
        SnapshotMember.objects.filter(batch=batch).values_list("person__household_id", flat=True)
    )


def _give_up(job: Job, message: str) -> None:
    """The job failed for good or was cancelled: its batch (never half-written) can be retried."""
    ImportBatch.objects.filter(
        job=job, status__in=(ImportBatch.Status.CHECKING, ImportBatch.Status.COMMITTING)
    ).update(
        status=ImportBatch.Status.FAILED,
        error_code="interrupted",
        message=_("处理中断，未写入任何数据，可以重试。") + message,
    )


def _before_retry(job: Job) -> None:
    """An admin retries the job: its batch goes back to the state the job works from."""
    commit = bool(job.params.get("commit"))
    batch = ImportBatch.objects.filter(job=job).first()
    if batch is None:
        raise ValidationError(_("该任务的导入批次已不存在。"))
    if batch.status == ImportBatch.Status.COMMITTED:
        return  # the job will find it committed and finish
    target = ImportBatch.Status.COMMITTING if commit else ImportBatch.Status.CHECKING
    ImportBatch.objects.filter(pk=batch.pk).update(status=target, claimed_at=timezone.now(), message="")


STUCK_MINUTES = 10


def batches_recover() -> int:
    """Batches left checking/committing by a crashed web request (no job) or by a job that ended
    without finishing them: failed, so that they can be retried (nothing was half-written)."""
    cutoff = timezone.now() - timezone.timedelta(minutes=STUCK_MINUTES)
    busy = ImportBatch.objects.filter(
        status__in=(ImportBatch.Status.CHECKING, ImportBatch.Status.COMMITTING)
    ).filter(Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True))
    stuck = busy.filter(
        Q(job__isnull=True)
        | Q(job__status__in=(Job.Status.SUCCEEDED, Job.Status.FAILED, Job.Status.CANCELLED))
    )
    return stuck.update(
        status=ImportBatch.Status.FAILED,
        error_code="interrupted",
        message=_("处理中断（服务器重启），未写入任何数据，可以重试。"),
    )


RESULT_LABELS = {
    "rows": gettext_lazy("名单行数"),
    "created": gettext_lazy("新增人员"),
    "updated": gettext_lazy("信息变化"),
    "unchanged": gettext_lazy("无变化"),
    "exited": gettext_lazy("退出名单"),
    "rejected": gettext_lazy("被拒绝的行"),
    "warnings": gettext_lazy("提醒"),
    "households_created": gettext_lazy("新增家庭"),
    "households_updated": gettext_lazy("家庭信息变化"),
}


def register_job_kind() -> None:
    from .tasks import run_batch

    jobs.register_kind(
        jobs.JobKind(
            kind=JOB_KIND,
            label=gettext_lazy("名单导入"),
            dispatch=lambda job: run_batch.apply_async((job.params["batch"], bool(job.params.get("commit")))),
            give_up=lambda job, message: _give_up(job, message),
            before_retry=_before_retry,
            result_labels=RESULT_LABELS,
        )
    )
    jobs.register_recovery(batches_recover)
    from .reports import REPORT_JOB_KIND
    from .tasks import build_error_report

    jobs.register_kind(
        jobs.JobKind(
            kind=REPORT_JOB_KIND,
            label=gettext_lazy("生成错误报告"),
            dispatch=lambda job: build_error_report.apply_async((job.pk,)),
        )
    )
