"""Excel export of any list page, with the page's own filters, scoping and access checks.

A list view becomes exportable by mixing in ``ExportMixin`` and declaring its columns
(``export_columns = Columns(...)``, usually kept in the app's ``exports.py``). The export button
POSTs to the list URL itself, with the filters in the query string, so the view's own access
checks (dispatch), scoping (restrict) and filters (its FilterSet) decide which rows are written.

Personal data:

- ID numbers and phones are masked unless the user may reveal them AND asked for them in clear;
  then every clear value is logged in core's reveal log (channel "export", linked to the export).
- A file with masked IDs gives the age, never the full birth date: masked ID + birth date rebuild
  the ID number. (The birth date is shown only next to a clear, logged ID.)
- Filter values are written to the export log in plain words, with long digit runs masked.

Small exports are answered at once; larger ones run as a background job (core's Job) whose page
polls a progress bar and offers the file to the user who asked for it.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, QueryDict
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .excel import ExcelWriter

YES, NO = gettext_lazy("是"), gettext_lazy("否")


def age_on(birth_date: dt.date | None, day: dt.date) -> int | None:
    """Whole years on ``day``: what a user who may not reveal an ID sees instead of a birth date.

    (Helper "volunteer" publishes a shared one; the lead unifies them on merge.)"""
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


_DIGIT_RUN = re.compile(r"[0-9０-９]{6,}[0-9０-９Xx]?")


def mask_digits(text: str) -> str:
    """Mask runs of 6+ digits (ID numbers, phones) except their last four."""
    return _DIGIT_RUN.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)


# ---------------------------------------------------------------------------------------------
# Columns


@dataclass
class Context:
    """What a column needs to know about this export."""

    user: object
    reveal: bool
    today: dt.date
    revealed: list  # (person_id, field) pairs written in clear, for the reveal log
    labels: dict = dataclasses.field(
        default_factory=dict
    )  # per column: its choice labels in this export's language


def _resolve(obj, path: str):
    for part in path.split(".") if path else ():
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


def _field(model, path: str):
    """The model field at the end of a dotted path, or None."""
    field = None
    for part in path.split("."):
        try:
            field = model._meta.get_field(part)
        except Exception:  # noqa: BLE001 - a property, not a field
            return None
        model = field.related_model
    return field


def plain(value):
    """A cell value in plain words: labels for booleans and records, dates as dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(YES if value else NO)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, dt.date | int | float | Decimal):
        return value
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


class Column:
    """A model attribute by dotted path; choices show their label, records their name.

    ``label`` defaults to the field's verbose name; ``value`` (obj -> value) replaces the lookup.
    """

    def __init__(self, path: str = "", label=None, value: Callable | None = None):
        self.path, self.label, self.value_of = path, label, value

    def bind(self, model) -> "Column":
        field = _field(model, self.path) if self.path else None
        if self.label is None:
            self.label = field.verbose_name if field is not None else self.path
        self.choices = None
        if field is not None and field.choices and self.value_of is None:
            self.choices = dict(field.flatchoices)
        return self

    def header(self, ctx: Context) -> str:
        return str(self.label)

    def value(self, obj, ctx: Context):
        if self.value_of is not None:
            return plain(self.value_of(obj))
        raw = _resolve(obj, self.path)
        if self.choices is not None:
            labels = ctx.labels.get(id(self))
            if labels is None:  # translate the labels once per export, not once per cell
                labels = ctx.labels[id(self)] = {k: str(v) for k, v in self.choices.items()}
            return labels.get(raw, raw if raw not in (None, "") else "")
        return plain(raw)


class _PersonColumn(Column):
    """A column about a person found at ``path`` ("" = the row itself), or by a function of the row."""

    def person(self, obj):
        return self.path(obj) if callable(self.path) else _resolve(obj, self.path)


class IdNumberColumn(_PersonColumn):
    def header(self, ctx):
        return str(self.label or _("身份证号码"))

    def bind(self, model):
        return self

    def value(self, obj, ctx):
        person = self.person(obj)
        if person is None:
            return ""
        if ctx.reveal:
            ctx.revealed.append((person.pk, "id_number"))
            return person.id_number
        return person.id_masked


class PhoneColumn(_PersonColumn):
    def header(self, ctx):
        return str(self.label or _("联系电话"))

    def bind(self, model):
        return self

    def value(self, obj, ctx):
        person = self.person(obj)
        if person is None or not person.phone_masked:
            return ""
        if ctx.reveal:
            ctx.revealed.append((person.pk, "phone"))
            return person.phone
        return person.phone_masked


class BirthDateColumn(_PersonColumn):
    """The birth date next to a clear (logged) ID number; the age otherwise."""

    def header(self, ctx):
        return _("出生日期") if ctx.reveal else _("年龄")

    def bind(self, model):
        return self

    def value(self, obj, ctx):
        person = self.person(obj)
        if person is None:
            return ""
        return person.birth_date if ctx.reveal else age_on(person.birth_date, ctx.today)


class Columns:
    """A list's columns plus the related rows they read (select/prefetch, to keep queries flat)."""

    def __init__(self, *columns: Column, select_related=(), prefetch_related=()):
        self.columns = columns
        self.select_related = tuple(select_related)
        self.prefetch_related = tuple(prefetch_related)
        self._bound_to = None

    def for_model(self, model) -> list[Column]:
        if self._bound_to is not model:
            for column in self.columns:
                column.bind(model)
            self._bound_to = model
        return list(self.columns)

    @property
    def has_personal_ids(self) -> bool:
        return any(isinstance(c, IdNumberColumn | PhoneColumn) for c in self.columns)

    def prepare(self, queryset):
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset


# ---------------------------------------------------------------------------------------------
# Filters in plain words


def describe_filters(filterset) -> str:
    """ "镇街：东区街道；状态：在册" for the export log; digits of IDs and phones masked."""
    if filterset is None or not filterset.is_bound or not filterset.form.is_valid():
        return _("全部（无筛选条件）")
    parts = []
    for name, field in filterset.form.fields.items():
        value = filterset.form.cleaned_data.get(name)
        choices = dict(getattr(field, "choices", ()) or ())
        if value in (None, "", [], ()):
            # An empty choice that means something ("我的待办", "待办") is a filter too.
            default = str(choices.get("", ""))
            if default and default not in ("---------", str(_("全部"))):
                parts.append(f"{field.label or name}：{default}")
            continue
        if isinstance(value, models.Model):
            text = str(value)
        elif isinstance(value, bool):
            text = str(YES if value else NO)
        elif isinstance(value, list | tuple | set):
            text = "、".join(str(choices.get(v, v)) for v in value)
        else:
            text = str(choices.get(value, choices.get(str(value), value)))
        parts.append(f"{field.label or name}：{mask_digits(text)}")
    return "；".join(parts) or _("全部（无筛选条件）")


# ---------------------------------------------------------------------------------------------
# The list view side


class ExportMixin:
    """Mix into a list view (before it) and set ``export_columns``: POST to the list URL exports."""

    export_columns: Columns | None = None
    export_title = None  # default: the model's verbose name plural
    export_api = False  # set by the API entry point: post() returns the ExportLog
    export_list_name = None  # the list's URL name; from the request when not set

    @staticmethod
    def export_allowed(user) -> bool:
        """Volunteers see a visit's minimum on screen; a spreadsheet of it is never necessary."""
        return bool(user.is_authenticated and not user.is_volunteer)

    def get_export_title(self) -> str:
        return str(self.export_title or self.model._meta.verbose_name_plural)

    def export_queryset(self):
        """The rows the page would list for these filters (all pages), in the page's order."""
        queryset = self.get_queryset()
        filterset_class = getattr(self, "get_filterset_class", lambda: None)()
        self.filterset = None
        if filterset_class is not None:
            self.filterset = self.get_filterset(filterset_class)
            if self.filterset.is_bound and not self.filterset.is_valid():
                errors = "；".join(
                    f"{self.filterset.form.fields[f].label if f in self.filterset.form.fields else ''}"
                    f"{'：' if f in self.filterset.form.fields else ''}{' '.join(e)}"
                    for f, e in self.filterset.form.errors.items()
                )
                raise ValidationError(_("筛选条件有误，无法导出：%(e)s") % {"e": errors})
            queryset = self.filterset.qs
        return self.export_columns.prepare(queryset)

    def post(self, request, *args, **kwargs):
        from . import export_services

        if self.export_columns is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        if not self.export_allowed(request.user):
            raise Http404

        try:
            export = export_services.export_start(
                view=self, reveal=request.POST.get("reveal") in ("1", "true", "on")
            )
        except ValidationError as error:
            if self.export_api:
                raise
            # The list again, with the reason on top and the filter errors in the form: a 400.
            messages.error(request, "；".join(error.messages))
            response = self.get(request, *args, **kwargs)
            response.status_code = 400
            return response
        if self.export_api:
            return export
        return export_services.export_response(export)

    def get_context_data(self, **kwargs):
        columns = self.export_columns
        return super().get_context_data(
            export_enabled=columns is not None and self.export_allowed(self.request.user),
            export_personal=columns is not None and columns.has_personal_ids,
            **kwargs,
        )


def list_view_class(list_name: str):
    """The exportable view class behind a list's URL name, or a ValidationError."""
    try:
        view_class = resolve(reverse(list_name)).func.view_class
    except (NoReverseMatch, AttributeError):
        view_class = None
    if view_class is None or not issubclass(view_class, ExportMixin) or view_class.export_columns is None:
        raise ValidationError({"list": _("该列表不支持导出。")})
    return view_class


def synthetic_request(*, user, query: str, method: str = "GET", data=None, meta=None) -> HttpRequest:
    """A request carrying a user and a list's filters, to run a list view outside a web request
    (the background job, the API entry point)."""
    request = HttpRequest()
    request.method = method
    request.user = user
    request.GET = QueryDict(query or "")
    request.POST = QueryDict("", mutable=True)
    for key, value in (data or {}).items():
        request.POST[key] = value
    request.META.update(meta or {})
    request.META.setdefault("SERVER_NAME", "localhost")
    request.META.setdefault("SERVER_PORT", "80")
    request._dont_enforce_csrf_checks = True
    return request


def export_dir():
    path = settings.VAR_DIR / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_workbook(target, *, view, ctx: Context, progress: Callable | None = None, total: int = 0) -> int:
    """Write the view's export queryset to ``target``; returns the number of rows."""
    columns = view.export_columns.for_model(view.model)
    queryset = view.export_queryset()
    rows = 0
    with ExcelWriter(target) as book:
        sheet = book.sheet(view.get_export_title(), [c.header(ctx) for c in columns])
        for obj in queryset.iterator(chunk_size=2000):
            sheet.append([c.value(obj, ctx) for c in columns])
            rows += 1
            if progress is not None and rows % 1000 == 0:
                progress(rows, total)
    return rows
