from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin, VersionedViewSetMixin
from core.drf import AdminOnly, IdCursorPagination
from core.models import Task
from core.serializers import service_errors

from .. import services
from ..filtersets import (
    AlertFilterSet,
    GroupDecisionFilterSet,
    OverrideFilterSet,
    TaskFilterSet,
    VagrantRecordFilterSet,
)
from ..models import Alert, GroupDecision, Override, ScreeningSweep, VagrantRecord
from ..tasks import enqueue_rescreen
from . import serializers as s


class StaffOnlyApiMixin:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(request.user, "is_volunteer", False):
            raise PermissionDenied


class GroupDecisionViewSet(StaffOnlyApiMixin, ScopedReadOnlyViewSet):
    """Group decisions with their evidence. ``?active=true`` for current placements."""

    queryset = GroupDecision.objects.all()
    serializer_class = s.GroupDecisionSerializer
    filterset_class = GroupDecisionFilterSet
    ordering_fields = ["id", "decided_at"]


class OverrideViewSet(
    StaffOnlyApiMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A worker's confirmation or rejection of a decision (POST person, group, verdict, reason)."""

    queryset = Override.objects.select_related("created_by")
    serializer_class = s.OverrideSerializer
    filterset_class = OverrideFilterSet
    ordering_fields = ["id", "created_at"]

    @extend_schema(request=None, responses=s.OverrideSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        with service_errors():
            override = services.override_withdraw(override=self.get_object(), user=request.user)
        return Response(s.OverrideSerializer(override, context={"request": request}).data)


class TaskViewSet(StaffOnlyApiMixin, ScopedReadOnlyViewSet):
    """The caller's task queue (``?queue=mine|unassigned|all``), overdue first."""

    queryset = Task.objects.all()
    serializer_class = s.TaskSerializer
    filterset_class = TaskFilterSet
    ordering_fields = ["id", "due_date"]

    def filter_queryset(self, queryset):
        # The queue filter (default "mine") is for lists; a task in the caller's area opens by id.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=s.TaskCompleteSerializer, responses=s.TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        body = s.TaskCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            task = services.task_complete(
                task=self.get_object(), user=request.user, note=body.validated_data["note"]
            )
        return Response(s.TaskSerializer(task, context={"request": request}).data)

    @extend_schema(request=s.TaskBulkSerializer, responses=s.TaskBulkResultSerializer)
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Confirm or close (with a reason) a selection; any id outside the caller's area: 404, nothing done."""
        body = s.TaskBulkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            n = services.tasks_bulk(
                task_ids=body.validated_data["ids"],
                user=request.user,
                action=body.validated_data["action"],
                reason=body.validated_data["reason"],
            )
        return Response({"processed": n})


class AlertViewSet(
    StaffOnlyApiMixin,
    VersionedViewSetMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Monitoring alerts: create (manual entry), verify, handle."""

    queryset = Alert.objects.all()
    serializer_class = s.AlertSerializer
    filterset_class = AlertFilterSet
    ordering_fields = ["id", "verify_deadline", "created_at"]

    @extend_schema(request=s.AlertVerifySerializer, responses=s.AlertSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        body = s.AlertVerifySerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        with service_errors():
            alert = services.alert_verify(
                alert=self.get_object(), user=request.user, version=body.expected_version(data), **data
            )
        return Response(s.AlertSerializer(alert, context={"request": request}).data)

    @extend_schema(request=s.AlertHandleSerializer, responses=s.AlertSerializer)
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        body = s.AlertHandleSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        with service_errors():
            alert = services.alert_handle(
                alert=self.get_object(), user=request.user, version=body.expected_version(data), **data
            )
        return Response(s.AlertSerializer(alert, context={"request": request}).data)


class VagrantRecordViewSet(StaffOnlyApiMixin, VersionedViewSetMixin, ScopedModelViewSet):
    queryset = VagrantRecord.objects.all()
    serializer_class = s.VagrantRecordSerializer
    filterset_class = VagrantRecordFilterSet
    ordering_fields = ["id", "found_on"]


class ScreeningSweepViewSet(viewsets.ReadOnlyModelViewSet):
    """Passes over everyone (city-wide, admins only). POST ``run/`` starts a full comparison."""

    queryset = ScreeningSweep.objects.all()
    serializer_class = s.ScreeningSweepSerializer
    permission_classes = [AdminOnly]
    pagination_class = IdCursorPagination

    @extend_schema(request=None, responses={202: dict})
    @action(detail=False, methods=["post"])
    def run(self, request):
        job = enqueue_rescreen(everyone=True, full=True, user=request.user, title=_("全员核对筛查（接口）"))
        return Response({"job": job.pk, "status": job.status}, status=status.HTTP_202_ACCEPTED)
