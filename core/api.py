"""Shared API pieces: the same area scoping and role rules as the UI, cursor pagination, and
optimistic concurrency (ETag / If-Match) for versioned records."""

from rest_framework import permissions, status, viewsets
from rest_framework.response import Response

from .concurrency import API_CONFLICT_MESSAGE, EditConflict, parse_version
from .scoping import CHANGE, VIEW


class ScopedViewSetMixin:
    """Every queryset goes through Model.objects.restrict(user, action): objects outside the
    caller's area are simply not there (404)."""

    def scope_action(self) -> str:
        return VIEW if self.request.method in permissions.SAFE_METHODS else CHANGE

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.restrict(self.request.user, self.scope_action())


class VersionedViewSetMixin:
    """HTTP's optimistic concurrency (RFC 9110) for records with a ``version`` (core.concurrency).

    A record's responses carry ``ETag: "<version>"``. ``PUT``/``PATCH`` with ``If-Match`` naming
    another version get 412 before anything is written; a stale ``version`` in the body (or a
    change that lands between the read and the write) gets 409. Both say "此记录已被他人修改"
    and give the current version.
    """

    def _if_match(self) -> int | None:
        header = self.request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            return None
        return parse_version(header.split(",")[0]) or 0  # an unparseable tag matches nothing

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request.method in ("PUT", "PATCH", "POST"):
            context["if_match_version"] = self._if_match()
        return context

    def perform_update(self, serializer):
        # Checked here, not in update(): a viewset without updates (alerts) must not grow a PUT.
        wanted = self._if_match()
        if wanted is not None and wanted != serializer.instance.version:
            raise EditConflict(serializer.instance, wanted)  # 412 (handle_exception)
        super().perform_update(serializer)

    def handle_exception(self, exc):
        if isinstance(exc, EditConflict):
            from_header = self._if_match() is not None
            code = status.HTTP_412_PRECONDITION_FAILED if from_header else status.HTTP_409_CONFLICT
            return self._conflict(exc.current, code)
        return super().handle_exception(exc)

    def _conflict(self, current: int, code: int) -> Response:
        response = Response({"detail": str(API_CONFLICT_MESSAGE), "version": current}, status=code)
        response["ETag"] = f'"{current}"'
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.detail_with_version(response):
            response["ETag"] = f'"{response.data["version"]}"'
        return response

    def detail_with_version(self, response) -> bool:
        return (
            getattr(self, "action", None) in ("retrieve", "update", "partial_update")
            and response.status_code < 300
            and isinstance(getattr(response, "data", None), dict)
            and "version" in response.data
        )


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]  # archive, never delete


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
