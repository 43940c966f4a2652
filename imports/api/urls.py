from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("import-batches", views.ImportBatchViewSet, basename="import-batch")
