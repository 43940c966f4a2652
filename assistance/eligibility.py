"""Eligibility of a catalog item, in plain Chinese (and, for the push to come, as SQL)."""

from django.utils.translation import gettext as _

from assessments.choices import Group
from households.choices import AssistanceKind, DisabilityCategory

from .choices import HouseholdCondition

GRADE = {1: _("一级"), 2: _("一、二级"), 3: _("一至三级"), 4: _("一至四级")}


def _labels(codes, choices) -> str:
    names = dict(choices)
    return "、".join(str(names.get(code, code)) for code in codes)


def describe(item) -> list[str]:
    """One line per criterion, as a worker reads it: "分类对象：特殊困难老年人、重残重病人员"."""
    lines = []
    if item.groups:
        lines.append(_("分类对象（符合其一）：%s") % _labels(item.groups, Group.choices))
    if item.assistance_kinds:
        lines.append(_("救助身份（符合其一）：%s") % _labels(item.assistance_kinds, AssistanceKind.choices))
    if item.min_age is not None and item.max_age is not None:
        lines.append(_("年龄：%(min)s至%(max)s岁") % {"min": item.min_age, "max": item.max_age})
    elif item.min_age is not None:
        lines.append(_("年龄：%s岁及以上") % item.min_age)
    elif item.max_age is not None:
        lines.append(_("年龄：%s岁及以下") % item.max_age)
    if item.sex:
        lines.append(_("性别：%s") % (_("男") if item.sex == "male" else _("女")))
    if item.max_disability_grade:
        lines.append(_("残疾等级：%s") % GRADE.get(item.max_disability_grade, item.max_disability_grade))
    if item.disability_categories:
        lines.append(
            _("残疾类别（符合其一）：%s") % _labels(item.disability_categories, DisabilityCategory.choices)
        )
    if item.household_conditions:
        lines.append(
            _("家庭条件（符合其一）：%s") % _labels(item.household_conditions, HouseholdCondition.choices)
        )
    return lines


def reason(item, person, groups, kinds, household=None, on=None) -> str:
    """Why a person (or household) was pushed an item, in plain Chinese:
    "符合：特殊困难老年人；年龄 82 岁；独居". ``groups`` and ``kinds``: the person's current group
    and assistance-status codes (prefetched by the page)."""
    import datetime as dt

    from households.choices import LOW_INCOME_KINDS, Housing, LivingArrangement, SafetyGrade

    on = on or dt.date.today()
    group_names, kind_names = dict(Group.choices), dict(AssistanceKind.choices)
    parts = [str(group_names[g]) for g in item.groups if g in groups]
    parts += [str(kind_names[k]) for k in item.assistance_kinds if k in kinds]
    if person is not None and (item.min_age is not None or item.max_age is not None):
        parts.append(_("年龄 %s 岁") % person.age_on(on))
    if person is not None and item.max_disability_grade and person.disability_grade:
        parts.append(_("残疾等级 %s 级") % person.disability_grade)
    household = household or (person.household if person is not None else None)
    for condition in item.household_conditions:
        if condition == "low_income" and set(kinds) & set(LOW_INCOME_KINDS):
            parts.append(str(HouseholdCondition.LOW_INCOME.label))
        elif (
            condition == "living_alone"
            and person is not None
            and person.living_arrangement
            in (
                LivingArrangement.ALONE,
                LivingArrangement.EMPTY_NEST,
            )
        ):
            parts.append(str(LivingArrangement(person.living_arrangement).label))
        elif (
            condition == "unsafe_housing"
            and household is not None
            and (
                household.housing in (Housing.DANGEROUS, Housing.NONE)
                or household.safety_grade in (SafetyGrade.C, SafetyGrade.D)
            )
        ):
            parts.append(str(HouseholdCondition.UNSAFE_HOUSING.label))
        elif condition == "zero_employment" and household is not None and household.zero_employment:
            parts.append(str(HouseholdCondition.ZERO_EMPLOYMENT.label))
        elif condition == "special_family" and person is not None and person.special_family:
            parts.append(str(HouseholdCondition.SPECIAL_FAMILY.label))
    if not parts:
        return _("符合项目条件")
    return _("符合：%s") % "；".join(dict.fromkeys(parts))
