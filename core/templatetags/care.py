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


def _sort_state(request, field: str):
    """(next ?sort= query, aria-sort value or "", arrow) for a sortable column."""
    current = request.GET.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    if current == field:
        params["sort"], state, arrow = f"-{field}", "ascending", "▲"
    elif current == f"-{field}":
        params["sort"], state, arrow = field, "descending", "▼"
    else:
        params["sort"], state, arrow = field, "", ""
    return params.urlencode(), state, arrow


def _sort_anchor(query: str, label: str, arrow: str):
    if not arrow:
        return format_html('<a class="sort" href="?{}">{}</a>', query, label)
    return format_html(
        '<a class="sort" href="?{}">{} <span aria-hidden="true">{}</span></a>', query, label, arrow
    )


@register.simple_tag(takes_context=True)
def sort_link(context, field: str, label: str):
    """A column header link that toggles ?sort=field / ?sort=-field, keeping other parameters.
    Prefer sort_header, which also tells screen readers the order (aria-sort on the <th>)."""
    query, _state, arrow = _sort_state(context["request"], field)
    return _sort_anchor(query, label, arrow)


@register.simple_tag(takes_context=True)
def sort_header(context, field: str, label: str, css_class: str = ""):
    """A whole sortable <th>: the toggling link, and aria-sort when the list is sorted by it."""
    query, state, arrow = _sort_state(context["request"], field)
    return format_html(
        "<th{}{}>{}</th>",
        format_html(' class="{}"', css_class) if css_class else "",
        format_html(' aria-sort="{}"', state) if state else "",
        _sort_anchor(query, label, arrow),
    )


@register.inclusion_tag("includes/status_badge.html")
def status_badge(value, label):
    return {"value": value, "label": label}
