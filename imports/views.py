"""Roster import pages (city admins): upload -> dry-run preview -> confirm -> result."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from core.export import ExportMixin

from . import exports, reports, services
from .forms import UploadForm
from .models import ImportBatch, ImportRowError


class AdminOnlyMixin:
    """Imports touch the whole city's registry: anyone but a city admin gets 404."""

    def dispatch(self, request, *args, **kwargs):
        if not getattr(request.user, "is_city_admin", False):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_batch(self) -> ImportBatch:
        return get_object_or_404(ImportBatch.objects.restrict(self.request.user), pk=self.kwargs["pk"])


class BatchListView(AdminOnlyMixin, ExportMixin, ListView):
    template_name = "imports/batch_list.html"
    model = ImportBatch
    export_columns = exports.BATCH_COLUMNS
    paginate_by = 25

    def get_queryset(self):
        batches = ImportBatch.objects.restrict(self.request.user).select_related("created_by", "job")
        status = self.request.GET.get("status", "")
        # The dashboards link a count of batches in one state here (an unknown state shows all).
        return batches.filter(status=status) if status in ImportBatch.Status.values else batches


class BatchCreateView(AdminOnlyMixin, FormView):
    template_name = "imports/batch_form.html"
    form_class = UploadForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            batch = services.batch_create(
                user=self.request.user,
                uploaded_file=form.cleaned_data["file"],
                source=form.cleaned_data["source"],
                snapshot_date=form.cleaned_data.get("snapshot_date"),
            )
            services.batch_start(batch=batch, user=self.request.user, commit=False)
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("imports:batch-detail", args=[batch.pk]))


class BatchDetailView(AdminOnlyMixin, DetailView):
    template_name = "imports/batch_detail.html"
    context_object_name = "batch"

    def get_object(self, queryset=None):
        return self.get_batch()

    def get_context_data(self, **kwargs):
        batch = self.object
        errors = batch.issues.filter(severity=ImportRowError.Severity.ERROR).order_by("row", "id")
        page = Paginator(errors, 50).get_page(self.request.GET.get("page"))
        warnings = batch.issues.filter(severity=ImportRowError.Severity.WARNING).order_by("row", "id")
        return super().get_context_data(
            page_obj=page,
            paginator=page.paginator,
            errors=page.object_list,
            warnings=warnings[:100],
            warning_count=warnings.count(),
            summary=batch.summary,
            preview=batch.preview or {},
            report_jobs=[
                job for job in (reports.report_job_for(batch, clear=c) for c in (False, True)) if job
            ],
            **kwargs,
        )


class BatchActionView(AdminOnlyMixin, View):
    http_method_names = ["post"]
    commit = False
    success_message = ""

    def post(self, request, *args, **kwargs):
        batch = self.get_batch()
        try:
            services.batch_start(batch=batch, user=request.user, commit=self.commit)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            batch.refresh_from_db()
            if batch.status == ImportBatch.Status.FAILED:
                messages.error(request, batch.message or _("处理失败。"))
            elif self.success_message and not batch.is_busy:
                messages.success(request, self.success_message)
        return HttpResponseRedirect(reverse("imports:batch-detail", args=[batch.pk]))


class BatchCommitView(BatchActionView):
    commit = True
    success_message = ""  # the batch page says it once, with the counts and links to the people


class BatchRetryView(BatchActionView):
    commit = False
    success_message = _("已重新校验。")


class BatchErrorReportView(AdminOnlyMixin, View):
    """GET: the report with ID, phone and birth-date cells masked. POST: with them in clear (logged).
    Small reports stream from a temporary file; large ones are built by a job the page shows."""

    def get(self, request, *args, **kwargs):
        return self.send(clear=False)

    def post(self, request, *args, **kwargs):
        return self.send(clear=True)

    def send(self, *, clear: bool):
        batch = self.get_batch()
        report = reports.report_get(
            batch=batch, user=self.request.user, clear=clear, ip_address=self.request.META.get("REMOTE_ADDR")
        )
        if report.file is None:
            messages.info(self.request, _("错误报告较大，正在后台生成，完成后可在本页下载。"))
            return HttpResponseRedirect(reverse("imports:batch-detail", args=[batch.pk]))
        stem = batch.file_name.rsplit(".", 1)[0] or "roster"
        suffix = _("错误报告（含明文）") if clear else _("错误报告")
        response = FileResponse(
            report.file,
            as_attachment=True,
            filename=f"{stem}-{suffix}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Cache-Control"] = "no-store"
        return response
