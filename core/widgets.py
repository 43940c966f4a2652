"""A searchable, area-scoped picker for a related record (a person, a household) instead of a
typed internal number: a search box asks a scoped list URL (htmx) for matching options.

The field's queryset (restrict(user, CHANGE)) still decides what may be chosen; the page only
ever lists the chosen record and the search results, never the whole area.
"""

from django import forms


class SearchSelect(forms.Select):
    template_name = "core/widgets/search_select.html"  # app template: the form renderer reads app dirs

    def __init__(self, *, search_url: str, placeholder: str = "", attrs=None):
        super().__init__(attrs)
        self.search_url = search_url
        self.placeholder = placeholder

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(search_url=self.search_url, placeholder=self.placeholder)
        return context

    def optgroups(self, name, value, attrs=None):
        """Only the empty choice and the chosen record (iterating the choices would list the area)."""
        chosen = [v for v in value if v not in (None, "")]
        options = [self.create_option(name, "", "—", not chosen, 0)]
        queryset = getattr(self.choices, "queryset", None)
        if chosen and queryset is not None:
            label = self.choices.field.label_from_instance
            for i, obj in enumerate(queryset.filter(pk__in=[c for c in chosen if str(c).isdigit()]), 1):
                options.append(self.create_option(name, obj.pk, label(obj), True, i))
        return [(None, options, 0)]


def with_prompt(choices) -> list:
    """A required choice with "请选择" first: a step such as 已召开 or 驳回 is never preselected, so
    the worker picks it rather than sending the first option by accident. No step allowed: no
    choices at all (the pages hide the form then)."""
    from django.utils.translation import gettext_lazy as _

    choices = list(choices)
    return [("", _("请选择")), *choices] if choices else []
