"""Shared API pieces: the same area scoping and role rules as the UI, cursor pagination."""

from rest_framework import permissions, viewsets

from .scoping import CHANGE, VIEW


class ScopedViewSetMixin:
    """Every queryset goes through Model.objects.restrict(user, action): objects outside the
    caller's area are simply not there (404)."""

    def scope_action(self) -> str:
        return VIEW if self.request.method in permissions.SAFE_METHODS else CHANGE

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.restrict(self.request.user, self.scope_action())


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]  # archive, never delete


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
