"""The job lifecycle: a job row is a lease, not a flag (style.md, "Background jobs").

    queued --claim--> running --finish--> succeeded
       ^                 |  \\--fail----> failed ------\\
       |                 |                              |
       +--- recover (worker gone, attempts left) <-----+-- retry (admin) / cancel (admin)

* Sending is a transactional outbox on the job row itself: the row is written in the caller's
  transaction, the message is sent after the commit, and ``dispatched_at`` stays empty when the
  broker could not take it. ``jobs_recover`` (Celery beat, every minute) sends those again, and
  so does the next send that succeeds. A broker outage therefore delays background work; it never
  fails the user's own change.
* A running job carries a heartbeat written by a thread of the worker through its own database
  connection (so it moves while the job's long transaction is open, and stops when the process
  dies). The same thread writes the progress the job reports.
* ``jobs_recover`` finds running jobs whose heartbeat stopped: with attempts left they are queued
  again (every job kind's work is idempotent: an import commit is one transaction, a re-screen
  writes only differences); otherwise they fail with a clear message. A redelivered message for
  such a job resumes it (``Job.claim`` takes a queued job or a running one whose lease expired).

Apps register their job kinds here (``register_kind``); ``core`` imports no app above it.
"""

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Job

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def heartbeat_seconds() -> float:
    return float(getattr(settings, "JOB_HEARTBEAT_SECONDS", 15))


def stale_seconds() -> float:
    """A running job whose heartbeat is older than this has lost its worker. On SQLite the heartbeat
    thread cannot write while the job holds the write lock, so the lease is much longer there."""
    seconds = float(getattr(settings, "JOB_STALE_SECONDS", 120))
    return seconds if connection.vendor == "postgresql" else max(seconds, 1800)


@dataclass
class JobKind:
    kind: str
    label: str
    # Sends the job's message to the broker (raises when the broker is unreachable).
    dispatch: Callable[[Job], None]
    # Called when a job of this kind is given up (failed for good) or cancelled.
    give_up: Callable[[Job, str], None] | None = None
    # Called before an admin's retry re-queues the job; raises ValidationError to refuse.
    before_retry: Callable[[Job], None] | None = None
    result_labels: dict = field(default_factory=dict)


_kinds: dict[str, JobKind] = {}
_recoveries: list[Callable[[], int]] = []


def register_kind(kind: JobKind) -> None:
    _kinds[kind.kind] = kind


def register_recovery(callback: Callable[[], int]) -> None:
    """Extra checks ``jobs_recover`` runs (e.g. import batches stuck without a job)."""
    if callback not in _recoveries:
        _recoveries.append(callback)


def kind_label(kind: str) -> str:
    entry = _kinds.get(kind)
    return str(entry.label) if entry else _("后台任务")


def result_items(job: Job) -> list[tuple[str, object]]:
    """The job's result as (Chinese label, value) pairs, only the labelled keys, non-zero first."""
    entry = _kinds.get(job.kind)
    labels = entry.result_labels if entry else {}
    return [(str(labels[k]), v) for k, v in (job.result or {}).items() if k in labels]


# --- sending (the outbox) ---------------------------------------------------------------------

_delayed: contextvars.ContextVar[bool] = contextvars.ContextVar("jobs_delayed", default=False)


def dispatch_delayed() -> bool:
    """True when, in this request, a job could not be handed to the broker (the page says so)."""
    return _delayed.get()


def reset_delayed() -> None:
    _delayed.set(False)


def enqueue(job: Job) -> None:
    """Send the job's message once the current transaction commits (at once outside one)."""
    job_id = job.pk
    transaction.on_commit(lambda: send(job_id))


def send(job_id: int, *, drain: bool = True) -> bool:
    """Hand a queued job to the broker. False (and logged) when the broker is unreachable: the job
    stays queued with ``dispatched_at`` empty and ``jobs_recover`` sends it later."""
    job = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).first()
    if job is None:
        return True
    entry = _kinds.get(job.kind)
    if entry is None:
        log.error("job %s: unknown kind %r", job.pk, job.kind)
        return False
    try:
        entry.dispatch(job)
    except Exception:  # noqa: BLE001 - broker down: kombu, redis and socket errors alike
        log.warning("job %s could not be sent to the broker; it will be sent later", job.pk, exc_info=True)
        _delayed.set(True)
        return False
    Job.objects.filter(pk=job.pk, dispatched_at__isnull=True).update(dispatched_at=timezone.now())
    if drain:
        send_pending(limit=20)
    return True


def send_pending(*, limit: int = 200, older_than: float = 5.0) -> int:
    """Send queued jobs whose message never reached the broker. Stops at the first failure."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than)
    ids = list(
        Job.objects.filter(status=Job.Status.QUEUED, dispatched_at__isnull=True, created_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    for job_id in ids:
        if not send(job_id, drain=False):
            break
        sent += 1
    return sent


# --- running: heartbeat and progress through their own connection ----------------------------


class _Beater(threading.Thread):
    """Writes the job's heartbeat (and the latest progress) every second it has something to say
    and at least every heartbeat interval. Runs in its own thread, so Django gives it its own
    database connection, outside the job's transaction."""

    def __init__(self, job_id: int):
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.job_id = job_id
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.pending: dict | None = None

    def set_progress(self, fields: dict) -> None:
        with self.lock:
            self.pending = fields

    def run(self):
        last = 0.0
        try:
            while not self.stop.wait(min(1.0, heartbeat_seconds())):
                with self.lock:
                    fields, self.pending = self.pending, None
                if fields is None and time.monotonic() - last < heartbeat_seconds():
                    continue
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now(), **(fields or {})
                    )
                    last = time.monotonic()
                except Exception:  # noqa: BLE001 - a missed beat is retried next second
                    log.warning("job %s: heartbeat failed", self.job_id, exc_info=True)
                    close_old_connections()
        finally:
            connections.close_all()


_beaters: dict[int, _Beater] = {}


@contextmanager
def running(job: Job):
    """While the block runs the job has a heartbeat (PostgreSQL: a thread with its own connection;
    SQLite has one writer, so progress and heartbeat are written in place instead). On PostgreSQL
    the session also checks that its client is still there, so a killed worker's statement ends
    instead of holding its locks."""
    beater = None
    if connection.vendor == "postgresql":
        end_with_client(connection)
        beater = _Beater(job.pk)
        _beaters[job.pk] = beater
        beater.start()
    try:
        yield
    finally:
        if beater is not None:
            _beaters.pop(job.pk, None)
            beater.stop.set()
            beater.join(timeout=5)
            with beater.lock:
                pending = beater.pending
            if pending:
                Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(**pending)


def end_with_client(conn) -> None:
    """PostgreSQL 14+: end this session's statement when its client (the worker) is gone."""
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            if int(cursor.fetchone()[0]) >= 140000:
                cursor.execute("SET client_connection_check_interval = '5s'")
    except Exception:  # noqa: BLE001 - an older server simply keeps the old behaviour
        log.debug("client_connection_check_interval not set", exc_info=True)


def report(job: Job, done: int, total: int | None = None, message: str = "") -> None:
    fields = {"done": done, "message": message[:200]}
    if total is not None:
        fields["total"] = total
    beater = _beaters.get(job.pk)
    if beater is not None:
        beater.set_progress(fields)
    else:
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now(), **fields)


# --- recovery ---------------------------------------------------------------------------------


def stale_q() -> Q:
    cutoff = timezone.now() - timezone.timedelta(seconds=stale_seconds())
    return Q(status=Job.Status.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )


def stuck_jobs():
    return Job.objects.filter(stale_q())


def jobs_recover() -> dict:
    """Celery beat: re-queue or fail jobs whose worker is gone; send what the broker missed."""
    requeued = failed = 0
    for job in stuck_jobs().order_by("id"):
        if job.attempts < MAX_ATTEMPTS:
            if (
                Job.objects.filter(pk=job.pk)
                .filter(stale_q())
                .update(
                    status=Job.Status.QUEUED,
                    dispatched_at=None,
                    message=_("处理中断（后台进程停止），已自动重新排队"),
                )
            ):
                requeued += 1
                send(job.pk, drain=False)
        elif _give_up(job, _("后台进程多次中断，任务已停止。可以在后台任务页重试。")):
            failed += 1
    # Messages that may have been lost with a broker restart: send again (a duplicate is harmless,
    # the claim is atomic).
    lost = timezone.now() - timezone.timedelta(minutes=15)
    Job.objects.filter(status=Job.Status.QUEUED, dispatched_at__lt=lost).update(dispatched_at=None)
    sent = send_pending()
    extra = sum(callback() for callback in _recoveries)
    return {"requeued": requeued, "failed": failed, "sent": sent, "other": extra}


def _give_up(job: Job, message: str, status: str = Job.Status.FAILED) -> bool:
    changed = Job.objects.filter(pk=job.pk, status=job.status).update(
        status=status, error=message, finished_at=timezone.now(), message=""
    )
    if changed:
        entry = _kinds.get(job.kind)
        if entry and entry.give_up:
            entry.give_up(job, message)
    return bool(changed)


def can_retry(job: Job) -> bool:
    return job.status in (Job.Status.FAILED, Job.Status.CANCELLED) or job.is_stuck


def can_cancel(job: Job) -> bool:
    return job.status == Job.Status.QUEUED or job.is_stuck


def job_retry(*, job: Job, user) -> Job:
    """An admin runs a failed, cancelled or stuck job again (its work is idempotent)."""
    _require_admin(user)
    if not can_retry(job):
        raise ValidationError(_("只有失败、已取消或已中断的任务可以重试。"))
    entry = _kinds.get(job.kind)
    if entry is None:
        raise ValidationError(_("这种任务不能重试。"))
    with transaction.atomic():
        if entry.before_retry:
            entry.before_retry(job)
        changed = Job.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
            status=Job.Status.QUEUED,
            attempts=0,
            error="",
            message=_("已重新排队"),
            finished_at=None,
            dispatched_at=None,
        )
        if not changed:
            raise ValidationError(_("任务状态已变化，请刷新后再试。"))
        enqueue(job)
    job.refresh_from_db()
    return job


def job_cancel(*, job: Job, user) -> Job:
    """An admin cancels a queued or stuck job (a job that is really running is not interrupted)."""
    _require_admin(user)
    if not can_cancel(job):
        raise ValidationError(_("只有排队中或已中断的任务可以取消。"))
    if not _give_up(job, _("已由 %(user)s 取消") % {"user": user}, status=Job.Status.CANCELLED):
        raise ValidationError(_("任务状态已变化，请刷新后再试。"))
    job.refresh_from_db()
    return job


def _require_admin(user) -> None:
    from django.core.exceptions import PermissionDenied

    if user is None or not getattr(user, "is_city_admin", False):
        raise PermissionDenied(_("仅系统管理员可以重试或取消后台任务。"))
