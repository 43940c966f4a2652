"""Re-screening: only changes are written, repeats change nothing, every change reaches a worker."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from assessments import screening
from assessments.choices import TaskKind
from assessments.models import GroupDecision, ScreeningState
from assessments.tasks import JOB_KIND, enqueue_rescreen, run_rescreen_job
from core.models import Job, Task
from households import services as hs
from tests.factories import HouseholdFactory, UserFactory, community, town

from .conftest import ON, born, groups_of, make_person

pytestmark = pytest.mark.django_db


def test_second_run_changes_nothing(already_screened, rescreen):
    make_person(age=82, living_arrangement="alone")
    make_person(age=9, low_income=True)
    first = rescreen()
    assert first.gained == 2 and first.tasks == 3  # two placements, one high-risk follow-up
    decisions = list(GroupDecision.objects.values_list("id", "updated_at"))
    tasks = Task.objects.count()
    second = rescreen()
    assert second.changed == 0
    assert list(GroupDecision.objects.values_list("id", "updated_at")) == decisions
    assert Task.objects.count() == tasks


def test_redelivered_job_does_nothing_more(already_screened, rescreen):
    make_person(age=82, living_arrangement="alone")
    job = Job.objects.create(kind=JOB_KIND, params={"everyone": True})
    run_rescreen_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["gained"] == 1
    assert job.done == job.total == 1
    run_rescreen_job.apply(args=[job.pk])  # the broker delivers the same message again
    assert GroupDecision.objects.count() == 1 and Task.objects.count() == 2


def test_forced_rerun_is_idempotent_too(rescreen):
    person = make_person(age=82, living_arrangement="alone")
    rescreen()
    again = screening.rescreen(person_ids=[person.pk], force=True, on=ON)
    assert (again.gained, again.lost, again.updated, again.tasks) == (0, 0, 0, 0)


def test_queries_do_not_grow_with_people(rescreen):
    """Set-based: the number of statements does not depend on how many people changed."""

    def run(n):
        for _ in range(n):
            make_person(
                age=82, living_arrangement="alone", low_income=True, household_fields={"housing": "none"}
            )
        with CaptureQueriesContext(connection) as ctx:
            rescreen()
        return len(ctx.captured_queries)

    few, many = run(3), run(60)  # 60 households: also the array-parameter path on PostgreSQL
    # SQLite splits big INSERTs (decisions, tasks, their history rows) into batches; nothing per person
    assert many <= few + 8


def test_only_changed_people_are_touched(rescreen):
    old = make_person(age=82, living_arrangement="alone")
    rescreen()
    state_before = ScreeningState.objects.get(person=old).signature
    new = make_person(age=70, living_arrangement="alone")
    result = rescreen()
    assert result.changed == 1 and result.gained == 1
    assert groups_of(new) == {"elderly": ""}
    assert ScreeningState.objects.get(person=old).signature == state_before


def test_nightly_run_ages_people_into_and_out_of_groups(rescreen):
    elder = make_person(birth=born(60, days_later=1), living_arrangement="alone")
    teen = make_person(birth=born(18, days_later=1), low_income=True)
    rescreen()
    assert groups_of(elder) == {}
    assert groups_of(teen) == {"child": ""}
    tomorrow = ON + dt.timedelta(days=1)
    result = rescreen(on=tomorrow)
    assert groups_of(elder) == {"elderly": ""}
    assert groups_of(teen) == {}
    assert result.gained == 1 and result.lost == 1
    kinds = set(Task.objects.filter(person__in=[elder, teen]).values_list("kind", flat=True))
    assert kinds == {TaskKind.GAINED, TaskKind.LOST}
    ended = GroupDecision.objects.get(person=teen, group="child")
    assert not ended.active and ended.end_reason == "不再符合条件" and ended.ended_at
    assert rescreen(on=tomorrow).changed == 0


def test_reaching_high_risk_creates_an_urgent_task(rescreen):
    person = make_person(birth=born(80, days_later=1), living_arrangement="alone")
    rescreen()
    assert groups_of(person) == {"elderly": ""}
    tomorrow = ON + dt.timedelta(days=1)
    rescreen(on=tomorrow)
    assert groups_of(person) == {"elderly": "high_risk"}
    task = Task.objects.get(person=person, kind=TaskKind.TIER)
    assert "高风险" in task.title
    assert task.due_date == tomorrow + dt.timedelta(days=2)


def test_follow_up_goes_to_community_worker_then_town_worker_then_area(
    already_screened, rescreen, huayuan, dongqu
):
    in_huayuan = make_person(age=82, living_arrangement="alone")
    other_community = HouseholdFactory(community=community("桃苑社区"))
    in_taoyuan = make_person(age=82, living_arrangement="alone", household=other_community)
    west = HouseholdFactory(community=community("烟洲社区"))
    in_west = make_person(age=82, living_arrangement="alone", household=west)
    rescreen()
    assert {t.assignee for t in Task.objects.filter(person=in_huayuan)} == {huayuan}
    assert {t.assignee for t in Task.objects.filter(person=in_taoyuan)} == {dongqu}
    unassigned = Task.objects.filter(person=in_west)
    assert {t.assignee for t in unassigned} == {None}
    west_worker = UserFactory(role=Role.TOWN_WORKER, division=town("西区街道"))
    assert Task.objects.restrict(west_worker).filter(person=in_west).count() == 2  # area-scoped
    assert Task.objects.restrict(dongqu).filter(person=in_west).count() == 0


def test_due_date_comes_from_a_parameter(already_screened, rescreen, admin_user):
    from households.models import PolicyParameter

    PolicyParameter.objects.create(key="screen_task_due_days", value=3, effective_from=ON)
    person = make_person(age=70, living_arrangement="alone")
    rescreen()
    assert Task.objects.get(person=person).due_date == ON + dt.timedelta(days=3)


def test_housing_gives_one_task_per_household(already_screened, rescreen):
    head = make_person(age=45, low_income=True, household_fields={"housing": "none"})
    make_person(age=40, household=head.household)
    rescreen()
    assert GroupDecision.objects.filter(group="housing", active=True).count() == 2
    assert Task.objects.filter(kind=TaskKind.GAINED).count() == 1


def test_edit_through_the_registry_rescreens_the_household(huayuan, django_capture_on_commit_callbacks):
    """A status added to the head puts the child (same household) in 困境儿童, via the hook job."""
    head = make_person(age=40)
    child = make_person(age=8, household=head.household)
    with django_capture_on_commit_callbacks(execute=True):
        hs.status_add(person=head, user=huayuan, data={"kind": "dibao", "start_date": dt.date(2024, 1, 1)})
    assert set(groups_of(child)) == {"child"}
    job = Job.objects.filter(kind=JOB_KIND).latest("id")
    assert job.status == Job.Status.SUCCEEDED and job.params == {"household_ids": [head.household_id]}


def test_moving_a_person_rescreens_both_households(huayuan, rescreen, django_capture_on_commit_callbacks):
    poor = make_person(age=40, low_income=True)
    child = make_person(age=8, relation="son")
    rescreen(on=dt.date.today())
    assert groups_of(child) == {}
    with django_capture_on_commit_callbacks(execute=True):
        hs.person_update(person=child, user=huayuan, data={}, household=poor.household)
    assert set(groups_of(child)) == {"child"}


def test_death_ends_groups_without_asking_for_follow_up(huayuan, django_capture_on_commit_callbacks):
    person = make_person(age=85, living_arrangement="alone")
    screening.rescreen(everyone=True)
    tasks = Task.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        hs.person_set_status(person=person, user=huayuan, status="deceased")
    decision = GroupDecision.objects.get(person=person)
    assert not decision.active and "已死亡" in decision.end_reason
    assert Task.objects.count() == tasks


def test_rescreen_command(rescreen, capsys):
    person = make_person(age=82, living_arrangement="alone")
    call_command("rescreen", "--household", str(person.household_id))
    assert "'gained': 1" in capsys.readouterr().out
    assert set(groups_of(person)) == {"elderly"}
    call_command("rescreen", "--all")
    assert Job.objects.filter(kind=JOB_KIND, status=Job.Status.SUCCEEDED).count() == 2


def test_enqueue_waits_for_commit(django_capture_on_commit_callbacks):
    person = make_person(age=82, living_arrangement="alone")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = enqueue_rescreen(household_ids=[person.household_id])
    assert job.status == Job.Status.QUEUED and len(callbacks) == 1
    assert not GroupDecision.objects.exists()
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED


def test_nightly_run_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["assessments-nightly-rescreen"]
    assert entry["task"] == "assessments.tasks.rescreen_everyone_nightly"
