from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("needs", views.NeedViewSet, basename="need")
router.register("providers", views.ProviderViewSet, basename="provider")
router.register("catalog-items", views.CatalogItemViewSet, basename="catalog-item")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("care-plans", views.CarePlanViewSet, basename="care-plan")
router.register("plan-actions", views.PlanActionViewSet, basename="plan-action")
router.register("catalog-imports", views.CatalogImportViewSet, basename="catalog-import")
