"""Needs ledger: the lifecycle table, scoping, the pages and the API."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from assistance import choices as c
from assistance.models import CatalogItem, Need
from assistance.services import NEED_LIFECYCLE, need_record, need_transition
from core.concurrency import EditConflict
from tests.factories import HouseholdFactory, PersonFactory, community
from tests.households.test_query_counts import count_queries

pytestmark = pytest.mark.django_db
S = c.NeedStatus


@pytest.fixture
def need(household, huayuan):
    return need_record(
        user=huayuan, household=household, domain="care", description="独居老人需要助餐", source="visit"
    )


@pytest.fixture
def other_town_household(db):
    household = HouseholdFactory(community=community("烟洲社区"))
    PersonFactory(household=household, name="远方人")
    return household


def item():
    return CatalogItem.objects.get(code="meal_help")


def move_to(need, state, user):
    """Walk a need to ``state`` through allowed steps."""
    paths = {
        S.RECORDED: [],
        S.MATCHED: [S.MATCHED],
        S.IN_PROGRESS: [S.IN_PROGRESS],
        S.ESCALATED: [S.ESCALATED],
        S.MET: [S.IN_PROGRESS, S.MET],
        S.CLOSED_UNMET: [S.CLOSED_UNMET],
    }
    for step in paths[state]:
        need_transition(
            need=need, to=step, user=user, note="说明", item=item() if step == S.MATCHED else None
        )
    need.refresh_from_db()
    return need


ALL = [s for s, _label in S.choices]
PAIRS = [(a, b) for a in ALL for b in ALL if a != b]


@pytest.mark.parametrize(("start", "to"), PAIRS)
def test_every_transition_is_allowed_or_refused_as_the_table_says(start, to, household, huayuan):
    need = need_record(user=huayuan, household=household, domain="care", description="x", source="other")
    move_to(need, start, huayuan)
    assert need.status == start
    if to in NEED_LIFECYCLE.allowed(start):
        need_transition(need=need, to=to, user=huayuan, note="说明", item=item())
        need.refresh_from_db()
        assert need.status == to
        assert need.changed_by == huayuan
    else:
        with pytest.raises(ValidationError) as error:
            need_transition(need=need, to=to, user=huayuan, note="说明", item=item())
        assert "不能从" in str(error.value)
        need.refresh_from_db()
        assert need.status == start


def test_met_keeps_the_date_and_the_days_from_recorded(need, huayuan):
    Need.objects.filter(pk=need.pk).update(recorded_at=need.recorded_at - dt.timedelta(days=12))
    need.refresh_from_db()
    need_transition(need=need, to=S.IN_PROGRESS, user=huayuan)
    need_transition(need=need, to=S.MET, user=huayuan)
    need.refresh_from_db()
    assert need.met_on == dt.date.today()
    assert need.days_to_meet == 12


def test_matching_needs_an_item_and_closing_needs_a_reason(need, huayuan):
    with pytest.raises(ValidationError) as error:
        need_transition(need=need, to=S.MATCHED, user=huayuan)
    assert "请选择匹配的清单项目" in str(error.value)
    with pytest.raises(ValidationError) as error:
        need_transition(need=need, to=S.CLOSED_UNMET, user=huayuan, note="  ")
    assert "原因" in str(error.value)
    need.refresh_from_db()
    assert need.status == S.RECORDED


def test_a_stale_second_click_is_refused(need, huayuan):
    stale = Need.objects.get(pk=need.pk)
    need_transition(need=need, to=S.IN_PROGRESS, user=huayuan)
    with pytest.raises(EditConflict) as error:  # core.concurrency: the version moved on
        need_transition(need=stale, to=S.CLOSED_UNMET, user=huayuan, note="重复点击")
    assert "已被他人修改" in str(error.value)
    need.refresh_from_db()
    assert need.status == S.IN_PROGRESS


def test_every_step_is_in_the_history_with_its_user(need, huayuan, dongqu):
    need_transition(need=need, to=S.IN_PROGRESS, user=huayuan)
    need_transition(need=need, to=S.ESCALATED, user=dongqu, note="需多部门协调")
    users = list(need.history.order_by("history_id").values_list("status", "history_user__username"))
    assert users == [(S.RECORDED, "huayuan"), (S.IN_PROGRESS, "huayuan"), (S.ESCALATED, "dongqu")]


def test_a_worker_cannot_record_or_move_needs_outside_their_area(other_town_household, huayuan, xiqu, need):
    with pytest.raises(ValidationError):
        need_record(
            user=huayuan, household=other_town_household, domain="care", description="x", source="other"
        )
    with pytest.raises(ValidationError):
        need_transition(need=need, to=S.IN_PROGRESS, user=xiqu)
    need.refresh_from_db()
    assert need.status == S.RECORDED


def test_a_person_from_another_household_is_refused(household, huayuan):
    stranger = PersonFactory(household=HouseholdFactory(community=community("花苑社区")))
    with pytest.raises(ValidationError):
        need_record(
            user=huayuan, household=household, person=stranger, domain="care", description="x", source="other"
        )


# ---------------------------------------------------------------------------------------------
# Pages


def test_household_page_shows_its_needs_and_the_record_button(login, huayuan, household, need):
    page = login(huayuan).get(f"/households/{household.pk}/").content.decode()
    assert "需求台账" in page
    assert "独居老人需要助餐" in page
    assert f"/households/{household.pk}/needs/new/" in page


def test_recording_a_need_in_the_browser(login, huayuan, household):
    response = login(huayuan).post(
        f"/households/{household.pk}/needs/new/",
        {"domain": "medical", "urgency": "urgent", "source": "self_report", "description": "需要陪诊"},
    )
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/needs/{need.pk}/"
    assert (need.domain, need.urgency, need.recorded_by) == ("medical", "urgent", huayuan)


def test_an_empty_description_is_a_form_error_not_a_need(login, huayuan, household):
    response = login(huayuan).post(
        f"/households/{household.pk}/needs/new/",
        {"domain": "medical", "urgency": "urgent", "source": "other"},
    )
    assert response.status_code == 200
    assert "该字段是必填项" in response.content.decode()
    assert not Need.objects.exists()


def test_refused_transition_is_shown_on_the_form(login, huayuan, need):
    client = login(huayuan)
    response = client.post(f"/needs/{need.pk}/transition/", {"to": S.CLOSED_UNMET, "note": ""})
    assert response.status_code == 200
    assert "请说明未能满足的原因" in response.content.decode()
    response = client.post(f"/needs/{need.pk}/transition/", {"to": S.IN_PROGRESS})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == S.IN_PROGRESS


def test_ledger_lists_open_urgent_oldest_first(login, huayuan, household):
    old = need_record(
        user=huayuan, household=household, domain="care", description="旧的一般", source="other"
    )
    Need.objects.filter(pk=old.pk).update(recorded_at=old.recorded_at - dt.timedelta(days=30))
    urgent = need_record(
        user=huayuan,
        household=household,
        domain="care",
        description="新的紧急",
        source="other",
        urgency="urgent",
    )
    done = need_record(
        user=huayuan, household=household, domain="care", description="做完的需求", source="other"
    )
    move_to(done, S.MET, huayuan)
    page = login(huayuan).get("/needs/").content.decode()
    assert page.index(urgent.description) < page.index(old.description) < page.index(done.description)


@pytest.mark.parametrize("persona", ["xiqu"])
def test_other_town_gets_404_on_need_pages(persona, request, login, need):
    client = login(request.getfixturevalue(persona))
    for url in (f"/needs/{need.pk}/", f"/needs/{need.pk}/edit/", f"/needs/{need.pk}/transition/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/needs/{need.pk}/transition/", {"to": S.IN_PROGRESS}).status_code == 404
    assert "独居老人需要助餐" not in client.get("/needs/").content.decode()
    need.refresh_from_db()
    assert need.status == S.RECORDED


def test_manager_reads_the_ledger_but_cannot_move_a_need(login, manager, need):
    client = login(manager)
    assert "独居老人需要助餐" in client.get("/needs/").content.decode()
    assert client.post(f"/needs/{need.pk}/transition/", {"to": S.IN_PROGRESS}).status_code == 404
    need.refresh_from_db()
    assert need.status == S.RECORDED


def test_volunteer_sees_no_ledger(login, volunteer, need):
    client = login(volunteer)
    assert client.get("/needs/").status_code in (403, 404)
    assert client.get(f"/needs/{need.pk}/").status_code in (403, 404)
    assert "独居老人需要助餐" not in client.get(f"/households/{need.household_id}/").content.decode()


def test_ledger_query_count_does_not_grow_with_rows(login, huayuan, household):
    client = login(huayuan)
    for i in range(3):
        need_record(user=huayuan, household=household, domain="care", description=f"需求{i}", source="other")
    client.get("/needs/")  # warm up
    few = count_queries(client, "/needs/")
    assert few <= 14
    for i in range(30):
        other = HouseholdFactory(community=community("花苑社区"))
        need_record(user=huayuan, household=other, domain="living", description=f"更多{i}", source="other")
    assert count_queries(client, "/needs/") == few


# ---------------------------------------------------------------------------------------------
# API


def test_api_create_list_and_transition(login, huayuan, household):
    client = login(huayuan)
    response = client.post(
        "/api/needs/",
        {
            "household": household.pk,
            "domain": "care",
            "description": "助洁",
            "source": "visit",
            "urgency": "normal",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["status_label"] == "已登记"
    response = client.post(f"/api/needs/{pk}/transition/", {"to": "met"}, content_type="application/json")
    assert response.status_code == 400
    assert "不能从" in response.content.decode()
    response = client.post(
        f"/api/needs/{pk}/transition/", {"to": "matched", "item": item().pk}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "matched"
    assert [n["id"] for n in client.get("/api/needs/").json()["results"]] == [pk]


def test_api_refuses_a_household_outside_the_area_and_hides_its_needs(login, xiqu, household, need):
    client = login(xiqu)
    response = client.post(
        "/api/needs/",
        {"household": household.pk, "domain": "care", "description": "x", "source": "visit"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert client.get(f"/api/needs/{need.pk}/").status_code == 404
    assert (
        client.post(
            f"/api/needs/{need.pk}/transition/", {"to": "in_progress"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_api_has_no_delete(login, huayuan, need):
    assert login(huayuan).delete(f"/api/needs/{need.pk}/").status_code == 405
    assert Need.objects.filter(pk=need.pk).exists()
