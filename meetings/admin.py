from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Department, JointCase, Liaison, Meeting, ResolutionTask


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False  # case records are never deleted; departments and liaisons are deactivated


@admin.register(Department)
class DepartmentAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["name", "short_name", "code", "sort", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "short_name"]


@admin.register(Liaison)
class LiaisonAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["user", "department", "is_active"]
    list_filter = ["department", "is_active"]
    autocomplete_fields = ["user"]


@admin.register(Meeting)
class MeetingAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["title", "held_on", "status"]
    list_filter = ["status"]
    readonly_fields = ["status", "version"]


@admin.register(JointCase)
class JointCaseAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["household", "needs", "meeting"]
    readonly_fields = ["status", "version"]


@admin.register(ResolutionTask)
class ResolutionTaskAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "department", "deadline", "status"]
    list_filter = ["status", "department"]
    raw_id_fields = ["case", "meeting"]
    readonly_fields = ["status", "version"]
