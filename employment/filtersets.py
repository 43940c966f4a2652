"""One FilterSet per list, shared by the pages and the API."""

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter, ListedModelChoiceFilter
from households import choices as hc
from households.filtersets import _communities, _towns
from households.models import Division, Person

from . import choices as c
from . import selectors
from .models import Placement, Post, Referral, SurveyContact, SurveyHousehold, Target, Training

ALL = _("全部")
BASIS_CHOICES = [
    ("unemployed", _("适龄未就业困难对象")),
    ("dibao", _("低保家庭适龄成员")),
    ("dibian", _("低边家庭适龄成员")),
]
YES_NO = [("yes", _("是")), ("no", _("否"))]


def _town_filter(path="person__household__town"):
    return ListedModelChoiceFilter(label=_("镇街"), queryset=_towns, field_name=path, empty_label=ALL)


def _community_filter(path="person__household__community"):
    return ListedModelChoiceFilter(
        label=_("村（社区）"), queryset=_communities, field_name=path, empty_label=ALL
    )


class _PersonSearch(filters.FilterSet):
    q = filters.CharFilter(
        label=_("搜索"), method="filter_q", help_text=_("姓名、拼音首字母或身份证号后4-6位")
    )
    person = IdFilter(label=_("人员"), field_name="person_id", widget=forms.HiddenInput)

    def filter_q(self, queryset, name, value):
        return queryset.filter(person__in=Person.objects.search(value).values("pk"))


class TargetFilterSet(filters.FilterSet):
    """帮扶对象 (people, not records): who the drive is for, with their situation."""

    q = filters.CharFilter(
        label=_("搜索"), method="filter_q", help_text=_("姓名、拼音首字母或身份证号后4-6位")
    )
    basis = filters.ChoiceFilter(
        label=_("纳入依据"), choices=BASIS_CHOICES, method="filter_basis", empty_label=ALL
    )
    employment = filters.ChoiceFilter(label=_("就业状况"), choices=hc.Employment.choices, empty_label=ALL)
    intention = filters.ChoiceFilter(
        label=_("就业意向"),
        choices=c.Intention.choices,
        field_name="employment_profile__intention",
        empty_label=ALL,
    )
    town = _town_filter("household__town")
    community = _community_filter("household__community")
    surveyed = filters.ChoiceFilter(
        label=_("已摸排"), choices=YES_NO, method="filter_surveyed", empty_label=ALL
    )
    placed = filters.ChoiceFilter(
        label=_("公益性岗位在岗"), choices=YES_NO, method="filter_placed", empty_label=ALL
    )
    sex = filters.ChoiceFilter(label=_("性别"), choices=hc.Sex.choices, empty_label=ALL)

    class Meta:
        model = Target
        fields = ["q", "basis", "employment", "intention", "town", "community", "surveyed", "placed", "sex"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_basis(self, queryset, name, value):
        # The summary row's flag (a partial index per basis), not the rule over the registry.
        return queryset.filter(**{f"employment_target__{value}": True})

    def filter_surveyed(self, queryset, name, value):
        # A target's household has a summary row with its last contact date.
        return queryset.filter(household__survey_share__last_contact__isnull=value != "yes")

    def filter_placed(self, queryset, name, value):
        active = Exists(Placement.objects.filter(person=OuterRef("pk"), status=c.PlacementStatus.ACTIVE))
        return queryset.filter(active if value == "yes" else ~active)


class TrainingFilterSet(_PersonSearch):
    status = filters.ChoiceFilter(label=_("状态"), choices=c.TrainingStatus.choices, empty_label=ALL)
    course = filters.CharFilter(label=_("培训项目"), lookup_expr="icontains")
    town = _town_filter()
    community = _community_filter()

    class Meta:
        model = Training
        fields = ["q", "status", "course", "town", "community", "person"]


class PostFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("搜索"), method="filter_q", help_text=_("岗位名称或用人单位"))
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_towns, empty_label=ALL)
    vacancy = filters.ChoiceFilter(
        label=_("有空岗"), choices=YES_NO, method="filter_vacancy", empty_label=ALL
    )
    is_active = filters.ChoiceFilter(
        label=_("招用中"), choices=[("true", _("是")), ("false", _("否"))], empty_label=ALL
    )

    class Meta:
        model = Post
        fields = ["q", "town", "vacancy", "is_active"]

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(employer__icontains=value))

    def filter_vacancy(self, queryset, name, value):
        from django.db.models import F

        return (
            queryset.filter(filled__lt=F("capacity"))
            if value == "yes"
            else queryset.filter(filled__gte=F("capacity"))
        )


class PlacementFilterSet(_PersonSearch):
    status = filters.ChoiceFilter(label=_("状态"), choices=c.PlacementStatus.choices, empty_label=ALL)
    due = filters.ChoiceFilter(
        label=_("任职期满未离岗"), choices=YES_NO, method="filter_due", empty_label=ALL
    )
    post = IdFilter(label=_("岗位"), field_name="post_id", widget=forms.HiddenInput)
    town = _town_filter()
    community = _community_filter()

    class Meta:
        model = Placement
        fields = ["q", "status", "due", "town", "community", "post", "person"]

    def filter_due(self, queryset, name, value):
        due = {"status": c.PlacementStatus.ACTIVE, "planned_end__lt": timezone.localdate()}
        return queryset.filter(**due) if value == "yes" else queryset.exclude(**due)


class ReferralFilterSet(_PersonSearch):
    kind = filters.ChoiceFilter(label=_("方式"), choices=c.ReferralKind.choices, empty_label=ALL)
    outcome = filters.ChoiceFilter(label=_("结果"), choices=c.ReferralOutcome.choices, empty_label=ALL)
    town = _town_filter()
    community = _community_filter()

    class Meta:
        model = Referral
        fields = ["q", "kind", "outcome", "town", "community", "person"]


SURVEY_STATE_CHOICES = [
    ("target", _("应摸排家庭")),
    ("surveyed", _("已摸排")),
    ("on_site", _("入户走访")),
    ("phone", _("电话联系")),
    ("reached", _("已联系上")),
    ("not_reached", _("均未联系上")),
    ("not_surveyed", _("未摸排")),
]


class SurveyContactFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        label=_("搜索"), method="filter_q", help_text=_("家庭成员姓名、拼音首字母或身份证号后4-6位")
    )
    method = filters.ChoiceFilter(label=_("方式"), choices=c.SurveyMethod.choices, empty_label=ALL)
    result = filters.ChoiceFilter(label=_("结果"), choices=c.SurveyResult.choices, empty_label=ALL)
    town = _town_filter("household__town")
    community = _community_filter("household__community")
    since = filters.DateFilter(
        label=_("联系日期起"),
        field_name="contacted_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    household = IdFilter(label=_("家庭"), field_name="household_id", widget=forms.HiddenInput)

    class Meta:
        model = SurveyContact
        fields = ["q", "method", "result", "town", "community", "since", "household"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(household_id__in=Person.objects.search(value).values("household_id"))


def _progress_towns(request):
    user = getattr(request, "user", None)
    return (
        selectors.visible_towns(user)
        if user is not None and user.is_authenticated
        else Division.objects.none()
    )


class SurveyHouseholdFilterSet(filters.FilterSet):
    """The households behind each number of the survey page (household list, not contacts)."""

    state = filters.ChoiceFilter(
        label=_("摸排情况"), choices=SURVEY_STATE_CHOICES, method="filter_state", empty_label=None
    )
    # The towns of the survey page's rows (a community worker's own town too).
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_progress_towns, empty_label=ALL)
    community = ListedModelChoiceFilter(label=_("村（社区）"), queryset=_communities, empty_label=ALL)
    since = filters.DateFilter(
        label=_("联系日期起"), method="filter_since", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = SurveyHousehold
        fields = ["state", "town", "community", "since"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        return selectors.households_in_state(queryset, data.get("state") or "target", data.get("since"))

    def filter_state(self, queryset, name, value):
        return queryset  # applied with ``since`` in filter_queryset

    def filter_since(self, queryset, name, value):
        return queryset
