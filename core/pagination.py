"""List paging that costs the same on page 10,000 as on page 1.

- The total is counted up to ``COUNT_CAP`` rows (``SELECT COUNT(*) FROM (... LIMIT cap+1)``);
  beyond it the page says "10,000+" with the planner's estimate (PostgreSQL) instead of counting
  a million rows on every request.
- Next/previous go by keyset (``?after=`` / ``?before=`` hold the boundary row's sort values):
  ``WHERE (sort, id) < (v, n) ORDER BY sort, id LIMIT 25`` reads one page whatever its depth.
- Page numbers (jump, first page) stay for the first ``COUNT_CAP`` rows, where OFFSET is bounded.
"""

import base64
import datetime as dt
import json
from functools import cached_property

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q

COUNT_CAP = 10_000
CURSOR_KEYS = ("after", "before")


# A list the planner puts above this many rows (ten times the cap) is taken as past the cap without
# counting: counting 10,001 rows through a semi-join (the persons in a group a dashboard links to)
# costs 30-50 ms at 1M persons, the estimate under 2 ms. Should the estimate be wrong, a short page
# shows it, and the list is counted after all (CappedPaginator.page).
TRUST_ESTIMATE_ABOVE = 10 * COUNT_CAP


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def exact_count(self) -> int:
        """Rows up to cap + 1 (more means "past the cap"); by the planner's estimate when that is
        far past the cap."""
        planned = self.planned_rows
        if planned is not None and planned > TRUST_ESTIMATE_ABOVE:
            self.assumed = True
            return self.cap + 1
        return self._count()

    assumed = False  # the count is the planner's, not a count

    def _count(self) -> int:
        # Unordered: the database stops after cap + 1 rows instead of sorting the whole list first;
        # only the pk, so that no join or annotation of the page's rows is made for the count.
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.exact_count > self.cap

    @cached_property
    def count(self) -> int:
        return min(self.exact_count, self.cap)

    def page(self, number):
        """Past the cap the last counted page is a whole page (the rows go on beyond the count)."""
        page = super().page(number)
        if self.capped:
            bottom = (page.number - 1) * self.per_page
            page.object_list = self.object_list[bottom : bottom + self.per_page]
        return self.checked(page)

    def checked(self, page):
        """A page of an estimated list that is short: the estimate was wrong; count and page again."""
        if not self.assumed:
            return page
        page.object_list = list(page.object_list)
        if len(page.object_list) == self.per_page:
            return page
        self.assumed = False
        for name in ("exact_count", "count", "num_pages"):
            self.__dict__.pop(name, None)
        self.__dict__["exact_count"] = self._count()
        return self.page(min(page.number, self.num_pages))

    @cached_property
    def planned_rows(self) -> int | None:
        """The planner's row estimate for the whole list (PostgreSQL; pk only, nothing to join)."""
        if connection.vendor != "postgresql" or not hasattr(self.object_list, "query"):
            return None
        try:
            sql, params = self.object_list.order_by().values("pk").query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
                plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            return int(plan[0]["Plan"]["Plan Rows"])
        except Exception:  # an estimate is a nicety: never fail the page for it
            return None

    @cached_property
    def estimate(self) -> int | None:
        """The planner's row estimate, shown beyond the cap."""
        if not self.capped or self.planned_rows is None:
            return None
        return max(self.planned_rows, self.cap + 1)


class IdsFirstPaginator(CappedPaginator):
    """Numbered pages that read the page's ids first, from the list's own ordered index (no joins
    to sort through), then its rows with their related objects: for lists whose order has an index
    (needs, pushes) and whose joins would otherwise be hashed whole for one page."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = {obj.pk: obj for obj in self.object_list.filter(pk__in=ids)} if ids else {}
        return self.checked(self._get_page([rows[pk] for pk in ids if pk in rows], number, self))


class DeepIdsFirstPaginator(IdsFirstPaginator):
    """Page 1 in one query (its order's index gives the 25 rows directly); a deeper numbered page
    ids first, so that its OFFSET skips index entries, not joined rows (the visit queue)."""

    def page(self, number):
        if self.validate_number(number) == 1:
            return CappedPaginator.page(self, number)
        return super().page(number)


def _encode(values: list) -> str:
    plain = [v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(token: str, fields) -> list | None:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(raw, list) or len(raw) != len(fields) or None in raw:
            return None  # every key column is non-null: a null is a forged cursor
        values = [field.to_python(value) for field, value in zip(fields, raw, strict=True)]
        for field, value in zip(fields, values, strict=True):  # an id past the column's range
            (field.target_field if field.is_relation else field).run_validators(value)
        return values
    except (ValueError, TypeError, ValidationError, OverflowError):
        return None


def keyset_fields(queryset, not_null=()):
    """[(field, name, descending)] when the list's order can be paged by keyset: plain columns of
    the model ending with its primary key (``id``, ``pk`` or the pk's own name, as on a table
    keyed by its household). A nullable column may lead only if named in ``not_null``: the
    list's filter rules NULL out there (an overdue queue has a due date). None otherwise."""
    ordering = list(queryset.query.order_by)
    pk = queryset.model._meta.pk
    if not ordering or ordering[-1].lstrip("-") not in ("id", "pk", pk.name, pk.attname):
        return None
    keys = []
    for item in ordering:
        if not isinstance(item, str):
            return None
        name = item.lstrip("-")
        name = pk.name if name == "pk" else name
        if "__" in name:
            return None
        try:
            field = queryset.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not field.concrete or (field.null and name not in not_null):
            return None
        keys.append((field, field.attname, item.startswith("-")))
    return keys


def _beyond(keys, values, forward: bool) -> Q:
    """Rows after (forward) or before the boundary row in the list's order. The leading column
    is also bounded on its own (``due_on >= v``): the database reads that as where to start in
    the list's index, which it cannot do with the OR alone (it would walk from the top)."""
    condition = Q()
    for position in range(len(keys) - 1, -1, -1):
        field, name, descending = keys[position]
        lookup = "lt" if descending == forward else "gt"
        step = Q(**{f"{name}__{lookup}": values[position]})
        condition = step if position == len(keys) - 1 else step | (Q(**{name: values[position]}) & condition)
    if len(keys) > 1:
        field, name, descending = keys[0]
        condition &= Q(**{f"{name}__{'lte' if descending == forward else 'gte'}": values[0]})
    return condition


class KeysetPage:
    """One page reached by a cursor: the same interface the template uses for numbered pages."""

    number = None

    def __init__(self, rows, *, has_next, has_previous, paginator):
        self.object_list = rows
        self._has_next, self._has_previous = has_next, has_previous
        self.paginator = paginator

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self._has_previous

    def has_other_pages(self):
        return self._has_next or self._has_previous

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def keyset_page(queryset, keys, *, size: int, after: str | None, before: str | None, paginator):
    """The page after the ``after`` cursor's row or before the ``before`` one (neither: the first
    page); None for a bad cursor."""
    if after is None and before is None:
        rows = list(queryset[: size + 1])
        return KeysetPage(rows[:size], has_next=len(rows) > size, has_previous=False, paginator=paginator)
    fields = [k[0] for k in keys]
    forward = before is None
    values = _decode(after if forward else before, fields)
    if values is None:
        return None
    if forward:
        rows = list(queryset.filter(_beyond(keys, values, True))[: size + 1])
        more, rows = len(rows) > size, rows[:size]
        return KeysetPage(rows, has_next=more, has_previous=True, paginator=paginator)
    reverse = [("" if k[2] else "-") + k[1] for k in keys]
    rows = list(queryset.filter(_beyond(keys, values, False)).order_by(*reverse)[: size + 1])
    more, rows = len(rows) > size, rows[:size][::-1]
    return KeysetPage(rows, has_next=True, has_previous=more, paginator=paginator)


def keyset_links(page, keys, link) -> tuple[str, str]:
    """(previous, next) links of a page, by cursor: ``link(before=...)`` / ``link(after=...)``
    build them (a query string for a page, a URL for the API). The page may be numbered (the
    first) or reached by a cursor; either way the next one reads one page from the index."""
    rows = list(page.object_list)
    if not rows:
        return "", ""
    previous = link(before=cursor_of(rows[0], keys)) if page.has_previous() else ""
    following = link(after=cursor_of(rows[-1], keys)) if page.has_next() else ""
    return previous, following


def cursor_of(row, keys) -> str:
    return _encode([getattr(row, k[1]) for k in keys])
