from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("divisions", views.DivisionViewSet, basename="division")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("persons", views.PersonViewSet, basename="person")
router.register("statuses", views.AssistanceStatusViewSet, basename="status")
router.register("policy-parameters", views.PolicyParameterViewSet, basename="policy-parameter")
