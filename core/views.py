"""Generic views: each concrete view declares its model, filterset, form and template.

Every queryset passes through ``Model.objects.restrict(user, action)``; an object outside the
user's area raises 404, and a read-only role gets 404 on edit pages (it cannot see them as editable).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from .concurrency import EditConflict
from .export import ExportMixin
from .filters import tidy_filter_form
from .pagination import CURSOR_KEYS, CappedPaginator, cursor_of, keyset_fields, keyset_links, keyset_page
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

    Paging (core/pagination.py): the total is counted up to 10,000; next/previous go by keyset
    when the order allows it (plain columns ending with the id), so a deep page costs what the
    first does; page numbers jump within the counted range.
    """

    paginate_by = 25
    paginator_class = CappedPaginator
    sort_fields: dict[str, str] = {}
    default_sort = "-id"
    strict = False
    filter_defaults: dict[str, str] = {}
    # Next/previous by cursor from the first page on (not only past the counted rows), for lists
    # read deep by their index (a town's overdue queue): page 400 then costs what page 1 does.
    keyset_always = False

    def keyset_not_null(self) -> tuple[str, ...]:
        """Nullable sort columns that this request's filters make non-null (keyset_fields)."""
        return ()

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
        if self.default_sort.lstrip("-") == "id":
            return queryset.order_by(self.default_sort)
        return queryset.order_by(self.default_sort, "-id")  # a total order: keyset paging needs one

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        keys = keyset_fields(queryset, self.keyset_not_null())
        after, before = (self.request.GET.get(k) for k in CURSOR_KEYS)
        page = None
        if keys and (after or before):
            page = keyset_page(
                queryset,
                keys,
                size=page_size,
                after=after,
                before=None if after else before,
                paginator=paginator,
            )
        if page is None:  # no cursor, a bad one, or an order without keyset: a numbered page
            page = paginator.get_page(self.request.GET.get("page"))
        self._link(page, paginator, keys)
        return paginator, page, page.object_list, bool(page.previous_query or page.next_query)

    def _link(self, page, paginator, keys) -> None:
        """page.previous_query / next_query / first_query: the links' query strings (or "")."""
        page.linked = True
        base = self.request.GET.copy()
        for key in ("page", *CURSOR_KEYS):
            base.pop(key, None)
        page.jump_params = [(k, v) for k, values in base.lists() for v in values]

        def query(**changes):
            params = base.copy()
            for key, value in changes.items():
                params[key] = value
            return "?" + params.urlencode()

        rows = list(page.object_list)
        page.first_query = query(page=1) if (page.number or 0) != 1 else ""
        page.previous_query = page.next_query = ""
        if keys and (page.number is None or (self.keyset_always and page.number == 1)):
            page.previous_query, page.next_query = keyset_links(page, keys, query)
            return
        if page.number > 1:
            page.previous_query = query(page=page.number - 1)
        if page.number < paginator.num_pages:
            page.next_query = query(page=page.number + 1)
        elif paginator.capped and keys and rows:  # past the counted rows: on by keyset
            page.next_query = query(after=cursor_of(rows[-1], keys))


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
