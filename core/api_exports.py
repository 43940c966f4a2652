"""API for exports: start one (the same list views, access checks and filters as the pages), read
its record and download its file; admins list every export."""

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .export_services import XLSX, export_file, export_via_api, file_label, keep_file
from .models import ExportLog, Job
from .serializers import service_errors


class ExportLogSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    download_url = serializers.SerializerMethodField()
    job = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )  # SET_NULL; direct exports have none

    class Meta:
        model = ExportLog
        fields = [
            "id",
            "user",
            "list_name",
            "title",
            "description",
            "reveal",
            "row_count",
            "revealed_count",
            "status",
            "status_display",
            "job",
            "created_at",
            "finished_at",
            "download_url",
        ]

    def get_download_url(self, export) -> str | None:
        request = self.context.get("request")
        if export.status != Job.Status.SUCCEEDED or request is None or export.user_id != request.user.pk:
            return None
        return reverse("api-export-download", args=[export.pk])


class ExportCreateSerializer(serializers.Serializer):
    list = serializers.CharField(help_text="列表页的 URL 名称，例如 households:person-list")
    query = serializers.CharField(required=False, allow_blank=True, default="", help_text="列表的筛选参数")
    reveal = serializers.BooleanField(required=False, default=False)


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ExportLogSerializer
    queryset = ExportLog.objects.select_related("user")
    # Exporting reads: read-only roles may export what they may see (the list view decides).
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user)

    @extend_schema(request=ExportCreateSerializer, responses={201: ExportLogSerializer})
    def create(self, request):
        data = ExportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            export = export_via_api(
                request=request,
                list_name=data.validated_data["list"],
                query=data.validated_data["query"],
                reveal=data.validated_data["reveal"],
            )
        content = getattr(export, "content", None)
        if content is not None:
            # A small export is written at once: keep its file for the API caller to download.
            keep_file(export, content)
        export = ExportLog.objects.select_related("user").get(pk=export.pk)
        return Response(self.get_serializer(export).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, url_path="download", url_name="download")
    def download(self, request, pk=None):
        export = self.get_object()
        path = export_file(export) if export.user_id == request.user.pk else None
        if path is None:
            raise Http404
        return FileResponse(path.open("rb"), as_attachment=True, filename=file_label(export))
