"""Every rule of domain.md section 2, table-driven, with the boundaries a worker would notice.

Each case builds a real person, runs the set-based SQL pass, and checks (1) the groups and tiers
placed, (2) that the pure-Python twin of the SQL computes the same signature.
"""

import datetime as dt

import pytest

from assessments import retirement, rules, screening
from assessments.models import GroupDecision
from households import choices as hc
from tests.factories import AssistanceStatusFactory

from .conftest import ON, born, groups_of, make_person

pytestmark = pytest.mark.django_db

LI = {"low_income": True}
OWN = {"housing": "owned"}

CASES = [
    # --- elderly: ages 59/60, 79/80, special situations, high-risk tier
    ("59 alone (60 tomorrow)", dict(birth=born(60, days_later=1), living_arrangement="alone"), {}),
    ("60 alone", dict(age=60, living_arrangement="alone"), {"elderly": ""}),
    ("60 with children", dict(age=60, living_arrangement="with_children"), {}),
    ("79 alone", dict(birth=born(80, days_later=1), living_arrangement="alone"), {"elderly": ""}),
    ("80 alone: high risk", dict(age=80, living_arrangement="alone"), {"elderly": "high_risk"}),
    ("80 empty nest: high risk", dict(age=80, living_arrangement="empty_nest"), {"elderly": "high_risk"}),
    ("80 left behind: high risk", dict(age=80, living_arrangement="left_behind"), {"elderly": "high_risk"}),
    ("80 low income, with children", dict(age=80, living_arrangement="with_children", **LI), {"elderly": ""}),
    (
        "79 low income, with children",
        dict(birth=born(80, days_later=1), living_arrangement="with_children", **LI),
        {},
    ),
    (
        "70 moderate care, alone: high risk",
        dict(age=70, care_level="moderate", living_arrangement="alone"),
        {"elderly": "high_risk"},
    ),
    (
        "70 moderate care, with spouse",
        dict(age=70, care_level="moderate", living_arrangement="with_spouse"),
        {"elderly": ""},
    ),
    ("70 mild care, with spouse", dict(age=70, care_level="mild", living_arrangement="with_spouse"), {}),
    (
        "65 grade 2",
        dict(age=65, disability_category="physical", disability_grade=2),
        {"elderly": "", "disabled_ill": ""},
    ),
    ("65 special family", dict(age=65, special_family=True), {"elderly": ""}),
    # --- disabled_ill: grades 2/3 by category, serious illness
    ("grade 1 visual", dict(age=40, disability_category="visual", disability_grade=1), {"disabled_ill": ""}),
    (
        "grade 2 physical",
        dict(age=40, disability_category="physical", disability_grade=2),
        {"disabled_ill": ""},
    ),
    ("grade 3 physical", dict(age=40, disability_category="physical", disability_grade=3), {}),
    (
        "grade 3 intellectual",
        dict(age=40, disability_category="intellectual", disability_grade=3),
        {"disabled_ill": ""},
    ),
    ("grade 4 mental", dict(age=40, disability_category="mental", disability_grade=4), {"disabled_ill": ""}),
    ("grade 3 multiple", dict(age=40, disability_category="multiple", disability_grade=3), {}),
    ("serious illness", dict(age=40, serious_illness="尿毒症"), {"disabled_ill": ""}),
    # --- child: 17/18, left-behind 15/16, guardianship, orphan
    ("17 low income", dict(birth=born(18, days_later=1), **LI), {"child": ""}),
    ("18 low income", dict(age=18, **LI), {}),
    ("15 left behind", dict(birth=born(16, days_later=1), living_arrangement="left_behind"), {"child": ""}),
    ("16 left behind", dict(age=16, living_arrangement="left_behind"), {}),
    ("10 guardianship missing", dict(age=10, guardianship="missing"), {"child": ""}),
    ("10 guardianship improper", dict(age=10, guardianship="improper"), {"child": ""}),
    (
        "10 own disability grade 4",
        dict(age=10, disability_category="physical", disability_grade=4),
        {"child": ""},
    ),
    (
        "10 orphan by parents",
        dict(age=10, father_situation="dead", mother_situation="declared_missing"),
        {"child": ""},
    ),
    (
        "10 one parent imprisoned, other normal",
        dict(age=10, father_situation="imprisoned", mother_situation="normal"),
        {},
    ),
    (
        "10 one parent dead, other normal",
        dict(age=10, father_situation="dead", mother_situation="normal"),
        {},
    ),
    # --- student: enrolled with support, dropout alert 6-15 and 16-18
    ("12 primary, low income", dict(age=12, school_stage="primary", **LI), {"student": "", "child": ""}),
    ("12 primary, not low income", dict(age=12, school_stage="primary"), {}),
    (
        "20 bachelor, grade 4 disabled",
        dict(age=20, school_stage="bachelor", disability_category="physical", disability_grade=4),
        {"student": ""},
    ),
    (
        "24 postgraduate, low income",
        dict(age=24, school_stage="postgraduate", employment="student", **LI),
        {},
    ),
    (
        "15 dropped out, low income",
        dict(birth=born(16, days_later=1), school_stage="dropped_out", **LI),
        {"student": "dropout", "child": ""},
    ),
    # The "past compulsory school age" cut-off: at 15 (16 tomorrow) a dropout is flagged even
    # with a job; from 16 a job ends it.
    (
        "15 dropped out, employed, low income",
        dict(birth=born(16, days_later=1), school_stage="dropped_out", employment="employed", **LI),
        {"student": "dropout", "child": ""},
    ),
    (
        "16 today dropped out, employed, low income",
        dict(age=16, school_stage="dropped_out", employment="employed", **LI),
        {"child": ""},
    ),
    (
        "6 not enrolled, low income",
        dict(age=6, school_stage="not_enrolled", **LI),
        {"student": "dropout", "child": ""},
    ),
    (
        "5 not enrolled, low income",
        dict(birth=born(6, days_later=1), school_stage="not_enrolled", **LI),
        {"child": ""},
    ),
    ("15 blank stage is not a dropout", dict(age=15, **LI), {"child": ""}),
    (
        "16 dropped out, unemployed",
        dict(age=16, school_stage="dropped_out", employment="unemployed", **LI),
        {"student": "dropout", "child": "", "unemployed": ""},
    ),
    ("18 dropped out, employed", dict(age=18, school_stage="dropped_out", employment="employed", **LI), {}),
    (
        "19 dropped out, unemployed",
        dict(age=19, school_stage="dropped_out", employment="unemployed", **LI),
        {"unemployed": ""},
    ),
    # --- unemployed: working age by sex and birth date, capacity, low income or zero employment
    (
        "40 unemployed, low income",
        dict(age=40, employment="unemployed", labor_capacity="full", **LI),
        {"unemployed": ""},
    ),
    (
        "40 never employed, zero-employment household",
        dict(age=40, employment="never_employed", household_fields={"zero_employment": True}),
        {"unemployed": ""},
    ),
    ("40 unemployed, neither", dict(age=40, employment="unemployed"), {}),
    ("40 unemployed, no capacity", dict(age=40, employment="unemployed", labor_capacity="none", **LI), {}),
    ("40 employed", dict(age=40, employment="employed", **LI), {}),
    ("15 unemployed", dict(birth=born(16, days_later=1), employment="unemployed", **LI), {"child": ""}),
    # Man born 1966-03: retires at 60y4m (2026-07), so on 2026-06-15 he is still of working age.
    (
        "man 1966-03 not yet retired",
        dict(birth=dt.date(1966, 3, 10), employment="unemployed", **LI),
        {"unemployed": ""},
    ),
    # Man born 1966-01: retires at 60y4m = 2026-05-01.
    ("man 1966-01 retired", dict(birth=dt.date(1966, 1, 1), employment="unemployed", **LI), {}),
    # Woman born 1971-03: 55y4m = 2026-07.
    (
        "woman 1971-03 not yet retired",
        dict(birth=dt.date(1971, 3, 10), male=False, employment="unemployed", **LI),
        {"unemployed": ""},
    ),
    # Woman born 1970-12: 55y3m = 2026-03.
    (
        "woman 1970-12 retired",
        dict(birth=dt.date(1970, 12, 1), male=False, employment="unemployed", **LI),
        {},
    ),
    # --- housing (household level)
    ("low income, grade D", dict(age=40, household_fields={"safety_grade": "D"}, **LI), {"housing": ""}),
    ("low income, grade C", dict(age=40, household_fields={"safety_grade": "C"}, **LI), {"housing": ""}),
    ("low income, grade B", dict(age=40, household_fields={"safety_grade": "B"}, **LI), {}),
    (
        "low income, dangerous housing",
        dict(age=40, household_fields={"housing": "dangerous"}, **LI),
        {"housing": ""},
    ),
    ("low income, no home", dict(age=40, household_fields={"housing": "none"}, **LI), {"housing": ""}),
    ("low income, renting", dict(age=40, household_fields={"housing": "rented"}, **LI), {"housing": ""}),
    ("low income, public rental", dict(age=40, household_fields={"housing": "public_rental"}, **LI), {}),
    ("not low income, no home", dict(age=40, household_fields={"housing": "none"}), {}),
    # --- not on the roster: no groups at all
    ("deceased 85 alone", dict(age=85, living_arrangement="alone", status="deceased"), {}),
    ("archived 85 alone", dict(age=85, living_arrangement="alone", status="archived"), {}),
]


def _python_signature(person) -> int:
    facts = screening.load_facts([person.pk], ON)[person.pk]
    return rules.signature_for(facts, rules.Params.load(ON))


@pytest.mark.parametrize("fields,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_table(rescreen, fields, expected):
    person = make_person(**fields)
    rescreen()
    assert groups_of(person) == expected
    sql_rows = screening.changed_signatures(rules.Params.load(ON), [person.household_id], force=True)
    assert {r[0]: r[2] for r in sql_rows}[person.pk] == _python_signature(person)
    # The pure-Python evaluation (row-by-row path) places the person identically.
    facts = screening.load_facts([person.pk], ON)[person.pk]
    evaluated = rules.evaluate(facts, rules.Params.load(ON))
    assert {g: v["tier"] for g, v in evaluated.items()} == expected


PARENT_CASES = (
    [(s, s2) for s in sorted(hc.INCAPACITATED_PARENT) for s2 in sorted(hc.INCAPACITATED_PARENT)][::9]
    + [(a, s) for a in sorted(hc.ABSENT_PARENT) for s in sorted(hc.INCAPACITATED_PARENT)]
    + [(s, a) for a in sorted(hc.ABSENT_PARENT) for s in sorted(hc.INCAPACITATED_PARENT)]
)


@pytest.mark.parametrize("father,mother", PARENT_CASES)
def test_de_facto_orphan_every_parent_situation(rescreen, father, mother):
    """事实无人抚养: both parents in the set, or one dead/missing and the other in the set."""
    child = make_person(age=9, school_stage="primary", father_situation=father, mother_situation=mother)
    rescreen()
    # Placed as a child in distress, and as a student (enrolled, 事实无人抚养).
    assert groups_of(child) == {"child": "", "student": ""}
    decision = GroupDecision.objects.get(person=child, group="child")
    assert "事实无人抚养" in decision.explanation


@pytest.mark.parametrize("situation", sorted(hc.INCAPACITATED_PARENT))
def test_one_incapacitated_parent_with_a_normal_one_is_not_de_facto(rescreen, situation):
    child = make_person(age=9, father_situation=situation, mother_situation="normal")
    rescreen()
    assert groups_of(child) == {}


def test_recognised_status_counts_without_parent_fields(rescreen):
    child = make_person(age=9)
    AssistanceStatusFactory(person=child, kind=hc.AssistanceKind.DE_FACTO_ORPHAN)
    orphan = make_person(age=9)
    AssistanceStatusFactory(person=orphan, kind=hc.AssistanceKind.ORPHAN)
    rescreen()
    assert groups_of(child) == {"child": ""}
    assert groups_of(orphan) == {"child": ""}


def test_low_income_is_household_wide(rescreen):
    """Any member's current 低保/特困/低边/刚性支出 makes the whole household low-income."""
    head = make_person(age=45, low_income=True)
    child = make_person(age=8, household=head.household)
    rescreen()
    assert groups_of(child) == {"child": ""}


def test_ended_status_does_not_count(rescreen):
    child = make_person(age=8)
    AssistanceStatusFactory(person=child, kind="dibao", start_date=dt.date(2020, 1, 1), end_date=ON)
    rescreen()
    assert groups_of(child) == {}


def test_elderly_explanation_reads_like_a_worker_would_write_it(rescreen):
    person = make_person(age=82, living_arrangement="alone")
    rescreen()
    decision = GroupDecision.objects.get(person=person, group="elderly")
    assert decision.explanation == "年龄 82 岁 ≥ 80，独居"
    assert decision.evidence["rule"] == "elderly.special"
    assert decision.evidence["params"]["screen_high_age"] == 80
    assert decision.rule_version == rules.RULE_VERSION
    assert decision.params_version == rules.Params.load(ON).version


def test_thresholds_are_dated_parameters(rescreen, admin_user):
    """An admin lowers the high-age threshold from a date: the rule follows from that day."""
    from households.models import PolicyParameter

    PolicyParameter.objects.create(key="screen_high_age", value=75, effective_from=ON, updated_by=admin_user)
    person = make_person(age=76, living_arrangement="alone")
    rescreen(on=ON - dt.timedelta(days=1))
    assert groups_of(person) == {"elderly": ""}
    rescreen(on=ON)
    assert groups_of(person) == {"elderly": "high_risk"}
    assert "≥ 75" in GroupDecision.objects.get(person=person, active=True).explanation


# --- statutory retirement age (2025 reform)


@pytest.mark.parametrize(
    "birth,track,months",
    [
        (dt.date(1964, 12, 31), retirement.MALE, 720),
        (dt.date(1965, 1, 1), retirement.MALE, 721),
        (dt.date(1965, 4, 30), retirement.MALE, 721),
        (dt.date(1965, 5, 1), retirement.MALE, 722),
        (dt.date(1976, 9, 1), retirement.MALE, 756),
        (dt.date(1990, 1, 1), retirement.MALE, 756),
        (dt.date(1969, 12, 31), retirement.FEMALE_55, 660),
        (dt.date(1970, 1, 1), retirement.FEMALE_55, 661),
        (dt.date(1981, 9, 1), retirement.FEMALE_55, 696),
        (dt.date(1975, 1, 1), retirement.FEMALE_50, 601),
        (dt.date(1975, 3, 1), retirement.FEMALE_50, 602),
        (dt.date(1984, 11, 1), retirement.FEMALE_50, 660),
    ],
)
def test_retirement_age_schedule(birth, track, months):
    assert retirement.retirement_age_months(birth, track) == months


@pytest.mark.parametrize("on", [dt.date(2026, 6, 15), dt.date(2030, 2, 28), dt.date(2024, 2, 29)])
@pytest.mark.parametrize("track", [retirement.MALE, retirement.FEMALE_55])
def test_retired_cutoff_matches_per_person_rule(on, track):
    cutoff = retirement.retired_cutoff(track, on)
    for days in range(-400, 400, 7):
        birth = cutoff + dt.timedelta(days=days)
        assert (retirement.retirement_date(birth, track) <= on) == (birth <= cutoff)


def test_age_cutoffs_match_person_age_including_29_february():
    on = dt.date(2025, 2, 28)
    cutoff = rules.years_before(on, 1)
    assert cutoff == dt.date(2024, 2, 28)
    assert rules.years_before(dt.date(2028, 2, 29), 4) == dt.date(2024, 2, 29)
    assert rules.years_before(dt.date(2029, 2, 28), 1) == dt.date(2028, 2, 28)
    assert rules.years_before(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)  # 29 Feb counts as 28 Feb
    leapling = dt.date(2024, 2, 29)
    assert rules.age_on(leapling, on) == 0
    assert not leapling <= cutoff
    assert rules.age_on(dt.date(2024, 2, 28), on) == 1
    assert dt.date(2024, 2, 28) <= cutoff
