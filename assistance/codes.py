"""The allowed codes of an item's list criteria (shared by the form, the API and the import)."""

from django.utils.translation import gettext as _

from . import choices as c


def code_choices() -> dict[str, list[tuple[str, str]]]:
    from assessments.choices import Group
    from households.choices import AssistanceKind, DisabilityCategory

    return {
        "groups": Group.choices,
        "assistance_kinds": AssistanceKind.choices,
        "disability_categories": DisabilityCategory.choices,
        "household_conditions": c.HouseholdCondition.choices,
    }


def check_codes(item) -> dict[str, str]:
    errors = {}
    for name, choices in code_choices().items():
        allowed = {code for code, _label in choices}
        unknown = [code for code in getattr(item, name) or [] if code not in allowed]
        if unknown:
            errors[name] = _("未知的代码：%(codes)s（可用：%(allowed)s）") % {
                "codes": "、".join(unknown),
                "allowed": ",".join(sorted(allowed)),
            }
    return errors
