"""Thin views over dashboards.figures: the dashboard, the monthly report (page and workbook)."""

import datetime as dt
import io

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from . import figures, reports
from .periods import CUSTOM, KINDS, MONTH, QUARTER, YEAR, parse_period


def scope_division(user, pk: int | None):
    """The division asked for, if the user may see it; else 404 (never "it exists").

    Volunteers and the joint meeting's case roles see single households, never an area's figures."""
    if not figures.sees_area_figures(user):
        raise Http404
    if pk is None:
        division = figures.home_division(user)
    else:
        division = figures.visible_divisions(user).filter(pk=pk).select_related("parent__parent").first()
    if division is None or division.level not in figures.LEVELS:
        raise Http404
    return division


def report_month(data, today: dt.date | None = None):
    """The month of a report: ``?month=YYYY-MM``, a month that has ended; default last month."""
    today = today or dt.date.today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    period = parse_period({"period": MONTH, "month": data.get("month") or f"{last:%Y-%m}"}, today)
    if period.end >= today:
        raise ValidationError(_("月报只能生成已结束的月份（本月请查看统计看板）。"))
    return period


class BadRequestMixin:
    """A bad period in the URL is a 400 page with the reason in Chinese, never a 500."""

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except ValidationError as error:
            return render(request, "dashboards/bad_request.html", {"messages_": error.messages}, status=400)


class DashboardView(BadRequestMixin, TemplateView):
    template_name = "dashboards/dashboard.html"

    def get_context_data(self, **kwargs):
        division = scope_division(self.request.user, kwargs.pop("division", None))
        period = parse_period(self.request.GET)
        scope = figures.Scope(user=self.request.user, division=division, period=period)
        data = figures.summary(scope)
        del data["division"], data["period"]  # the objects themselves are in the context
        last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
        return super().get_context_data(
            scope=scope,
            division=division,
            period=period,
            crumbs=figures.breadcrumbs(scope),
            kinds=list(KINDS.items()),
            period_form={
                "period": period.kind,
                "month": f"{period.start:%Y-%m}" if period.kind == MONTH else f"{dt.date.today():%Y-%m}",
                "quarter": period.params().get("quarter", ""),
                "year": period.start.year,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
            },
            report_month=f"{last:%Y-%m}",
            kind_names={"month": MONTH, "quarter": QUARTER, "year": YEAR, "custom": CUSTOM},
            **data,
            **kwargs,
        )


class ReportView(BadRequestMixin, TemplateView):
    """The monthly report as a printable A4 page."""

    template_name = "dashboards/report.html"

    def get_context_data(self, **kwargs):
        division = scope_division(self.request.user, kwargs.pop("division", None))
        period = report_month(self.request.GET)
        scope = figures.Scope(user=self.request.user, division=division, period=period)
        return super().get_context_data(
            report=figures.monthly_report(scope),
            division=division,
            period=period,
            query=urlencode({"month": f"{period.start:%Y-%m}"}),
            **kwargs,
        )


class ReportExcelView(View):
    """The monthly report as an Excel workbook, one sheet per table (core/excel.py)."""

    def get(self, request, *args, **kwargs):
        try:
            division = scope_division(request.user, kwargs.get("division"))
            period = report_month(request.GET)
        except ValidationError as error:
            return render(request, "dashboards/bad_request.html", {"messages_": error.messages}, status=400)
        scope = figures.Scope(user=request.user, division=division, period=period)
        report = figures.monthly_report(scope)
        buffer = io.BytesIO()
        reports.write_workbook(report, buffer)
        buffer.seek(0)
        name = _("月报_%(area)s_%(month)s.xlsx") % {"area": report["area"], "month": report["month"]}
        return FileResponse(buffer, as_attachment=True, filename=name)
