from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Alert, GroupDecision, Override, ScreeningSweep, VagrantRecord


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False  # case records are ended or closed, never deleted


@admin.register(GroupDecision)
class GroupDecisionAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["person", "group", "tier", "active", "decided_at", "ended_at", "rule_version"]
    list_filter = ["group", "tier", "active", "rule_version"]
    raw_id_fields = ["person"]

    def has_add_permission(self, request):
        return False  # decisions come from the screening engine

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Override)
class OverrideAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["person", "group", "verdict", "active", "created_by", "created_at"]
    list_filter = ["group", "verdict", "active"]
    raw_id_fields = ["person", "decision", "created_by"]


@admin.register(Alert)
class AlertAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["person", "kind", "town", "status", "verify_deadline", "outcome", "created_at"]
    list_filter = ["kind", "status", "outcome", "source"]
    raw_id_fields = ["person", "verified_by", "handled_by", "created_by"]


@admin.register(VagrantRecord)
class VagrantRecordAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "source", "found_on", "town", "tracing_status", "outcome", "status"]
    list_filter = ["source", "tracing_status", "outcome", "status"]
    raw_id_fields = ["person", "created_by"]


@admin.register(ScreeningSweep)
class ScreeningSweepAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["on", "mode", "reason", "households", "changed", "seconds", "finished_at"]
    list_filter = ["mode"]

    def has_add_permission(self, request):
        return False  # written by the screening engine

    def has_change_permission(self, request, obj=None):
        return False
