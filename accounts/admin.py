from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Admins see every token (never a key: only its hash is stored) and may revoke them."""

    list_display = ["prefix", "user", "name", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_reason"]
    search_fields = ["user__username", "prefix", "name"]
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "key_hash"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are made with POST /api/token/

    def has_delete_permission(self, request, obj=None):
        return False  # revoked tokens stay as a record

    @admin.action(description=_("撤销所选令牌"))
    def revoke(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=ApiToken.RevokedReason.USER
        )
        self.message_user(request, _("已撤销 %(count)s 个令牌。") % {"count": count})
