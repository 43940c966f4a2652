"""/api/stats/...: the dashboard's figures and the monthly report, with the same scoping (404
outside the user's area) and the same 400s (a bad period, a month not yet ended)."""

from django.core.exceptions import ValidationError
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import figures
from ..periods import parse_period
from ..views import report_month, scope_division


def _bad(error: ValidationError):
    return ApiValidationError({"detail": error.messages})


class StatsView(APIView):
    """GET /api/stats/ (the user's own area) or /api/stats/<division>/, with ?period=... ."""

    def get(self, request, division=None):
        place = scope_division(request.user, division)
        try:
            period = parse_period(request.query_params)
        except ValidationError as error:
            raise _bad(error) from error
        return Response(figures.summary(figures.Scope(user=request.user, division=place, period=period)))


class ReportApiView(APIView):
    """GET /api/stats/<division>/report/?month=YYYY-MM: the monthly report's figures and sentences."""

    def get(self, request, division=None):
        place = scope_division(request.user, division)
        try:
            period = report_month(request.query_params)
        except ValidationError as error:
            raise _bad(error) from error
        return Response(
            figures.monthly_report(figures.Scope(user=request.user, division=place, period=period))
        )
