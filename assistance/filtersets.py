"""One FilterSet per model, used by the list pages and the API alike."""

import datetime as dt

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.choices import Group
from core.filters import IdFilter, ListedModelChoiceFilter
from households.filtersets import _communities, _towns

from . import choices as c
from .models import CarePlan, CatalogItem, Need, PlanAction, Provider, Recommendation

OPEN_CHOICES = [("open", _("未办结")), ("closed", _("已办结"))]
# The uptake funnel: an item "reached" a step when its status is that step or a later one.
FUNNEL = (
    c.UptakeStatus.PUSHED,
    c.UptakeStatus.OFFERED,
    c.UptakeStatus.APPLIED,
    c.UptakeStatus.GRANTED,
    c.UptakeStatus.DELIVERED,
)
REACHED_CHOICES = [(s.value, s.label) for s in FUNNEL[1:]]


def reached_statuses(step: str) -> list[str]:
    return [s.value for s in FUNNEL[FUNNEL.index(step) :]]


AGE_CHOICES = [("7", _("超过7天")), ("30", _("超过30天")), ("90", _("超过90天"))]


class NeedFilterSet(filters.FilterSet):
    state = filters.ChoiceFilter(
        label=_("办理情况"), choices=OPEN_CHOICES, method="filter_state", empty_label=_("全部")
    )
    status = filters.ChoiceFilter(label=_("状态"), choices=c.NeedStatus.choices, empty_label=_("全部"))
    domain = filters.ChoiceFilter(label=_("需求领域"), choices=c.NeedDomain.choices, empty_label=_("全部"))
    urgency = filters.ChoiceFilter(label=_("紧急程度"), choices=c.Urgency.choices, empty_label=_("全部"))
    source = filters.ChoiceFilter(label=_("来源"), choices=c.NeedSource.choices, empty_label=_("全部"))
    group = filters.ChoiceFilter(
        label=_("分类对象"), choices=Group.choices, method="filter_group", empty_label=_("全部")
    )
    older_than = filters.ChoiceFilter(
        label=_("登记时长"), choices=AGE_CHOICES, method="filter_older_than", empty_label=_("全部")
    )
    town = ListedModelChoiceFilter(
        label=_("镇街"), queryset=_towns, field_name="household__town", empty_label=_("全部")
    )
    community = ListedModelChoiceFilter(
        label=_("村（社区）"), queryset=_communities, field_name="household__community", empty_label=_("全部")
    )
    household = IdFilter(label=_("家庭"), field_name="household_id", widget=forms.HiddenInput)
    recorded_after = filters.DateFilter(label=_("登记日期起"), method="filter_recorded")
    recorded_before = filters.DateFilter(label=_("登记日期止"), method="filter_recorded")
    met_after = filters.DateFilter(label=_("满足日期起"), field_name="met_on", lookup_expr="gte")
    met_before = filters.DateFilter(label=_("满足日期止"), field_name="met_on", lookup_expr="lte")
    open_on = filters.DateFilter(label=_("截至日期未办结"), method="filter_open_on")

    class Meta:
        model = Need
        fields = [
            "state",
            "status",
            "domain",
            "urgency",
            "source",
            "group",
            "older_than",
            "town",
            "community",
            "household",
            "recorded_after",
            "recorded_before",
            "met_after",
            "met_before",
            "open_on",
        ]

    def filter_recorded(self, queryset, name, value):
        from assessments.selectors import end_of_day, start_of_day

        if name.endswith("after"):
            return queryset.filter(recorded_at__gte=start_of_day(value))
        return queryset.filter(recorded_at__lt=end_of_day(value))

    def filter_open_on(self, queryset, name, value):
        return queryset.filter(need_open_on_q(value))

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=c.OPEN_NEED_STATUSES)
        return queryset.exclude(status__in=c.OPEN_NEED_STATUSES)

    def filter_group(self, queryset, name, value):
        from assessments.models import GroupDecision

        households = GroupDecision.objects.filter(group=value, active=True).values("person__household_id")
        return queryset.filter(household_id__in=households)

    def filter_older_than(self, queryset, name, value):
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=int(value))
        return queryset.filter(recorded_at__lt=cutoff)


def need_open_on_q(day: dt.date) -> Q:
    """Needs still open at the end of ``day``: recorded by then, not met by then (met is final,
    ``met_on`` its date), not closed unmet by then (a closed need's last change is its closing)."""
    from assessments.selectors import end_of_day

    cutoff = end_of_day(day)
    closed_by_then = Q(status=c.NeedStatus.CLOSED_UNMET, changed_at__lt=cutoff)
    return Q(recorded_at__lt=cutoff) & ~Q(met_on__lte=day) & ~closed_by_then


class CatalogItemFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("搜索"), field_name="name", lookup_expr="icontains")
    list_kind = filters.ChoiceFilter(
        label=_("所属清单"), choices=c.CatalogList.choices, empty_label=_("全部")
    )
    domain = filters.ChoiceFilter(label=_("需求领域"), choices=c.NeedDomain.choices, empty_label=_("全部"))
    provider = ListedModelChoiceFilter(
        label=_("提供方"), queryset=Provider.objects.all(), empty_label=_("全部")
    )
    is_active = filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = CatalogItem
        fields = ["q", "list_kind", "domain", "provider", "is_active"]


class ProviderFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("搜索"), field_name="name", lookup_expr="icontains")
    kind = filters.ChoiceFilter(label=_("类别"), choices=c.ProviderKind.choices, empty_label=_("全部"))

    class Meta:
        model = Provider
        fields = ["q", "kind"]


class RecommendationFilterSet(filters.FilterSet):
    state = filters.ChoiceFilter(
        label=_("办理情况"),
        choices=[("open", _("待跟进")), ("closed", _("已结束"))],
        method="filter_state",
        empty_label=_("全部"),
    )
    status = filters.ChoiceFilter(label=_("状态"), choices=c.UptakeStatus.choices, empty_label=_("全部"))
    item = ListedModelChoiceFilter(
        label=_("清单项目"), queryset=CatalogItem.objects.order_by("name"), empty_label=_("全部")
    )
    list_kind = filters.ChoiceFilter(
        label=_("所属清单"),
        choices=c.CatalogList.choices,
        field_name="item__list_kind",
        empty_label=_("全部"),
    )
    town = ListedModelChoiceFilter(
        label=_("镇街"), queryset=_towns, field_name="household__town", empty_label=_("全部")
    )
    community = ListedModelChoiceFilter(
        label=_("村（社区）"), queryset=_communities, field_name="household__community", empty_label=_("全部")
    )
    household = IdFilter(label=_("家庭"), field_name="household_id", widget=forms.HiddenInput)
    reached = filters.ChoiceFilter(
        label=_("已到环节"), choices=REACHED_CHOICES, method="filter_reached", empty_label=_("全部")
    )

    class Meta:
        model = Recommendation
        fields = ["state", "status", "item", "list_kind", "town", "community", "household", "reached"]

    def filter_reached(self, queryset, name, value):
        return queryset.filter(status__in=reached_statuses(value))

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=c.OPEN_UPTAKE_STATUSES)
        return queryset.exclude(status__in=c.OPEN_UPTAKE_STATUSES)


class CarePlanFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(label=_("状态"), choices=c.PlanStatus.choices, empty_label=_("全部"))
    review_due = filters.BooleanFilter(label=_("已到评估日期"), method="filter_review_due")
    town = ListedModelChoiceFilter(
        label=_("镇街"), queryset=_towns, field_name="household__town", empty_label=_("全部")
    )
    community = ListedModelChoiceFilter(
        label=_("村（社区）"), queryset=_communities, field_name="household__community", empty_label=_("全部")
    )
    household = IdFilter(label=_("家庭"), field_name="household_id", widget=forms.HiddenInput)

    class Meta:
        model = CarePlan
        fields = ["status", "review_due", "town", "community", "household"]

    def filter_review_due(self, queryset, name, value):
        due = Q(status=c.PlanStatus.ACTIVE, review_on__lte=dt.date.today())
        return queryset.filter(due) if value else queryset.exclude(due)


class PlanActionFilterSet(filters.FilterSet):
    """``plan`` is a plain id: an unscoped choice list would answer "no such plan" only for ids
    that do not exist anywhere, telling a worker which ids exist in other towns."""

    plan = IdFilter(label=_("方案"), field_name="plan_id")
    status = filters.ChoiceFilter(label=_("状态"), choices=c.ActionStatus.choices, empty_label=_("全部"))

    class Meta:
        model = PlanAction
        fields = ["plan", "status"]
