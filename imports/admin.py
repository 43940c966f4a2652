from django.contrib import admin

from .models import ImportBatch, SnapshotMember


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "file_name", "source", "status", "created_by", "created_at", "duration"]
    list_filter = ["source", "status"]
    search_fields = ["file_name", "sha256"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False  # batches come from the upload page, the API or the command line

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SnapshotMember)
class SnapshotMemberAdmin(admin.ModelAdmin):
    list_display = ["source", "person", "batch"]
    list_filter = ["source"]
    raw_id_fields = ["person", "batch"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # snapshot membership decides exits; only imports write it
