"""Push (幸福清单推送): eligibility as data, set-based, idempotent, re-pushed only on changed facts."""

import datetime as dt

import pytest
from django.core.management import call_command

from assessments.models import GroupDecision, ScreeningState
from assistance import choices as c
from assistance.models import CatalogItem, Recommendation
from assistance.push import eligible_persons, push
from assistance.services import recommendation_transition
from households import choices as hc
from tests.factories import AssistanceStatusFactory, HouseholdFactory, PersonFactory, community

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 6, 1)
U = c.UptakeStatus


def place(person, group):
    return GroupDecision.objects.create(
        person=person, group=group, rule_version="t", params_version="t", fingerprint=1, evidence={}
    )


def item(**rules):
    from assistance.models import Provider

    defaults = {
        "code": "test_item",
        "name": "测试项目",
        "list_kind": "social",
        "domain": "care",
        "benefit": "x",
    }
    return CatalogItem.objects.create(provider=Provider.objects.first(), **{**defaults, **rules})


def only_test_items():
    CatalogItem.objects.filter(is_seed=True).update(is_active=False)


def eligible(it):
    return set(eligible_persons(it, ON).values_list("name", flat=True))


# Birth dates around the 60 and 80 birthdays on ON (literal dates, not computed by the code under test).
@pytest.mark.parametrize(
    ("birth", "rules", "expected"),
    [
        (dt.date(1966, 6, 1), {"min_age": 60}, True),  # 60 today
        (dt.date(1966, 6, 2), {"min_age": 60}, False),  # 60 tomorrow
        (dt.date(1946, 6, 2), {"max_age": 79}, True),  # still 79
        (dt.date(1946, 6, 1), {"max_age": 79}, False),  # 80 today
        (dt.date(1966, 6, 1), {"min_age": 60, "max_age": 60}, True),
        (dt.date(1966, 6, 1), {"sex": "female"}, False),
    ],
)
def test_age_and_sex_boundaries(birth, rules, expected):
    only_test_items()
    PersonFactory(name="甲", birth=birth)
    assert (eligible(item(**rules)) == {"甲"}) is expected


@pytest.mark.parametrize(
    ("grade", "max_grade", "expected"), [(1, 2, True), (2, 2, True), (3, 2, False), (None, 4, False)]
)
def test_disability_grade_boundaries(grade, max_grade, expected):
    only_test_items()
    PersonFactory(name="乙", disability_grade=grade, disability_category="physical" if grade else "")
    assert (eligible(item(max_disability_grade=max_grade)) == {"乙"}) is expected


def test_groups_statuses_and_household_conditions_are_any_of_each_and_all_together():
    only_test_items()
    lone = PersonFactory(name="独居老人", birth=dt.date(1940, 1, 1), living_arrangement="alone")
    place(lone, "elderly")
    with_family = PersonFactory(
        name="同住老人", birth=dt.date(1940, 1, 1), living_arrangement="with_children"
    )
    place(with_family, "elderly")
    PersonFactory(name="未分类独居", birth=dt.date(1940, 1, 1), living_arrangement="alone")
    it = item(groups=["elderly", "disabled_ill"], household_conditions=["living_alone", "special_family"])
    assert eligible(it) == {"独居老人"}
    low = PersonFactory(name="低保户")
    AssistanceStatusFactory(person=low, kind="dibao", start_date=dt.date(2025, 1, 1))
    ended = PersonFactory(name="已停保")
    AssistanceStatusFactory(
        person=ended, kind="dibao", start_date=dt.date(2020, 1, 1), end_date=dt.date(2026, 1, 1)
    )
    assert eligible(item(code="x2", assistance_kinds=["dibao", "tekun"])) == {"低保户"}


def test_people_who_already_receive_the_status_item_are_not_pushed_it():
    only_test_items()
    has = PersonFactory(name="已享受", disability_grade=1, disability_category="physical")
    AssistanceStatusFactory(person=has, kind="disability_care", start_date=dt.date(2025, 1, 1))
    PersonFactory(name="未享受", disability_grade=2, disability_category="visual")
    assert eligible(item(max_disability_grade=2, receives_as="disability_care")) == {"未享受"}


def test_deceased_and_archived_people_are_not_pushed():
    only_test_items()
    PersonFactory(name="在册", birth=dt.date(1930, 1, 1))
    PersonFactory(name="已故", birth=dt.date(1930, 1, 1), status=hc.PersonStatus.DECEASED)
    assert eligible(item(min_age=80)) == {"在册"}


def test_push_is_idempotent_and_household_items_are_per_household():
    only_test_items()
    household = HouseholdFactory(community=community("花苑社区"), housing="dangerous")
    PersonFactory(household=household, name="户主", birth=dt.date(1950, 1, 1))
    PersonFactory(household=household, name="配偶", birth=dt.date(1952, 1, 1), relation="spouse")
    item(min_age=70)
    item(code="repair", household_conditions=["unsafe_housing"])
    first = push(on=ON)
    assert (first.created, first.repushed, first.withdrawn) == (3, 0, 0)
    assert (
        Recommendation.objects.filter(person__isnull=True, household=household, item__code="repair").count()
        == 1
    )
    second = push(on=ON)
    assert (second.created, second.repushed, second.withdrawn) == (0, 0, 0)
    assert Recommendation.objects.count() == 3


def test_declined_is_pushed_again_only_when_the_facts_change(huayuan):
    only_test_items()
    household = HouseholdFactory(community=community("花苑社区"))
    person = PersonFactory(household=household, name="老人", birth=dt.date(1940, 1, 1))
    ScreeningState.objects.create(person=person, signature=111, rule_version="t", screened_on=ON)
    item(min_age=80)
    push(on=ON)
    rec = Recommendation.objects.get()
    assert rec.signature == 111
    recommendation_transition(recommendation=rec, to=U.DECLINED, user=huayuan, note="子女已安排")
    assert push(on=ON).repushed == 0
    rec.refresh_from_db()
    assert rec.status == U.DECLINED
    ScreeningState.objects.filter(person=person).update(signature=222)
    assert push(on=ON).repushed == 1
    rec.refresh_from_db()
    assert (rec.status, rec.signature) == (U.PUSHED, 222)


def test_pushed_items_are_withdrawn_when_no_longer_eligible_and_come_back():
    only_test_items()
    person = PersonFactory(name="丙", birth=dt.date(1940, 1, 1))
    it = item(min_age=80)
    push(on=ON)
    person.status = hc.PersonStatus.EXITED
    person.save()
    assert push(on=ON).withdrawn == 1
    assert Recommendation.objects.get().status == U.WITHDRAWN
    person.status = hc.PersonStatus.ACTIVE
    person.save()
    assert push(on=ON).repushed == 1
    it.is_active = False
    it.save()
    assert push(on=ON).withdrawn == 1


def test_push_for_one_household_touches_only_it():
    only_test_items()
    a = PersonFactory(name="甲户", birth=dt.date(1940, 1, 1))
    PersonFactory(name="乙户", birth=dt.date(1940, 1, 1))
    item(min_age=80)
    run = push(households=[a.household_id], on=ON, mode="households")
    assert run.created == 1
    assert list(Recommendation.objects.values_list("person__name", flat=True)) == ["甲户"]


def test_command(capsys):
    only_test_items()
    PersonFactory(name="丁", birth=dt.date(1940, 1, 1))
    item(min_age=80)
    call_command("push", "--all")
    assert "1 new" in capsys.readouterr().out
    assert Recommendation.objects.count() == 1


def test_seed_catalog_pushes_plausible_items_for_an_elderly_person_living_alone():
    person = PersonFactory(name="独居", birth=dt.date(1940, 1, 1), living_arrangement="alone")
    place(person, "elderly")
    push()
    codes = set(Recommendation.objects.filter(person=person).values_list("item__code", flat=True))
    assert {"meal_help", "home_care", "emergency_call", "elderly_allowance"} <= codes
    assert "public_welfare_job" not in codes and "education_aid" not in codes


def test_incremental_push_with_nothing_changed_evaluates_nothing():
    from assistance.models import PushRun
    from assistance.push import push_incremental

    only_test_items()
    PersonFactory(name="戊", birth=dt.date(1940, 1, 1))
    item(min_age=80)
    first = push_incremental()
    assert (first.mode, first.created) == ("full", 1)
    second = push_incremental()
    assert (second.mode, second.created, second.withdrawn) == ("incremental", 0, 0)
    assert PushRun.objects.count() == 2
