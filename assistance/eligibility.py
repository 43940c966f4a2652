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
