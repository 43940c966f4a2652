from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Activity, Pairing, Team, TeamMember, Visit, VisitFrequency
from .resources import MemberResource, TeamResource


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False  # members leave, pairings end, teams are switched off: nothing is deleted


class MemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    can_delete = False
    raw_id_fields = ["user"]
    fields = ["name", "member_type", "phone_masked", "user", "is_active"]
    readonly_fields = ["phone_masked"]


@admin.register(Team)
class TeamAdmin(NoDeleteMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [TeamResource]
    list_display = ["name", "division", "team_type", "is_active"]
    list_filter = ["is_active", "team_type"]
    search_fields = ["name"]
    inlines = [MemberInline]
    raw_id_fields = ["division", "responsible"]


@admin.register(TeamMember)
class MemberAdmin(NoDeleteMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [MemberResource]
    list_display = ["name", "team", "member_type", "phone_masked", "is_active"]
    list_filter = ["member_type", "is_active"]
    search_fields = ["name", "team__name"]
    raw_id_fields = ["team", "user"]
    readonly_fields = ["phone_masked"]


@admin.register(Pairing)
class PairingAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["team", "household", "member", "started_on", "ended_on"]
    raw_id_fields = ["team", "household", "member"]


@admin.register(VisitFrequency)
class FrequencyAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["group", "tier", "interval_days", "effective_from", "note"]
    list_filter = ["group", "tier"]

    def save_model(self, request, obj, form, change):
        from .services import frequency_save

        frequency_save(user=request.user, frequency=obj)  # every due date may move


@admin.register(Visit)
class VisitAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["household", "visited_on", "method", "team"]
    list_filter = ["method"]
    raw_id_fields = ["household", "team", "need", "members", "users", "recorded_by"]
    date_hierarchy = "visited_on"


@admin.register(Activity)
class ActivityAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["title", "kind", "held_on", "community"]
    list_filter = ["kind"]
    raw_id_fields = ["community", "organiser_team", "organiser_provider", "participants", "recorded_by"]
