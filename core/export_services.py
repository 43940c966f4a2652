"""Starting, running and answering an export (see core/export.py for the mechanism)."""

import datetime as dt
import io
import secrets
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .export import Context, describe_filters, export_dir, list_view_class, synthetic_request, write_workbook
from .models import ExportLog, Job, RevealLog

JOB_KIND = "export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inline_max_rows() -> int:
    """Exports up to this many rows are answered at once; larger ones run in the background."""
    return int(getattr(settings, "EXPORT_INLINE_MAX_ROWS", 2000))


def export_start(*, view, reveal: bool) -> ExportLog:
    """Log an export of ``view``'s list as its user asked for it; write it now or enqueue it.

    Raises ValidationError (a 400) for filters the list refuses or a reveal the user may not make.
    """
    request, user = view.request, view.request.user
    columns = view.export_columns
    if reveal and not user.can_reveal:
        raise ValidationError(_("您没有查看完整信息的权限，不能导出完整的身份证号码和电话。"))
    reveal = reveal and columns.has_personal_ids
    queryset = view.export_queryset()
    total = queryset.count()
    list_name = view.export_list_name or request.resolver_match.view_name
    export = ExportLog.objects.create(
        user=user,
        list_name=list_name,
        title=view.get_export_title()[:100],
        description=describe_filters(view.filterset),
        query=request.GET.urlencode(),
        reveal=reveal,
        row_count=total,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        ip_address=request.META.get("REMOTE_ADDR") or None,
    )
    if total <= inline_max_rows():
        buffer = io.BytesIO()
        _write(export, view=view, target=buffer)
        export.content = buffer.getvalue()
        return export
    job = Job.objects.create(
        kind=JOB_KIND,
        title=(_("导出：%(t)s（%(n)s 行）") % {"t": export.title, "n": total})[:200],
        params={"export_id": export.pk},
        total=total,
        created_by=user,
    )
    ExportLog.objects.filter(pk=export.pk).update(job=job)
    export.job = job
    from . import jobs

    jobs.enqueue(job)  # sent after the commit; kept and re-sent if the broker is down
    return export


def _write(export: ExportLog, *, view, target, progress=None) -> None:
    ctx = Context(user=export.user, reveal=export.reveal, today=dt.date.today(), revealed=[])
    rows = write_workbook(target, view=view, ctx=ctx, progress=progress, total=export.row_count)
    with transaction.atomic():
        RevealLog.objects.bulk_create(
            [
                RevealLog(
                    user=export.user,
                    person_id=person_id,
                    field=field,
                    channel="export",
                    ip_address=export.ip_address,
                    export=export,
                )
                for person_id, field in ctx.revealed
            ],
            batch_size=2000,
        )
        ExportLog.objects.filter(pk=export.pk).update(
            row_count=rows,
            revealed_count=len(ctx.revealed),
            status=Job.Status.SUCCEEDED,
            finished_at=timezone.now(),
            query="",
        )
    export.row_count, export.revealed_count, export.status = rows, len(ctx.revealed), Job.Status.SUCCEEDED


def export_run(*, export: ExportLog, job: Job) -> None:
    """The background half: rebuild the list as its user saw it, write the file, keep it for them."""
    view_class = list_view_class(export.list_name)
    request = synthetic_request(user=export.user, query=export.query)
    view = view_class()
    view.setup(request)
    ExportLog.objects.filter(pk=export.pk).update(status=Job.Status.RUNNING)
    file_name = f"{export.pk}-{secrets.token_hex(8)}.xlsx"
    path = export_dir() / file_name

    def progress(done, total):
        job.report(done, total, _("已写入 %(done)s / %(total)s 行") % {"done": done, "total": total})

    with translation.override(export.language or settings.LANGUAGE_CODE):
        try:
            _write(export, view=view, target=str(path), progress=progress)
        except Exception:
            path.unlink(missing_ok=True)
            ExportLog.objects.filter(pk=export.pk).update(
                status=Job.Status.FAILED, finished_at=timezone.now()
            )
            raise
    ExportLog.objects.filter(pk=export.pk).update(file_name=file_name)
    job.finish({"rows": export.row_count})
    purge_old_files()


def keep_days() -> int:
    return int(getattr(settings, "EXPORT_KEEP_DAYS", 7))


def purge_old_files(*, now=None) -> int:
    """Export files hold personal data: they are kept ``EXPORT_KEEP_DAYS`` days, then deleted
    (their log rows stay). Runs after each background export."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=keep_days())
    old = list(
        ExportLog.objects.filter(created_at__lt=cutoff).exclude(file_name="").values_list("pk", "file_name")
    )
    for _pk, file_name in old:
        (export_dir() / file_name).unlink(missing_ok=True)
    ExportLog.objects.filter(pk__in=[pk for pk, _name in old]).update(file_name="")
    return len(old)


def file_label(export: ExportLog) -> str:
    return f"{export.title}_{timezone.localtime(export.created_at):%Y%m%d_%H%M}.xlsx"


def xlsx_response(content, export: ExportLog) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(file_label(export))}"
    )
    response["Cache-Control"] = "no-store"
    return response


def export_response(export: ExportLog) -> HttpResponse:
    """The file itself for a small export; the export's page (progress bar) for a large one."""
    if getattr(export, "content", None) is not None:
        return xlsx_response(export.content, export)
    return HttpResponseRedirect(reverse("core:export-detail", args=[export.pk]))


def export_file(export: ExportLog):
    if not export.file_name:
        return None
    path = export_dir() / export.file_name
    return path if path.exists() else None


def export_via_api(*, request, list_name: str, query: str, reveal: bool) -> ExportLog:
    """The API entry point: run the list view itself (its access checks, scoping and filters)."""
    view_class = list_view_class(list_name)
    django_request = synthetic_request(
        user=request.user,
        query=query,
        method="POST",
        data={"reveal": "1" if reveal else ""},
        meta={"REMOTE_ADDR": request.META.get("REMOTE_ADDR", "")},
    )
    result = view_class.as_view(export_api=True, export_list_name=list_name)(django_request)
    if not isinstance(result, ExportLog):
        # The list refused or sent the caller elsewhere (e.g. a volunteer's lists are their home
        # page): there is nothing for this caller to export.
        raise Http404
    return result


def keep_file(export: ExportLog, content: bytes) -> None:
    """Store a file written at once, for a caller (the API) that downloads it in a second request."""
    file_name = f"{export.pk}-{secrets.token_hex(8)}.xlsx"
    (export_dir() / file_name).write_bytes(content)
    ExportLog.objects.filter(pk=export.pk).update(file_name=file_name)


def register_job_kind() -> None:
    from django.utils.translation import gettext_lazy

    from . import jobs
    from .tasks import run_export_job

    jobs.register_kind(
        jobs.JobKind(
            kind=JOB_KIND,
            label=gettext_lazy("导出 Excel"),
            dispatch=lambda job: run_export_job.apply_async((job.pk,)),
            result_labels={"rows": gettext_lazy("导出行数")},
        )
    )
