from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "role", "division", "is_active", "last_login"]
    list_filter = ["role", "is_active", "division__level"]
    search_fields = ["username", "first_name", "last_name", "division__name"]
    autocomplete_fields = ["division"]
    fieldsets = [
        *BaseUserAdmin.fieldsets[:1],
        (_("角色与区域"), {"fields": ["role", "division", "phone"]}),
        *BaseUserAdmin.fieldsets[1:],
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2", "role", "division"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead; history and reveal logs point at users
