from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments.api.views import StaffOnlyApiMixin
from core.api import ScopedViewSetMixin, VersionedViewSetMixin
from core.drf import parse_body_now
from core.serializers import service_errors

from .. import services
from ..filtersets import DepartmentFilterSet, JointCaseFilterSet, MeetingFilterSet, ResolutionTaskFilterSet
from ..models import Department, JointCase, Meeting, ResolutionTask
from . import serializers as s


class ServicePermission(permissions.IsAuthenticated):
    """Any signed-in staff user may call; the services decide who may make each step (the
    secretariat and liaisons write meeting records although they may not write households)."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method not in permissions.SAFE_METHODS:
            parse_body_now(request)
        return True


class _Base(StaffOnlyApiMixin, ScopedViewSetMixin, VersionedViewSetMixin):
    permission_classes = [ServicePermission]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _expected(self, data: dict) -> int | None:
        """The version a step was taken from: If-Match (412 when stale), else ``version`` (409)."""
        header = self._if_match()
        body = data.pop("version", None)
        return header if header is not None else body


class JointCaseViewSet(
    _Base,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Joint-meeting cases. Create (escalate) with household, needs and summary; ``transition``
    endorses, returns, resubmits or withdraws; ``schedule`` / ``unschedule`` (secretariat)."""

    queryset = JointCase.objects.select_related("household", "meeting").prefetch_related(
        "needs", "household__members"
    )
    serializer_class = s.JointCaseSerializer
    filterset_class = JointCaseFilterSet

    @extend_schema(request=s.CaseTransitionSerializer, responses=s.JointCaseSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        case = self.get_object()
        body = s.CaseTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        expected = self._expected(data)
        with service_errors():
            services.case_transition(case=case, user=request.user, expected_version=expected, **data)
        return Response(s.JointCaseSerializer(case, context={"request": request}).data)

    @extend_schema(request=s.ScheduleSerializer, responses=s.JointCaseSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        case = self.get_object()
        body = s.ScheduleSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        with service_errors():
            services.case_schedule(case=case, meeting=body.validated_data["meeting"], user=request.user)
        return Response(s.JointCaseSerializer(case, context={"request": request}).data)

    @extend_schema(request=None, responses=s.JointCaseSerializer)
    @action(detail=True, methods=["post"])
    def unschedule(self, request, pk=None):
        case = self.get_object()
        with service_errors():
            services.case_unschedule(case=case, user=request.user)
        return Response(s.JointCaseSerializer(case, context={"request": request}).data)


class MeetingViewSet(
    _Base,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Joint meetings (secretariat writes): date, place, departments, attendees, minutes;
    ``transition`` to held or cancelled."""

    queryset = Meeting.objects.prefetch_related("departments")
    serializer_class = s.MeetingSerializer
    filterset_class = MeetingFilterSet

    @extend_schema(request=s.MeetingTransitionSerializer, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        meeting = self.get_object()
        body = s.MeetingTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        expected = self._expected(dict(body.validated_data))
        with service_errors():
            services.meeting_transition(
                meeting=meeting, to=body.validated_data["to"], user=request.user, expected_version=expected
            )
        return Response(s.MeetingSerializer(meeting, context={"request": request}).data)


class ResolutionTaskViewSet(
    _Base, mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Resolution tasks with their progress reports. Create (secretariat) with case, department,
    action and deadline; ``report`` (the department's liaison) with status and text."""

    queryset = ResolutionTask.objects.select_related("department").prefetch_related("reports__reported_by")
    serializer_class = s.ResolutionTaskSerializer
    filterset_class = ResolutionTaskFilterSet

    @extend_schema(request=s.ReportSerializer, responses=s.ResolutionTaskSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        task = self.get_object()
        body = s.ReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        header = self._if_match()
        with service_errors():
            services.task_report(
                task=task,
                user=request.user,
                text=data["text"],
                status=data["status"],
                expected_version=header if header is not None else data.get("version"),
            )
        task.refresh_from_db()
        return Response(s.ResolutionTaskSerializer(task, context={"request": request}).data)


class DepartmentViewSet(StaffOnlyApiMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The joint meeting's member departments (reference data)."""

    queryset = Department.objects.order_by("id")
    serializer_class = s.DepartmentSerializer
    filterset_class = DepartmentFilterSet
