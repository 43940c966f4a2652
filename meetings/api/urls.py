from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("joint-cases", views.JointCaseViewSet, basename="joint-case")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("resolution-tasks", views.ResolutionTaskViewSet, basename="resolution-task")
router.register("departments", views.DepartmentViewSet, basename="department")
