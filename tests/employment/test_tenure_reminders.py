"""A public-welfare placement at or near its tenure limit is a task in 我的待办 of the worker who
placed the person (daily beat task; one query, idempotent)."""

import datetime as dt

import pytest
from django.conf import settings

from assessments.choices import TaskKind
from core.models import Task
from employment import services
from employment.models import Placement
from employment.tasks import tenure_reminders as tenure_task

from .conftest import TODAY, jobless

pytestmark = pytest.mark.django_db


def _placed(post, worker, *, ends_in_days: int, community_name="花苑社区"):
    person = jobless(community_name)
    placement = services.placement_start(
        person=person, post=post, user=worker, start_date=TODAY - dt.timedelta(days=60)
    )
    Placement.objects.filter(pk=placement.pk).update(planned_end=TODAY + dt.timedelta(days=ends_in_days))
    return Placement.objects.get(pk=placement.pk)


def test_placements_at_and_near_their_limit_become_tasks_once(
    post, worker, login, django_assert_max_num_queries
):
    soon = _placed(post, worker, ends_in_days=30)
    reached = _placed(post, worker, ends_in_days=0)
    with django_assert_max_num_queries(4):  # one SELECT and the inserts, whatever the number
        assert services.tenure_reminders() == 2
    assert services.tenure_reminders() == 0
    due = Task.objects.get(kind=TaskKind.TENURE_DUE)
    done = Task.objects.get(kind=TaskKind.TENURE_REACHED)
    assert due.person_id == soon.person_id and due.assignee == worker and due.due_date == soon.planned_end
    assert done.person_id == reached.person_id and done.household_id == reached.person.household_id
    household = reached.person.household  # its area, for the task lists' scoping (issue 13)
    assert (done.town_id, done.community_id) == (household.town_id, household.community_id)
    assert "保洁员" in done.title and "期满" in done.title
    page = login(worker).get("/").content.decode()
    assert "公益性岗位任职期满" in page and "保洁员" in page


def test_the_notice_becomes_a_limit_task_when_the_day_comes(post, worker):
    placement = _placed(post, worker, ends_in_days=10)
    assert services.tenure_reminders() == 1
    assert services.tenure_reminders(today=placement.planned_end) == 1
    assert services.tenure_reminders(today=placement.planned_end + dt.timedelta(days=3)) == 0
    assert set(Task.objects.values_list("kind", flat=True)) == {TaskKind.TENURE_DUE, TaskKind.TENURE_REACHED}


def test_far_off_and_ended_placements_make_no_task(post, worker):
    _placed(post, worker, ends_in_days=31)
    ended = _placed(post, worker, ends_in_days=-5)
    services.placement_end(placement=ended, user=worker, end_date=ended.planned_end, reason="期满离岗")
    assert services.tenure_reminders() == 0


def test_a_deactivated_worker_leaves_the_task_to_the_area(post, worker, dongqu):
    _placed(post, worker, ends_in_days=0)
    type(worker).objects.filter(pk=worker.pk).update(is_active=False)
    assert tenure_task() == 1
    task = Task.objects.get()
    assert task.assignee is None
    assert Task.objects.restrict(dongqu).filter(pk=task.pk).exists()


def test_it_runs_daily_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["employment-tenure-reminders"]
    assert entry["task"] == "employment.tasks.tenure_reminders"
