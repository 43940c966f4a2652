"""Generic views: each concrete view declares its model, filterset, form and template.

Every queryset passes through ``Model.objects.restrict(user, action)``; an object outside the
user's area raises 404, and a read-only role gets 404 on edit pages (it cannot see them as editable).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from .concurrency import EditConflict
from .export import ExportMixin
from .filters import tidy_filter_form
from .scoping import CHANGE, VIEW


class ScopedMixin:
    model = None
    scope_action = VIEW

    def base_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        return self.base_queryset().restrict(self.request.user, self.scope_action)


class ObjectListView(ExportMixin, ScopedMixin, FilterView):
    """A filtered, sorted, paginated list. ``sort_fields`` maps ?sort= values to order_by fields;
    ``filter_defaults`` are filter values that apply (and show as chosen) until the user picks another.

    With ``export_columns`` declared, a POST to the list URL exports it to Excel (core/export.py).
    """

    paginate_by = 25
    sort_fields: dict[str, str] = {}
    default_sort = "-id"
    strict = False
    filter_defaults: dict[str, str] = {}

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if self.filter_defaults:
            data = self.request.GET.copy()
            for key, value in self.filter_defaults.items():
                data.setdefault(key, value)
            kwargs["data"] = data
        return kwargs

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        tidy_filter_form(filterset)
        return filterset

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("per_page", self.paginate_by))
        except ValueError:
            return self.paginate_by
        return max(10, min(size, 200))

    def get_queryset(self):
        queryset = super().get_queryset()
        key = self.request.GET.get("sort", "")
        field = self.sort_fields.get(key.lstrip("-"))
        if field:
            return queryset.order_by(("-" if key.startswith("-") else "") + field, "-id")
        return queryset.order_by(self.default_sort)


class ObjectDetailView(ScopedMixin, DetailView):
    pass


class ScopedObjectMixin(ScopedMixin):
    """Fetch the object named by the URL through restrict(); 404 if out of area or read-only."""

    scope_action = CHANGE
    pk_url_kwarg = "pk"

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs[self.pk_url_kwarg])


class ServiceFormView(FormView):
    """A form whose valid data goes to a service; a service ValidationError is shown on the form."""

    success_message = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if getattr(self, "pass_user_to_form", True):
            kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        try:
            self.result = self.perform(form)
        except EditConflict as conflict:
            form.show_conflict(conflict, user=self.request.user)
            return self.form_invalid(form)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())

    def perform(self, form):
        raise NotImplementedError


class WriterRequiredMixin:
    """Create pages (no object yet): read-only roles get 404, as on every other write URL (an
    edit page outside what one may change is a 404 through restrict(user, CHANGE))."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.can_write:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ObjectActionView(ScopedObjectMixin, View):
    """A POST-only action on one scoped object (archive, restore, end a status)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        if obj is None:
            raise Http404
        return self.act(obj)

    def act(self, obj):
        raise NotImplementedError


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows: a list of a million pushes need not be
    counted on every page view (the count is the slowest query of the page). Past the cap the
    page says "超过 N 条" and offers the pages up to it; filters narrow the list."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    def page(self, number):
        """The page's ids first, from the list's own ordered index (no joins to sort through),
        then its rows with their related objects: a deep page costs its offset in one index."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = {obj.pk: obj for obj in self.object_list.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)

    @cached_property
    def num_pages(self) -> int:
        count = min(self.count, self.cap)
        if count == 0 and not self.allow_empty_first_page:
            return 0
        return max(1, -(-count // self.per_page))
