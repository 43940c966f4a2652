"""/api/stats/...: the dashboard's figures and the monthly report, with the same scoping (404
outside the user's area) and the same 400s (a bad period, a month not yet ended)."""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import figures
from ..periods import parse_period
from ..views import report_month, scope_division

PERIOD_PARAMETERS = [
    OpenApiParameter("period", str, enum=["month", "quarter", "year", "custom"], description="默认 month"),
    OpenApiParameter("month", str, description="YYYY-MM"),
    OpenApiParameter("quarter", str, description="YYYY-Qn"),
    OpenApiParameter("year", str, description="YYYY"),
    OpenApiParameter("start", OpenApiTypes.DATE),
    OpenApiParameter("end", OpenApiTypes.DATE),
]
MONTH_PARAMETERS = [OpenApiParameter("month", str, description="YYYY-MM，已结束的月份；默认上月")]


def _bad(error: ValidationError):
    return ApiValidationError({"detail": error.messages})


class StatsView(APIView):
    """GET /api/stats/ (the user's own area) or /api/stats/<division>/, with ?period=... ."""

    @extend_schema(operation_id="stats_division", parameters=PERIOD_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request, division=None):
        place = scope_division(request.user, division)
        try:
            period = parse_period(request.query_params)
        except ValidationError as error:
            raise _bad(error) from error
        return Response(figures.summary(figures.Scope(user=request.user, division=place, period=period)))


class ReportApiView(APIView):
    """GET /api/stats/<division>/report/?month=YYYY-MM: the monthly report's figures and sentences."""

    @extend_schema(
        operation_id="stats_division_report", parameters=MONTH_PARAMETERS, responses=OpenApiTypes.OBJECT
    )
    def get(self, request, division=None):
        place = scope_division(request.user, division)
        try:
            period = report_month(request.query_params)
        except ValidationError as error:
            raise _bad(error) from error
        return Response(
            figures.monthly_report(figures.Scope(user=request.user, division=place, period=period))
        )


class OwnStatsView(StatsView):
    """GET /api/stats/: the figures of the user's own area (the city for city-wide roles)."""

    @extend_schema(operation_id="stats_own", parameters=PERIOD_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request, division=None):
        return super().get(request, None)


class OwnReportApiView(ReportApiView):
    """GET /api/stats/report/: the monthly report of the user's own area."""

    @extend_schema(
        operation_id="stats_own_report", parameters=MONTH_PARAMETERS, responses=OpenApiTypes.OBJECT
    )
    def get(self, request, division=None):
        return super().get(request, None)
