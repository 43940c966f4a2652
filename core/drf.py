"""DRF settings classes (kept apart from viewsets: DRF imports these while loading its views)."""

import json
import math
import re

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.pagination import BasePagination, CursorPagination, _positive_int
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .idnumber import IdNumberError
from .pagination import CURSOR_KEYS, keyset_fields, keyset_links, keyset_page


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


JSON_MAX_DEPTH = 32  # our deepest legitimate body is an object holding a list of ids (depth 2)


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("请求体过大，请分批提交。")
    default_code = "payload_too_large"


class ObjectJSONParser(JSONParser):
    """Every body of this API is a JSON object: an array, a string or a number is refused as a
    whole (it was accepted by actions that take no body, and reached serializers as a list).

    Hostile bodies are refused here with a Chinese 400, before any serializer or database sees
    them: more than ``JSON_MAX_DEPTH`` levels (a deep one was a RecursionError, a 500), a lone
    surrogate (\\ud800: not encodable, so it failed later in the database or the renderer), a NUL
    character (PostgreSQL text refuses it: a 500 on any field a serializer does not check),
    Infinity-sized numbers. The body is read with a cap (``API_JSON_MAX_BYTES``): DRF reads the
    stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE never applies to JSON.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        text = self._read(stream, parser_context or {})
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise exceptions.ParseError(_too_deep()) from None
        except ValueError as error:  # also the 4,300-digit integer limit
            raise exceptions.ParseError(_("请求体不是有效的 JSON：%(e)s") % {"e": error}) from None
        if not isinstance(data, dict):
            raise exceptions.ParseError(_("请求体必须是 JSON 对象。"))
        check_json_values(data)
        return data

    @staticmethod
    def _read(stream, parser_context) -> str:
        if stream is None:
            return ""
        limit = getattr(settings, "API_JSON_MAX_BYTES", 1024 * 1024)
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge
        try:
            return raw.decode(parser_context.get("encoding") or settings.DEFAULT_CHARSET)
        except (UnicodeDecodeError, LookupError):
            raise exceptions.ParseError(_("请求体不是有效的 UTF-8 文本。")) from None


def _refuse_constant(name):
    raise ValueError(f"{name} 不是有效的数值")


def _too_deep() -> str:
    return _("请求体嵌套层数过多（最多 %(n)s 层）。") % {"n": JSON_MAX_DEPTH}


def check_json_values(data) -> None:
    """Walk a decoded body without recursion; a ParseError names the first bad value's path."""
    stack = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, dict | list):
            if depth > JSON_MAX_DEPTH:
                raise exceptions.ParseError(_too_deep())
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in items:
                if isinstance(key, str):
                    _check_text(key, path)
                stack.append((child, depth + 1, f"{path}.{key}" if path else str(key)))
        elif isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, float) and not math.isfinite(value):
            raise exceptions.ParseError(_("%(path)s：数值超出范围。") % {"path": path or _("请求体")})


def _check_text(text: str, path: str) -> None:
    if "\x00" in text:
        raise exceptions.ParseError(
            _("%(path)s：不能包含空字符（\\u0000）。") % {"path": path or _("请求体")}
        )
    if LONE_SURROGATE.search(text):
        raise exceptions.ParseError(
            _("%(path)s：包含无效的 Unicode 字符（不成对的代理字符）。") % {"path": path or _("请求体")}
        )


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class PageSizeMixin:
    page_size_query_param = "page_size"
    max_page_size = 500

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


class IdCursorPagination(PageSizeMixin, CursorPagination):
    """Keyset pagination: page 10,000 costs the same as page 1 (no OFFSET, no COUNT)."""

    ordering = "-id"
    page_size = 50
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


class KeysetPagination(PageSizeMixin, BasePagination):
    """Keyset pages in the queryset's own order (plain columns ending with the pk, as
    core.pagination.keyset_fields reads it): ``?after=`` / ``?before=`` cursors, next and previous
    links, no COUNT. For lists ordered by something other than the id (a queue by due date);
    the view names nullable sort columns its filters make non-null (``keyset_not_null``)."""

    page_size = 50
    invalid_cursor_message = IdCursorPagination.invalid_cursor_message

    def paginate_queryset(self, queryset, request, view=None):
        not_null = view.keyset_not_null() if hasattr(view, "keyset_not_null") else ()
        keys = keyset_fields(queryset, not_null)
        if keys is None:
            raise exceptions.NotFound(self.invalid_cursor_message)
        after, before = (request.query_params.get(k) or None for k in CURSOR_KEYS)
        page = keyset_page(
            queryset,
            keys,
            size=self.get_page_size(request),
            after=after,
            before=None if after else before,
            paginator=None,
        )
        if page is None:
            raise exceptions.NotFound(self.invalid_cursor_message)
        url = request.build_absolute_uri()
        for key in CURSOR_KEYS:
            url = remove_query_param(url, key)

        def link(**cursor):
            ((key, value),) = cursor.items()
            return replace_query_param(url, key, value)

        self.previous, self.next = keyset_links(page, keys, link)
        return list(page)

    def get_paginated_response(self, data):
        return Response({"next": self.next or None, "previous": self.previous or None, "results": data})

    def get_paginated_response_schema(self, schema):
        nullable_uri = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": nullable_uri, "previous": nullable_uri, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        cursor = {"required": False, "in": "query", "schema": {"type": "string"}}
        return [
            {"name": "after", "description": "下一页游标", **cursor},
            {"name": "before", "description": "上一页游标", **cursor},
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


def exception_handler(exc, context):
    """Errors our domain code raises become the 400 a form would show, never a 500."""
    from rest_framework.views import exception_handler as drf_exception_handler  # DRF imports us

    if isinstance(exc, IdNumberError):
        exc = exceptions.ValidationError({"id_number": [exc.message]})
    elif isinstance(exc, DjangoValidationError):
        from .serializers import as_drf_error

        exc = as_drf_error(exc)
    return drf_exception_handler(exc, context)
