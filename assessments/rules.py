"""The screening rules of domain.md section 2, in one place.

A person's facts are reduced to a set of yes/no *conditions* (bits of one integer, the
"signature"): "age >= the elderly age", "lives alone", "household is low-income"... Group
membership and risk tier are pure functions of the signature (``groups_from_signature``), so the
bulk path can compute the signature in SQL (``screening.signature_sql``) and the same code decides
groups for both paths. ``signature_for`` is the pure-Python twin of the SQL (used for the
row-by-row baseline and checked against the SQL in tests). ``evidence_for`` adds the values
behind a decision (age 82, 独居...) and ``explain`` turns the evidence into plain Chinese.

The fingerprint of a decision is the part of the signature its group depends on: a worker's
confirm/reject holds while that part is unchanged (ageing from 82 to 83 changes nothing; moving
out of 独居 does).
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households import choices as hc
from households.policy import policy_value, register

from . import retirement
from .choices import Group, Tier

# Bump when a rule changes meaning: every person is re-evaluated on the next run.
RULE_VERSION = "2026.11-1"

# key -> (label, unit, default). Ages are in whole years; "under N" means age < N.
PARAMETERS = {
    "screen_school_age_min": (gettext_lazy("义务教育起始年龄（辍学预警）"), gettext_lazy("岁"), 6),
    "screen_school_age_max": (gettext_lazy("义务教育截止年龄（辍学预警）"), gettext_lazy("岁"), 15),
    "screen_dropout_age_max": (gettext_lazy("辍学预警上限年龄（未就学未就业）"), gettext_lazy("岁"), 18),
    "screen_working_age_min": (gettext_lazy("劳动年龄下限"), gettext_lazy("岁"), 16),
    "screen_child_age": (gettext_lazy("困境儿童年龄上限（不满）"), gettext_lazy("岁"), 18),
    "screen_left_behind_age": (gettext_lazy("留守儿童年龄上限（不满）"), gettext_lazy("岁"), 16),
    "screen_elderly_age": (gettext_lazy("特殊困难老年人起始年龄"), gettext_lazy("岁"), 60),
    "screen_high_age": (gettext_lazy("高龄老人年龄"), gettext_lazy("岁"), 80),
    "screen_task_due_days": (gettext_lazy("分类变化跟进期限"), gettext_lazy("天"), 7),
    "screen_high_risk_due_days": (gettext_lazy("高风险跟进期限"), gettext_lazy("天"), 2),
    "alert_verify_days": (gettext_lazy("预警核实期限"), gettext_lazy("天"), 5),
}


# Rule ids stored in the evidence (stable codes) -> what a worker reads.
RULE_LABELS = {
    "student.enrolled": gettext_lazy("在读困难学生：低收入、孤儿或残疾家庭的在读学生"),
    "student.dropout": gettext_lazy("因贫辍学：适龄未在读的低收入家庭子女"),
    "unemployed.working_age": gettext_lazy("适龄未就业：劳动年龄内有劳动能力、未就业的低收入人员"),
    "disabled_ill.grade": gettext_lazy("重度残疾：一、二级残疾或三、四级精神、智力残疾"),
    "disabled_ill.illness": gettext_lazy("重病：患重特大疾病"),
    "elderly.special": gettext_lazy("特殊困难老年人：独居、空巢、失能、重残或计生特殊家庭等"),
    "elderly.high_age": gettext_lazy("高龄低收入老年人"),
    "child.distress": gettext_lazy("困境儿童：孤儿、事实无人抚养、低收入、残疾重病或监护缺失"),
    "housing.low_income": gettext_lazy("住房困难：低收入家庭住危房、无房或租房"),
    "vagrant.record": gettext_lazy("流浪乞讨：救助站或街面巡查登记且符合全部条件"),
}


def rule_label(rule: str | None) -> str:
    """The Chinese name of a rule id; an unknown id (an older rule set) by its group's name."""
    if not rule:
        return ""
    if rule in RULE_LABELS:
        return str(RULE_LABELS[rule])
    group = rule.split(".")[0]
    return str(Group(group).label) if group in Group.values else _("（已停用的规则）")


def param_labels(values: dict | None) -> list[str]:
    """Parameters as "label：value unit", in the order of PARAMETERS (never the raw key)."""
    values = values or {}
    return [
        f"{label}：{values[key]} {unit}".strip()
        for key, (label, unit, _default) in PARAMETERS.items()
        if key in values
    ]


def register_parameters() -> None:
    for key, (label, unit, default) in PARAMETERS.items():
        register(key, label, unit, default)


def years_before(day: dt.date, years: int) -> dt.date:
    """The latest birth date that is ``years`` old on ``day`` (29 Feb counts as 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class Params:
    """The parameters in force on one reference date, and the cut-off birth dates they imply."""

    on: dt.date
    values: dict[str, int]
    version: str

    @classmethod
    def load(cls, on: dt.date | None = None) -> "Params":
        on = on or dt.date.today()
        values = {}
        for key, (_label, _unit, default) in PARAMETERS.items():
            value = policy_value(key, on)
            values[key] = int(value if value is not None else Decimal(default))
        digest = hashlib.sha1(";".join(f"{k}={v}" for k, v in sorted(values.items())).encode()).hexdigest()[
            :8
        ]
        return cls(on=on, values=values, version=digest)

    def __getitem__(self, key: str) -> int:
        return self.values[key]

    def born_by(self, years: int) -> dt.date:
        """age >= years  <=>  birth_date <= born_by(years)."""
        return years_before(self.on, years)

    def age_cutoffs(self) -> dict[str, dt.date]:
        v = self.values
        return {
            "age_school_min": self.born_by(v["screen_school_age_min"]),
            "age_over_school_max": self.born_by(v["screen_school_age_max"] + 1),
            "age_over_dropout_max": self.born_by(v["screen_dropout_age_max"] + 1),
            "age_working_min": self.born_by(v["screen_working_age_min"]),
            "age_child": self.born_by(v["screen_child_age"]),
            "age_left_behind": self.born_by(v["screen_left_behind_age"]),
            "age_elderly": self.born_by(v["screen_elderly_age"]),
            "age_high": self.born_by(v["screen_high_age"]),
        }

    def retired_cutoffs(self) -> dict[str, dt.date]:
        return {
            "male": retirement.retired_cutoff(retirement.MALE, self.on),
            "female": retirement.retired_cutoff(retirement.FEMALE_55, self.on),
        }


# ---------------------------------------------------------------------------------------------
# Conditions (bits of the signature). Append new bits at the end and bump RULE_VERSION.
# Age bits mean "age >= the parameter" (age_over_* means "older than the maximum").
BIT_NAMES = [
    "screened",  # person and household are active on the roster
    "low_income",  # a household member holds a current 低保/特困/低边/刚性支出 status
    "zero_employment",
    "age_school_min",
    "age_over_school_max",
    "age_over_dropout_max",
    "age_working_min",
    "age_child",
    "age_left_behind",
    "age_elderly",
    "age_high",
    "retired",  # statutory retirement age reached (by sex and birth date)
    "enrolled",  # 学前 to 本科
    "not_enrolled",  # recorded as 辍学 or 未入学 (a blank school stage is "unknown", not a dropout)
    "employment_student",
    "employed",  # 在业, 灵活就业, 务农
    "jobless",  # 失业, 未就业
    "no_labor",  # 完全丧失劳动能力
    "orphan",  # 孤儿 status, or both parents dead / declared missing
    "de_facto",  # 事实无人抚养 status, or the parent sub-rule
    "disabled",  # any disability grade
    "grade_1_2",
    "grade_3_4_mental",  # grade 3-4 of category 智力 or 精神
    "serious_illness",
    "care_dependent",  # 失能: 中度 or worse
    "alone",
    "empty_nest",
    "left_behind",
    "special_family",
    "guardianship_bad",  # 监护缺失 or 监护不当
    "house_dangerous",  # safety grade C/D, or housing recorded as 危房
    "no_home",
    "renting",  # 租住 (public rental housing is not counted)
    "vagrant",  # an open, eligible relief-station/outreach record is linked to the person
    # Not a rule input: the person's own low-income status. The nightly pass compares
    # everything but the household-level "low_income" bit person by person, and this bit tells
    # it which households to re-evaluate as a whole (see screening.rescreen).
    "own_low_income",
]
BIT = {name: 1 << index for index, name in enumerate(BIT_NAMES)}

ENROLLED = sorted(str(s) for s in hc.ENROLLED_STAGES)
NOT_ENROLLED = [hc.SchoolStage.DROPPED_OUT.value, hc.SchoolStage.NOT_ENROLLED.value]
EMPLOYED = [hc.Employment.EMPLOYED.value, hc.Employment.FLEXIBLE.value, hc.Employment.FARMING.value]
JOBLESS = [hc.Employment.UNEMPLOYED.value, hc.Employment.NEVER_EMPLOYED.value]
CARE_DEPENDENT = [hc.CareLevel.MODERATE.value, hc.CareLevel.SEVERE.value, hc.CareLevel.TOTAL.value]
MENTAL = [hc.DisabilityCategory.INTELLECTUAL.value, hc.DisabilityCategory.MENTAL.value]
BAD_GUARDIANSHIP = [hc.Guardianship.MISSING.value, hc.Guardianship.IMPROPER.value]
INCAPACITATED = sorted(str(s) for s in hc.INCAPACITATED_PARENT)
ABSENT = sorted(str(s) for s in hc.ABSENT_PARENT)
LOW_INCOME = sorted(str(k) for k in hc.LOW_INCOME_KINDS)
DANGEROUS_GRADES = [hc.SafetyGrade.C.value, hc.SafetyGrade.D.value]

# The conditions each group depends on: the decision fingerprint is signature & GROUP_BITS[group].
_GROUP_CONDITIONS = {
    Group.STUDENT: [
        "low_income",
        "age_school_min",
        "age_over_school_max",
        "age_over_dropout_max",
        "enrolled",
        "not_enrolled",
        "employed",
        "orphan",
        "de_facto",
        "disabled",
    ],
    Group.UNEMPLOYED: [
        "low_income",
        "zero_employment",
        "age_working_min",
        "retired",
        "enrolled",
        "employment_student",
        "jobless",
        "no_labor",
    ],
    Group.DISABLED_ILL: ["grade_1_2", "grade_3_4_mental", "serious_illness"],
    Group.ELDERLY: [
        "low_income",
        "age_elderly",
        "age_high",
        "alone",
        "empty_nest",
        "left_behind",
        "care_dependent",
        "grade_1_2",
        "special_family",
    ],
    Group.CHILD: [
        "low_income",
        "age_child",
        "age_left_behind",
        "orphan",
        "de_facto",
        "disabled",
        "serious_illness",
        "guardianship_bad",
        "left_behind",
    ],
    Group.HOUSING: ["low_income", "house_dangerous", "no_home", "renting"],
    Group.VAGRANT: ["vagrant"],
}
GROUP_BITS = {
    group: BIT["screened"] | sum(BIT[name] for name in names) for group, names in _GROUP_CONDITIONS.items()
}


def fingerprint(signature: int, group: str) -> int:
    return signature & GROUP_BITS[group]


def _has(signature: int, name: str) -> bool:
    return bool(signature & BIT[name])


def _student(s: int) -> tuple[bool, str]:
    h = lambda n: _has(s, n)  # noqa: E731
    supported = h("low_income") or h("orphan") or h("de_facto") or h("disabled")
    if h("enrolled") and supported:
        return True, Tier.NORMAL
    compulsory_age = h("age_school_min") and not h("age_over_school_max")
    later_age = h("age_over_school_max") and not h("age_over_dropout_max")
    dropout = h("low_income") and h("not_enrolled") and (compulsory_age or (later_age and not h("employed")))
    return dropout, Tier.DROPOUT if dropout else Tier.NORMAL


def _unemployed(s: int) -> tuple[bool, str]:
    h = lambda n: _has(s, n)  # noqa: E731
    member = (
        h("age_working_min")
        and not h("retired")
        and not h("no_labor")
        and h("jobless")
        and not h("enrolled")
        and not h("employment_student")
        and (h("low_income") or h("zero_employment"))
    )
    return member, Tier.NORMAL


def _disabled_ill(s: int) -> tuple[bool, str]:
    return _has(s, "grade_1_2") or _has(s, "grade_3_4_mental") or _has(s, "serious_illness"), Tier.NORMAL


def _elderly(s: int) -> tuple[bool, str]:
    h = lambda n: _has(s, n)  # noqa: E731
    special = any(
        h(n) for n in ("alone", "empty_nest", "left_behind", "care_dependent", "grade_1_2", "special_family")
    )
    member = (h("age_elderly") and special) or (h("age_high") and h("low_income"))
    high_risk = member and (
        (h("age_high") and (h("alone") or h("empty_nest") or h("left_behind")))
        or (h("care_dependent") and h("alone"))
    )
    return member, Tier.HIGH_RISK if high_risk else Tier.NORMAL


def _child(s: int) -> tuple[bool, str]:
    h = lambda n: _has(s, n)  # noqa: E731
    member = not h("age_child") and (
        h("orphan")
        or h("de_facto")
        or h("low_income")
        or h("disabled")
        or h("serious_illness")
        or h("guardianship_bad")
        or (h("left_behind") and not h("age_left_behind"))
    )
    return member, Tier.NORMAL


def _housing(s: int) -> tuple[bool, str]:
    h = lambda n: _has(s, n)  # noqa: E731
    return h("low_income") and (h("house_dangerous") or h("no_home") or h("renting")), Tier.NORMAL


def _vagrant(s: int) -> tuple[bool, str]:
    return _has(s, "vagrant"), Tier.NORMAL


_RULES = {
    Group.STUDENT: _student,
    Group.UNEMPLOYED: _unemployed,
    Group.DISABLED_ILL: _disabled_ill,
    Group.ELDERLY: _elderly,
    Group.CHILD: _child,
    Group.HOUSING: _housing,
    Group.VAGRANT: _vagrant,
}


@lru_cache(maxsize=65536)
def group_view(signature: int) -> tuple:
    """What a signature means for the decisions: (group, tier, fingerprint) of each placement."""
    return tuple(
        (group, tier, fingerprint(signature, group))
        for group, tier in groups_from_signature(signature).items()
    )


def groups_from_signature(signature: int) -> dict[str, str]:
    """{group code: tier} of the groups the rules place a person with this signature in."""
    if not signature & BIT["screened"]:
        return {}
    placed = {}
    for group, rule in _RULES.items():
        member, tier = rule(signature)
        if member:
            placed[group.value] = str(tier)
    return placed


# ---------------------------------------------------------------------------------------------
# Facts: the values behind the conditions (for evidence text and the pure-Python evaluation).


@dataclass
class Facts:
    person_id: int
    household_id: int
    name: str
    sex: str
    birth_date: dt.date
    status: str = hc.PersonStatus.ACTIVE
    household_status: str = hc.RecordStatus.ACTIVE
    disability_category: str = ""
    disability_grade: int | None = None
    serious_illness: str = ""
    care_level: str = ""
    labor_capacity: str = ""
    employment: str = ""
    school_stage: str = ""
    living_arrangement: str = ""
    special_family: bool = False
    father_situation: str = ""
    mother_situation: str = ""
    guardianship: str = ""
    housing: str = ""
    safety_grade: str = ""
    zero_employment: bool = False
    household_kinds: frozenset = field(default_factory=frozenset)  # current low-income kinds
    own_kinds: frozenset = field(default_factory=frozenset)  # the person's own current status kinds
    vagrant_place: str | None = None  # where found, if an open eligible record is linked
    town_id: int | None = None
    community_id: int | None = None

    PERSON_FIELDS = hc.CIRCUMSTANCE_FIELDS

    def age(self, on: dt.date) -> int:
        return age_on(self.birth_date, on)


def _parents_de_facto(father: str, mother: str) -> bool:
    return (father in INCAPACITATED and mother in INCAPACITATED) or (
        (father in ABSENT and mother in INCAPACITATED) or (father in INCAPACITATED and mother in ABSENT)
    )


def conditions_for(f: Facts, params: Params) -> dict[str, bool]:
    """The conditions of one person (the pure-Python twin of screening.signature_sql)."""
    own_low_income = bool(f.own_kinds & set(LOW_INCOME))
    if f.status != hc.PersonStatus.ACTIVE or f.household_status != hc.RecordStatus.ACTIVE:
        return {**dict.fromkeys(BIT_NAMES, False), "own_low_income": own_low_income}
    cut = params.age_cutoffs()
    conditions = {name: f.birth_date <= day for name, day in cut.items()}
    conditions.update(
        screened=True,
        low_income=bool(f.household_kinds),
        zero_employment=bool(f.zero_employment),
        retired=f.birth_date <= params.retired_cutoffs()["male" if f.sex == hc.Sex.MALE else "female"],
        enrolled=f.school_stage in ENROLLED,
        not_enrolled=f.school_stage in NOT_ENROLLED,
        employment_student=f.employment == hc.Employment.STUDENT,
        employed=f.employment in EMPLOYED,
        jobless=f.employment in JOBLESS,
        no_labor=f.labor_capacity == hc.LaborCapacity.NONE,
        orphan=hc.AssistanceKind.ORPHAN in f.own_kinds
        or (f.father_situation in ABSENT and f.mother_situation in ABSENT),
        de_facto=hc.AssistanceKind.DE_FACTO_ORPHAN in f.own_kinds
        or _parents_de_facto(f.father_situation, f.mother_situation),
        disabled=f.disability_grade is not None,
        grade_1_2=f.disability_grade in (1, 2),
        grade_3_4_mental=f.disability_grade in (3, 4) and f.disability_category in MENTAL,
        serious_illness=bool(f.serious_illness),
        care_dependent=f.care_level in CARE_DEPENDENT,
        alone=f.living_arrangement == hc.LivingArrangement.ALONE,
        empty_nest=f.living_arrangement == hc.LivingArrangement.EMPTY_NEST,
        left_behind=f.living_arrangement == hc.LivingArrangement.LEFT_BEHIND,
        special_family=bool(f.special_family),
        guardianship_bad=f.guardianship in BAD_GUARDIANSHIP,
        house_dangerous=f.safety_grade in DANGEROUS_GRADES or f.housing == hc.Housing.DANGEROUS,
        no_home=f.housing == hc.Housing.NONE,
        renting=f.housing == hc.Housing.RENTED,
        vagrant=f.vagrant_place is not None,
        own_low_income=own_low_income,
    )
    return conditions


def signature_for(f: Facts, params: Params) -> int:
    return sum(BIT[name] for name, value in conditions_for(f, params).items() if value)


def evaluate(f: Facts, params: Params) -> dict[str, dict]:
    """{group: {"tier", "fingerprint", "evidence"}} for one person (pure Python)."""
    signature = signature_for(f, params)
    return {
        group: {
            "tier": tier,
            "fingerprint": fingerprint(signature, group),
            "evidence": evidence_for(group, signature, f, params),
        }
        for group, tier in groups_from_signature(signature).items()
    }


# ---------------------------------------------------------------------------------------------
# Evidence: which rule, which values, which parameters. Stored as codes and numbers, rendered in
# the reader's language by ``explain``.


def _kinds(f: Facts) -> list[str]:
    return sorted(f.household_kinds)


def _disability(f: Facts) -> tuple:
    return ("disability", {"category": f.disability_category, "grade": f.disability_grade})


def _orphan_reasons(s: int, f: Facts) -> list:
    reasons = []
    if _has(s, "orphan"):
        reasons.append(("orphan", {"recognised": hc.AssistanceKind.ORPHAN in f.own_kinds}))
    if _has(s, "de_facto"):
        reasons.append(
            (
                "de_facto",
                {
                    "recognised": hc.AssistanceKind.DE_FACTO_ORPHAN in f.own_kinds,
                    "father": f.father_situation,
                    "mother": f.mother_situation,
                },
            )
        )
    return reasons


def evidence_for(group: str, s: int, f: Facts, params: Params) -> dict:
    on, v, age = params.on, params.values, f.age(params.on)
    h = lambda n: _has(s, n)  # noqa: E731
    reasons: list = []
    rule = group
    low_income = ("low_income", {"kinds": _kinds(f)})
    if group == Group.STUDENT:
        if h("enrolled"):
            rule = "student.enrolled"
            reasons.append(("enrolled", {"stage": f.school_stage}))
            if h("low_income"):
                reasons.append(low_income)
            reasons += _orphan_reasons(s, f)
            if h("disabled"):
                reasons.append(_disability(f))
        else:
            rule = "student.dropout"
            if not h("age_over_school_max"):
                low, high = v["screen_school_age_min"], v["screen_school_age_max"]
                reasons.append(("age_between", {"age": age, "low": low, "high": high}))
                reasons.append(("not_enrolled", {"stage": f.school_stage}))
            else:
                low, high = v["screen_school_age_max"] + 1, v["screen_dropout_age_max"]
                reasons.append(("age_between", {"age": age, "low": low, "high": high}))
                reasons.append(("not_enrolled", {"stage": f.school_stage}))
                reasons.append(("not_employed", {"employment": f.employment}))
            reasons.append(low_income)
    elif group == Group.UNEMPLOYED:
        rule = "unemployed.working_age"
        track = retirement.track_for(f.sex)
        reasons.append(
            (
                "working_age",
                {
                    "age": age,
                    "low": v["screen_working_age_min"],
                    "retire_months": retirement.retirement_age_months(f.birth_date, track),
                },
            )
        )
        reasons.append(("labor", {"labor": f.labor_capacity}))
        reasons.append(("jobless", {"employment": f.employment}))
        if h("low_income"):
            reasons.append(low_income)
        if h("zero_employment"):
            reasons.append(("zero_employment", {}))
    elif group == Group.DISABLED_ILL:
        rule = (
            "disabled_ill.illness" if not (h("grade_1_2") or h("grade_3_4_mental")) else "disabled_ill.grade"
        )
        if h("grade_1_2") or h("grade_3_4_mental"):
            reasons.append(_disability(f))
        if h("serious_illness"):
            reasons.append(("illness", {"illness": f.serious_illness}))
    elif group == Group.ELDERLY:
        limit = v["screen_high_age"] if h("age_high") else v["screen_elderly_age"]
        reasons.append(("age_ge", {"age": age, "limit": limit}))
        if h("alone") or h("empty_nest") or h("left_behind"):
            reasons.append(("living", {"living": f.living_arrangement}))
        if h("care_dependent"):
            reasons.append(("care", {"care": f.care_level}))
        if h("grade_1_2"):
            reasons.append(_disability(f))
        if h("special_family"):
            reasons.append(("special_family", {}))
        if h("age_high") and h("low_income"):
            reasons.append(low_income)
        special = len(reasons) > 1 and reasons[1][0] != "low_income"
        rule = "elderly.special" if special else "elderly.high_age"
    elif group == Group.CHILD:
        rule = "child.distress"
        reasons.append(("age_lt", {"age": age, "limit": v["screen_child_age"]}))
        reasons += _orphan_reasons(s, f)
        if h("low_income"):
            reasons.append(low_income)
        if h("disabled"):
            reasons.append(_disability(f))
        if h("serious_illness"):
            reasons.append(("illness", {"illness": f.serious_illness}))
        if h("guardianship_bad"):
            reasons.append(("guardianship", {"guardianship": f.guardianship}))
        if h("left_behind") and not h("age_left_behind"):
            reasons.append(("left_behind_child", {"limit": v["screen_left_behind_age"]}))
    elif group == Group.HOUSING:
        rule = "housing.low_income"
        reasons.append(low_income)
        if h("house_dangerous"):
            reasons.append(("house_dangerous", {"grade": f.safety_grade, "housing": f.housing}))
        if h("no_home") or h("renting"):
            reasons.append(("housing", {"housing": f.housing}))
    elif group == Group.VAGRANT:
        rule = "vagrant.record"
        reasons.append(("vagrant", {"place": f.vagrant_place or ""}))
    return {
        "rule": rule,
        "reasons": [[code, values] for code, values in reasons],
        "on": on.isoformat(),
        "params": {k: val for k, val in v.items() if k.startswith("screen_") and "due" not in k},
        "params_version": params.version,
        "rule_version": RULE_VERSION,
    }


def _label(choices, value) -> str:
    if value in (None, ""):
        return _("未登记")
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _reason_text(code: str, x: dict) -> str:
    if code == "age_ge":
        return _("年龄 %(age)s 岁 ≥ %(limit)s") % x
    if code == "age_lt":
        return _("年龄 %(age)s 岁 < %(limit)s") % x
    if code == "age_between":
        return _("年龄 %(age)s 岁（%(low)s–%(high)s 岁）") % x
    if code == "working_age":
        return _("年龄 %(age)s 岁，在劳动年龄内（%(low)s 岁至法定退休年龄 %(retire)s）") % {
            **x,
            "retire": retirement.describe_age(x["retire_months"]),
        }
    if code == "low_income":
        kinds = "、".join(_label(hc.AssistanceKind, k) for k in x.get("kinds", []))
        return _("低收入家庭（%(kinds)s）") % {"kinds": kinds} if kinds else _("低收入家庭")
    if code == "zero_employment":
        return _("零就业家庭")
    if code == "enrolled":
        return _("在读（%(stage)s）") % {"stage": _label(hc.SchoolStage, x["stage"])}
    if code == "not_enrolled":
        return _("未在读（%(stage)s）") % {"stage": _label(hc.SchoolStage, x["stage"])}
    if code == "not_employed":
        return _("未就业（%(employment)s）") % {"employment": _label(hc.Employment, x["employment"])}
    if code == "labor":
        return _("劳动能力：%(labor)s") % {"labor": _label(hc.LaborCapacity, x["labor"])}
    if code == "jobless":
        return _label(hc.Employment, x["employment"])
    if code == "orphan":
        return _("孤儿（已认定）") if x.get("recognised") else _("孤儿（父母均死亡或宣告失踪）")
    if code == "de_facto":
        if x.get("recognised"):
            return _("事实无人抚养儿童（已认定）")
        return _("事实无人抚养（父亲：%(father)s，母亲：%(mother)s）") % {
            "father": _label(hc.ParentSituation, x["father"]),
            "mother": _label(hc.ParentSituation, x["mother"]),
        }
    if code == "disability":
        return _("残疾：%(category)s%(grade)s") % {
            "category": _label(hc.DisabilityCategory, x["category"]) if x.get("category") else "",
            "grade": _label(hc.DisabilityGrade, x["grade"]),
        }
    if code == "illness":
        return _("重特大疾病：%(illness)s") % x
    if code == "living":
        return _label(hc.LivingArrangement, x["living"])
    if code == "care":
        return _label(hc.CareLevel, x["care"])
    if code == "special_family":
        return _("计划生育特殊家庭")
    if code == "guardianship":
        return _label(hc.Guardianship, x["guardianship"])
    if code == "left_behind_child":
        return _("留守（不满 %(limit)s 岁）") % x
    if code == "house_dangerous":
        if x.get("grade") in DANGEROUS_GRADES:
            return _("危房（%(grade)s）") % {"grade": _label(hc.SafetyGrade, x["grade"])}
        return _("危房")
    if code == "housing":
        return _label(hc.Housing, x["housing"])
    if code == "vagrant":
        return _("救助站或街面巡查登记（%(place)s）") % x
    return code


def explain(evidence: dict | None) -> str:
    """Plain Chinese: "年龄 82 岁 ≥ 80，独居"."""
    if not evidence:
        return ""
    return "，".join(_reason_text(code, values) for code, values in evidence.get("reasons", []))
