"""State machines written down once: a table of allowed transitions per model.

A transition is a conditional ``UPDATE ... WHERE state = <from>``, so two clicks (or two workers)
cannot both win; the loser gets the same clear message as any refused transition. The row is then
saved once more through the model so that django-simple-history records who made the step.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _


class Lifecycle:
    def __init__(self, field: str, table: Mapping[str, tuple[str, ...]], labels: Mapping[str, str]):
        self.field = field
        self.table = {state: tuple(targets) for state, targets in table.items()}
        self.labels = labels

    def allowed(self, state: str) -> tuple[str, ...]:
        return self.table.get(state, ())

    def label(self, state: str) -> str:
        return str(self.labels.get(state, state))

    def check(self, state: str, to: str) -> None:
        if to not in self.allowed(state):
            raise ValidationError(
                _("不能从“%(from)s”改为“%(to)s”。") % {"from": self.label(state), "to": self.label(to)},
                code="invalid_transition",
            )

    def move(self, obj, to: str, *, user=None, **fields) -> None:
        """Move ``obj`` to ``to`` with ``fields``; refused if not allowed or if someone moved it first."""
        current = getattr(obj, self.field)
        self.check(current, to)
        model = type(obj)
        values = {self.field: to, **fields}
        with transaction.atomic():
            won = model._default_manager.filter(pk=obj.pk, **{self.field: current}).update(**values)
            if won != 1:
                raise ValidationError(_("此记录已被他人修改，请刷新后再试。"), code="stale")
            for name, value in values.items():
                setattr(obj, name, value)
            if user is not None:
                obj._history_user = user
            obj.save(update_fields=list(values))
