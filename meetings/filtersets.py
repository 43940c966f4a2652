"""One FilterSet per model, used by the list pages and the API alike."""

import datetime as dt

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter, ListedModelChoiceFilter
from households.filtersets import _communities, _towns

from . import choices as c
from .models import Department, JointCase, Meeting, ResolutionTask

OPEN_CHOICES = [("open", _("未办结")), ("closed", _("已办结"))]


def _departments(request):
    return (
        Department.objects.restrict(getattr(request, "user", None)) if request else Department.objects.none()
    )


class JointCaseFilterSet(filters.FilterSet):
    state = filters.ChoiceFilter(
        label=_("办理情况"), choices=OPEN_CHOICES, method="filter_state", empty_label=_("全部")
    )
    status = filters.ChoiceFilter(label=_("状态"), choices=c.CaseStatus.choices, empty_label=_("全部"))
    town = ListedModelChoiceFilter(
        label=_("镇街"), queryset=_towns, field_name="household__town", empty_label=_("全部")
    )
    community = ListedModelChoiceFilter(
        label=_("村（社区）"), queryset=_communities, field_name="household__community", empty_label=_("全部")
    )
    meeting = IdFilter(label=_("会议"), field_name="meeting_id", widget=forms.HiddenInput)
    household = IdFilter(label=_("家庭"), field_name="household_id", widget=forms.HiddenInput)

    class Meta:
        model = JointCase
        fields = ["state", "status", "town", "community", "meeting", "household"]

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=c.OPEN_CASE_STATUSES)
        if value == "closed":
            return queryset.exclude(status__in=c.OPEN_CASE_STATUSES)
        return queryset


class MeetingFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(label=_("状态"), choices=c.MeetingStatus.choices, empty_label=_("全部"))
    year = filters.NumberFilter(label=_("年度"), field_name="held_on__year", min_value=2000, max_value=2100)

    class Meta:
        model = Meeting
        fields = ["status", "year"]


class ResolutionTaskFilterSet(filters.FilterSet):
    state = filters.ChoiceFilter(
        label=_("办理情况"),
        choices=[("open", _("未完成")), ("overdue", _("已逾期")), ("closed", _("已完成"))],
        method="filter_state",
        empty_label=_("全部"),
    )
    status = filters.ChoiceFilter(label=_("状态"), choices=c.TaskStatus.choices, empty_label=_("全部"))
    department = ListedModelChoiceFilter(label=_("责任单位"), queryset=_departments, empty_label=_("全部"))
    case = IdFilter(label=_("案件"), field_name="case_id", widget=forms.HiddenInput)
    # The managers' dashboard links here per area (issue #14).
    town = ListedModelChoiceFilter(
        label=_("镇街"), queryset=_towns, field_name="case__household__town", empty_label=_("全部")
    )
    community = ListedModelChoiceFilter(
        label=_("村（社区）"),
        queryset=_communities,
        field_name="case__household__community",
        empty_label=_("全部"),
    )

    class Meta:
        model = ResolutionTask
        fields = ["state", "status", "department", "town", "community", "case"]

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=c.OPEN_TASK_STATUSES)
        if value == "overdue":
            return queryset.filter(status__in=c.OPEN_TASK_STATUSES, deadline__lt=dt.date.today())
        if value == "closed":
            return queryset.exclude(status__in=c.OPEN_TASK_STATUSES)
        return queryset


class DepartmentFilterSet(filters.FilterSet):
    class Meta:
        model = Department
        fields = ["is_active"]
