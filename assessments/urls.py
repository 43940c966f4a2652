from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("groups/", views.GroupListView.as_view(), name="group-list"),
    path("groups/decisions/<int:pk>/", views.DecisionDetailView.as_view(), name="decision-detail"),
    path("groups/decisions/<int:pk>/review/", views.DecisionReviewView.as_view(), name="decision-review"),
    path("groups/overrides/", views.OverrideListView.as_view(), name="override-list"),
    path("groups/sweeps/", views.SweepListView.as_view(), name="sweep-list"),
    path("groups/sweeps/run/", views.SweepRunView.as_view(), name="sweep-run"),
    path(
        "groups/overrides/<int:pk>/withdraw/", views.OverrideWithdrawView.as_view(), name="override-withdraw"
    ),
    path("tasks/", views.TaskListView.as_view(), name="task-list"),
    path("tasks/bulk/", views.TaskBulkView.as_view(), name="task-bulk"),
    path("tasks/supervision/", views.SupervisionView.as_view(), name="task-supervision"),
    path("tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task-detail"),
    path("tasks/<int:pk>/review/", views.BaselineReviewView.as_view(), name="baseline-review"),
    path("tasks/<int:pk>/review/confirm/", views.BaselineConfirmView.as_view(), name="baseline-confirm"),
    path("tasks/<int:pk>/complete/", views.TaskCompleteView.as_view(), name="task-complete"),
    path("warnings/", views.AlertListView.as_view(), name="alert-list"),
    path("warnings/new/", views.AlertCreateView.as_view(), name="alert-create"),
    path("warnings/import/", views.AlertImportView.as_view(), name="alert-import"),
    path("warnings/<int:pk>/", views.AlertDetailView.as_view(), name="alert-detail"),
    path("warnings/<int:pk>/verify/", views.AlertVerifyView.as_view(), name="alert-verify"),
    path("warnings/<int:pk>/handle/", views.AlertHandleView.as_view(), name="alert-handle"),
    path("vagrants/", views.VagrantListView.as_view(), name="vagrant-list"),
    path("vagrants/new/", views.VagrantCreateView.as_view(), name="vagrant-create"),
    path("vagrants/<int:pk>/", views.VagrantDetailView.as_view(), name="vagrant-detail"),
    path("vagrants/<int:pk>/edit/", views.VagrantUpdateView.as_view(), name="vagrant-update"),
]
