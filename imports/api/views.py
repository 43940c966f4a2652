"""Roster import API: upload (multipart), poll the batch, fetch its errors, confirm it."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.drf import AdminOnly

from .. import services
from ..models import ImportBatch, ImportRowError
from . import serializers as s


class ErrorPagination(PageNumberPagination):
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000


class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Import batches. POST a file to check it (dry run); POST .../commit/ to import it."""

    permission_classes = [AdminOnly]
    serializer_class = s.ImportBatchSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return ImportBatch.objects.restrict(self.request.user).select_related("created_by", "job")

    @extend_schema(request=s.ImportBatchUploadSerializer, responses={201: s.ImportBatchSerializer})
    def create(self, request, *args, **kwargs):
        upload = s.ImportBatchUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            batch = services.batch_create(
                user=request.user,
                uploaded_file=data["file"],
                source=data["source"],
                snapshot_date=data.get("snapshot_date"),
            )
            batch = services.batch_start(
                batch=batch, user=request.user, commit=False, then_commit=data["commit"]
            )
        except ValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_400_BAD_REQUEST)
        batch = self.get_queryset().get(pk=batch.pk)
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.ImportBatchSerializer)
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        batch = self.get_object()
        try:
            services.batch_start(batch=batch, user=request.user, commit=True)
        except ValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(self.get_queryset().get(pk=batch.pk)).data)

    @extend_schema(responses=s.ImportRowErrorSerializer(many=True))
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        """Rejected rows (?severity=warning for the warnings), in row order, paginated (?page=)."""
        batch = self.get_object()
        severity = request.query_params.get("severity", ImportRowError.Severity.ERROR)
        if severity not in ImportRowError.Severity.values:
            severity = ImportRowError.Severity.ERROR
        queryset = batch.issues.filter(severity=severity).order_by("row", "id")
        paginator = ErrorPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(s.ImportRowErrorSerializer(page, many=True).data)
