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


def area_q(user, prefix: str, action: str = VIEW, area_prefix: str | None = None) -> Q:
    """``area_prefix``: where the row's own town and community columns are, when it carries
    copies of its household's (a join fewer on large tables); grids are always the household's."""
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
        area = area_q(user, self.scope_prefix, action, self.area_prefix)
        if not area.children:
            # Q() is "the whole city": OR-ing it with anything would collapse to the other term
            # (``Q() | Q(x)`` is ``Q(x)``), which once hid every task from city-wide roles.
            return self.all()
        extra = self.also_visible(user, action)
        return self.filter(area if extra is None else area | extra)


def scoped_queryset(prefix: str):
    """Build a ScopedQuerySet subclass for a model whose household sits at ``prefix``."""
    return type("ScopedQuerySet", (ScopedQuerySet,), {"scope_prefix": prefix})
