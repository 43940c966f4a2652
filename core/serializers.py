from contextlib import contextmanager
from functools import cache

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import privacy
from .validators import plausible_date


@contextmanager
def service_errors():
    """Around a service call from the API: its Django ValidationError becomes DRF's (a 400 with
    the same field errors the forms show)."""
    try:
        yield
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


def as_drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(
            {("non_field_errors" if k == "__all__" else k): v for k, v in error.message_dict.items()}
        )
    return serializers.ValidationError({"non_field_errors": error.messages})


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice column stored as "" while unset: shown as null (declared nullable in the schema)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)

    def to_internal_value(self, data):
        return "" if data is None else super().to_internal_value(data)


class NullAsBlankMixin:
    """On a ModelSerializer, the care half's rules for client input a model field would let by:

    - ``null`` for a text or choice column that may be blank but not NULL is stored as "" (what a
      cleared form field stores), not refused, and never a NOT NULL IntegrityError (the 500 a
      field declared ``allow_null`` without this gave);
    - a date is between 1900 and ten years ahead (core.validators.plausible_date).
    """

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name in getattr(self.Meta, "read_only_fields", ()):
            return field_class, kwargs
        text = isinstance(model_field, models.CharField | models.TextField)
        if text and model_field.blank and not model_field.null and kwargs.get("allow_blank"):
            field_class = _null_as_blank(field_class)
            kwargs["allow_null"] = True
        if isinstance(model_field, models.DateField) and not isinstance(model_field, models.DateTimeField):
            kwargs["validators"] = [*kwargs.get("validators", []), plausible_date]
        return field_class, kwargs


class PlausibleDateField(serializers.DateField):
    """A date in a body that is not a model field (a step's end date, a review date)."""

    def __init__(self, **kwargs):
        kwargs["validators"] = [*kwargs.get("validators", []), plausible_date]
        super().__init__(**kwargs)


class _NullAsBlankField:
    def validate_empty_values(self, data):
        if data is None:
            return True, ""  # as CharField returns "" for "" (no validators run on it)
        return super().validate_empty_values(data)


@cache
def _null_as_blank(field_class):
    return type(f"NullAsBlank{field_class.__name__}", (_NullAsBlankField, field_class), {})


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related-object field whose choices go through restrict(user, action)."""

    def __init__(self, *, action: str = "change", filters: dict | None = None, **kwargs):
        self.scope_action = action
        self.extra_filters = filters or {}
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        queryset = super().get_queryset()
        user = getattr(request, "user", None)
        return queryset.restrict(user, self.scope_action).filter(**self.extra_filters)


class PrivacyFieldsMixin:
    """Leave out the fields that rebuild an ID number (core.privacy) for a caller who may not
    reveal ID numbers: the API then never returns a full birth date to them, only the age.

    Fields are dropped, not blanked, so nothing is left to combine. The OpenAPI schema (no request)
    still lists every field.
    """

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and not privacy.may_see_birth_date(request.user):
            for name in privacy.ID_REBUILDING_FIELDS:
                fields.pop(name, None)
        return fields


class VersionedSerializerMixin(serializers.Serializer):
    """A ``version`` field: read it with the record, send it back with a change (core.concurrency).

    A stale version is refused with 409 (412 when it came as ``If-Match``); leaving it out
    writes over whatever version is current, as before.
    """

    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("记录的版本号。修改时一并提交（或使用 If-Match 请求头）：若他人已修改，返回 409/412。"),
    )

    def expected_version(self, validated_data: dict) -> int | None:
        body = validated_data.pop("version", None)
        header = self.context.get("if_match_version")
        return header if header is not None else body
