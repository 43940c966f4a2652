"""Security review of the assistance app: area scoping of every related field, read-only roles,
races that must be a 400 (never an IntegrityError 500), hostile bodies and redirects."""

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.choices import Role
from assistance import choices as c
from assistance import services
from assistance.models import CarePlan, CatalogItem, Need, PlanAction, Recommendation
from assistance.services import action_add, need_record, plan_create, plan_transition
from core.concurrency import EditConflict
from tests.conftest import client_for
from tests.factories import HouseholdFactory, TeamFactory, UserFactory, community, town

pytestmark = pytest.mark.django_db
P = c.PlanStatus
LATER = (dt.date.today() + dt.timedelta(days=30)).isoformat()
NEXT_MONTH = dt.date.today() + dt.timedelta(days=30)
JSON = "application/json"


def approver_rights(user):
    user.user_permissions.add(Permission.objects.get(codename="approve_careplan"))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def approver(dongqu):
    return approver_rights(dongqu)


@pytest.fixture
def plan(household, huayuan):
    return plan_create(household=household, user=huayuan, goals="目标", review_on=NEXT_MONTH)


@pytest.fixture
def far_team(db):
    return TeamFactory(division=community("烟洲社区"))


def _action_body(plan, **extra):
    return {"plan": plan.pk, "description": "送餐", "due_on": LATER, **extra}


def _in_force(plan, worker, approver):
    action_add(plan=plan, user=worker, description="送餐", due_on=NEXT_MONTH, owner=worker)
    plan_transition(plan=plan, to=P.SUBMITTED, user=worker)
    plan_transition(plan=plan, to=P.APPROVED, user=approver)
    plan_transition(plan=plan, to=P.ACTIVE, user=worker)
    return plan


# --- Related fields of a plan action: nothing from another town, no existence oracle ----------


def test_api_action_owner_from_another_town_is_refused_like_an_unknown_id(login, huayuan, xiqu, plan):
    client = login(huayuan)
    other = client.post("/api/plan-actions/", _action_body(plan, owner=xiqu.pk), content_type=JSON)
    missing = client.post("/api/plan-actions/", _action_body(plan, owner=999999), content_type=JSON)
    assert other.status_code == 400, other.content
    assert missing.status_code == 400
    assert other.json()["owner"] == [m.replace("999999", str(xiqu.pk)) for m in missing.json()["owner"]]
    assert not PlanAction.objects.exists()


def test_api_action_owner_may_not_be_a_volunteer_or_read_only_user(login, huayuan, manager, volunteer, plan):
    client = login(huayuan)
    for user in (manager, volunteer):
        response = client.post("/api/plan-actions/", _action_body(plan, owner=user.pk), content_type=JSON)
        assert response.status_code == 400, (user.username, response.content)
    assert not PlanAction.objects.exists()


def test_api_action_team_from_another_town_is_refused(login, huayuan, plan, far_team):
    response = login(huayuan).post(
        "/api/plan-actions/", _action_body(plan, owner_team=far_team.pk), content_type=JSON
    )
    assert response.status_code == 400, response.content
    assert "owner_team" in response.json()
    assert not PlanAction.objects.exists()


def test_api_action_with_an_inactive_item_is_refused(login, huayuan, plan):
    item = CatalogItem.objects.get(code="meal_help")
    item.is_active = False
    item.save()
    response = login(huayuan).post(
        "/api/plan-actions/", _action_body(plan, owner=huayuan.pk, item=item.pk), content_type=JSON
    )
    assert response.status_code == 400, response.content
    assert not PlanAction.objects.exists()


def test_api_action_own_town_owner_and_team_still_work(login, huayuan, dongqu, plan):
    team = TeamFactory(division=community("花苑社区"))
    response = login(huayuan).post(
        "/api/plan-actions/", _action_body(plan, owner=dongqu.pk, owner_team=team.pk), content_type=JSON
    )
    assert response.status_code == 201, response.content


def test_service_refuses_an_owner_or_team_outside_the_households_town(plan, huayuan, xiqu, far_team):
    with pytest.raises(ValidationError) as error:
        action_add(plan=plan, user=huayuan, description="送餐", due_on=NEXT_MONTH, owner=xiqu)
    assert "owner" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        action_add(plan=plan, user=huayuan, description="送餐", due_on=NEXT_MONTH, owner_team=far_team)
    assert "owner_team" in error.value.message_dict
    assert not PlanAction.objects.exists()


def test_api_action_need_of_another_town_is_an_unknown_id(login, huayuan, xiqu, plan):
    far = HouseholdFactory(community=community("烟洲社区"))
    need = need_record(user=xiqu, household=far, domain="care", description="助餐", source="visit")
    response = login(huayuan).post(
        "/api/plan-actions/", _action_body(plan, owner=huayuan.pk, need=need.pk), content_type=JSON
    )
    assert response.status_code == 400
    assert "need" in response.json()
    assert not PlanAction.objects.exists()


# --- Races: the database constraints answer with a 400 -------------------------------------------


def _race(monkeypatch):
    """Two creates that both read "no plan in progress" and both pass validation: the second hits
    the partial unique constraint. Simulated by letting the checks see nothing in progress."""
    monkeypatch.setattr(services.c, "PLAN_IN_PROGRESS", ())
    monkeypatch.setattr(CarePlan, "validate_constraints", lambda self, exclude=None: None)


def test_concurrent_plan_create_is_a_400_not_an_integrity_error(login, huayuan, household, plan, monkeypatch):
    _race(monkeypatch)
    response = login(huayuan).post(
        "/api/care-plans/",
        {"household": household.pk, "goals": "目标", "review_on": LATER},
        content_type=JSON,
    )
    assert response.status_code == 400, response.content
    assert "请刷新后再试" in response.content.decode()
    assert CarePlan.objects.count() == 1


def test_concurrent_plan_create_in_a_form_shows_an_error(login, huayuan, household, plan, monkeypatch):
    _race(monkeypatch)
    response = login(huayuan).post(
        f"/households/{household.pk}/plans/new/", {"goals": "目标", "review_on": LATER}
    )
    assert response.status_code == 200
    assert "请刷新后再试" in response.content.decode()
    assert CarePlan.objects.count() == 1


def test_concurrent_activation_is_a_400_not_an_integrity_error(
    login, huayuan, approver, household, plan, monkeypatch
):
    """Another plan came into force between the read and the write."""
    _in_force(plan, huayuan, approver)
    second = plan_create(household=household, user=huayuan, goals="目标二", review_on=NEXT_MONTH)
    plan_transition(plan=second, to=P.SUBMITTED, user=huayuan)
    plan_transition(plan=second, to=P.APPROVED, user=approver)
    monkeypatch.setattr(services, "_replace_plan_in_force", lambda *args: None)
    response = login(huayuan).post(
        f"/api/care-plans/{second.pk}/transition/", {"to": "active"}, content_type=JSON
    )
    assert response.status_code == 400, response.content
    second.refresh_from_db()
    assert second.status == P.APPROVED


def test_a_stale_need_transition_is_refused(household, huayuan):
    need = need_record(user=huayuan, household=household, domain="care", description="助餐", source="visit")
    stale = Need.objects.get(pk=need.pk)
    services.need_transition(need=need, to=c.NeedStatus.CLOSED_UNMET, user=huayuan, note="不需要")
    with pytest.raises(EditConflict) as error:  # core.concurrency: the version moved on
        services.need_transition(need=stale, to=c.NeedStatus.ESCALATED, user=huayuan, note="上报")
    assert "已被他人修改" in str(error.value)


# --- Approver rule, API too -----------------------------------------------------------------------


def test_a_community_worker_with_the_permission_cannot_approve_through_the_api(
    login, household, plan, huayuan
):
    other = approver_rights(
        UserFactory(username="huayuan2", role=Role.COMMUNITY_WORKER, division=community("花苑社区"))
    )
    action_add(plan=plan, user=huayuan, description="送餐", due_on=NEXT_MONTH, owner=huayuan)
    plan_transition(plan=plan, to=P.SUBMITTED, user=huayuan)
    response = login(other).post(
        f"/api/care-plans/{plan.pk}/transition/", {"to": "approved"}, content_type=JSON
    )
    assert response.status_code == 400
    far = approver_rights(UserFactory(username="xiqu2", role=Role.TOWN_WORKER, division=town("西区街道")))
    response = login(far).post(
        f"/api/care-plans/{plan.pk}/transition/", {"to": "approved"}, content_type=JSON
    )
    assert response.status_code == 404
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED and plan.approved_by is None


# --- Read-only roles, volunteers, other towns -----------------------------------------------------


def test_manager_writes_nothing_and_volunteer_sees_nothing(
    login, manager, volunteer, household, plan, huayuan
):
    need = need_record(user=huayuan, household=household, domain="care", description="助餐", source="visit")
    read_only = login(manager)
    assert read_only.post(
        "/api/needs/",
        {"household": household.pk, "domain": "care", "description": "x", "source": "visit"},
        content_type=JSON,
    ).status_code in (400, 403, 404)
    assert read_only.post(
        f"/api/needs/{need.pk}/transition/", {"to": "escalated", "note": "x"}, content_type=JSON
    ).status_code in (403, 404)
    assert read_only.patch(f"/api/care-plans/{plan.pk}/", {"goals": "改"}, content_type=JSON).status_code in (
        403,
        404,
    )
    assert read_only.post(f"/plans/{plan.pk}/actions/new/", {}).status_code == 404
    assert Need.objects.count() == 1 and not PlanAction.objects.exists()
    helper = login(volunteer)
    for url in ("/api/needs/", "/api/care-plans/", "/api/recommendations/", "/api/plan-actions/"):
        assert helper.get(url).status_code == 403, url
    for url in ("/needs/", f"/needs/{need.pk}/", "/plans/", f"/plans/{plan.pk}/"):
        assert helper.get(url).status_code in (403, 404), url


def test_other_town_gets_404_on_needs_history_and_plans(login, xiqu, household, plan, huayuan):
    need = need_record(user=huayuan, household=household, domain="care", description="助餐", source="visit")
    client = login(xiqu)
    for url in (
        f"/needs/{need.pk}/",
        f"/needs/{need.pk}/edit/",
        f"/plans/{plan.pk}/",
        f"/plans/{plan.pk}/print/",
        f"/api/needs/{need.pk}/",
        f"/api/care-plans/{plan.pk}/",
    ):
        assert client.get(url).status_code == 404, url


# --- Hostile input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"description": "长" * 10000},
        {"due_on": "not a date"},
        {"owner": "abc"},
        {"owner": [1, 2]},
        {"need": {"id": 1}},
        {"plan": None},
    ],
)
def test_api_action_bad_bodies_are_400(login, huayuan, plan, extra):
    body = {**_action_body(plan, owner=huayuan.pk), **extra}
    response = login(huayuan).post("/api/plan-actions/", body, content_type=JSON)
    assert response.status_code == 400, response.content


def test_api_bad_transition_values_are_400(login, huayuan, household, plan):
    need = need_record(user=huayuan, household=household, domain="care", description="助餐", source="visit")
    client = login(huayuan)
    for body in (
        {"to": "nonsense"},
        {"to": ["met"]},
        {"to": "matched", "item": "x"},
        {"to": "met", "note": "n" * 5000},
    ):
        assert client.post(f"/api/needs/{need.pk}/transition/", body, content_type=JSON).status_code == 400
    for body in ({"to": "active"}, {"to": "reviewed", "review_on": "x"}, {"to": 5}):
        assert (
            client.post(f"/api/care-plans/{plan.pk}/transition/", body, content_type=JSON).status_code == 400
        )
    assert client.post("/api/needs/", [1, 2], content_type=JSON).status_code == 400


def test_suggestion_accept_never_redirects_off_site(login, huayuan, household):
    person = household.members.first()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"):
        response = login(huayuan).post(
            f"/persons/{person.pk}/needs/accept/", {"domain": "none", "next": target}
        )
        assert response.status_code == 302
        assert "evil" not in response["Location"] and "javascript" not in response["Location"]


def test_api_creates_the_next_version_after_a_plan_in_force(login, huayuan, approver, household, plan):
    """The serializer must not guess uniqueness from the model default edition (1)."""
    _in_force(plan, huayuan, approver)
    response = login(huayuan).post(
        "/api/care-plans/",
        {"household": household.pk, "goals": "目标二", "review_on": LATER},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    assert response.json()["edition"] == 2


def test_api_plan_create_while_one_is_in_progress_says_so_in_plain_chinese(login, huayuan, household, plan):
    response = login(huayuan).post(
        "/api/care-plans/",
        {"household": household.pk, "goals": "目标", "review_on": LATER},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert "正在制定或待审批" in response.content.decode()


# --- Stale objects decide nothing: an edit never writes back a state someone else changed --------


def test_editing_a_stale_need_does_not_reopen_it(household, huayuan):
    need = need_record(user=huayuan, household=household, domain="care", description="助餐", source="visit")
    stale = Need.objects.get(pk=need.pk)
    services.need_transition(need=need, to=c.NeedStatus.CLOSED_UNMET, user=huayuan, note="已搬走")
    with pytest.raises(EditConflict):
        services.need_update(need=stale, user=huayuan, description="改")
    need.refresh_from_db()
    assert need.status == c.NeedStatus.CLOSED_UNMET and need.description == "助餐"


def test_editing_a_stale_draft_does_not_undo_an_approval(plan, huayuan, approver):
    stale = CarePlan.objects.get(pk=plan.pk)
    action_add(plan=plan, user=huayuan, description="送餐", due_on=NEXT_MONTH, owner=huayuan)
    plan_transition(plan=plan, to=P.SUBMITTED, user=huayuan)
    plan_transition(plan=plan, to=P.APPROVED, user=approver)
    with pytest.raises(EditConflict):
        services.plan_update(plan=stale, user=huayuan, goals="改")
    plan.refresh_from_db()
    assert plan.status == P.APPROVED and plan.approved_by == approver and plan.goals == "目标"


def test_no_action_is_added_to_a_plan_submitted_meanwhile(plan, huayuan):
    stale = CarePlan.objects.get(pk=plan.pk)
    action_add(plan=plan, user=huayuan, description="送餐", due_on=NEXT_MONTH, owner=huayuan)
    plan_transition(plan=plan, to=P.SUBMITTED, user=huayuan)
    with pytest.raises(ValidationError):
        action_add(plan=stale, user=huayuan, description="后加", due_on=NEXT_MONTH, owner=huayuan)
    assert list(plan.actions.values_list("description", flat=True)) == ["送餐"]


def test_no_action_is_finished_in_a_plan_closed_meanwhile(plan, huayuan, approver):
    _in_force(plan, huayuan, approver)
    stale = PlanAction.objects.select_related("plan").get(plan=plan)
    plan_transition(plan=plan, to=P.CLOSED, user=huayuan)
    with pytest.raises(ValidationError):
        services.action_finish(action=stale, user=huayuan)
    stale.refresh_from_db()
    assert stale.status == c.ActionStatus.OPEN


def test_plan_action_filter_does_not_tell_whether_another_towns_plan_exists(login, xiqu, plan):
    client = login(xiqu)
    other = client.get(f"/api/plan-actions/?plan={plan.pk}")
    missing = client.get("/api/plan-actions/?plan=999999")
    assert other.status_code == missing.status_code == 200
    assert other.json()["results"] == missing.json()["results"] == []
    assert client.get("/api/plan-actions/?plan=abc").status_code == 400
    assert client.get("/api/plan-actions/?status=nonsense").status_code == 400


# --- Real races against PostgreSQL (two threads, two connections; skipped on SQLite) -------------

on_postgres = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a race needs PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _in_threads(*calls):
    results = [None] * len(calls)

    def run(i, call):
        try:
            results[i] = call()
        except BaseException as error:  # noqa: BLE001 - reported by the assertions
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _post(user, url, body):
    return lambda: client_for(user).post(url, body, content_type=JSON)


@on_postgres[0]
@on_postgres[1]
def test_two_plan_creates_at_once_give_one_plan_and_a_400(household, huayuan, dongqu, monkeypatch):
    real = CarePlan.validate_constraints
    barrier = threading.Barrier(2, timeout=20)

    def held(self, *args, **kwargs):
        real(self, *args, **kwargs)  # both threads have seen no plan in progress ...
        barrier.wait()  # ... before either writes

    monkeypatch.setattr(CarePlan, "validate_constraints", held)
    body = {"household": household.pk, "goals": "目标", "review_on": LATER}
    results = _in_threads(_post(huayuan, "/api/care-plans/", body), _post(dongqu, "/api/care-plans/", body))
    codes = sorted(getattr(r, "status_code", repr(r)) for r in results)
    assert codes == [201, 400], results
    assert CarePlan.objects.filter(household=household).count() == 1


@on_postgres[0]
@on_postgres[1]
def test_two_activations_at_once_give_one_plan_in_force_and_a_409(household, huayuan, dongqu, monkeypatch):
    approver = approver_rights(dongqu)
    first = _in_force(
        plan_create(household=household, user=huayuan, goals="目标", review_on=NEXT_MONTH), huayuan, approver
    )
    second = plan_create(household=household, user=huayuan, goals="目标二", review_on=NEXT_MONTH)
    plan_transition(plan=second, to=P.SUBMITTED, user=huayuan)
    plan_transition(plan=second, to=P.APPROVED, user=approver)
    real = services.claim_version
    barrier = threading.Barrier(2, timeout=20)

    def held(instance, **kwargs):
        if instance.pk == second.pk:
            barrier.wait()  # both requests have read the plan as approved, at the same version
        real(instance, **kwargs)

    monkeypatch.setattr(services, "claim_version", held)
    url, body = f"/api/care-plans/{second.pk}/transition/", {"to": "active"}
    results = _in_threads(_post(huayuan, url, body), _post(huayuan, url, body))
    codes = sorted(getattr(r, "status_code", repr(r)) for r in results)
    assert codes == [200, 409], results  # the second waits for the first, then finds a new version
    assert list(CarePlan.objects.in_force().values_list("pk", flat=True)) == [second.pk]
    first.refresh_from_db()
    assert first.status == P.CLOSED


def test_the_scoping_choke_point_gives_volunteers_nothing_of_this_app(volunteer, household, huayuan, plan):
    """Pages and API are staff-only; restrict() itself also says no, so a future page, export or
    template tag cannot show a paired household's needs, pushes or plans to a volunteer."""
    need_record(user=huayuan, household=household, domain="care", description="助餐", source="visit")
    action_add(plan=plan, user=huayuan, description="送餐", due_on=NEXT_MONTH, owner=huayuan)
    Recommendation.objects.create(household=household, item=CatalogItem.objects.get(code="meal_help"))
    for model in (Need, Recommendation, CarePlan, PlanAction):
        assert model.objects.restrict(huayuan).exists(), model
        assert not model.objects.restrict(volunteer).exists(), model
