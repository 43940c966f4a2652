"""Area scoping: the one choke point that decides which case records a user may see or change.

Every model that belongs to a household uses ScopedQuerySet with ``scope_prefix`` set to the
lookup path from that model to its Household ("" for Household itself). UI views, API viewsets,
form choices and exports all go through ``restrict(user, action)``.
"""

from django.db import models
from django.db.models import Q

VIEW = "view"
CHANGE = "change"
_NOTHING = Q(pk__in=[])

AREA_FIELD = {"town": "town", "community": "community", "grid": "grid"}


def area_q(user, prefix: str, action: str = VIEW) -> Q:
    if user is None or not user.is_authenticated or not user.is_active:
        return _NOTHING
    if action != VIEW and not user.can_write:
        return _NOTHING
    if user.is_volunteer:
        from visits.selectors import paired_household_ids

        return Q(**{f"{prefix}pk__in" if prefix == "" else f"{prefix}id__in": paired_household_ids(user)})
    if user.sees_whole_city:
        return Q()
    division = user.division
    if division is None or division.level not in AREA_FIELD:
        return _NOTHING
    return Q(**{prefix + AREA_FIELD[division.level]: division.pk})


class ScopedQuerySet(models.QuerySet):
    scope_prefix: str | None = None

    def restrict(self, user, action: str = VIEW):
        if self.scope_prefix is None:
            raise NotImplementedError(f"{self.model.__name__} has no scope_prefix")
        return self.filter(area_q(user, self.scope_prefix, action))


def scoped_queryset(prefix: str):
    """Build a ScopedQuerySet subclass for a model whose household sits at ``prefix``."""
    return type("ScopedQuerySet", (ScopedQuerySet,), {"scope_prefix": prefix})
