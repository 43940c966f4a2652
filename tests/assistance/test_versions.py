"""Concurrent edits of needs, pushed items, care plans and the lists never silently overwrite
(core.concurrency): the second of two editors who opened the same version is told, in the form
(200, "此记录已被他人修改", nothing written) and in the API (409 / 412)."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.choices import Role
from assistance import choices as c
from assistance.models import CatalogItem, Need, Provider, Recommendation
from assistance.services import need_record, need_update, plan_create, plan_update
from core.concurrency import EditConflict
from tests.factories import UserFactory, community

pytestmark = pytest.mark.django_db

NEXT_MONTH = dt.date.today() + dt.timedelta(days=30)
CONFLICT = "此记录已被他人修改"


@pytest.fixture
def colleague(db):
    return UserFactory(username="huayuan2", role=Role.COMMUNITY_WORKER, division=community("花苑社区"))


@pytest.fixture
def need(household, huayuan):
    return need_record(
        user=huayuan, household=household, domain="care", description="需要助餐", source="visit"
    )


@pytest.fixture
def plan(household, huayuan):
    return plan_create(household=household, user=huayuan, goals="保障基本生活", review_on=NEXT_MONTH)


def opened_version(client, url) -> str:
    """The hidden version the page gives the editor."""
    form = client.get(url).context["form"]
    return str(form["version"].value())


def test_second_need_editor_is_told_and_nothing_is_overwritten(login, huayuan, colleague, need):
    first, second = login(huayuan), login(colleague)
    url = reverse("assistance:need-update", args=[need.pk])
    v1, v2 = opened_version(first, url), opened_version(second, url)
    assert v1 == v2 == "1"
    body = {"domain": "care", "urgency": "normal", "version": v1}
    assert first.post(url, {**body, "description": "甲的修改"}).status_code == 302
    response = second.post(url, {**body, "description": "乙的修改"})
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    need.refresh_from_db()
    assert (need.description, need.version) == ("甲的修改", 2)
    # The form now holds the current version: saving again is a deliberate choice, and works.
    again = response.context["form"]["version"].value()
    assert str(again) == "2"
    assert second.post(url, {**body, "description": "乙的修改", "version": again}).status_code == 302
    need.refresh_from_db()
    assert (need.description, need.version) == ("乙的修改", 3)


def test_second_plan_editor_is_told(login, huayuan, colleague, plan):
    first, second = login(huayuan), login(colleague)
    url = reverse("assistance:plan-update", args=[plan.pk])
    version = opened_version(first, url)
    body = {"summary": "", "review_on": NEXT_MONTH.isoformat(), "version": version}
    assert first.post(url, {**body, "goals": "甲的目标"}).status_code == 302
    response = second.post(url, {**body, "goals": "乙的目标"})
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    plan.refresh_from_db()
    assert plan.goals == "甲的目标" and plan.edition == 1


def test_a_transition_from_a_stale_page_is_refused(login, huayuan, colleague, need):
    page = login(huayuan).get(reverse("assistance:need-detail", args=[need.pk]))
    assert 'name="version"' in page.content.decode()  # the inline form carries it
    need_update(need=need, user=colleague, description="同事改过")
    response = login(huayuan).post(
        reverse("assistance:need-transition", args=[need.pk]),
        {"to": c.NeedStatus.CLOSED_UNMET, "note": "无法满足", "version": "1"},
    )
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    need.refresh_from_db()
    assert need.status == c.NeedStatus.RECORDED


def test_a_plan_transition_with_a_stale_version_is_refused(huayuan, plan):
    from assistance.services import action_add, plan_transition

    action_add(plan=plan, user=huayuan, description="送餐", due_on=NEXT_MONTH, owner=huayuan)
    plan_update(plan=plan, user=huayuan, goals="改过")
    with pytest.raises(EditConflict):
        plan_transition(plan=plan, to=c.PlanStatus.SUBMITTED, user=huayuan, version=1)


def test_history_rows_carry_the_version(huayuan, need, plan):
    need_update(need=need, user=huayuan, description="第二次")
    plan_update(plan=plan, user=huayuan, goals="第二次")
    assert list(need.history.order_by("history_id").values_list("version", flat=True)) == [1, 2]
    assert list(plan.history.order_by("history_id").values_list("version", "edition")) == [(1, 1), (2, 1)]


def send(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_api_steps_from_a_stale_read_are_409_or_412(login, huayuan, colleague, need):
    api = login(huayuan)
    etag = api.get(f"/api/needs/{need.pk}/")["ETag"]
    assert etag == '"1"'
    need_update(need=need, user=colleague, description="同事改过")
    url = f"/api/needs/{need.pk}/transition/"
    step = {"to": c.NeedStatus.CLOSED_UNMET, "note": "无法满足"}
    stale_header = send(api, url, step, HTTP_IF_MATCH=etag)
    assert stale_header.status_code == 412 and stale_header.json()["version"] == 2
    stale_body = send(api, url, {**step, "version": 1})
    assert stale_body.status_code == 409 and CONFLICT in stale_body.content.decode()
    assert Need.objects.get(pk=need.pk).status == c.NeedStatus.RECORDED
    fresh = send(api, url, {**step, "version": 2})
    assert fresh.status_code == 200 and fresh["ETag"] == '"3"'


def test_api_plan_patch_with_stale_body_version_is_409(login, huayuan, colleague, plan):
    api = login(huayuan)
    read = api.get(f"/api/care-plans/{plan.pk}/").json()
    assert (read["version"], read["edition"]) == (1, 1)
    plan_update(plan=plan, user=colleague, goals="同事的目标")
    response = api.patch(
        f"/api/care-plans/{plan.pk}/",
        data=json.dumps({"goals": "我的", "version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 409
    plan.refresh_from_db()
    assert plan.goals == "同事的目标"


def test_provider_editors_are_told(login, admin_user):
    provider = Provider.objects.order_by("id").first()
    first, second = login(admin_user), login(admin_user)
    url = reverse("assistance:provider-update", args=[provider.pk])
    version = opened_version(first, url)
    data = {"kind": provider.kind, "is_active": "on", "version": version}
    assert first.post(url, {**data, "name": "甲改的名字"}).status_code == 302
    response = second.post(url, {**data, "name": "乙改的名字"})
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    provider.refresh_from_db()
    assert (provider.name, provider.version) == ("甲改的名字", 2)


def test_a_push_that_withdraws_an_item_moves_its_version(household, huayuan):
    from assistance.push import push

    item = CatalogItem.objects.get(code="meal_help")
    rec = Recommendation.objects.create(household=household, item=item)
    CatalogItem.objects.filter(pk=item.pk).update(is_active=False)
    push(households=[household.pk])
    rec.refresh_from_db()
    assert (rec.status, rec.version) == (c.UptakeStatus.WITHDRAWN, 2)


def test_approval_with_a_stale_version_is_refused(login, huayuan, dongqu, plan):
    from assistance.services import action_add, plan_transition

    approver = dongqu
    approver.user_permissions.add(Permission.objects.get(codename="approve_careplan"))
    approver = type(approver).objects.get(pk=approver.pk)
    action_add(plan=plan, user=huayuan, description="送餐", due_on=NEXT_MONTH, owner=huayuan)
    plan_transition(plan=plan, to=c.PlanStatus.SUBMITTED, user=huayuan)
    page = login(approver).get(reverse("assistance:plan-detail", args=[plan.pk]))
    assert 'name="version"' in page.content.decode()
    response = login(approver).post(
        reverse("assistance:plan-transition", args=[plan.pk]), {"to": c.PlanStatus.APPROVED, "version": "1"}
    )
    assert response.status_code == 200 and CONFLICT in response.content.decode()
