"""Care plans: versions, approval rights, actions that meet needs, reminders."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from assistance import choices as c
from assistance.models import CarePlan, CatalogItem, PlanAction
from assistance.services import (
    action_add,
    action_finish,
    need_record,
    plan_create,
    plan_reminders,
    plan_transition,
)
from core.models import Task

pytestmark = pytest.mark.django_db
P, S = c.PlanStatus, c.NeedStatus
NEXT_MONTH = dt.date.today() + dt.timedelta(days=30)


def approver_rights(user):
    user.user_permissions.add(Permission.objects.get(codename="approve_careplan"))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def dongqu_approver(dongqu):
    return approver_rights(dongqu)


@pytest.fixture
def plan(household, huayuan):
    return plan_create(
        household=household, user=huayuan, goals="保障基本生活，解决助餐问题", review_on=NEXT_MONTH
    )


@pytest.fixture
def need(household, huayuan):
    return need_record(
        user=huayuan, household=household, domain="care", description="需要助餐", source="visit"
    )


def submitted(plan, user, need=None):
    action_add(
        plan=plan,
        user=user,
        description="联系长者饭堂送餐",
        due_on=NEXT_MONTH,
        owner=user,
        need=need,
        item=CatalogItem.objects.get(code="meal_help") if need else None,
    )
    plan_transition(plan=plan, to=P.SUBMITTED, user=user)
    return plan


def test_a_plan_needs_an_action_before_it_is_submitted(plan, huayuan):
    with pytest.raises(ValidationError) as error:
        plan_transition(plan=plan, to=P.SUBMITTED, user=huayuan)
    assert "至少填写一项帮扶措施" in str(error.value)


def test_the_author_cannot_approve_even_with_the_permission(household, dongqu_approver):
    own = plan_create(household=household, user=dongqu_approver, goals="目标", review_on=NEXT_MONTH)
    submitted(own, dongqu_approver)
    with pytest.raises(ValidationError) as error:
        plan_transition(plan=own, to=P.APPROVED, user=dongqu_approver)
    assert "不能审批自己制定的方案" in str(error.value)


def test_a_worker_without_the_permission_cannot_approve(plan, huayuan, dongqu):
    submitted(plan, huayuan)
    with pytest.raises(ValidationError):
        plan_transition(plan=plan, to=P.APPROVED, user=dongqu)
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED


def test_a_community_worker_with_the_permission_is_not_an_approver(plan, huayuan, household, dongqu):
    from accounts.choices import Role
    from tests.factories import UserFactory, community

    other = approver_rights(
        UserFactory(username="hy2", role=Role.COMMUNITY_WORKER, division=community("花苑社区"))
    )
    submitted(plan, huayuan)
    with pytest.raises(ValidationError):
        plan_transition(plan=plan, to=P.APPROVED, user=other)


def test_returning_needs_a_reason_and_goes_back_to_draft(plan, huayuan, dongqu_approver):
    submitted(plan, huayuan)
    with pytest.raises(ValidationError):
        plan_transition(plan=plan, to=P.DRAFT, user=dongqu_approver)
    plan_transition(plan=plan, to=P.DRAFT, user=dongqu_approver, note="措施不够具体")
    plan.refresh_from_db()
    assert (plan.status, plan.return_reason) == (P.DRAFT, "措施不够具体")


def test_the_whole_path_meets_the_need(plan, need, huayuan, dongqu_approver):
    submitted(plan, huayuan, need=need)
    need.refresh_from_db()
    assert need.status == S.MATCHED
    plan_transition(plan=plan, to=P.APPROVED, user=dongqu_approver)
    plan_transition(plan=plan, to=P.ACTIVE, user=huayuan)
    need.refresh_from_db()
    assert need.status == S.IN_PROGRESS
    action = plan.actions.get()
    action_finish(action=action, user=huayuan, note="已每天送餐")
    need.refresh_from_db()
    assert (need.status, need.met_on) == (S.MET, dt.date.today())
    assert plan.history.filter(status=P.APPROVED, history_user=dongqu_approver).exists()


def test_a_need_with_two_open_actions_is_met_by_the_last(plan, need, huayuan, dongqu_approver):
    action_add(plan=plan, user=huayuan, description="第一项", due_on=NEXT_MONTH, owner=huayuan, need=need)
    action_add(plan=plan, user=huayuan, description="第二项", due_on=NEXT_MONTH, owner=huayuan, need=need)
    plan_transition(plan=plan, to=P.SUBMITTED, user=huayuan)
    plan_transition(plan=plan, to=P.APPROVED, user=dongqu_approver)
    plan_transition(plan=plan, to=P.ACTIVE, user=huayuan)
    first, second = plan.actions.order_by("id")
    action_finish(action=first, user=huayuan)
    need.refresh_from_db()
    assert need.status == S.IN_PROGRESS
    action_finish(action=second, user=huayuan)
    need.refresh_from_db()
    assert need.status == S.MET


def test_a_new_version_copies_open_actions_and_replaces_the_plan_in_force(
    plan, household, huayuan, dongqu_approver
):
    submitted(plan, huayuan)
    plan_transition(plan=plan, to=P.APPROVED, user=dongqu_approver)
    plan_transition(plan=plan, to=P.ACTIVE, user=huayuan)
    v2 = plan_create(household=household, user=huayuan, goals="新目标", review_on=NEXT_MONTH)
    assert (v2.edition, v2.previous_id) == (2, plan.pk)
    assert list(v2.actions.values_list("description", flat=True)) == ["联系长者饭堂送餐"]
    with pytest.raises(ValidationError):
        plan_create(household=household, user=huayuan, goals="第三版", review_on=NEXT_MONTH)
    plan_transition(plan=v2, to=P.SUBMITTED, user=huayuan)
    plan_transition(plan=v2, to=P.APPROVED, user=dongqu_approver)
    plan_transition(plan=v2, to=P.ACTIVE, user=huayuan)
    plan.refresh_from_db()
    assert plan.status == P.CLOSED
    assert CarePlan.objects.filter(household=household, status__in=c.PLAN_IN_FORCE).count() == 1


def test_an_approved_plan_is_not_edited_in_place(plan, huayuan, dongqu_approver):
    from assistance.services import plan_update

    submitted(plan, huayuan)
    with pytest.raises(ValidationError):
        plan_update(plan=plan, user=huayuan, goals="偷偷改")


def test_reviewing_and_continuing_needs_a_later_review_date(plan, huayuan, dongqu_approver):
    submitted(plan, huayuan)
    plan_transition(plan=plan, to=P.APPROVED, user=dongqu_approver)
    plan_transition(plan=plan, to=P.ACTIVE, user=huayuan)
    plan_transition(plan=plan, to=P.REVIEWED, user=huayuan, note="生活有改善")
    with pytest.raises(ValidationError):
        plan_transition(plan=plan, to=P.ACTIVE, user=huayuan)
    plan_transition(plan=plan, to=P.ACTIVE, user=huayuan, review_on=NEXT_MONTH + dt.timedelta(days=60))
    plan.refresh_from_db()
    assert plan.review_on == NEXT_MONTH + dt.timedelta(days=60)


def test_overdue_actions_and_due_reviews_become_tasks_once(plan, huayuan, dongqu_approver):
    submitted(plan, huayuan)
    plan_transition(plan=plan, to=P.APPROVED, user=dongqu_approver)
    plan_transition(plan=plan, to=P.ACTIVE, user=huayuan)
    later = NEXT_MONTH + dt.timedelta(days=1)
    assert plan_reminders(today=later) == 2
    assert plan_reminders(today=later) == 0
    kinds = set(Task.objects.filter(assignee=huayuan).values_list("kind", flat=True))
    assert kinds == {"plan_action_overdue", "plan_review_due"}


def test_other_town_cannot_touch_a_plan(plan, xiqu):
    with pytest.raises(ValidationError):
        action_add(plan=plan, user=xiqu, description="x", due_on=NEXT_MONTH, owner=xiqu)
    assert not PlanAction.objects.exists()
