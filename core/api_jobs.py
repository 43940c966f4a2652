"""Jobs API: list and read jobs (admins: all, others: their own); admins retry or cancel them."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from . import jobs
from .drf import IdCursorPagination
from .models import Job


class JobSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True)
    percent = serializers.IntegerField(read_only=True)
    is_stuck = serializers.BooleanField(read_only=True)
    created_by = serializers.SerializerMethodField()

    def get_created_by(self, job) -> str | None:
        return str(job.created_by) if job.created_by_id else None  # system jobs have no author

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "status",
            "is_stuck",
            "percent",
            "done",
            "total",
            "message",
            "result",
            "error",
            "attempts",
            "heartbeat_at",
            "dispatched_at",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if data["error"] and not (request and request.user.is_city_admin):
            data["error"] = _("任务失败，请联系系统管理员。")  # raw error text is for admins only
        return data


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """Background jobs. ``?status=failed`` / ``?stuck=true`` list the ones to act on."""

    serializer_class = JobSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = IdCursorPagination

    def get_queryset(self):
        queryset = Job.objects.restrict(self.request.user).select_related("created_by")
        if self.request.query_params.get("status") in Job.Status.values:
            queryset = queryset.filter(status=self.request.query_params["status"])
        if self.request.query_params.get("stuck") == "true":
            queryset = queryset.filter(jobs.stale_q())
        return queryset

    def _act(self, request, service):
        if not request.user.is_city_admin:
            raise NotFound
        job = self.get_object()
        try:
            job = service(job=job, user=request.user)
        except ValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(job).data)

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Run a failed, cancelled or stuck job again (admins). 409 if it may not be retried."""
        return self._act(request, jobs.job_retry)

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a queued or stuck job (admins). 409 if it may not be cancelled."""
        return self._act(request, jobs.job_cancel)


router = SimpleRouter()
router.register("jobs", JobViewSet, basename="job")
