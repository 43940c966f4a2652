"""Dated policy parameters: every local number is data with an effective date.

Apps register the parameters they read (key, label, default). Admins record values with the
date they take effect; ``policy_value(key, on=date)`` returns the value in force on that date.
The registry keeps keys out of database choices, so a new parameter needs no migration.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    label: str
    unit: str
    default: Decimal | None


REGISTRY: dict[str, ParameterSpec] = {}


def register(key: str, label, unit, default=None) -> None:
    REGISTRY[key] = ParameterSpec(key, label, unit, None if default is None else Decimal(str(default)))


def choices() -> list[tuple[str, str]]:
    return [(spec.key, spec.label) for spec in REGISTRY.values()]


def policy_value(key: str, on: dt.date | None = None) -> Decimal | None:
    from .models import PolicyParameter

    on = on or dt.date.today()
    row = (
        PolicyParameter.objects.filter(key=key, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("value", flat=True)
        .first()
    )
    if row is not None:
        return row
    spec = REGISTRY.get(key)
    return spec.default if spec else None


register("dibao_standard", _("低保标准"), _("元/人·月"))
register("dibian_upper", _("低边收入上限"), _("元/人·月"))
register("tekun_standard", _("特困供养标准"), _("元/人·月"))
register("orphan_standard", _("孤儿基本生活费"), _("元/人·月"))
