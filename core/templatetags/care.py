"""Template helpers shared by every page: permissions, masking, sorting links, badges."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def can_write(user) -> bool:
    return bool(getattr(user, "can_write", False))


@register.filter
def can_reveal(user) -> bool:
    return bool(getattr(user, "can_reveal", False))


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
