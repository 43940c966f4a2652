"""DRF settings classes (kept apart from viewsets: DRF imports these while loading its views)."""

from rest_framework import permissions
from rest_framework.pagination import CursorPagination


class RolePermission(permissions.IsAuthenticated):
    """Reads need a login; writes need a role that may write. Area is enforced by the queryset."""

    message = "您的角色没有修改权限。"

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user.can_write)


class AdminOnly(permissions.IsAuthenticated):
    message = "仅系统管理员可以执行此操作。"

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.is_city_admin


class IdCursorPagination(CursorPagination):
    """Keyset pagination: page 10,000 costs the same as page 1 (no OFFSET, no COUNT)."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request, queryset, view):
        """Add id as a tie-breaker: with ?ordering= on a non-unique column (birth date, name),
        rows sharing a value came back in any order, so pages repeated some and skipped others."""
        ordering = tuple(super().get_ordering(request, queryset, view))
        if ordering[0].lstrip("-") not in ("id", "pk"):
            ordering += ("-id" if ordering[0].startswith("-") else "id",)
        return ordering
