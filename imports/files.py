"""Where uploaded rosters and error reports live on disk, who may read them, how long they stay.

Uploaded rosters and reports hold ID numbers in clear: files are mode 0600 (only the app's user
reads them) and are deleted after ``IMPORT_FILE_RETENTION_DAYS`` (default 30) by a beat job;
the batch, its counts and its (masked, sealed) row errors stay.
"""

import datetime as dt
import logging
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import ImportBatch

log = logging.getLogger(__name__)

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def retention_days() -> int:
    return int(getattr(settings, "IMPORT_FILE_RETENTION_DAYS", 30))


def make_private(path: str | os.PathLike) -> None:
    os.chmod(path, PRIVATE_FILE)
    os.chmod(os.path.dirname(path), PRIVATE_DIR)


def reports_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports" / "reports"
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    return folder


def report_stamp(batch: ImportBatch) -> int:
    """Changes whenever the batch's row errors are written again (check, retry, commit)."""
    moments = [m for m in (batch.checked_at, batch.committed_at) if m]
    return int(max(moments).timestamp()) if moments else 0


def report_path(batch: ImportBatch, *, clear: bool) -> Path:
    kind = "clear" if clear else "masked"
    return reports_dir() / f"batch-{batch.pk}-{report_stamp(batch)}-{kind}.xlsx"


def purge_expired(*, now: dt.datetime | None = None) -> dict:
    """Delete uploaded rosters and error reports older than the retention; returns the counts."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    rosters = 0
    old = (
        ImportBatch.objects.exclude(file="")
        .filter(created_at__lt=cutoff)
        .exclude(status__in=[ImportBatch.Status.CHECKING, ImportBatch.Status.COMMITTING])
    )
    for batch in old.iterator():
        batch.file.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(file="")
        rosters += 1
    reports = 0
    for path in reports_dir().glob("batch-*.xlsx"):
        try:
            if dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC) < cutoff:
                path.unlink()
                reports += 1
        except FileNotFoundError:
            continue
    log.info("import files purged: %s rosters, %s reports older than %s", rosters, reports, cutoff)
    return {"rosters": rosters, "reports": reports}
