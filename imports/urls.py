from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.BatchListView.as_view(), name="batch-list"),
    path("new/", views.BatchCreateView.as_view(), name="batch-create"),
    path("<int:pk>/", views.BatchDetailView.as_view(), name="batch-detail"),
    path("<int:pk>/commit/", views.BatchCommitView.as_view(), name="batch-commit"),
    path("<int:pk>/retry/", views.BatchRetryView.as_view(), name="batch-retry"),
    path("<int:pk>/errors.xlsx", views.BatchErrorReportView.as_view(), name="batch-errors"),
]
