"""DRF settings classes (kept apart from viewsets: DRF imports these while loading its views)."""

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.pagination import CursorPagination, _positive_int
from rest_framework.parsers import JSONParser

from .idnumber import IdNumberError


class RolePermission(permissions.IsAuthenticated):
    """Reads need a login; writes need a role that may write. Area is enforced by the queryset."""

    message = "您的角色没有修改权限。"

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        parse_body_now(request)
        return bool(request.user.can_write)


class AdminOnly(permissions.IsAuthenticated):
    message = "仅系统管理员可以执行此操作。"

    def has_permission(self, request, view):
        if not (super().has_permission(request, view) and request.user.is_city_admin):
            return False
        if request.method not in permissions.SAFE_METHODS:
            parse_body_now(request)
        return True


def parse_body_now(request) -> None:
    """DRF parses a body only when a view reads it: an action that takes none would accept any.
    Reading it here applies the parser's rules (ObjectJSONParser) to every write."""
    request.data  # noqa: B018


class ObjectJSONParser(JSONParser):
    """Every body of this API is a JSON object: an array, a string or a number is refused as a
    whole (it was accepted by actions that take no body, and reached serializers as a list)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise exceptions.ParseError(_("请求体必须是 JSON 对象。"))
        return data


class IdCursorPagination(CursorPagination):
    """Keyset pagination: page 10,000 costs the same as page 1 (no OFFSET, no COUNT)."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_cursor_message = _("翻页游标无效，请从第一页重新开始。")

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """A cursor is client input: a position that is not a value of the ordering column (a
        word for an id, a number for a date, an id past the column's range) is refused here
        instead of failing inside the database query."""
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        try:
            field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
            field.run_validators(field.to_python(cursor.position))
        except (FieldDoesNotExist, DjangoValidationError, ValueError, TypeError, OverflowError):
            raise exceptions.NotFound(self.invalid_cursor_message) from None
        return cursor

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            return _positive_int(raw, strict=True, cutoff=self.max_page_size)
        except (TypeError, ValueError):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("每页条数必须是正整数。")]}
            ) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def get_ordering(self, request, queryset, view):
        """Add id as a tie-breaker: with ?ordering= on a non-unique column (birth date, name),
        rows sharing a value came back in any order, so pages repeated some and skipped others."""
        ordering = tuple(super().get_ordering(request, queryset, view))
        if ordering[0].lstrip("-") not in ("id", "pk"):
            ordering += ("-id" if ordering[0].startswith("-") else "id",)
        return ordering


def exception_handler(exc, context):
    """Errors our domain code raises become the 400 a form would show, never a 500."""
    from rest_framework.views import exception_handler as drf_exception_handler  # DRF imports us

    if isinstance(exc, IdNumberError):
        exc = exceptions.ValidationError({"id_number": [exc.message]})
    elif isinstance(exc, DjangoValidationError):
        from .serializers import as_drf_error

        exc = as_drf_error(exc)
    return drf_exception_handler(exc, context)
