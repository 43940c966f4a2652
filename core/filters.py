import django_filters as filters
from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget

ALL_LABEL = _("全部")
DJANGO_EMPTY_LABEL = "---------"


class IdFilter(filters.NumberFilter):
    """A primary-key filter: a whole number in the database's range (no 500 on ?person=1e30)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class YesNoAllWidget(BooleanWidget):
    """A yes/no filter that starts at 全部 (all), not Django's 未知 (unknown).

    Reads true/false, 1/0 and NullBooleanSelect's old 2/3, so existing links keep working."""

    VALUES = {"1": True, "true": True, "2": True, "0": False, "false": False, "3": False}

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", ALL_LABEL), ("true", _("是")), ("false", _("否"))]

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if isinstance(value, bool):
            return value
        return self.VALUES.get(str(value).strip().lower()) if value is not None else None


class FlatSelect(forms.Select):
    """A select rendered in Python, the same HTML as Django's: its template includes one template
    per option and one more for each option's attributes (a town and a community select of a
    city list page are some 300 template includes, the larger part of the page's time)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = [option for _group, choices, _index in widget["optgroups"] for option in choices]
        body = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((str(o["value"]), flatatt(o["attrs"]), o["label"]) for o in options),
        )
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), body)


def tidy_filter_form(filterset):
    """Make a list page's filter form plain for the people using it (the API is left alone).

    - an empty choice reads 全部, not ---------; yes/no filters start at 全部, not 未知;
    - an empty choice that repeats one of the choices (我的待办 / 我的待办) is dropped and that
      choice comes first, so the default still shows selected;
    - internal-number filters (IdFilter) and area filters with fewer than two choices (镇街 for a
      community worker) are kept as hidden inputs: links that set them still work, nobody has to
      read or type a raw id, and no empty or one-item select is shown.
    """
    form = filterset.form
    for name, field in form.fields.items():
        flt = filterset.filters.get(name)
        if isinstance(flt, IdFilter):
            field.widget = forms.HiddenInput()
        elif isinstance(flt, filters.BooleanFilter):
            field.widget = YesNoAllWidget()
        elif isinstance(field, forms.ModelChoiceField) and _choice_count(field) < 2:
            field.widget = forms.HiddenInput()
        elif hasattr(field, "empty_label"):
            _tidy_empty_choice(field)
        if type(field.widget) is forms.Select:  # this form's own widget instance
            field.widget.__class__ = FlatSelect
    return form


def _choice_count(field) -> int:
    """How many objects a model select offers; a listed field counts the rows it reads anyway."""
    if isinstance(field, ListedModelChoiceField):
        return len(field.iterator(field)._rows())
    return field.queryset.count()


def _tidy_empty_choice(field):
    if field.empty_label is None:
        return
    if isinstance(field, forms.ModelChoiceField):
        if str(field.empty_label) == DJANGO_EMPTY_LABEL:
            field.empty_label = ALL_LABEL
        return
    # django-filter's ChoiceField lists its choices once: set the label, then the choices again.
    choices = [choice for choice in field.choices if choice[0] != ""]
    if str(field.empty_label) == DJANGO_EMPTY_LABEL:
        field.empty_label = ALL_LABEL
        field.choices = choices
        return
    same = [choice for choice in choices if str(choice[1]) == str(field.empty_label)]
    if same:
        field.empty_label = None
        field.choices = same + [choice for choice in choices if choice not in same]


class _ListedChoiceIterator(filters.fields.ModelChoiceIterator):
    """The choices read once per form: one plain query. Django's iterator counts them (a
    ``COUNT``) and then reads them through a server-side cursor (DECLARE, FETCH, CLOSE on
    PostgreSQL), each time the select is rendered or measured."""

    def _rows(self) -> list:
        cached = getattr(self.field, "_listed_rows", None)
        if cached is None or cached[0] is not self.queryset:
            cached = self.field._listed_rows = (self.queryset, list(self.queryset))
        return cached[1]

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self._rows():
            yield self.choice(obj)

    def __len__(self):
        extra = (self.field.empty_label is not None) + (self.field.null_label is not None)
        return len(self._rows()) + extra

    def __bool__(self):
        return self.field.empty_label is not None or bool(self._rows())


class ListedModelChoiceField(filters.fields.ModelChoiceField):
    iterator = _ListedChoiceIterator


class ListedModelChoiceFilter(filters.ModelChoiceFilter):
    """A ModelChoiceFilter for the short lists of list pages (towns, communities, items)."""

    field_class = ListedModelChoiceField
