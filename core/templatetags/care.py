"""Template helpers shared by every page: permissions, masking, sorting links, badges."""

from django import template
from django.utils.html import format_html

from core import privacy

register = template.Library()


@register.filter
def can_write(user) -> bool:
    return bool(getattr(user, "can_write", False))


@register.filter
def can_reveal(user) -> bool:
    return bool(getattr(user, "can_reveal", False))


@register.filter
def may_reveal(user, field: str) -> bool:
    """``user|may_reveal:"phone"``: the one rule of core.privacy (volunteers: phone only)."""
    return privacy.may_reveal(user, field)


@register.filter
def sees_birth_date(user) -> bool:
    return privacy.may_see_birth_date(user)


@register.simple_tag(takes_context=True)
def birth_or_age(context, person) -> str:
    """The birth date for a user who may reveal ID numbers, else the age (core.privacy)."""
    return privacy.birth_date_text(context["request"].user, person.birth_date)


@register.simple_tag(takes_context=True)
def sort_link(context, field: str, label: str):
    """A column header that toggles ?sort=field / ?sort=-field, keeping other parameters."""
    request = context["request"]
    current = request.GET.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    if current == field:
        params["sort"], arrow = f"-{field}", " ▲"
    elif current == f"-{field}":
        params["sort"], arrow = field, " ▼"
    else:
        params["sort"], arrow = field, ""
    return format_html('<a class="sort" href="?{}">{}{}</a>', params.urlencode(), label, arrow)


@register.inclusion_tag("includes/status_badge.html")
def status_badge(value, label):
    return {"value": value, "label": label}
