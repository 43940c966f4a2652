from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="home"),
    path("dashboard/<int:division>/", views.DashboardView.as_view(), name="division"),
    path("dashboard/report/", views.ReportView.as_view(), name="my-report"),
    path("dashboard/<int:division>/report/", views.ReportView.as_view(), name="report"),
    path("dashboard/<int:division>/report/excel/", views.ReportExcelView.as_view(), name="report-excel"),
]
