from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("group-decisions", views.GroupDecisionViewSet, basename="group-decision")
router.register("overrides", views.OverrideViewSet, basename="override")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("vagrants", views.VagrantRecordViewSet, basename="vagrant")
router.register("screening-sweeps", views.ScreeningSweepViewSet, basename="screening-sweep")
