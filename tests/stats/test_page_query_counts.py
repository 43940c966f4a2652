"""Query-count guards for every main list and detail page (UI and API): the same number of
queries on a small demo city and on one five times larger, for the city admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import screening
from assessments.models import GroupDecision
from assistance.demo import make_demo_care, make_demo_needs
from assistance.models import CarePlan, Need
from core.models import Task
from households.demo import ensure_demo_users, make_households
from households.models import Household, Person

pytestmark = pytest.mark.django_db

LISTS = [
    "/",
    "/households/",
    "/households/?q=李",
    "/persons/",
    "/persons/?q=李",
    "/persons/?q=l",
    "/persons/?q=0011",
    "/persons/?sort=age",
    "/groups/",
    "/groups/overrides/",
    "/tasks/",
    "/warnings/",
    "/vagrants/",
    "/needs/",
    "/catalog/",
    "/providers/",
    "/push/",
    "/push/uptake/",
    "/plans/",
    "/divisions/",
    "/api/households/",
    "/api/persons/",
    "/api/persons/?q=李",
    "/api/statuses/",
    "/api/group-decisions/",
    "/api/tasks/",
    "/api/alerts/",
    "/api/needs/",
    "/api/recommendations/",
    "/api/care-plans/",
    "/api/plan-actions/",
]


def details() -> list[str]:
    household = Household.objects.order_by("id").first()
    person = Person.objects.order_by("id").first()
    decision = GroupDecision.objects.order_by("id").first()
    need = Need.objects.order_by("id").first()
    plan = CarePlan.objects.order_by("id").first()
    task = Task.objects.order_by("id").first()
    return [
        f"/households/{household.pk}/",
        f"/persons/{person.pk}/",
        f"/groups/decisions/{decision.pk}/",
        f"/needs/{need.pk}/",
        f"/plans/{plan.pk}/",
        f"/tasks/{task.pk}/",
        f"/api/households/{household.pk}/",
        f"/api/persons/{person.pk}/",
        f"/api/needs/{need.pk}/",
    ]


def grow(households: int) -> None:
    make_households(households)
    screening.rescreen(everyone=True)
    make_demo_needs(share=1.0, limit=households * 2)
    make_demo_care()


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def test_every_page_runs_as_many_queries_on_a_larger_city(client):
    from accounts.models import User

    make_households(12)
    ensure_demo_users()
    grow(12)
    client.force_login(User.objects.get(username="admin"))
    urls = LISTS + details()
    for url in urls:
        client.get(url)  # warm: session, content types, caches
    few = {url: count(client, url) for url in urls}
    grow(60)
    many = {url: count(client, url) for url in urls}
    # (A page may run one query fewer when its rows happen to need no prefetch: never more.)
    grown = {url: (few[url], many[url]) for url in urls if many[url] > few[url]}
    assert not grown, grown
    heavy = {url: n for url, n in many.items() if n > 30}
    assert not heavy, heavy
