"""Export pages: the admins' export log, an export's own page (progress bar, download) and the file."""

import django_filters as filters
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView

from .export import Column, Columns
from .export_services import export_file, file_label
from .models import ExportLog, Job
from .views import ObjectListView


class ExportLogFilterSet(filters.FilterSet):
    user = filters.CharFilter(label=_("导出人"), field_name="user__username")
    title = filters.CharFilter(label=_("列表名称"), lookup_expr="contains")
    reveal = filters.BooleanFilter(label=_("含明文证件号码和电话"))
    after = filters.DateFilter(label=_("导出日期起"), field_name="created_at", lookup_expr="date__gte")
    before = filters.DateFilter(label=_("导出日期止"), field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = ExportLog
        fields = ["user", "title", "reveal", "after", "before"]


def _who(user):
    return user.get_full_name() or user.username


EXPORT_LOG_COLUMNS = Columns(
    Column("created_at"),
    Column(label=_("导出人"), value=lambda e: _who(e.user)),
    Column("title"),
    Column("description"),
    Column("row_count"),
    Column("reveal"),
    Column("revealed_count"),
    Column("status"),
    Column("ip_address"),
)


class AdminOnly404Mixin:
    def dispatch(self, request, *args, **kwargs):
        if not getattr(request.user, "is_city_admin", False):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ExportLogListView(AdminOnly404Mixin, ObjectListView):
    """Every export (who, which list, which filters, how many rows): admins only, 404 for others."""

    model = ExportLog
    filterset_class = ExportLogFilterSet
    template_name = "core/export_list.html"
    default_sort = "-created_at"
    sort_fields = {"created": "created_at", "rows": "row_count"}
    export_columns = EXPORT_LOG_COLUMNS
    export_title = _("导出记录")

    def base_queryset(self):
        return ExportLog.objects.select_related("user")


class ExportDetailView(DetailView):
    """The page a large export redirects to: its progress bar, then its download button."""

    template_name = "core/export_detail.html"
    context_object_name = "export"

    def get_object(self, queryset=None):
        return get_object_or_404(
            ExportLog.objects.restrict(self.request.user).select_related("user", "job"), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        export = self.object
        return super().get_context_data(
            job=export.job,
            reload=True,
            can_download=export.user_id == self.request.user.pk and export_file(export) is not None,
            **kwargs,
        )


class ExportDownloadView(View):
    """The file of a background export, for the user who made it only (it may hold clear IDs)."""

    def get(self, request, pk):
        export = get_object_or_404(ExportLog, pk=pk, user=request.user, status=Job.Status.SUCCEEDED)
        path = export_file(export)
        if path is None:
            raise Http404
        return FileResponse(path.open("rb"), as_attachment=True, filename=file_label(export))
