from django.urls import path

from .views import ReportApiView, StatsView

urlpatterns = [
    path("stats/", StatsView.as_view(), name="api-stats"),
    path("stats/report/", ReportApiView.as_view(), name="api-stats-my-report"),
    path("stats/<int:division>/", StatsView.as_view(), name="api-stats-division"),
    path("stats/<int:division>/report/", ReportApiView.as_view(), name="api-stats-report"),
]
