"""The full push evaluates only what changed (stored push inputs per person and household, a
version per item): after random changes it must leave exactly what a forced run over everyone
would, and a forced run right after it finds nothing to do."""

import datetime as dt
import random

import pytest

from assessments.models import GroupDecision, ScreeningState
from assistance import choices as c
from assistance.models import CatalogItem, PushState, Recommendation
from assistance.push import eligible_households, eligible_persons, is_person_level, is_pushable, push
from assistance.services import recommendation_transition
from households import choices as hc
from households.models import AssistanceStatus, Household, Person
from tests.factories import HouseholdFactory, PersonFactory, community

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 6, 1)
U = c.UptakeStatus
BIRTHS = [
    dt.date(1946, 6, 1),
    dt.date(1946, 6, 2),
    dt.date(1966, 6, 1),
    dt.date(1966, 6, 2),
    dt.date(2010, 3, 3),
]


def item(code, **rules):
    from assistance.models import Provider

    fields = {"code": code, "name": code, "list_kind": "social", "domain": "care", "benefit": "x"}
    return CatalogItem.objects.create(provider=Provider.objects.first(), **fields, **rules)


def snapshot():
    return set(
        Recommendation.objects.values_list("household_id", "person_id", "item_id", "status", "signature")
    )


def check_against_eligibility(on):
    """Pushed recommendations are exactly the eligible who have no other answer on record."""
    for it in CatalogItem.objects.filter(is_active=True):
        if not is_pushable(it):
            continue
        recs = Recommendation.objects.filter(item=it)
        if is_person_level(it):
            eligible = set(eligible_persons(it, on).values_list("pk", flat=True))
            pushed = set(recs.filter(status=U.PUSHED).values_list("person_id", flat=True))
            answered = set(recs.exclude(status=U.WITHDRAWN).values_list("person_id", flat=True))
        else:
            eligible = set(eligible_households(it, on).values_list("pk", flat=True))
            pushed = set(recs.filter(status=U.PUSHED).values_list("household_id", flat=True))
            answered = set(recs.exclude(status=U.WITHDRAWN).values_list("household_id", flat=True))
        assert pushed <= eligible, it.code
        assert eligible <= answered, it.code


def change_something(rng, people, households, items, user, *, edits: bool):
    person, household = rng.choice(people), rng.choice(households)
    what = rng.randrange(12) if edits else rng.choice([0, 1, 2, 3, 4, 4, 5, 5, 6, 7, 9, 10])
    if what == 0:
        Person.objects.filter(pk=person.pk).update(
            status=rng.choice([hc.PersonStatus.ACTIVE, hc.PersonStatus.ACTIVE, hc.PersonStatus.EXITED])
        )
    elif what == 1:  # written without touching updated_at: the full push compares facts, not dates
        Person.objects.filter(pk=person.pk).update(
            living_arrangement=rng.choice(["", "alone", "empty_nest", "with_children"]),
            special_family=rng.random() < 0.3,
        )
    elif what == 2:
        grade = rng.choice([None, 1, 2, 3, 4])
        Person.objects.filter(pk=person.pk).update(
            disability_grade=grade, disability_category=rng.choice(["physical", "mental"]) if grade else ""
        )
    elif what == 3:
        Household.objects.filter(pk=household.pk).update(
            housing=rng.choice(["owned", "dangerous", "rented"]),
            zero_employment=rng.random() < 0.3,
            status=rng.choice([hc.RecordStatus.ACTIVE] * 4 + [hc.RecordStatus.ARCHIVED]),
        )
    elif what == 4:
        group = rng.choice(["elderly", "disabled_ill", "child"])
        current = GroupDecision.objects.filter(person=person, group=group, active=True)
        if current.exists():
            current.update(active=False)
        else:
            GroupDecision.objects.create(
                person=person, group=group, rule_version="t", params_version="t", fingerprint=1, evidence={}
            )
    elif what == 5:
        kind = rng.choice(["dibao", "tekun", "disability_care"])
        current = AssistanceStatus.objects.current(ON).filter(person=person, kind=kind)
        if current.exists():
            current.update(end_date=ON)
        else:
            AssistanceStatus.objects.create(person=person, kind=kind, source="manual", start_date=ON)
    elif what == 6:
        ScreeningState.objects.update_or_create(
            person=person,
            defaults={"signature": rng.randrange(1, 5), "rule_version": "t", "screened_on": ON},
        )
    elif what == 7:  # a move to another household
        Person.objects.filter(pk=person.pk).update(household=household, relation=hc.Relation.OTHER)
    elif what == 8:  # a catalog edit
        it = rng.choice(items)
        it.min_age = rng.choice([None, 60, 70, 80])
        it.is_active = rng.random() < 0.85
        it.save()
    elif what == 9:
        Person.objects.filter(pk=person.pk).update(birth_date=rng.choice(BIRTHS))
    else:  # a worker answers
        recs = list(Recommendation.objects.filter(status=U.PUSHED, person__isnull=False).order_by("pk"))
        if recs:
            rec = rng.choice(recs)
            recommendation_transition(recommendation=rec, to=U.DECLINED, user=user, note="不需要")


@pytest.mark.parametrize("seed", [11, 5])
def test_full_push_after_random_changes_equals_a_forced_push(huayuan, monkeypatch, seed):
    monkeypatch.setattr("assistance.push.EVERYONE_SHARE", 1.01)  # always the scoped path here
    CatalogItem.objects.filter(is_seed=True).update(is_active=False)
    rng = random.Random(seed)
    households = [HouseholdFactory(community=community("花苑社区")) for _ in range(8)]
    people = [PersonFactory(household=households[i % 8], birth=rng.choice(BIRTHS)) for i in range(16)]
    items = [
        item("old", min_age=70),
        item("young_old", min_age=60, max_age=79),
        item("grp", groups=["elderly", "disabled_ill"]),
        item("kind", assistance_kinds=["dibao", "tekun"], sex="male"),
        item("grade", max_disability_grade=2, receives_as="disability_care"),
        item("cat", disability_categories=["mental"]),
        item("alone", min_age=60, household_conditions=["living_alone", "special_family"]),
        item("house", household_conditions=["unsafe_housing", "zero_employment", "low_income"]),
    ]
    push(on=ON, force=True)
    effects = 0
    for _round in range(16):
        for _ in range(rng.randrange(2, 7)):
            # Catalog edits re-evaluate an item for everyone: only every fourth round, so that
            # most rounds test the households-only path.
            change_something(rng, people, households, items, huayuan, edits=_round % 4 == 3)
        run = push(on=ON)
        effects += run.created + run.repushed + run.withdrawn
        after = snapshot()
        forced = push(on=ON, force=True)
        assert (forced.created, forced.repushed, forced.withdrawn) == (0, 0, 0)
        assert snapshot() == after
        check_against_eligibility(ON)
    assert effects > 8  # the changes did move recommendations


def test_a_full_push_with_nothing_changed_evaluates_nothing(django_assert_max_num_queries):
    CatalogItem.objects.filter(is_seed=True).update(is_active=False)
    PersonFactory(birth=dt.date(1940, 1, 1))
    item("old", min_age=80)
    assert push(on=ON).created == 1
    assert PushState.objects.count() == 1
    # No item is staged: the signature comparison, the stale withdrawal and the run's own rows.
    with django_assert_max_num_queries(30) as captured:
        run = push(on=ON)
    assert (run.created, run.repushed, run.withdrawn) == (0, 0, 0)
    assert not any("assistance_push_eligible" in q["sql"] and "INSERT" in q["sql"] for q in captured)


def test_an_edited_item_is_re_evaluated_for_everyone_and_a_birthday_counts():
    CatalogItem.objects.filter(is_seed=True).update(is_active=False)
    PersonFactory(name="七十", birth=dt.date(1956, 6, 1))
    PersonFactory(name="明天七十", birth=dt.date(1956, 6, 2))
    it = item("old", min_age=80)
    assert push(on=ON).created == 0
    it.min_age = 70
    it.save()
    assert push(on=ON).created == 1  # nobody's facts changed; the item did
    assert push(on=ON + dt.timedelta(days=1)).created == 1  # a birthday crosses the boundary
    assert set(Recommendation.objects.values_list("person__name", flat=True)) == {"七十", "明天七十"}


def test_a_person_who_moved_is_still_covered_by_later_runs(monkeypatch):
    """A recommendation keeps the household it was pushed to; the person's later changes count."""
    monkeypatch.setattr("assistance.push.EVERYONE_SHARE", 1.01)
    CatalogItem.objects.filter(is_seed=True).update(is_active=False)
    first, second = HouseholdFactory(), HouseholdFactory()
    person = PersonFactory(household=first, birth=dt.date(1940, 1, 1))
    PersonFactory(household=second, birth=dt.date(1990, 1, 1))
    item("old", min_age=80)
    push(on=ON)
    Person.objects.filter(pk=person.pk).update(household=second, relation=hc.Relation.OTHER)
    push(on=ON)  # the move: both households evaluated, the stored household is now the second
    assert Recommendation.objects.get().household_id == first.pk
    Person.objects.filter(pk=person.pk).update(status=hc.PersonStatus.EXITED)
    assert push(on=ON).withdrawn == 1


def test_command_all_force_evaluates_everything(capsys):
    from django.core.management import CommandError, call_command

    CatalogItem.objects.filter(is_seed=True).update(is_active=False)
    PersonFactory(birth=dt.date(1940, 1, 1))
    item("old", min_age=80)
    call_command("push", "--all")
    Recommendation.objects.update(status=U.WITHDRAWN)  # behind the push's back: no input changed
    call_command("push", "--all")
    assert "0 pushed again" in capsys.readouterr().out  # nothing changed, nothing evaluated
    call_command("push", "--all", "--force")
    assert "1 pushed again" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("push", "--force")
