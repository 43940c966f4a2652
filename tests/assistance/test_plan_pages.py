"""Care plan pages and API, as workers, approvers and other towns see them."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from assistance import choices as c
from assistance.models import CarePlan, PlanAction
from assistance.services import need_record
from tests.households.test_query_counts import count_queries

pytestmark = pytest.mark.django_db
P = c.PlanStatus
LATER = (dt.date.today() + dt.timedelta(days=40)).isoformat()


@pytest.fixture
def approver(dongqu):
    dongqu.user_permissions.add(Permission.objects.get(codename="approve_careplan"))
    return type(dongqu).objects.get(pk=dongqu.pk)


def test_the_browser_path_from_household_to_a_plan_in_force(login, huayuan, approver, household):
    need = need_record(
        user=huayuan, household=household, domain="care", description="需要助餐", source="visit"
    )
    worker = login(huayuan)
    page = worker.get(f"/households/{household.pk}/").content.decode()
    assert f"/households/{household.pk}/plans/new/" in page
    response = worker.post(
        f"/households/{household.pk}/plans/new/", {"goals": "解决吃饭问题", "review_on": LATER}
    )
    plan = CarePlan.objects.get()
    assert response["Location"] == f"/plans/{plan.pk}/"
    response = worker.post(
        f"/plans/{plan.pk}/actions/new/",
        {"description": "长者饭堂送餐", "need": need.pk, "owner": huayuan.pk, "due_on": LATER},
    )
    assert response.status_code == 302, response.content.decode()[:800]
    assert worker.post(f"/plans/{plan.pk}/transition/", {"to": P.SUBMITTED}).status_code == 302
    # The author sees no approve choice; the town approver does.
    assert "审批通过" not in worker.get(f"/plans/{plan.pk}/").content.decode()
    assert "审批通过" in login(approver).get(f"/plans/{plan.pk}/").content.decode()
    assert login(approver).post(f"/plans/{plan.pk}/transition/", {"to": P.APPROVED}).status_code == 302
    assert worker.post(f"/plans/{plan.pk}/transition/", {"to": P.ACTIVE}).status_code == 302
    action = PlanAction.objects.get()
    assert (
        worker.post(f"/plan-actions/{action.pk}/finish/", {"done": "1", "note": "已落实"}).status_code == 302
    )
    need.refresh_from_db()
    plan.refresh_from_db()
    assert (plan.status, need.status) == (P.ACTIVE, c.NeedStatus.MET)


def test_bad_dates_and_missing_owner_are_form_errors(login, huayuan, household):
    worker = login(huayuan)
    response = worker.post(
        f"/households/{household.pk}/plans/new/", {"goals": "x", "review_on": "2000-01-01"}
    )
    assert "评估日期须在今天以后" in response.content.decode()
    worker.post(f"/households/{household.pk}/plans/new/", {"goals": "x", "review_on": LATER})
    plan = CarePlan.objects.get()
    response = worker.post(f"/plans/{plan.pk}/actions/new/", {"description": "x", "due_on": LATER})
    assert "请指定责任人或责任队伍" in response.content.decode()
    assert not PlanAction.objects.exists()


def test_print_page_has_masked_ids_and_ages_not_birth_dates(login, manager, huayuan, household):
    login(huayuan).post(f"/households/{household.pk}/plans/new/", {"goals": "目标", "review_on": LATER})
    plan = CarePlan.objects.get()
    head = household.members.get()
    page = login(manager).get(f"/plans/{plan.pk}/print/").content.decode()
    assert head.id_masked in page and f"{head.age}岁" in page
    assert head.birth_date.strftime("%Y-%m-%d") not in page
    assert "@page" not in page and "print.css" in page


def test_other_town_gets_404_and_read_only_cannot_write(login, xiqu, manager, huayuan, household):
    login(huayuan).post(f"/households/{household.pk}/plans/new/", {"goals": "目标", "review_on": LATER})
    plan = CarePlan.objects.get()
    for url in (f"/plans/{plan.pk}/", f"/plans/{plan.pk}/print/", f"/plans/{plan.pk}/edit/"):
        assert login(xiqu).get(url).status_code == 404
    assert login(xiqu).get(f"/households/{household.pk}/plans/new/").status_code == 404
    assert (
        login(manager).post(f"/plans/{plan.pk}/edit/", {"goals": "改", "review_on": LATER}).status_code == 404
    )
    plan.refresh_from_db()
    assert plan.goals == "目标"


def test_api_plan_lifecycle_and_scoping(login, huayuan, approver, xiqu, household):
    worker = login(huayuan)
    response = worker.post(
        "/api/care-plans/",
        {"household": household.pk, "goals": "目标", "review_on": LATER},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = worker.post(
        "/api/plan-actions/",
        {"plan": pk, "description": "送餐", "owner": huayuan.pk, "due_on": LATER},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert (
        worker.post(
            f"/api/care-plans/{pk}/transition/", {"to": "submitted"}, content_type="application/json"
        ).status_code
        == 200
    )
    response = worker.post(
        f"/api/care-plans/{pk}/transition/", {"to": "approved"}, content_type="application/json"
    )
    assert response.status_code == 400 and "不能审批自己制定的方案" in response.content.decode()
    response = login(approver).post(
        f"/api/care-plans/{pk}/transition/", {"to": "approved"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert login(xiqu).get(f"/api/care-plans/{pk}/").status_code == 404
    response = login(xiqu).post(
        "/api/care-plans/",
        {"household": household.pk, "goals": "x", "review_on": LATER},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_plan_list_query_count_is_flat(login, huayuan):
    from tests.factories import HouseholdFactory, PersonFactory, community

    client = login(huayuan)

    def make(n):
        for _ in range(n):
            h = HouseholdFactory(community=community("花苑社区"))
            PersonFactory(household=h)
            client.post(f"/households/{h.pk}/plans/new/", {"goals": "目标", "review_on": LATER})

    make(2)
    client.get("/plans/")  # warm up
    few = count_queries(client, "/plans/")
    assert few <= 20
    make(10)
    assert count_queries(client, "/plans/") == few
