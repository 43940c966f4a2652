from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from assessments.api.views import StaffOnlyApiMixin
from core.api import ScopedReadOnlyViewSet, ScopedViewSetMixin, VersionedViewSetMixin
from core.concurrency import claim_version
from core.drf import ObjectJSONParser
from core.serializers import service_errors

from .. import services
from ..filtersets import (
    CarePlanFilterSet,
    CatalogItemFilterSet,
    NeedFilterSet,
    PlanActionFilterSet,
    ProviderFilterSet,
    RecommendationFilterSet,
)
from ..models import CarePlan, CatalogImport, CatalogItem, Need, PlanAction, Provider, Recommendation
from ..selectors import with_reasons
from . import serializers as s

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def run_step(view, request, *, body_class, service, keyword: str, out_class):
    """One lifecycle step from the API: validate the body, call the service on the scoped object,
    answer with the object. Service refusals are 400s (service_errors); a step taken from a stale
    read (If-Match 412, ``version`` in the body 409) is refused (core.api.VersionedViewSetMixin)."""
    obj = view.get_object()
    body = body_class(data=request.data)
    body.is_valid(raise_exception=True)
    data = dict(body.validated_data)
    header = view._if_match()
    data["version"] = header if header is not None else data.get("version")
    with service_errors():
        service(**{keyword: obj}, user=request.user, **data)
    response = Response(out_class(obj, context={"request": request}).data)
    response["ETag"] = f'"{obj.version}"'
    return response


class NeedViewSet(
    StaffOnlyApiMixin,
    VersionedViewSetMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The needs ledger. Create with household, person, domain, description, urgency, source;
    move along the lifecycle with ``POST /api/needs/{id}/transition/``; nothing is deleted."""

    queryset = Need.objects.select_related("household", "person", "item")
    serializer_class = s.NeedSerializer
    filterset_class = NeedFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action == "partial_update":
            return s.NeedUpdateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        with service_errors():
            serializer.instance = services.need_record(user=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = serializer.expected_version(data)
        with service_errors():
            services.need_update(need=serializer.instance, user=self.request.user, version=version, **data)

    @extend_schema(request=s.NeedTransitionSerializer, responses=s.NeedSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        return run_step(
            self,
            request,
            body_class=s.NeedTransitionSerializer,
            service=services.need_transition,
            keyword="need",
            out_class=s.NeedSerializer,
        )


class ReferenceViewSet(StaffOnlyApiMixin, VersionedViewSetMixin, ScopedViewSetMixin, viewsets.ModelViewSet):
    """City-wide reference data: staff read, city admins write; nothing is deleted (deactivate)."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    permission_classes = [permissions.IsAuthenticated]
    # JSON only: a multipart PATCH whose parts the parser drops was "accepted" as no change
    # (schemathesis ST201 on /api/providers/{id}/); a client that sends a form gets 415.
    parser_classes = [ObjectJSONParser]

    def create(self, request, *args, **kwargs):
        if not request.user.is_city_admin:
            raise NotFound
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.validated_data.pop("version", None)
        serializer.save()

    def perform_update(self, serializer):
        version = serializer.expected_version(serializer.validated_data)
        serializer.instance._history_user = self.request.user
        with transaction.atomic():
            claim_version(serializer.instance, expected=version)
            serializer.save()


class ProviderViewSet(ReferenceViewSet):
    queryset = Provider.objects.all().order_by("id")
    serializer_class = s.ProviderSerializer
    filterset_class = ProviderFilterSet


class CatalogItemViewSet(ReferenceViewSet):
    queryset = CatalogItem.objects.select_related("provider").order_by("id")
    serializer_class = s.CatalogItemSerializer
    filterset_class = CatalogItemFilterSet


class RecommendationViewSet(StaffOnlyApiMixin, VersionedViewSetMixin, ScopedReadOnlyViewSet):
    """Pushed items (幸福清单推送) with their reason; move along the funnel with ``transition``."""

    queryset = Recommendation.objects.select_related("item", "person", "household")
    serializer_class = s.RecommendationSerializer
    filterset_class = RecommendationFilterSet

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return with_reasons(page) if page is not None else None

    @extend_schema(request=s.RecommendationTransitionSerializer, responses=s.RecommendationSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        return run_step(
            self,
            request,
            body_class=s.RecommendationTransitionSerializer,
            service=services.recommendation_transition,
            keyword="recommendation",
            out_class=s.RecommendationSerializer,
        )


class CarePlanViewSet(
    StaffOnlyApiMixin,
    VersionedViewSetMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Care plans with their actions. ``transition``: submitted, approved (a town approver who is
    not the author), draft (returned, with ``note``), active, reviewed (``note``), closed."""

    queryset = CarePlan.objects.prefetch_related("actions")
    serializer_class = s.CarePlanSerializer
    filterset_class = CarePlanFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return (
            s.CarePlanUpdateSerializer if self.action == "partial_update" else super().get_serializer_class()
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        with service_errors():
            serializer.instance = services.plan_create(
                household=data["household"],
                user=self.request.user,
                goals=data["goals"],
                review_on=data["review_on"],
                summary=data.get("summary", ""),
            )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = serializer.expected_version(data)
        with service_errors():
            services.plan_update(plan=serializer.instance, user=self.request.user, version=version, **data)

    @extend_schema(request=s.PlanTransitionSerializer, responses=s.CarePlanSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        return run_step(
            self,
            request,
            body_class=s.PlanTransitionSerializer,
            service=services.plan_transition,
            keyword="plan",
            out_class=s.CarePlanSerializer,
        )


class PlanActionViewSet(
    StaffOnlyApiMixin,
    VersionedViewSetMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Actions of care plans; add to a draft plan, ``finish`` (done or cancelled) in a plan in force."""

    queryset = PlanAction.objects.select_related("plan")
    serializer_class = s.PlanActionSerializer
    filterset_class = PlanActionFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        with service_errors():
            serializer.instance = services.action_add(plan=plan, user=self.request.user, **data)

    @extend_schema(request=s.ActionFinishSerializer, responses=s.PlanActionSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        return run_step(
            self,
            request,
            body_class=s.ActionFinishSerializer,
            service=services.action_finish,
            keyword="action",
            out_class=s.PlanActionSerializer,
        )


class CatalogImportViewSet(
    StaffOnlyApiMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Bulk import of the two lists (city admins; anyone else sees none, a 404 for an id).

    ``POST`` multipart ``kind`` (items | providers) and ``file`` (.xlsx): a dry run, answered with
    the preview (row outcomes and errors in plain Chinese); nothing is written. ``POST
    /{id}/confirm/`` imports the previewed rows. ``GET /export/?kind=items`` gives the list as the
    .xlsx the import reads."""

    queryset = CatalogImport.objects.select_related("created_by", "committed_by")
    serializer_class = s.CatalogImportSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, ObjectJSONParser]

    def _admin(self, request):
        if not request.user.is_city_admin:
            raise NotFound

    @extend_schema(request=s.CatalogUploadSerializer, responses=s.CatalogImportSerializer)
    def create(self, request, *args, **kwargs):
        from ..catalog_io import import_check

        self._admin(request)
        body = s.CatalogUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            batch = import_check(
                user=request.user, uploaded_file=body.validated_data["file"], kind=body.validated_data["kind"]
            )
        return Response(s.CatalogImportSerializer(batch).data, status=201)

    @extend_schema(request=None, responses=s.CatalogImportSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        from ..catalog_io import import_commit

        batch = self.get_object()
        with service_errors():
            batch = import_commit(batch=batch, user=request.user)
        return Response(s.CatalogImportSerializer(batch).data)

    @extend_schema(parameters=[s.CatalogExportSerializer], responses={(200, XLSX): bytes})
    @action(detail=False, methods=["get"])
    def export(self, request):
        from ..catalog_io import export_workbook

        self._admin(request)
        query = s.CatalogExportSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        content, _rows = export_workbook(kind=query.validated_data["kind"], user=request.user)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{query.validated_data["kind"]}.xlsx"'
        return response
