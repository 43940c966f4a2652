from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("employment-targets", views.TargetViewSet, basename="employment-target")
router.register("employment-profiles", views.ProfileViewSet, basename="employment-profile")
router.register("trainings", views.TrainingViewSet, basename="training")
router.register("public-posts", views.PostViewSet, basename="public-post")
router.register("placements", views.PlacementViewSet, basename="placement")
router.register("job-referrals", views.ReferralViewSet, basename="job-referral")
router.register("employment-surveys", views.SurveyContactViewSet, basename="employment-survey")
