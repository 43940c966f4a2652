"""One FilterSet per model, used by the list pages and the API alike."""

import django_filters as filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter, ListedModelChoiceFilter
from core.models import Task
from households.filtersets import _communities, _towns
from households.models import search_matches

from . import choices as c
from .models import Alert, GroupDecision, Override, VagrantRecord
from .selectors import end_of_day, placed_on_q, start_of_day

YES_NO = [("1", _("是")), ("0", _("否"))]


def _person_search(queryset, prefix, value):
    return queryset.filter(**{f"{prefix}__in": search_matches(value)})


class GroupDecisionFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        label=_("搜索"), method="filter_q", help_text=_("姓名、拼音首字母或身份证号后4-6位")
    )
    group = filters.ChoiceFilter(label=_("分类"), choices=c.Group.choices)
    tier = filters.ChoiceFilter(label=_("风险等级"), choices=[t for t in c.Tier.choices if t[0]])
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_towns, field_name="person__town")
    community = ListedModelChoiceFilter(
        label=_("村（社区）"), queryset=_communities, field_name="person__community"
    )
    person = IdFilter(label=_("人员编号"), field_name="person_id")
    household = IdFilter(label=_("家庭编号"), field_name="person__household_id")
    active = filters.BooleanFilter(label=_("当前有效"))
    as_of = filters.DateFilter(label=_("截至日期在册"), method="filter_as_of")
    decided_after = filters.DateFilter(label=_("纳入日期起"), method="filter_between")
    decided_before = filters.DateFilter(label=_("纳入日期止"), method="filter_between")
    ended_after = filters.DateFilter(label=_("退出日期起"), method="filter_between")
    ended_before = filters.DateFilter(label=_("退出日期止"), method="filter_between")

    class Meta:
        model = GroupDecision
        fields = [
            "q",
            "group",
            "tier",
            "town",
            "community",
            "person",
            "household",
            "active",
            "as_of",
            "decided_after",
            "decided_before",
            "ended_after",
            "ended_before",
        ]

    def filter_q(self, queryset, name, value):
        return _person_search(queryset, "person", value)

    def filter_as_of(self, queryset, name, value):
        return queryset.filter(placed_on_q(value))

    def filter_between(self, queryset, name, value):
        """Local calendar days, both ends included (``decided_before=2026-03-31`` takes all of the 31st)."""
        field, side = name.rsplit("_", 1)
        column = f"{field}_at"
        if side == "after":
            return queryset.filter(**{f"{column}__gte": start_of_day(value)})
        return queryset.filter(**{f"{column}__lt": end_of_day(value)})


class OverrideFilterSet(filters.FilterSet):
    group = filters.ChoiceFilter(label=_("分类"), choices=c.Group.choices)
    verdict = filters.ChoiceFilter(label=_("人工认定"), choices=c.Verdict.choices)
    active = filters.BooleanFilter(label=_("有效"))
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_towns, field_name="person__town")
    community = ListedModelChoiceFilter(
        label=_("村（社区）"), queryset=_communities, field_name="person__community"
    )
    person = IdFilter(label=_("人员编号"), field_name="person_id")

    class Meta:
        model = Override
        fields = ["group", "verdict", "active", "town", "community", "person"]


def _task_assignees(request):
    """Workers the user may pick as a task's assignee filter: those of their own area."""
    from accounts.choices import Role
    from accounts.models import User

    user = getattr(request, "user", None)
    workers = User.objects.filter(role__in=[Role.TOWN_WORKER, Role.COMMUNITY_WORKER]).order_by("username")
    if user is None or not user.is_authenticated:
        return workers.none()
    if user.sees_whole_city:
        return workers
    if user.division_id is None:
        return workers.filter(pk=user.pk)
    return workers.filter(division__path__startswith=user.division.path)


class TaskFilterSet(filters.FilterSet):
    MINE, UNASSIGNED, ALL = "mine", "unassigned", "all"
    ANY_STATUS = "any"
    queue = filters.ChoiceFilter(
        label=_("范围"),
        choices=[(MINE, _("我的待办")), (UNASSIGNED, _("本辖区未指派")), (ALL, _("辖区全部"))],
        method="filter_queue",
        empty_label=None,
    )
    status = filters.ChoiceFilter(
        label=_("状态"),
        choices=[*Task.Status.choices, (ANY_STATUS, _("全部状态"))],
        method="filter_status",
        empty_label=None,
    )
    kind = filters.ChoiceFilter(label=_("类型"), choices=c.TaskKind.choices, empty_label=_("全部"))
    overdue = filters.BooleanFilter(label=_("已逾期"), method="filter_overdue")
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_towns, method="filter_area")
    community = ListedModelChoiceFilter(label=_("村（社区）"), queryset=_communities, method="filter_area")
    assignee = ListedModelChoiceFilter(label=_("负责人"), queryset=_task_assignees, empty_label=_("全部"))
    person = IdFilter(label=_("人员编号"), field_name="person_id")

    class Meta:
        model = Task
        fields = ["queue", "status", "kind", "overdue", "town", "community", "assignee", "person"]

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        user = getattr(self.request, "user", None)
        self.default_queue = self.ALL if getattr(user, "sees_whole_city", False) else self.MINE
        if self.data is not None and not self.data.get("queue"):
            self.data = self.data.copy()
            self.data["queue"] = self.default_queue  # city-wide roles have nothing assigned: all
        if self.data is not None and not self.data.get("status"):
            self.data = self.data.copy()
            self.data["status"] = Task.Status.OPEN

    def filter_queue(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value == self.MINE:
            return queryset.filter(assignee=user)
        if value == self.UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset if value == self.ANY_STATUS else queryset.filter(status=value)

    def filter_area(self, queryset, name, value):
        # A task carries its area: its household's, or (a community's baseline review) its own.
        return queryset.filter(**{name: value})

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=Task.Status.OPEN, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class AlertFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        label=_("搜索"), method="filter_q", help_text=_("姓名、拼音首字母或身份证号后4-6位")
    )
    kind = filters.ChoiceFilter(label=_("预警类型"), choices=c.AlertKind.choices)
    status = filters.ChoiceFilter(label=_("状态"), choices=c.AlertStatus.choices)
    source = filters.ChoiceFilter(label=_("来源"), choices=c.AlertSource.choices)
    outcome = filters.ChoiceFilter(label=_("处置结果"), choices=c.AlertOutcome.choices)
    overdue = filters.BooleanFilter(label=_("核实逾期"), method="filter_overdue")
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_towns)
    community = ListedModelChoiceFilter(
        label=_("村（社区）"), queryset=_communities, field_name="person__community"
    )
    person = IdFilter(label=_("人员编号"), field_name="person_id")

    class Meta:
        model = Alert
        fields = ["q", "kind", "status", "source", "outcome", "overdue", "town", "community", "person"]

    def filter_q(self, queryset, name, value):
        return _person_search(queryset, "person", value)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=c.AlertStatus.PENDING, verify_deadline__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class VagrantRecordFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("搜索"), method="filter_q", help_text=_("姓名或发现地点"))
    status = filters.ChoiceFilter(label=_("状态"), choices=c.VagrantStatus.choices)
    source = filters.ChoiceFilter(label=_("登记来源"), choices=c.VagrantSource.choices)
    tracing_status = filters.ChoiceFilter(label=_("寻亲情况"), choices=c.TracingStatus.choices)
    outcome = filters.ChoiceFilter(label=_("去向"), choices=c.VagrantOutcome.choices)
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_towns)
    community = ListedModelChoiceFilter(label=_("村（社区）"), queryset=_communities)
    found_after = filters.DateFilter(label=_("发现日期起"), field_name="found_on", lookup_expr="gte")
    found_before = filters.DateFilter(label=_("发现日期止"), field_name="found_on", lookup_expr="lte")

    class Meta:
        model = VagrantRecord
        fields = [
            "q",
            "status",
            "source",
            "tracing_status",
            "outcome",
            "town",
            "community",
            "found_after",
            "found_before",
        ]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__contains=value) | Q(found_place__contains=value))
