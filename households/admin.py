from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from core.models import tasks_follow_households

from .models import AssistanceStatus, Division, Household, Person, PolicyParameter
from .resources import DivisionResource, PolicyParameterResource


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False  # case and reference records are archived, never deleted


@admin.register(Division)
class DivisionAdmin(NoDeleteMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [DivisionResource]
    list_display = ["code", "name", "level", "parent", "is_demo", "is_active"]
    list_filter = ["level", "is_demo", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(PolicyParameter)
class PolicyParameterAdmin(NoDeleteMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [PolicyParameterResource]
    list_display = ["key", "value", "effective_from", "note", "updated_by"]
    list_filter = ["key"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "key":
            from django import forms

            from .policy import choices

            return forms.ChoiceField(choices=choices(), label=db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Household)
class HouseholdAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["id", "code", "town", "community", "status"]
    list_filter = ["status", "town"]
    search_fields = ["code"]
    raw_id_fields = ["community", "grid"]
    list_select_related = ["town", "community"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        tasks_follow_households([obj.pk])  # a household moved here takes its tasks along


@admin.register(Person)
class PersonAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["id", "name", "id_masked", "sex", "birth_date", "relation", "status"]
    list_filter = ["status", "sex", "relation"]
    search_fields = ["name", "name_initials", "id_tail"]
    raw_id_fields = ["household"]
    readonly_fields = ["id_masked", "sex", "birth_date", "phone_masked"]


@admin.register(AssistanceStatus)
class AssistanceStatusAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["person", "kind", "source", "start_date", "end_date"]
    list_filter = ["kind", "source"]
    raw_id_fields = ["person"]
