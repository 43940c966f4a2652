"""Query-count guards: each employment list costs the same number of queries for 5 people as for 30."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from employment import services
from employment.models import Post
from tests.factories import recount_once, town

from .conftest import TODAY, jobless

pytestmark = pytest.mark.django_db

PAGES = [
    "/employment/?per_page=50",
    "/employment/?per_page=50&sort=age&basis=dibao",
    "/employment/trainings/?per_page=50",
    "/employment/posts/?per_page=50",
    "/employment/placements/?per_page=50",
    "/employment/referrals/?per_page=50",
    "/employment/surveys/?per_page=50",
    "/employment/surveys/households/?per_page=50&state=surveyed",
    "/employment/surveys/progress/",
    "/employment/surveys/progress/?since=2020-01-01",
    "/employment/?per_page=50&basis=dibao&surveyed=yes",
    "/api/employment-targets/?page_size=50",
    "/api/employment-profiles/?page_size=50",
    "/api/trainings/?page_size=50",
    "/api/public-posts/?page_size=50",
    "/api/placements/?page_size=50",
    "/api/job-referrals/?page_size=50",
    "/api/employment-surveys/?page_size=50",
    "/api/employment-surveys/progress/",
]


def add_people(n: int, user) -> None:
    with recount_once():  # the summary rows once for all of them, not after each write
        _add_people(n, user)


def _add_people(n: int, user) -> None:
    for i in range(n):
        person = jobless()
        post = Post.objects.create(town=town("东区街道"), name=f"岗位{i}", employer="东区", capacity=2)
        services.profile_save(person=person, user=user, education="junior", intention="wage_job")
        services.training_add(person=person, user=user, course="育婴员", start_date=TODAY)
        services.placement_start(person=person, post=post, user=user, start_date=TODAY - dt.timedelta(days=5))
        services.referral_add(
            person=person, user=user, kind="recommendation", employer="厂", position="工", referred_on=TODAY
        )
        services.survey_record(
            household=person.household,
            person=person,
            user=user,
            method="phone",
            result="wants_job",
            contacted_on=TODAY,
        )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("persona", ["admin_user", "huayuan"])
@pytest.mark.parametrize("url", PAGES)
def test_employment_list_query_count_does_not_grow_with_rows(request, login, persona, url, admin_user):
    client = login(request.getfixturevalue(persona))
    add_people(5, admin_user)
    client.get(url)  # warm up
    few = count_queries(client, url)
    add_people(25, admin_user)
    many = count_queries(client, url)
    assert many == few, f"{url}: {few} queries for 5 people, {many} for 30"
    assert few <= 15, f"{url}: {few} queries"


def test_person_page_query_count_does_not_grow_with_records(login, huayuan, admin_user):
    person = jobless()
    post = Post.objects.create(town=town("东区街道"), name="岗位", employer="东区", capacity=50)
    client = login(huayuan)
    url = f"/employment/people/{person.pk}/"
    client.get(url)
    few = count_queries(client, url)
    for _ in range(10):
        services.training_add(person=person, user=admin_user, course="育婴员", start_date=TODAY)
        services.referral_add(
            person=person,
            user=admin_user,
            kind="recruitment",
            employer="厂",
            position="工",
            referred_on=TODAY,
        )
        services.survey_record(
            household=person.household,
            user=admin_user,
            method="on_site",
            result="wants_job",
            contacted_on=TODAY,
        )
    placement = services.placement_start(person=person, post=post, user=admin_user, start_date=TODAY)
    services.placement_end(placement=placement, user=admin_user, end_date=TODAY, reason="辞职")
    many = count_queries(client, url)
    assert many <= few + 12, (few, many)  # the history timeline reads staff names per entry (core.history)
