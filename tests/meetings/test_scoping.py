"""Liaisons and the secretariat see the households of their cases only, masked, everywhere."""

import pytest

from assessments.models import VagrantRecord
from assistance.services import need_record
from core.models import Task
from households.models import Household, Person
from meetings import choices as c
from meetings import services
from meetings.models import JointCase, Meeting, ResolutionTask
from tests.factories import HouseholdFactory, PersonFactory, community

from .conftest import dept

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_household(db):
    """A 花苑 household with a need and no case: nobody of the joint meeting may see it."""
    household = HouseholdFactory(community=community("花苑社区"), address="花苑路99号")
    PersonFactory(household=household, name="赵无关")
    return household


def _urls(household, need=None):
    person = household.members.first()
    urls = [
        f"/households/{household.pk}/",
        f"/persons/{person.pk}/",
        f"/api/households/{household.pk}/",
        f"/api/persons/{person.pk}/",
    ]
    if need is not None:
        urls += [f"/needs/{need.pk}/", f"/api/needs/{need.pk}/"]
    return urls


def test_liaison_gets_404_for_every_household_outside_their_cases(
    resolving, renshe, other_household, huayuan, login
):
    other_need = need_record(
        user=huayuan, household=other_household, domain="living", description="x", source="visit"
    )
    client = login(renshe)
    for url in _urls(other_household, other_need):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/households/").json()["results"] == [
        row for row in client.get("/api/households/").json()["results"] if row["id"] == resolving.household_id
    ]
    listed = {row["id"] for row in client.get("/api/needs/").json()["results"]}
    assert other_need.pk not in listed


def test_liaison_sees_the_case_and_its_needs_but_no_page_of_the_household(
    resolving, renshe, login, household, huayuan
):
    """PIPL, minimum necessary: of a case's household a liaison sees what the case shows (its
    needs, the household's name and area), never the household's or a member's page, its income,
    screening, assistance or other needs, and nothing through the API either."""
    client = login(renshe)
    person = household.members.first()
    case_need = resolving.needs.get()
    other_need = need_record(
        user=huayuan, household=household, domain="living", description="另一需求", source="visit"
    )
    for url in _urls(household, other_need):
        assert client.get(url).status_code == 404, url
    for url in (f"/needs/{case_need.pk}/", f"/api/needs/{case_need.pk}/"):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/joint/cases/{resolving.pk}/").content.decode()
    assert str(household) in page and f"/households/{household.pk}/" not in page
    assert case_need.description in page and "另一需求" not in page
    need_page = client.get(f"/needs/{case_need.pk}/").content.decode()
    assert f"/households/{household.pk}/" not in need_page and person.id_number not in need_page
    assert {row["id"] for row in client.get("/api/needs/").json()["results"]} == {case_need.pk}
    assert client.get("/api/households/").json()["results"] == []
    assert client.get("/api/persons/").json()["results"] == []
    assert client.post(f"/persons/{person.pk}/reveal/id_number/").status_code in (403, 404)
    assert client.post(f"/needs/{case_need.pk}/transition/", {"to": "met"}).status_code == 404
    assert client.post(f"/households/{household.pk}/edit/", {"address": "改"}).status_code == 404
    household.refresh_from_db()
    assert household.address != "改"


def test_liaison_scope_is_fail_closed_for_every_household_model(resolving, renshe):
    """Every household-scoped model but the needs is empty for a liaison (core.scoping ROW_SCOPES)."""
    from django.apps import apps

    from assistance.models import Need
    from core.scoping import ScopedQuerySet

    for model in apps.get_models():
        queryset = model._default_manager.all()
        if not isinstance(queryset, ScopedQuerySet) or model._meta.app_label == "meetings":
            continue
        rows = queryset.restrict(renshe)
        if model is Need:
            assert set(rows) == set(resolving.needs.all())
        else:
            assert not rows.exists(), model


def test_the_secretariat_still_sees_the_case_household_masked(resolving, mishu, login, household):
    client = login(mishu)
    person = household.members.first()
    page = client.get(f"/persons/{person.pk}/")
    assert page.status_code == 200
    assert person.id_number not in page.content.decode()
    assert client.post(f"/persons/{person.pk}/reveal/id_number/").status_code in (403, 404)


def test_liaison_of_another_department_sees_nothing(resolving, zhujian, login, household):
    client = login(zhujian)
    for url in _urls(household, resolving.needs.first()):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/joint/cases/{resolving.pk}/").status_code == 404
    assert client.get(f"/api/resolution-tasks/{resolving.tasks.first().pk}/").status_code == 404


def test_liaison_sees_a_case_on_the_agenda_of_a_meeting_their_department_attends(
    endorsed, mishu, zhujian, login
):
    meeting = services.meeting_create(
        user=mishu, title="住建专题会", held_on=endorsed.created_at.date(), departments=[dept("housing")]
    )
    client = login(zhujian)
    assert client.get(f"/joint/cases/{endorsed.pk}/").status_code == 404
    services.case_schedule(case=endorsed, meeting=meeting, user=mishu)
    assert client.get(f"/joint/cases/{endorsed.pk}/").status_code == 200
    assert client.get(f"/households/{endorsed.household_id}/").status_code == 404  # the case only
    assert client.get(f"/needs/{endorsed.needs.get().pk}/").status_code == 200


def test_secretariat_sees_cases_only_once_the_town_endorsed_them(case, mishu, login, dongqu_endorser):
    client = login(mishu)
    assert client.get(f"/joint/cases/{case.pk}/").status_code == 404
    assert client.get(f"/households/{case.household_id}/").status_code == 404
    services.case_transition(case=case, to=c.CaseStatus.ENDORSED, user=dongqu_endorser)
    assert client.get(f"/joint/cases/{case.pk}/").status_code == 200
    assert client.get(f"/households/{case.household_id}/").status_code == 200


def test_case_roles_see_no_row_that_is_not_a_household(resolving, renshe, mishu):
    """Vagrant records and area tasks are scoped by area, not by household: a case role whose
    household ids happen to equal their ids must still see none of them."""
    VagrantRecord.objects.model  # noqa: B018 - the model exists
    for user in (renshe, mishu):
        assert not VagrantRecord.objects.restrict(user).exists()
        assert (
            not Task.objects.restrict(user).exclude(household__in=Household.objects.restrict(user)).exists()
        )


def test_households_of_a_case_role_follow_the_case_scope(resolving, renshe, mishu, west_case):
    assert not Household.objects.restrict(renshe).exists()  # a liaison sees the case, its needs
    assert set(Household.objects.restrict(mishu)) == {resolving.household, west_case.household}
    assert Person.objects.restrict(renshe).filter(household=west_case.household).count() == 0


def test_a_town_worker_sees_meetings_of_their_towns_cases_only(
    resolving, west_case, meeting, xiqu, dongqu, mishu
):
    assert list(Meeting.objects.restrict(dongqu)) == [meeting]
    assert not Meeting.objects.restrict(xiqu).exists()
    assert set(JointCase.objects.restrict(mishu)) == {resolving, west_case}
    assert not ResolutionTask.objects.restrict(xiqu).exists()


def test_meeting_record_counts_but_hides_cases_outside_the_readers_reach(
    resolving, west_case, meeting, mishu, dongqu, login
):
    services.case_schedule(
        case=west_case,
        meeting=services.meeting_create(
            user=mishu, title="第二次", held_on=meeting.held_on, departments=[dept("housing")]
        ),
        user=mishu,
    )
    JointCase.objects.filter(pk=west_case.pk).update(meeting=meeting, agenda_order=2)
    page = login(dongqu).get(f"/joint/meetings/{meeting.pk}/print/").content.decode()
    assert resolving.number in page
    assert west_case.number not in page and "王西区" not in page
    assert "另有 1 件" in page
    full = login(mishu).get(f"/joint/meetings/{meeting.pk}/print/").content.decode()
    assert west_case.number in full


def test_case_roles_land_on_the_joint_meeting_page(mishu, renshe, login):
    for user in (mishu, renshe):
        response = login(user).get("/")
        assert response.status_code == 302 and response["Location"] == "/joint/"


def test_only_the_steps_a_user_may_make_are_offered(case, huayuan, dongqu_endorser, login):
    page = login(dongqu_endorser).get(f"/joint/cases/{case.pk}/").content.decode()
    assert "审核通过" in page
    page = login(huayuan).get(f"/joint/cases/{case.pk}/").content.decode()
    assert "审核通过" not in page and "撤回" in page
