"""Public-welfare posts: no over-filling, the tenure limit, and clear Chinese refusals."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from employment import services
from employment.models import Placement, Post
from households.models import Person

from .conftest import TODAY, jobless

pytestmark = pytest.mark.django_db
JSON = "application/json"


def place(person, post, user, start=TODAY, **kw):
    return services.placement_start(person=person, post=post, user=user, start_date=start, **kw)


def test_a_full_post_refuses_the_next_person_and_a_freed_seat_takes_one(post, worker):
    first, second, third = jobless(), jobless(), jobless()
    place(first, post, worker)
    place(second, post, worker)
    with pytest.raises(ValidationError) as error:
        place(third, post, worker)
    assert "已满员" in str(error.value.message_dict["post"])
    post.refresh_from_db()
    assert post.filled == 2 and post.vacancies == 0
    placement = Placement.objects.get(person=first)
    services.placement_end(placement=placement, user=worker, end_date=TODAY, reason="辞职")
    post.refresh_from_db()
    assert post.filled == 1
    place(third, post, worker)
    assert Placement.objects.filter(post=post, status="active").count() == 2


def test_the_database_itself_refuses_an_overfill(post):
    with pytest.raises(IntegrityError):
        Post.objects.filter(pk=post.pk).update(filled=3)


def test_capacity_cannot_drop_below_the_people_in_post(post, dongqu):
    place(jobless(), post, dongqu)
    place(jobless(), post, dongqu)
    with pytest.raises(ValidationError) as error:
        services.post_update(post=post, user=dongqu, capacity=1)
    assert "不能少于在岗人数" in str(error.value)
    services.post_update(post=Post.objects.get(pk=post.pk), user=dongqu, capacity=5)
    assert Post.objects.get(pk=post.pk).capacity == 5


def test_a_person_holds_one_post_at_a_time(post, worker):
    person = jobless()
    place(person, post, worker)
    other = Post.objects.create(town=post.town, name="协管员", employer="社区", capacity=3)
    with pytest.raises(ValidationError, match="已在公益性岗位上岗"):
        place(person, other, worker)
    assert Post.objects.get(pk=other.pk).filled == 0  # the refused placement took no seat


def test_placement_end_is_capped_by_the_tenure_limit(post, worker):
    placement = place(jobless(), post, worker, start=dt.date(2024, 3, 1))
    assert placement.planned_end == dt.date(2027, 3, 1)  # 36 months
    with pytest.raises(ValidationError) as error:
        place(jobless(), post, worker, start=dt.date(2024, 3, 1), planned_end=dt.date(2027, 6, 1))
    assert "超过累计任职期限" in str(error.value.message_dict["planned_end"])


def test_earlier_service_counts_toward_the_tenure_limit(post, worker):
    person = jobless()
    first = place(person, post, worker, start=TODAY - dt.timedelta(days=400))
    services.placement_end(
        placement=first, user=worker, end_date=TODAY - dt.timedelta(days=35), reason="期满前辞职"
    )
    second = place(person, post, worker, start=TODAY)
    served = 365
    from assessments.retirement import add_months

    assert second.planned_end == add_months(TODAY, 36) - dt.timedelta(days=served)


def test_a_person_who_served_the_whole_tenure_cannot_be_placed_again(worker):
    from employment.models import Post as P
    from tests.factories import town

    short = P.objects.create(
        town=town("东区街道"), name="短期岗", employer="社区", capacity=5, tenure_limit_months=6
    )
    person = jobless()
    start = TODAY - dt.timedelta(days=200)
    first = place(person, short, worker, start=start)
    services.placement_end(placement=first, user=worker, end_date=first.planned_end, reason="期满")
    with pytest.raises(ValidationError, match="累计任职期限"):
        place(person, short, worker, start=TODAY)


def test_leaving_after_the_tenure_end_is_refused(post, worker):
    placement = place(jobless(), post, worker, start=dt.date(2021, 1, 1))  # ended 2024-01-01 at the latest
    with pytest.raises(ValidationError) as error:
        services.placement_end(placement=placement, user=worker, end_date=TODAY, reason="x")
    assert "不能晚于任职期满日期" in str(error.value.message_dict["end_date"])
    assert placement.is_due


def test_a_post_of_another_town_is_refused(west_post, worker):
    with pytest.raises(ValidationError) as error:
        place(jobless(), west_post, worker)
    assert "post" in error.value.message_dict
    assert Post.objects.get(pk=west_post.pk).filled == 0


def test_placing_makes_the_person_employed_and_leaving_records_what_next(post, worker):
    person = jobless()
    placement = place(person, post, worker)
    assert Person.objects.get(pk=person.pk).employment == "employed"
    services.placement_end(
        placement=placement, user=worker, end_date=TODAY, reason="合同到期", employment_after="unemployed"
    )
    assert Person.objects.get(pk=person.pk).employment == "unemployed"
    assert [h.history_user for h in Placement.history.filter(id=placement.pk)] == [worker, worker]


def test_api_full_post_is_a_400_in_chinese(login, post, worker):
    client = login(worker)
    for _ in range(2):
        assert (
            client.post(
                "/api/placements/",
                {"post": post.pk, "person": jobless().pk, "start_date": str(TODAY)},
                content_type=JSON,
            ).status_code
            == 201
        )
    response = client.post(
        "/api/placements/",
        {"post": post.pk, "person": jobless().pk, "start_date": str(TODAY)},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert "已满员" in response.json()["post"][0]


def test_api_post_edit_checks_the_version(login, post, dongqu):
    client = login(dongqu)
    response = client.get(f"/api/public-posts/{post.pk}/")
    etag = response["ETag"]
    assert (
        client.patch(
            f"/api/public-posts/{post.pk}/", {"capacity": 4}, content_type=JSON, HTTP_IF_MATCH=etag
        ).status_code
        == 200
    )
    stale = client.patch(
        f"/api/public-posts/{post.pk}/", {"capacity": 6}, content_type=JSON, HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert Post.objects.get(pk=post.pk).capacity == 4


def test_community_worker_places_but_does_not_manage_posts(login, post, huayuan):
    client = login(huayuan)
    assert client.get(f"/employment/posts/{post.pk}/").status_code == 200
    assert client.get(f"/employment/posts/{post.pk}/edit/").status_code == 404
    assert client.get("/employment/posts/new/").status_code == 404
    response = client.patch(f"/api/public-posts/{post.pk}/", {"capacity": 9}, content_type=JSON)
    assert response.status_code == 404


def test_town_worker_creates_a_post_only_in_their_town(login, dongqu):
    from tests.factories import town

    client = login(dongqu)
    ok = client.post(
        "/api/public-posts/",
        {
            "town": town("东区街道").pk,
            "name": "保洁员",
            "employer": "东区",
            "capacity": 3,
            "tenure_limit_months": 24,
        },
        content_type=JSON,
    )
    assert ok.status_code == 201, ok.content
    other = client.post(
        "/api/public-posts/",
        {"town": town("西区街道").pk, "name": "保洁员", "employer": "西区", "capacity": 3},
        content_type=JSON,
    )
    assert other.status_code == 400 and "不能在该镇街设立岗位" in other.json()["town"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": "多"}, "capacity"),
        ({"tenure_limit_months": 0}, "tenure_limit_months"),
        ({"name": ""}, "name"),
    ],
)
def test_api_bad_post_bodies_are_chinese_400s(login, dongqu, body, field):
    from tests.factories import town

    base = {"town": town("东区街道").pk, "name": "保洁员", "employer": "东区", "capacity": 3}
    response = login(dongqu).post("/api/public-posts/", {**base, **body}, content_type=JSON)
    assert response.status_code == 400
    message = response.json()[field][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
