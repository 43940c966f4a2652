"""The error report: rejected rows with their original values, row number and reasons.

The first sheet keeps the original columns first and in order, so a clerk can fix the cells and
import the sheet again (the added columns at the end are known to the importer and ignored). Cells
are written by core.excel (never a live formula; ID numbers and long digits as text; bold frozen
header; widths). ID, phone and birth-date cells are masked unless an admin asked for the clear
report (services.report_* log that reveal). The workbook is written row by row to a file, never
held in memory: small reports stream from a temporary file, large ones are built by a job.
"""

import logging
import os
import tempfile
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core.excel import ExcelWriter
from core.models import Job, RevealLog

from . import sensitive
from .files import make_private, report_path, report_stamp
from .labels import code_label, field_label
from .models import ImportBatch, ImportRowError
from .sensitive import reveal

log = logging.getLogger(__name__)


def issues_json(batch: ImportBatch, severity: str = ImportRowError.Severity.ERROR, limit: int | None = None):
    """The row errors as the command line and the API give them."""
    qs = (
        batch.issues.filter(severity=severity).order_by("row", "id").values("row", "code", "field", "message")
    )
    if limit is not None:
        qs = qs[:limit]
    return [dict(item) for item in qs]


def write_error_report(batch: ImportBatch, target, *, clear: bool = False, progress=None) -> int:
    """Write the report to target (a path or a binary file); returns the number of rejected rows.
    progress(done, total) is called every 5,000 rows."""
    header = list(batch.header or [])
    issues = ImportRowError.objects.filter(batch=batch)
    errors = issues.filter(severity=ImportRowError.Severity.ERROR)
    total = errors.count()
    rows = 0
    with ExcelWriter(target) as book:
        sheet = book.sheet(_("未导入的行"), [*header, _("原行号"), _("原因"), _("错误说明"), _("原因代码")])
        grouped = groupby(
            errors.order_by("row", "id")
            .values_list("row", "code", "message", "values", "sealed")
            .iterator(2000),
            key=lambda item: item[0],
        )
        for row, group in grouped:
            group = list(group)
            values = reveal(group[0][3], group[0][4]) if clear else list(group[0][3] or [])
            values = ["" if v is None else str(v) for v in values]
            values += [""] * (len(header) - len(values))
            codes = list(dict.fromkeys(g[1] for g in group))
            sheet.append(
                [
                    *values,
                    row,
                    "、".join(code_label(c) for c in codes),
                    "；".join(g[2] for g in group),
                    "、".join(codes),
                ]
            )
            rows += 1
            if progress and rows % 5000 == 0:
                progress(rows, total)
        warnings = book.sheet(_("提醒"), [_("行号"), _("提醒"), _("字段"), _("说明")])
        for row, code, field, message in (
            issues.filter(severity=ImportRowError.Severity.WARNING)
            .order_by("row", "id")
            .values_list("row", "code", "field", "message")
            .iterator(2000)
        ):
            warnings.append([row, code_label(code), field_label(field), message])
    return rows


# --- getting a report to the user -------------------------------------------------------------

REPORT_JOB_KIND = "import_error_report"


def sync_max_rows() -> int:
    """Reports of up to this many rejected rows and warnings are written during the request."""
    return int(getattr(settings, "IMPORT_REPORT_SYNC_MAX_ROWS", 5000))


@dataclass
class Report:
    """What the view should do: send ``file`` (an open binary file), or show ``job`` progress."""

    file: object | None = None
    job: Job | None = None


def report_job_for(batch: ImportBatch, *, clear: bool) -> Job | None:
    return (
        Job.objects.filter(
            kind=REPORT_JOB_KIND,
            params__batch=batch.pk,
            params__clear=clear,
            params__stamp=report_stamp(batch),
        )
        .order_by("-id")
        .first()
    )


def report_get(*, batch: ImportBatch, user, clear: bool, ip_address: str | None = None) -> Report:
    """The error report as a file to send, or the job building it. A clear report is for city
    admins only, and each one sent is recorded in the reveal log."""
    if not getattr(user, "is_city_admin", False):
        raise PermissionDenied
    stored = report_path(batch, clear=clear)
    if stored.exists():
        _log_reveal(batch, user, clear, ip_address)
        return Report(file=open(stored, "rb"))  # noqa: SIM115 - closed by the FileResponse
    if batch.issues.count() <= sync_max_rows():
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileResponse; never named on disk
        write_error_report(batch, handle, clear=clear)
        handle.seek(0)
        _log_reveal(batch, user, clear, ip_address)
        return Report(file=handle)
    job = report_job_for(batch, clear=clear)
    if job is None or job.status == Job.Status.FAILED:
        with transaction.atomic():
            job = Job.objects.create(
                kind=REPORT_JOB_KIND,
                title=_("生成错误报告：%(name)s") % {"name": batch.file_name},
                created_by=user,
                total=max(batch.count("rejected"), 1),
                params={"batch": batch.pk, "clear": clear, "stamp": report_stamp(batch)},
            )
            from core import jobs

            jobs.enqueue(job)  # sent after the commit; kept and re-sent if the broker is down
    return Report(job=job)


def _log_reveal(batch: ImportBatch, user, clear: bool, ip_address: str | None) -> None:
    if not clear:
        return
    columns = set(sensitive.columns_of_header(batch.header, batch.header_row).values())
    context = _("名单导入批次 #%(id)s 的错误报告（含明文）") % {"id": batch.pk}
    fields = [RevealLog.Field.ID_NUMBER] + ([RevealLog.Field.PHONE] if "phone" in columns else [])
    RevealLog.objects.bulk_create(
        [
            RevealLog(
                user=user, person=None, field=field, channel="report", ip_address=ip_address, context=context
            )
            for field in fields
        ]
    )


def report_job(*, job_id: int) -> str:
    """Body of the report task: write to a temporary name, then move it in place (a half-written
    file is never offered)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or not job.claim():
        return "claimed"
    batch = ImportBatch.objects.filter(pk=job.params.get("batch")).first()
    if batch is None or report_stamp(batch) != job.params.get("stamp"):
        job.fail(_("该批次已重新校验，请重新生成错误报告。"))
        return "stale"
    clear = bool(job.params.get("clear"))
    target = report_path(batch, clear=clear)
    partial = target.with_suffix(".part")
    try:
        with open(partial, "wb") as handle:
            make_private(partial)
            rows = write_error_report(
                batch, handle, clear=clear, progress=lambda done, total: job.report(done, total)
            )
        os.replace(partial, target)
    except Exception:  # noqa: BLE001 - logged; the job says so in plain words
        log.exception("error report of import batch %s failed", batch.pk)
        partial.unlink(missing_ok=True)
        job.fail(_("生成错误报告时出现内部错误，已记录在系统日志中。"))
        return "failed"
    job.finish(result={"rows": rows})
    return "done"
