from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Pairing, Team, TeamMember


class MemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    can_delete = False  # members leave a team (is_active), they are not deleted
    raw_id_fields = ["user"]


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "division", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [MemberInline]
    raw_id_fields = ["division"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Pairing)
class PairingAdmin(SimpleHistoryAdmin):
    list_display = ["team", "household", "started_on", "ended_on"]
    raw_id_fields = ["team", "household"]

    def has_delete_permission(self, request, obj=None):
        return False
