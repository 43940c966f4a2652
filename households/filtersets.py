"""One FilterSet per model, used by the list pages and the API alike."""

import datetime as dt

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter, ListedModelChoiceFilter

from . import choices as c
from .models import AssistanceStatus, Division, Household, Person, search_matches


def _group_choices():
    from assessments.choices import Group

    return [("any", _("任一分类")), *Group.choices]


def _in_group(queryset, filterset, person_path: str, value):
    """Rows with a person in ``value`` (a group or "any") at the end of ``group_on`` (default today).

    The dashboards link here: a number of persons or households in a group, as of a day, lands on
    exactly that many rows."""
    from assessments.selectors import members_on

    day = filterset.form.cleaned_data.get("group_on") or dt.date.today()
    return queryset.filter(**{f"{person_path}__in": members_on(day, value).values("person_id")})


def _area_divisions(request, level):
    user = getattr(request, "user", None)
    return Division.objects.restrict(user).filter(level=level) if user else Division.objects.none()


def _towns(request):
    return _area_divisions(request, c.DivisionLevel.TOWN)


def _communities(request):
    return _area_divisions(request, c.DivisionLevel.COMMUNITY).select_related("parent")


class HouseholdFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        label=_("搜索"), method="filter_q", help_text=_("姓名、拼音首字母、身份证号后4-6位或完整号码")
    )
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_towns)
    community = ListedModelChoiceFilter(label=_("村（社区）"), queryset=_communities)
    status = filters.ChoiceFilter(label=_("状态"), choices=c.RecordStatus.choices)
    housing = filters.ChoiceFilter(label=_("住房情况"), choices=c.Housing.choices)
    safety_grade = filters.ChoiceFilter(label=_("房屋安全等级"), choices=c.SafetyGrade.choices)
    assistance = filters.ChoiceFilter(
        label=_("救助类型"), choices=c.AssistanceKind.choices, method="filter_assistance"
    )
    code = filters.CharFilter(label=_("户编号"))
    group = filters.ChoiceFilter(label=_("分类对象"), choices=_group_choices, method="filter_group")
    group_on = filters.DateFilter(label=_("分类截至日期"), method="filter_nothing")

    class Meta:
        model = Household
        fields = [
            "q",
            "town",
            "community",
            "status",
            "housing",
            "safety_grade",
            "assistance",
            "code",
            "group",
            "group_on",
        ]

    def filter_group(self, queryset, name, value: str):
        return queryset.filter(
            pk__in=_in_group(Person.objects.all(), self, "pk", value).values("household_id")
        )

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_group

    def filter_q(self, queryset, name, value):
        return queryset.filter(pk__in=search_matches(value, "household_id"))

    def filter_assistance(self, queryset, name, value):
        holders = AssistanceStatus.objects.current().filter(kind=value).values("person__household_id")
        return queryset.filter(pk__in=holders)


class PersonFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        label=_("搜索"), method="filter_q", help_text=_("姓名、拼音首字母、身份证号后4-6位或完整号码")
    )
    id_number = filters.CharFilter(label=_("身份证号码"), method="filter_id_number")
    household = IdFilter(label=_("家庭编号"), field_name="household_id")
    town = ListedModelChoiceFilter(label=_("镇街"), queryset=_towns, field_name="town")
    community = ListedModelChoiceFilter(label=_("村（社区）"), queryset=_communities, field_name="community")
    sex = filters.ChoiceFilter(label=_("性别"), choices=c.Sex.choices)
    relation = filters.ChoiceFilter(label=_("与户主关系"), choices=c.Relation.choices)
    status = filters.ChoiceFilter(label=_("状态"), choices=c.PersonStatus.choices)
    assistance = filters.ChoiceFilter(
        label=_("救助类型"), choices=c.AssistanceKind.choices, method="filter_assistance"
    )
    disability_grade = filters.ChoiceFilter(label=_("残疾等级"), choices=c.DisabilityGrade.choices)
    disability_category = filters.ChoiceFilter(label=_("残疾类别"), choices=c.DisabilityCategory.choices)
    care_level = filters.ChoiceFilter(label=_("失能等级"), choices=c.CareLevel.choices)
    employment = filters.ChoiceFilter(label=_("就业状况"), choices=c.Employment.choices)
    school_stage = filters.ChoiceFilter(label=_("在读学段"), choices=c.SchoolStage.choices)
    living_arrangement = filters.ChoiceFilter(label=_("居住情况"), choices=c.LivingArrangement.choices)
    age_min = filters.NumberFilter(label=_("最小年龄"), method="filter_age_min", min_value=0, max_value=150)
    age_max = filters.NumberFilter(label=_("最大年龄"), method="filter_age_max", min_value=0, max_value=150)
    needs_review = filters.BooleanFilter(label=_("待核查"))
    group = filters.ChoiceFilter(label=_("分类对象"), choices=_group_choices, method="filter_group")
    group_on = filters.DateFilter(label=_("分类截至日期"), method="filter_nothing")

    class Meta:
        model = Person
        fields = [
            "q",
            "id_number",
            "household",
            "town",
            "community",
            "sex",
            "relation",
            "status",
            "assistance",
            "disability_grade",
            "disability_category",
            "care_level",
            "employment",
            "school_stage",
            "living_arrangement",
            "age_min",
            "age_max",
            "needs_review",
            "group",
            "group_on",
        ]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_group(self, queryset, name, value: str):
        return _in_group(queryset, self, "pk", value)

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_group

    def filter_id_number(self, queryset, name, value):
        from core import idnumber

        try:
            parsed = idnumber.parse(value)
        except idnumber.IdNumberError:
            return queryset.none()
        return queryset.filter(id_hash=idnumber.id_hash(parsed.value))

    def filter_assistance(self, queryset, name, value):
        return queryset.filter(
            pk__in=AssistanceStatus.objects.current().filter(kind=value).values("person_id")
        )

    @staticmethod
    def _years_ago(years: int) -> dt.date:
        today = dt.date.today()
        try:
            return today.replace(year=today.year - years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - years, day=28)

    def filter_age_min(self, queryset, name, value):
        return queryset.filter(birth_date__lte=self._years_ago(int(value)))

    def filter_age_max(self, queryset, name, value):
        return queryset.filter(birth_date__gt=self._years_ago(int(value) + 1))


class DivisionFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("名称"), method="filter_q")
    level = filters.ChoiceFilter(label=_("层级"), choices=c.DivisionLevel.choices)
    parent = filters.CharFilter(label=_("上级代码"), field_name="parent__code")
    is_demo = filters.BooleanFilter(label=_("演示数据"))

    class Meta:
        model = Division
        fields = ["q", "level", "parent", "is_demo", "is_active"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value))


class AssistanceStatusFilterSet(filters.FilterSet):
    person = IdFilter(field_name="person_id")
    kind = filters.ChoiceFilter(choices=c.AssistanceKind.choices)
    source = filters.ChoiceFilter(choices=c.AssistanceSource.choices)
    current = filters.BooleanFilter(method="filter_current", label=_("当前有效"))

    class Meta:
        model = AssistanceStatus
        fields = ["person", "kind", "source", "current"]

    def filter_current(self, queryset, name, value):
        current = queryset.current()
        return current if value else queryset.exclude(pk__in=current.values("pk"))
