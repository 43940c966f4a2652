"""One FilterSet per model, used by the list pages and the API alike."""

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter, ListedModelChoiceFilter
from households.filtersets import _communities, _towns

from . import choices as c
from .models import Activity, HouseholdSchedule, Pairing, Team, TeamMember, Visit

STATE_CHOICES = [
    ("required", _("需探访")),
    ("paired", _("已结对")),
    ("unpaired", _("未结对")),
    ("overdue", _("逾期未探访")),
    ("elderly", _("特殊困难老年人")),
    ("elderly_visited", _("本月已探访的特殊困难老年人")),
    ("elderly_unvisited", _("本月未探访的特殊困难老年人")),
]
QUEUE_STATE_CHOICES = [*STATE_CHOICES[:4], ("due_soon", _("近期应探访（7天内）")), *STATE_CHOICES[4:]]


def _date_range(field: str, label):
    return filters.DateFromToRangeFilter(
        label=label, field_name=field, widget=filters.widgets.RangeWidget(attrs={"type": "date"})
    )


class TeamFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("队伍名称"), field_name="name", lookup_expr="icontains")
    team_type = filters.ChoiceFilter(label=_("队伍类型"), choices=c.TeamType.choices, empty_label=_("全部"))
    # field_name: the schema reads its type (an id) from the model field; the method does the filtering
    town = ListedModelChoiceFilter(
        label=_("镇街"), queryset=_towns, field_name="division", method="filter_town"
    )
    community = ListedModelChoiceFilter(label=_("村（社区）"), queryset=_communities, field_name="division")

    class Meta:
        model = Team
        fields = ["q", "team_type", "town", "community", "is_active"]

    def filter_town(self, queryset, name, value):
        # The town's own teams too, so the list matches the dashboard's count of the town's teams.
        return queryset.filter(division__path__startswith=value.path)


class MemberFilterSet(filters.FilterSet):
    team = IdFilter(label=_("队伍"), field_name="team_id")
    member_type = filters.ChoiceFilter(label=_("成员类型"), choices=c.MemberType.choices)

    class Meta:
        model = TeamMember
        fields = ["team", "member_type", "is_active"]


class PairingFilterSet(filters.FilterSet):
    team = IdFilter(label=_("队伍"), field_name="team_id")
    household = IdFilter(label=_("家庭"), field_name="household_id")
    open = filters.BooleanFilter(label=_("结对中"), field_name="ended_on", lookup_expr="isnull")

    class Meta:
        model = Pairing
        fields = ["team", "household", "open"]


class VisitFilterSet(filters.FilterSet):
    visited_on = _date_range("visited_on", _("探访日期"))
    method = filters.ChoiceFilter(label=_("探访方式"), choices=c.VisitMethod.choices, empty_label=_("全部"))
    service = filters.ChoiceFilter(
        label=_("服务内容"),
        choices=c.Service.choices,
        field_name="services__service",
        distinct=True,
        empty_label=_("全部"),
    )
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_towns, field_name="household__town")
    community = ListedModelChoiceFilter(
        label=_("村（社区）"), queryset=_communities, field_name="household__community"
    )
    team = IdFilter(label=_("队伍"), field_name="team_id", widget=forms.HiddenInput)
    household = IdFilter(label=_("家庭"), field_name="household_id", widget=forms.HiddenInput)

    class Meta:
        model = Visit
        fields = ["visited_on", "method", "service", "town", "community", "team", "household"]


class ActivityFilterSet(filters.FilterSet):
    held_on = _date_range("held_on", _("活动日期"))
    kind = filters.ChoiceFilter(label=_("活动类型"), choices=c.ActivityKind.choices, empty_label=_("全部"))
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_towns)
    community = ListedModelChoiceFilter(label=_("村（社区）"), queryset=_communities)
    team = IdFilter(label=_("队伍"), field_name="organiser_team_id", widget=forms.HiddenInput)

    class Meta:
        model = Activity
        fields = ["held_on", "kind", "town", "community", "team"]


class ScheduleFilterSet(filters.FilterSet):
    """The queues (overdue, due soon, unpaired ...) and the households behind each number of the
    coverage page: filters on the schedule table's own columns (town, community, state), so that
    a queue is read from its index before any household is joined (selectors.schedule_rows)."""

    state = filters.ChoiceFilter(
        label=_("探访情况"), choices=QUEUE_STATE_CHOICES, method="filter_state", empty_label=None
    )
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_towns)
    community = ListedModelChoiceFilter(label=_("村（社区）"), queryset=_communities)
    team = IdFilter(label=_("队伍"), method="filter_team", widget=forms.HiddenInput)

    class Meta:
        model = HouseholdSchedule
        fields = ["state", "town", "community", "team"]

    def filter_state(self, queryset, name, value):
        from .selectors import schedule_q

        return queryset.filter(schedule_q(value, self.today))

    def filter_team(self, queryset, name, value):
        from .selectors import team_household_ids

        return queryset.filter(household_id__in=team_household_ids(value))

    def __init__(self, *args, today=None, **kwargs):
        import datetime as dt

        super().__init__(*args, **kwargs)
        self.today = today or dt.date.today()
