from django.urls import path

from .views import OwnReportApiView, OwnStatsView, ReportApiView, StatsView

urlpatterns = [
    path("stats/", OwnStatsView.as_view(), name="api-stats"),
    path("stats/report/", OwnReportApiView.as_view(), name="api-stats-my-report"),
    path("stats/<int:division>/", StatsView.as_view(), name="api-stats-division"),
    path("stats/<int:division>/report/", ReportApiView.as_view(), name="api-stats-report"),
]
