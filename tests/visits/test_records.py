"""Pairing rules, visit records (need from a problem, edits after 7 days, nothing deleted),
idempotent phone submissions, person-times, overdue reminders, and the coverage page's queries."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assistance.models import Need
from core.models import Task
from tests.factories import HouseholdFactory, PersonFactory, TeamFactory, community
from visits import selectors, services
from visits.models import Activity, Pairing, Visit

from .conftest import in_group

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def _phone_post(client, household, **extra):
    data = {
        "key": "draft-0001-abcd",
        "visited_on": TODAY.isoformat(),
        "method": "home",
        "services": ["condolence"],
        "health": "good",
        "all_safe": "on",
        **extra,
    }
    return client.post(
        reverse("visits:phone-visit", args=[household.pk]), data, HTTP_ACCEPT="application/json"
    )


def test_one_open_pairing_per_team_and_household(huayuan, household):
    team = TeamFactory()
    services.pairing_create(user=huayuan, team=team, household=household, started_on=TODAY)
    with pytest.raises(ValidationError, match="请勿重复结对"):
        services.pairing_create(user=huayuan, team=team, household=household, started_on=TODAY)
    pairing = Pairing.objects.get(team=team)
    with pytest.raises(ValidationError):
        services.pairing_end(user=huayuan, pairing=pairing, ended_on=TODAY, reason=" ")
    services.pairing_end(user=huayuan, pairing=pairing, ended_on=TODAY, reason="家庭搬离")
    services.pairing_create(user=huayuan, team=team, household=household, started_on=TODAY)
    assert Pairing.objects.filter(team=team).count() == 2  # the ended one is kept


def test_pairing_outside_the_area_is_refused(xiqu, household):
    with pytest.raises(ValidationError):
        services.pairing_create(user=xiqu, team=TeamFactory(), household=household, started_on=TODAY)


def test_pairing_from_the_household_page(huayuan, household, login):
    team = TeamFactory(name="花苑二队")
    response = login(huayuan).post(
        reverse("visits:household-pair", args=[household.pk]),
        {"team": team.pk, "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 302 and Pairing.objects.filter(team=team, household=household).exists()


def test_the_phone_form_sent_twice_records_one_visit(volunteer, household, login):
    client = login(volunteer)
    first = _phone_post(client, household)
    second = _phone_post(client, household)
    assert first.status_code == second.status_code == 200
    assert first.json()["visit"] == second.json()["visit"]
    visit = Visit.objects.get()
    assert visit.service_codes == ["condolence"] and visit.all_safe and visit.team is not None
    assert visit.members.get().user == volunteer


def test_a_bad_phone_form_is_a_400_in_chinese(volunteer, household, login):
    response = _phone_post(login(volunteer), household, services=["bogus"], visited_on="2999-01-01")
    assert response.status_code == 400 and "visited_on" in response.json()["errors"]
    assert not Visit.objects.exists()


def test_a_volunteer_may_not_visit_an_unpaired_household(volunteer, login):
    other = HouseholdFactory(community=community("花苑社区"))
    assert login(volunteer).get(reverse("visits:phone-visit", args=[other.pk])).status_code == 404
    assert _phone_post(login(volunteer), other).status_code == 404
    assert not Visit.objects.exists()


def test_a_problem_found_by_a_volunteer_becomes_a_need_owned_by_the_worker(
    volunteer, household, huayuan, login
):
    team = volunteer.team_memberships.get().team
    team.responsible = huayuan
    team.save()
    _phone_post(login(volunteer), household, problems="燃气管老化漏气", needs_help="on")
    need = Need.objects.get()
    assert need.source == "visit" and need.recorded_by == huayuan and "漏气" in need.description
    assert Visit.objects.get().need == need


def test_staff_record_a_need_from_the_visit_form(huayuan, household, login):
    PersonFactory(household=household)
    response = login(huayuan).post(
        reverse("visits:visit-create", args=[household.pk]),
        {
            "visited_on": TODAY.isoformat(),
            "method": "phone",
            "services": ["living", "meals"],
            "health": "fair",
            "electricity": "safe",
            "gas": "hazard",
            "fire": "safe",
            "carers_ok": "unknown",
            "problems": "独居，做饭困难",
            "create_need": "on",
            "need_domain": "care",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.need.domain == "care" and sorted(visit.service_codes) == ["living", "meals"]
    assert list(visit.users.all()) == [huayuan]


def test_editing_after_seven_days_needs_a_reason(huayuan, household):
    visit = services.visit_record(
        user=huayuan, household=household, services=["condolence"], visited_on=TODAY, method="home"
    )
    services.visit_update(user=huayuan, visit=visit, notes="补充")  # within 7 days: no reason needed
    Visit.objects.filter(pk=visit.pk).update(recorded_at=timezone.now() - dt.timedelta(days=8))
    visit.refresh_from_db()
    with pytest.raises(ValidationError, match="说明原因"):
        services.visit_update(user=huayuan, visit=visit, notes="再次补充")
    services.visit_update(
        user=huayuan, visit=visit, notes="再次补充", reason="核对后更正", services=["living"]
    )
    visit.refresh_from_db()
    assert visit.history.first().history_change_reason == "核对后更正"
    assert visit.service_codes == ["living"] and visit.history.count() == 3


def test_a_read_only_role_cannot_edit_a_visit(manager, huayuan, household):
    visit = services.visit_record(
        user=huayuan, household=household, services=["condolence"], visited_on=TODAY, method="home"
    )
    with pytest.raises(ValidationError):
        services.visit_update(user=manager, visit=visit, notes="x")


def test_person_times_are_counted_from_visits_and_activities(huayuan, household):
    services.visit_record(
        user=huayuan, household=household, services=["condolence", "meals"], visited_on=TODAY, method="home"
    )
    services.visit_record(
        user=huayuan, household=household, services=["condolence"], visited_on=TODAY, method="phone"
    )
    activity = Activity.objects.create(
        title="体检",
        kind="checkup",
        held_on=TODAY,
        place="站",
        other_count=5,
        community=community("花苑社区"),
        organiser_team=TeamFactory(),
        recorded_by=huayuan,
    )
    activity.participants.set([household.head, PersonFactory(household=household)])
    times = selectors.person_times(huayuan, since=TODAY, until=TODAY)
    assert (times["condolence"], times["meals"], times["medical"]) == (2, 1, 7)


def test_overdue_visits_become_tasks_for_the_responsible_worker_once(household, huayuan):
    in_group(household, "elderly")
    team = TeamFactory(responsible=huayuan)
    Pairing.objects.create(team=team, household=household, started_on=TODAY - dt.timedelta(days=45))
    services.schedule_refresh()  # written around the services: the nightly refresh picks it up
    assert services.visit_reminders() == 1
    assert services.visit_reminders() == 0
    task = Task.objects.get()
    assert task.assignee == huayuan and task.household == household and task.kind == "visit_overdue"


def test_the_coverage_page_queries_do_not_grow_with_communities(admin_user, login):
    client = login(admin_user)
    client.get(reverse("visits:coverage"))  # the login's own session writes happen here

    def page_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("visits:coverage")).status_code == 200
        return len(ctx.captured_queries)

    for name in ("花苑社区", "竹苑社区"):
        household = HouseholdFactory(community=community(name))
        in_group(household, "elderly")
    few = page_queries()
    for name in ("烟洲社区", "夏洋社区", "起湾社区"):
        for _ in range(3):
            household = HouseholdFactory(community=community(name))
            in_group(household, "elderly")
    assert page_queries() == few <= 10
