from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("joint/", views.JointHomeView.as_view(), name="home"),
    path("joint/cases/", views.CaseListView.as_view(), name="case-list"),
    path("joint/cases/<int:pk>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("joint/cases/<int:pk>/edit/", views.CaseUpdateView.as_view(), name="case-update"),
    path("joint/cases/<int:pk>/transition/", views.CaseTransitionView.as_view(), name="case-transition"),
    path("joint/cases/<int:pk>/schedule/", views.CaseScheduleView.as_view(), name="case-schedule"),
    path("joint/cases/<int:pk>/unschedule/", views.CaseUnscheduleView.as_view(), name="case-unschedule"),
    path("joint/cases/<int:pk>/tasks/new/", views.TaskAddView.as_view(), name="task-create"),
    path("households/<int:household_pk>/escalate/", views.EscalateView.as_view(), name="case-create"),
    path("joint/meetings/", views.MeetingListView.as_view(), name="meeting-list"),
    path("joint/meetings/new/", views.MeetingCreateView.as_view(), name="meeting-create"),
    path("joint/meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting-detail"),
    path("joint/meetings/<int:pk>/print/", views.MeetingPrintView.as_view(), name="meeting-print"),
    path("joint/meetings/<int:pk>/edit/", views.MeetingUpdateView.as_view(), name="meeting-update"),
    path(
        "joint/meetings/<int:pk>/transition/",
        views.MeetingTransitionView.as_view(),
        name="meeting-transition",
    ),
    path("joint/resolutions/", views.TaskListView.as_view(), name="task-list"),
    path("joint/resolutions/<int:pk>/", views.TaskDetailView.as_view(), name="task-detail"),
    path("joint/resolutions/<int:pk>/report/", views.TaskReportView.as_view(), name="task-report"),
    path("joint/departments/", views.DepartmentListView.as_view(), name="department-list"),
]
