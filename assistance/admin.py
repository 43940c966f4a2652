from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import CatalogItem, Need, Provider
from .resources import CatalogItemResource, ProviderResource


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False  # deactivate, never delete


@admin.register(Provider)
class ProviderAdmin(NoDeleteMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [ProviderResource]
    list_display = ["name", "kind", "contact_name", "is_active", "is_seed"]
    list_filter = ["kind", "is_active", "is_seed"]
    search_fields = ["name"]


@admin.register(CatalogItem)
class CatalogItemAdmin(NoDeleteMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [CatalogItemResource]
    list_display = ["name", "list_kind", "domain", "provider", "is_active", "is_seed"]
    list_filter = ["list_kind", "domain", "is_active", "is_seed"]
    search_fields = ["name", "code"]


@admin.register(Need)
class NeedAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["household", "domain", "urgency", "status", "recorded_at"]
    list_filter = ["status", "domain", "urgency", "source"]
    raw_id_fields = ["household", "person", "item"]
    readonly_fields = ["status", "met_on", "days_to_meet"]
