import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from households.models import Division

from .choices import Role
from .models import User


class UserFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("搜索"), method="filter_q", help_text=_("登录名或姓名"))
    role = filters.ChoiceFilter(label=_("角色"), choices=Role.choices)
    town = filters.ModelChoiceFilter(
        label=_("镇街"), queryset=Division.objects.filter(level="town"), method="filter_town"
    )
    is_active = filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = User
        fields = ["q", "role", "town", "is_active"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(first_name__contains=value))

    def filter_town(self, queryset, name, value):
        return queryset.filter(division__path__startswith=value.path)
