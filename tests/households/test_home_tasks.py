"""The home page's 我的待办 names the household of a task that has no person, in a fixed number
of queries however many tasks there are."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Task
from tests.factories import HouseholdFactory, PersonFactory, community

pytestmark = pytest.mark.django_db


def _household_task(user, head: str) -> Task:
    household = HouseholdFactory(community=community("花苑社区"))
    PersonFactory(household=household, name=head)
    return Task.objects.create(
        kind="plan_review_due",
        title="关爱方案到期评估",
        household=household,
        assignee=user,
        due_date=dt.date.today(),
    )


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_my_tasks_name_the_household_and_link_the_task(huayuan, login):
    client = login(huayuan)
    task = _household_task(huayuan, "黄淑芬")
    page = client.get("/").content.decode()
    assert "关爱方案到期评估" in page and "黄淑芬户" in page
    assert f"/tasks/{task.pk}/" in page
    one = _queries(client)
    for i in range(5):
        _household_task(huayuan, f"陈{i}明")
    assert _queries(client) == one
