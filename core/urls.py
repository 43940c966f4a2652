from django.urls import path

from . import views_exports, views_jobs

app_name = "core"

urlpatterns = [
    path("jobs/", views_jobs.JobListView.as_view(), name="job-list"),
    path("jobs/<int:pk>/", views_jobs.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<int:pk>/progress/", views_jobs.JobProgressView.as_view(), name="job-progress"),
    path("exports/", views_exports.ExportLogListView.as_view(), name="export-list"),
    path("exports/<int:pk>/", views_exports.ExportDetailView.as_view(), name="export-detail"),
    path("exports/<int:pk>/download/", views_exports.ExportDownloadView.as_view(), name="export-download"),
    path("jobs/<int:pk>/retry/", views_jobs.JobActionView.as_view(action="retry"), name="job-retry"),
    path("jobs/<int:pk>/cancel/", views_jobs.JobActionView.as_view(action="cancel"), name="job-cancel"),
]
