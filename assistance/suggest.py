"""Needs that a placement or a verified alert usually brings (domain.md steps 2-3).

They are only proposed: the worker accepts one from the follow-up task (it becomes a need with
source 分类筛查 or 监测预警) or leaves it; nothing is created silently.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from assessments import choices as ac
from households import choices as hc

from . import choices as c


@dataclass(frozen=True)
class Suggestion:
    domain: str
    description: str
    source: str

    @property
    def domain_label(self) -> str:
        return str(c.NeedDomain(self.domain).label)


DISABLED_CARE = {hc.CareLevel.MODERATE, hc.CareLevel.SEVERE, hc.CareLevel.TOTAL}


def for_group(group: str, person) -> list[Suggestion]:
    S = c.NeedSource.SCREENING
    if group == ac.Group.ELDERLY:
        out = []
        if person.care_level in DISABLED_CARE:
            out.append(Suggestion("care", _("失能老人需要照料护理服务"), S))
        if person.living_arrangement in (hc.LivingArrangement.ALONE, hc.LivingArrangement.EMPTY_NEST):
            out.append(Suggestion("safety", _("独居（空巢）老人居家安全与紧急呼叫"), S))
        return out or [Suggestion("living", _("特殊困难老年人基本生活保障"), S)]
    if group == ac.Group.DISABLED_ILL:
        out = [Suggestion("medical", _("重残重病人员医疗与康复帮扶"), S)]
        if person.disability_grade and person.disability_grade <= 2:
            out.append(Suggestion("care", _("重度残疾人护理照料"), S))
        return out
    simple = {
        ac.Group.CHILD: [("care", _("困境儿童监护与照料")), ("education", _("困境儿童就学保障"))],
        ac.Group.STUDENT: [("education", _("在读困难学生助学与劝返复学"))],
        ac.Group.UNEMPLOYED: [("employment", _("适龄未就业人员就业帮扶"))],
        ac.Group.HOUSING: [("housing", _("住房困难家庭住房保障"))],
        ac.Group.VAGRANT: [("living", _("流浪乞讨人员临时救助与安置"))],
    }
    return [Suggestion(domain, text, S) for domain, text in simple.get(group, [])]


ALERT_NEEDS = {
    ac.AlertKind.MEDICAL_BILL: [("medical", _("大额医疗支出，需要医疗救助"))],
    ac.AlertKind.SEVERE_DISABILITY: [
        ("care", _("新增重度残疾，需要护理照料")),
        ("medical", _("康复与辅具需求")),
    ],
    ac.AlertKind.JOB_LOSS: [("employment", _("失业，需要就业帮扶"))],
    ac.AlertKind.DEATH: [
        ("living", _("家庭成员死亡，基本生活受影响")),
        ("psychological", _("家属需要心理疏导")),
    ],
    ac.AlertKind.DROPOUT: [("education", _("辍学，需要劝返复学"))],
    ac.AlertKind.DISASTER: [("living", _("遭遇灾害，需要临时救助")), ("housing", _("灾后住房安全"))],
    ac.AlertKind.INCARCERATION: [("care", _("家庭成员服刑，留守家属需要照料"))],
    ac.AlertKind.INCOME_DROP: [("living", _("收入骤降，需要基本生活救助"))],
}


def for_alert(alert) -> list[Suggestion]:
    return [Suggestion(domain, text, c.NeedSource.ALERT) for domain, text in ALERT_NEEDS.get(alert.kind, [])]


def for_person(person) -> list[Suggestion]:
    """Suggestions from the person's current placements and confirmed alerts, minus the domains
    their household already has an open need in."""
    from assessments.models import Alert, GroupDecision

    from .models import Need

    suggestions: list[Suggestion] = []
    for group in GroupDecision.objects.filter(person=person, active=True).values_list("group", flat=True):
        suggestions += for_group(group, person)
    for alert in Alert.objects.filter(person=person, confirmed=True).exclude(status=ac.AlertStatus.PENDING):
        suggestions += for_alert(alert)
    open_domains = set(
        Need.objects.filter(household_id=person.household_id).open().values_list("domain", flat=True)
    )
    unique = {}
    for s in suggestions:
        if s.domain not in open_domains:
            unique.setdefault(s.domain, s)
    return list(unique.values())
