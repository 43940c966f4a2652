import django_filters as filters
from django import forms


class IdFilter(filters.NumberFilter):
    """A primary-key filter: a whole number in the database's range (no 500 on ?person=1e30)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
