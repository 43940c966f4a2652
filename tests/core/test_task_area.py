"""A task carries its household's town and community (issue 13): every task list scopes and
filters by the task's own columns instead of joining through the households. These tests hold the
copies true: filled by every service that creates tasks, by the data migration for existing rows,
moved with the household in the same transaction, and the task pages' query counts flat."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from assessments import screening
from assessments.choices import TaskKind
from assistance.models import CarePlan
from core.models import Task, tasks_follow_households
from households import services as household_services
from households.models import Household
from tests.factories import (
    AssistanceStatusFactory,
    HouseholdFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
    community,
    pair,
)

pytestmark = pytest.mark.django_db
DUE = dt.date.today() + dt.timedelta(days=7)


def off_their_household_area():
    """Tasks about a household whose town or community is not the household's."""
    return list(
        Task.objects.filter(household__isnull=False)
        .exclude(town=F("household__town"), community=F("household__community"))
        .values_list("kind", flat=True)
    )


def task(household, **fields) -> Task:
    return Task.objects.create(
        kind="screening_gained", title="核实", household=household, due_date=DUE, **fields
    )


def test_a_task_created_with_only_its_household_id_takes_the_household_area():
    household = HouseholdFactory(community=community("竹苑社区"))
    made = Task.objects.create(kind="k", title="x", household_id=household.pk, due_date=DUE)
    bulk = Task.objects.bulk_create([Task(kind="k", title="y", household_id=household.pk, due_date=DUE)])[0]
    for t in (made, bulk):
        t.refresh_from_db()
        assert (t.town_id, t.community_id) == (household.town_id, household.community_id)


def test_the_database_refuses_a_household_task_without_its_area():
    t = task(HouseholdFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=t.pk).update(town=None)


def test_a_moved_household_takes_its_tasks_along(admin_user):
    """GIVEN tasks of a 花苑 household and of a neighbour WHEN the household moves to 烟洲 (西区)
    THEN its tasks are in 烟洲 for the lists, the neighbour's stay, and 西区 sees the moved ones."""
    household = HouseholdFactory(community=community("花苑社区"))
    neighbour = HouseholdFactory(community=community("花苑社区"))
    moved, stays = task(household), task(neighbour)
    xiqu = UserFactory(role=Role.TOWN_WORKER, division=community("烟洲社区").parent)
    assert not Task.objects.restrict(xiqu).exists()
    household_services.household_update(
        household=household, user=admin_user, data={"community": community("烟洲社区"), "grid": None}
    )
    moved.refresh_from_db()
    stays.refresh_from_db()
    assert moved.community == community("烟洲社区") and moved.town.name == "西区街道"
    assert stays.community == community("花苑社区")
    assert list(Task.objects.restrict(xiqu)) == [moved]
    assert not off_their_household_area()


def test_a_failed_move_leaves_the_tasks_where_they_were(admin_user):
    household = HouseholdFactory(community=community("花苑社区"))
    t = task(household)
    with pytest.raises(RuntimeError), transaction.atomic():
        Household.objects.filter(pk=household.pk).update(
            community=community("烟洲社区"), town=community("烟洲社区").parent
        )
        tasks_follow_households([household.pk])
        raise RuntimeError
    t.refresh_from_db()
    assert t.community == community("花苑社区")


def test_follow_moves_only_the_tasks_of_households_that_moved():
    household = HouseholdFactory(community=community("花苑社区"))
    task(household)
    Household.objects.filter(pk=household.pk).update(community=community("竹苑社区"))
    assert tasks_follow_households([household.pk]) == 1
    assert tasks_follow_households([household.pk]) == 0  # nothing left to move: no write
    assert not off_their_household_area()


# ---------------------------------------------------------------------------------------------
# Every service that creates tasks gives them their household's area


def test_screening_tasks_carry_their_household_area():
    household = HouseholdFactory(community=community("竹苑社区"))
    PersonFactory(household=household)
    screening.rescreen(household_ids=[household.pk])  # the baseline
    PersonFactory(
        household=household, relation="parent", birth=dt.date(1935, 1, 1), living_arrangement="alone"
    )
    screening.rescreen(household_ids=[household.pk])
    assert Task.objects.filter(household=household).exists()
    assert not off_their_household_area()


def test_alert_and_death_tasks_carry_their_household_area(huayuan, django_capture_on_commit_callbacks):
    from assessments import services as assessment_services

    person = PersonFactory(household=HouseholdFactory(community=community("花苑社区")))
    with django_capture_on_commit_callbacks(execute=False):
        assessment_services.alert_create(person=person, kind="medical_bill", user=huayuan, amount=86000)
    other = PersonFactory(household=HouseholdFactory(community=community("竹苑社区")))
    AssistanceStatusFactory(person=other)
    with django_capture_on_commit_callbacks(execute=False):
        household_services.person_set_status(person=other, user=huayuan, status="deceased")
    kinds = set(Task.objects.values_list("kind", flat=True))
    assert {TaskKind.ALERT, household_services.STATUS_END_TASK} <= kinds, kinds
    assert not off_their_household_area()


def test_plan_and_visit_reminders_carry_their_household_area(admin_user, huayuan):
    from assistance.services import plan_reminders
    from visits import services as visit_services
    from visits.models import Pairing

    household = HouseholdFactory(community=community("竹苑社区"))
    CarePlan.objects.create(
        household=household, goals="目标", review_on=dt.date.today(), author=admin_user, status="active"
    )
    assert plan_reminders() == 1
    elder = HouseholdFactory(community=community("花苑社区"))
    from tests.visits.conftest import in_group

    in_group(elder, "elderly")
    team = TeamFactory(responsible=huayuan)
    Pairing.objects.filter(household=elder).delete()
    pair(team, elder)
    Pairing.objects.filter(household=elder).update(started_on=dt.date.today() - dt.timedelta(days=45))
    visit_services.schedule_refresh()
    assert visit_services.visit_reminders() == 1
    assert Task.objects.filter(household__isnull=False).count() == 2
    assert not off_their_household_area()


# ---------------------------------------------------------------------------------------------
# The data migration


def test_the_data_migration_fills_the_area_of_existing_tasks():
    """0008_task_area's function, called directly: rows whose copy is not their household's area
    (before the migration: empty) get it, baseline reviews (no household) keep theirs."""
    migration = importlib.import_module("core.migrations.0008_task_area")
    household = HouseholdFactory(community=community("花苑社区"))
    stale = task(household)
    Task.objects.filter(pk=stale.pk).update(
        community=community("烟洲社区"), town=community("烟洲社区").parent
    )
    review = Task.objects.create(
        kind="baseline",
        title="基线",
        town=community("竹苑社区").parent,
        community=community("竹苑社区"),
        due_date=DUE,
    )
    migration.fill_task_areas(apps, SimpleNamespace(connection=connection))
    stale.refresh_from_db()
    review.refresh_from_db()
    assert (stale.town_id, stale.community_id) == (household.town_id, household.community_id)
    assert review.community == community("竹苑社区")


# ---------------------------------------------------------------------------------------------
# Query counts: the home page's 我的待办 and the task list do not grow with the tasks


def _queries(client, url) -> int:
    assert client.get(url).status_code == 200  # warm (session, templates)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["admin_user", "dongqu", "huayuan"])
def test_home_and_task_list_queries_do_not_grow_with_the_tasks(persona, request, login):
    user = request.getfixturevalue(persona)
    client = login(user)
    urls = ["/", "/tasks/", "/tasks/?queue=all", "/tasks/?queue=unassigned", "/api/tasks/"]

    def add(n):
        for i in range(n):
            household = HouseholdFactory(community=community(("花苑社区", "竹苑社区", "烟洲社区")[i % 3]))
            task(household, assignee=user if i % 2 else None, high_risk=i % 4 == 0)

    add(3)
    few = {url: _queries(client, url) for url in urls}
    add(12)
    many = {url: _queries(client, url) for url in urls}
    assert many == few
