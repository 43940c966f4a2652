from django.contrib import admin

from .models import Job, RevealLog, Task


@admin.register(RevealLog)
class RevealLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "person", "context", "field", "channel", "ip_address"]
    list_filter = ["field", "channel"]
    raw_id_fields = ["person", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "title", "status", "done", "total", "created_by", "finished_at"]
    list_filter = ["kind", "status"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "assignee", "due_date", "status"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["household", "person", "assignee", "completed_by"]

    def has_delete_permission(self, request, obj=None):
        return False
