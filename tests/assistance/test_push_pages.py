"""Push pages and API: the worker's queue with reasons, the funnel, scoping."""

import datetime as dt

import pytest

from assistance import choices as c
from assistance.models import CatalogItem, Recommendation
from assistance.push import push
from tests.factories import HouseholdFactory, PersonFactory, community
from tests.households.test_query_counts import count_queries

pytestmark = pytest.mark.django_db
U = c.UptakeStatus


@pytest.fixture
def pushed(household):
    """花苑: an 85-year-old living alone; 烟洲 (西区): another one."""
    old = PersonFactory(
        household=household,
        name="独居老人",
        birth=dt.date(1940, 3, 3),
        living_arrangement="alone",
        relation="spouse",
    )
    far = PersonFactory(
        household=HouseholdFactory(community=community("烟洲社区")),
        name="西区老人",
        birth=dt.date(1940, 3, 3),
    )
    push()
    return old, far


def rec_for(person, code="elderly_allowance"):
    return Recommendation.objects.get(person=person, item__code=code)


def test_queue_lists_the_area_with_plain_reasons(login, huayuan, pushed):
    old, far = pushed
    page = (
        login(huayuan)
        .get(f"/push/?item={CatalogItem.objects.get(code='elderly_allowance').pk}")
        .content.decode()
    )
    assert "独居老人" in page and "西区老人" not in page
    assert f"符合：年龄 {old.age} 岁" in page
    assert "elderly_allowance" not in page and "min_age" not in page


def test_funnel_steps_and_decline_needs_a_reason(login, huayuan, pushed):
    old, _far = pushed
    rec = rec_for(old)
    client = login(huayuan)
    response = client.post(f"/push/{rec.pk}/transition/", {"to": U.DECLINED, "note": ""})
    assert response.status_code == 200 and "请说明不需要的原因" in response.content.decode()
    for step in (U.OFFERED, U.APPLIED, U.GRANTED, U.DELIVERED):
        assert client.post(f"/push/{rec.pk}/transition/", {"to": step}).status_code == 302
    rec.refresh_from_db()
    assert rec.status == U.DELIVERED
    assert list(rec.history.order_by("history_id").values_list("status", flat=True))[-4:] == [
        U.OFFERED,
        U.APPLIED,
        U.GRANTED,
        U.DELIVERED,
    ]


def test_granting_a_status_item_says_the_roster_confirms_it(login, huayuan, household):
    disabled = PersonFactory(
        household=household, name="重残", disability_grade=1, disability_category="physical", relation="child"
    )
    push()
    rec = rec_for(disabled, "disability_care")
    client = login(huayuan)
    for step in (U.OFFERED, U.APPLIED):
        client.post(f"/push/{rec.pk}/transition/", {"to": step})
    response = client.post(f"/push/{rec.pk}/transition/", {"to": U.GRANTED}, follow=True)
    assert "下一次名单导入确认后" in response.content.decode()
    assert not disabled.statuses.filter(kind="disability_care").exists()


def test_other_town_gets_404_and_read_only_roles_cannot_act(login, xiqu, manager, pushed):
    old, _far = pushed
    rec = rec_for(old)
    assert login(xiqu).get(f"/push/{rec.pk}/").status_code == 404
    assert login(xiqu).post(f"/push/{rec.pk}/transition/", {"to": U.OFFERED}).status_code == 404
    assert login(manager).get(f"/push/{rec.pk}/").status_code == 200
    assert login(manager).post(f"/push/{rec.pk}/transition/", {"to": U.OFFERED}).status_code == 404
    rec.refresh_from_db()
    assert rec.status == U.PUSHED


def test_uptake_counts_link_to_the_list_and_are_scoped(login, huayuan, manager, pushed):
    old, far = pushed
    rec = rec_for(old)
    rec.status = U.DELIVERED
    rec.save()
    item = CatalogItem.objects.get(code="elderly_allowance")
    page = login(manager).get("/push/uptake/").content.decode()
    assert "东区街道" in page and "西区街道" in page
    assert f"?item={item.pk}&amp;status=delivered" in page
    page = login(huayuan).get("/push/uptake/").content.decode()
    assert "西区街道" not in page


def test_household_page_shows_pushed_items(login, huayuan, household, pushed):
    page = login(huayuan).get(f"/households/{household.pk}/").content.decode()
    assert "推送的救助与服务" in page and "高龄津贴" in page


def test_api_lists_with_reasons_and_transitions(login, huayuan, xiqu, pushed):
    old, far = pushed
    client = login(huayuan)
    body = client.get("/api/recommendations/?state=open").json()
    names = {r["item_name"] for r in body["results"]}
    assert "高龄津贴" in names
    assert all(r["reason"].startswith("符合") for r in body["results"])
    rec = rec_for(old)
    response = client.post(
        f"/api/recommendations/{rec.pk}/transition/", {"to": "granted"}, content_type="application/json"
    )
    assert response.status_code == 400 and "不能从" in response.content.decode()
    response = client.post(
        f"/api/recommendations/{rec.pk}/transition/", {"to": "offered"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "offered"
    assert login(xiqu).get(f"/api/recommendations/{rec.pk}/").status_code == 404


def test_queue_query_count_is_flat(login, huayuan, household):
    PersonFactory(household=household, name="老一", birth=dt.date(1940, 1, 1), relation="spouse")
    push()
    client = login(huayuan)
    client.get("/push/")  # warm up
    few = count_queries(client, "/push/")
    assert few <= 20
    for i in range(15):
        h = HouseholdFactory(community=community("花苑社区"))
        PersonFactory(household=h, name=f"老{i}", birth=dt.date(1938, 1, 1), living_arrangement="alone")
    push()
    assert count_queries(client, "/push/") == few
