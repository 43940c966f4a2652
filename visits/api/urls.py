from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("teams", views.TeamViewSet, basename="team")
router.register("team-members", views.MemberViewSet, basename="team-member")
router.register("pairings", views.PairingViewSet, basename="pairing")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("visit-frequencies", views.FrequencyViewSet, basename="visit-frequency")
router.register("visit-queue", views.VisitQueueViewSet, basename="visit-queue")
