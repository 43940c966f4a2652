from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import EmploymentProfile, Placement, Post, Referral, SurveyContact, Training


@admin.register(Post)
class PostAdmin(SimpleHistoryAdmin):
    list_display = ["name", "employer", "town", "capacity", "filled", "tenure_limit_months", "is_active"]
    list_filter = ["is_active", "town"]
    readonly_fields = ["filled"]


@admin.register(Placement)
class PlacementAdmin(SimpleHistoryAdmin):
    list_display = ["person", "post", "start_date", "planned_end", "end_date", "status"]
    list_filter = ["status"]
    raw_id_fields = ["person", "post"]

    def has_add_permission(self, request):
        return False  # seats are counted by the service (employment.services.placement_start)

    def has_change_permission(self, request, obj=None):
        return False


for model in (EmploymentProfile, Training, Referral, SurveyContact):
    admin.site.register(
        model,
        SimpleHistoryAdmin,
        raw_id_fields=["person"] if model is not SurveyContact else ["household", "person"],
    )
