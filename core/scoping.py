"""Area scoping: the one choke point that decides which case records a user may see or change.

Every model that belongs to a household uses ScopedQuerySet with ``scope_prefix`` set to the
lookup path from that model to its Household ("" for Household itself). UI views, API viewsets,
form choices and exports all go through ``restrict(user, action)``.
"""

from collections.abc import Callable

from django.db import models
from django.db.models import Q

VIEW = "view"
CHANGE = "change"
_NOTHING = Q(pk__in=[])

AREA_FIELD = {"town": "town", "community": "community", "grid": "grid"}


# Roles whose reach is a set of households rather than an area: volunteers (their pairings), the
# joint meeting's secretariat and department liaisons (their cases). The apps that know those sets
# register them in their AppConfig.ready(), so core imports no app above it.
HOUSEHOLD_SCOPES: dict[str, Callable] = {}
# For a role that may see only some records of its households (PIPL, minimum necessary): which
# rows of a model, or None for none of them. A role without an entry sees every record of its
# households (volunteers through their visit pages, the secretariat).
ROW_SCOPES: dict[str, Callable] = {}


def register_household_scope(role: str, households_of: Callable, rows_of: Callable | None = None) -> None:
    """``households_of(user)``: a queryset of the household ids (one column) ``user`` may see.

    ``rows_of(user, model)``: a queryset of the ids (one column) of ``model`` that ``user`` may
    see, or None when the role sees nothing of that model. With it the role is fail-closed: every
    household-scoped model it does not name (the household itself, its members, income, screening,
    other needs ...) is hidden, and so is every caller of ``area_q`` that does not say its model."""
    HOUSEHOLD_SCOPES[str(role)] = households_of
    if rows_of is None:
        ROW_SCOPES.pop(str(role), None)
    else:
        ROW_SCOPES[str(role)] = rows_of


def _household_scope(user) -> Callable | None:
    if user.is_superuser:
        return None
    households_of = HOUSEHOLD_SCOPES.get(user.role)
    if households_of is None and (
        getattr(user, "is_volunteer", False) or getattr(user, "is_case_role", False)
    ):
        return lambda user: []  # a set role whose app did not register: it sees nothing (fail closed)
    return households_of


def area_q(
    user,
    prefix: str,
    action: str = VIEW,
    area_prefix: str | None = None,
    *,
    households: bool = True,
    model=None,
) -> Q:
    """``model``: the model the rows are of (``ScopedQuerySet.restrict`` passes it), for the roles
    that see only some records of their households (``ROW_SCOPES``).
    ``households=False``: ``prefix`` leads to a row with area fields (town, community) that is
    not a household (a vagrant record, a task about a community); no household-set role sees it.
    ``area_prefix``: where the row's own town and community columns are, when it carries copies of
    its household's (a join fewer on large tables); grids are always the household's."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _NOTHING
    if action != VIEW and not user.can_write:
        return _NOTHING
    households_of = _household_scope(user)
    if households_of is not None:
        if not households:
            return _NOTHING
        in_households = Q(**{"pk__in" if prefix == "" else f"{prefix}id__in": households_of(user)})
        rows_of = None if user.is_superuser else ROW_SCOPES.get(user.role)
        if rows_of is None:
            return in_households
        rows = rows_of(user, model) if model is not None else None
        return _NOTHING if rows is None else in_households & Q(pk__in=rows)
    if user.sees_whole_city:
        return Q()
    division = user.division
    if division is None or division.level not in AREA_FIELD:
        return _NOTHING
    if area_prefix is not None and division.level in ("town", "community"):
        prefix = area_prefix
    return Q(**{prefix + AREA_FIELD[division.level]: division.pk})


class ScopedQuerySet(models.QuerySet):
    scope_prefix: str | None = None
    # Set where the model (or a relation nearer than the household) carries town and community.
    area_prefix: str | None = None
    volunteers_see = True

    def also_visible(self, user, action: str) -> Q | None:
        """Rows a model lets a user see beyond its household's area (e.g. tasks assigned to them)."""
        return None

    def restrict(self, user, action: str = VIEW):
        if self.scope_prefix is None:
            raise NotImplementedError(f"{self.model.__name__} has no scope_prefix")
        if not self.volunteers_see and getattr(user, "is_volunteer", False):
            return self.none()
        area = area_q(user, self.scope_prefix, action, self.area_prefix, model=self.model)
        if not area.children:
            # Q() is "the whole city": OR-ing it with anything would collapse to the other term
            # (``Q() | Q(x)`` is ``Q(x)``), which once hid every task from city-wide roles.
            return self.all()
        extra = self.also_visible(user, action)
        return self.filter(area if extra is None else area | extra)


def scoped_queryset(prefix: str):
    """Build a ScopedQuerySet subclass for a model whose household sits at ``prefix``."""
    return type("ScopedQuerySet", (ScopedQuerySet,), {"scope_prefix": prefix})
