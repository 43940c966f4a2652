"""A worker's confirm/reject holds until the facts behind it change; then the worker is asked again."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services
from assessments.choices import TaskKind
from assessments.models import GroupDecision, Override
from core.models import Task

from .conftest import ON, groups_of, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def elder(rescreen):
    person = make_person(age=82, living_arrangement="alone")
    rescreen()
    return person


def reject(person, user, group="elderly"):
    return services.override_record(
        person=person, group=group, verdict="reject", reason="已入住养老院", user=user
    )


def test_reject_removes_the_person_from_the_group_without_a_task(elder, huayuan):
    tasks = Task.objects.count()
    override = reject(elder, huayuan)
    assert groups_of(elder) == {}
    ended = GroupDecision.objects.get(person=elder, group="elderly")
    assert ended.end_reason == "工作人员否定：已入住养老院"
    assert override.fingerprint == ended.fingerprint
    assert Task.objects.count() == tasks


def test_rejection_holds_while_facts_are_unchanged(elder, huayuan, rescreen):
    reject(elder, huayuan)
    next_year = ON + dt.timedelta(days=400)  # 82 -> 83: the facts the group depends on are the same
    result = rescreen(on=next_year)
    assert groups_of(elder) == {}
    assert result.gained == 0 and result.reviews == 0
    assert Override.objects.get(person=elder).active


def test_changed_facts_retire_the_rejection_and_ask_again(elder, huayuan, rescreen):
    reject(elder, huayuan)
    elder.living_arrangement = "empty_nest"
    elder.save()
    rescreen()
    override = Override.objects.get(person=elder)
    assert not override.active and override.retired_reason == "所依据的情况已变化"
    assert groups_of(elder) == {"elderly": "high_risk"}
    review = Task.objects.get(person=elder, kind=TaskKind.REVIEW)
    assert "重新核定" in review.title and review.assignee == huayuan
    assert rescreen().changed == 0


def test_confirmation_keeps_the_decision_and_is_shown(elder, huayuan, rescreen):
    services.override_record(
        person=elder, group="elderly", verdict="confirm", reason="已入户核实", user=huayuan
    )
    assert groups_of(elder) == {"elderly": "high_risk"}
    elder.living_arrangement = "with_children"  # no longer qualifies: rules decide, worker asked
    elder.save()
    rescreen()
    assert groups_of(elder) == {}
    assert Task.objects.filter(person=elder, kind=TaskKind.REVIEW).count() == 1


def test_confirmation_holds_across_rescreens_until_its_facts_change(elder, huayuan, rescreen):
    """A confirmed placement survives every later pass (nightly, forced, a year on, full) while
    the facts behind it are the same: no review task, still in the group, still active."""
    confirmed = services.override_record(
        person=elder, group="elderly", verdict="confirm", reason="已入户核实", user=huayuan
    )
    tasks = Task.objects.filter(person=elder, kind=TaskKind.REVIEW).count()
    for result in (
        rescreen(),
        rescreen(person_ids=[elder.pk], force=True),
        rescreen(on=ON + dt.timedelta(days=400)),
        rescreen(everyone=True, full=True),
    ):
        assert result.reviews == 0
    confirmed.refresh_from_db()
    assert confirmed.active and confirmed.retired_at is None
    assert groups_of(elder) == {"elderly": "high_risk"}
    assert Task.objects.filter(person=elder, kind=TaskKind.REVIEW).count() == tasks


def test_withdrawing_a_rejection_lets_the_rules_decide(elder, huayuan):
    override = reject(elder, huayuan)
    services.override_withdraw(override=override, user=huayuan)
    assert groups_of(elder) == {"elderly": "high_risk"}


def test_reason_is_required_and_only_current_placements_can_be_judged(elder, huayuan):
    with pytest.raises(ValidationError):
        services.override_record(person=elder, group="elderly", verdict="reject", reason=" ", user=huayuan)
    with pytest.raises(ValidationError):
        services.override_record(person=elder, group="child", verdict="reject", reason="x", user=huayuan)


def test_read_only_role_cannot_override(elder, manager):
    with pytest.raises(PermissionDenied):
        reject(elder, manager)


def test_review_page_saves_a_rejection(elder, huayuan, login):
    decision = GroupDecision.objects.get(person=elder)
    url = f"/groups/decisions/{decision.pk}/review/"
    page = login(huayuan).get(url + "?verdict=reject")
    assert page.status_code == 200 and "年龄 82 岁 ≥ 80，独居" in page.content.decode()
    response = login(huayuan).post(url, {"verdict": "reject", "reason": "已入住养老院"})
    assert response.status_code == 302
    assert groups_of(elder) == {}


def test_other_town_gets_404_on_review(elder, xiqu, login):
    decision = GroupDecision.objects.get(person=elder)
    assert (
        login(xiqu)
        .post(f"/groups/decisions/{decision.pk}/review/", {"verdict": "reject", "reason": "x"})
        .status_code
        == 404
    )
