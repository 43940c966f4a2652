from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..formats import ALLOWED_EXTENSIONS
from ..forms import max_upload_bytes
from ..models import IMPORT_SOURCES, ImportBatch, ImportRowError


class ImportRowErrorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRowError
        fields = ["row", "code", "field", "message", "severity", "values"]


class JobProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    percent = serializers.IntegerField()
    message = serializers.CharField()


class ImportBatchSerializer(serializers.ModelSerializer):
    created_by = serializers.StringRelatedField()
    job = JobProgressSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "source",
            "file_name",
            "sha256",
            "size",
            "file_format",
            "encoding",
            "snapshot_date",
            "status",
            "dry_run",
            "summary",
            "preview",
            "header_row",
            "error_code",
            "message",
            "duration",
            "job",
            "created_by",
            "created_at",
            "checked_at",
            "committed_at",
        ]
        read_only_fields = fields


class ImportBatchUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    source = serializers.ChoiceField(choices=IMPORT_SOURCES)
    snapshot_date = serializers.DateField(required=False, allow_null=True)
    commit = serializers.BooleanField(
        default=False, help_text=_("为 true 时校验后直接导入（有被拒绝的行也导入其余的行）")
    )

    def validate_file(self, upload):
        if not upload.name.lower().endswith(ALLOWED_EXTENSIONS):
            raise serializers.ValidationError(_("不支持的文件格式：请上传 .xlsx、.xls 或 .csv 文件。"))
        if upload.size == 0:
            raise serializers.ValidationError(_("文件是空的。"))
        if upload.size > max_upload_bytes():
            raise serializers.ValidationError(_("文件太大。"))
        return upload
