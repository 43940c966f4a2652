"""Placements racing for the last seat, against PostgreSQL (two requests, two threads, two
connections; a barrier holds both just after their checks, so both pass them before either
writes). Skipped on SQLite, which serializes writers; .ci/run's PostgreSQL pass runs it."""

import datetime as dt
import threading

import pytest
from django.db import connection

from employment import services
from employment.models import Placement, Post
from tests.conftest import client_for
from tests.factories import UserFactory, community, town

from .conftest import jobless

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a race needs PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
TODAY = str(dt.date.today())


def _hold_after(monkeypatch, name: str, parties: int = 2):
    real = getattr(services, name)
    barrier = threading.Barrier(parties, timeout=20)
    seen = threading.local()

    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        if not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()
        return result

    monkeypatch.setattr(services, name, wrapper)


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


def _place(user, post, person):
    client = client_for(user)
    body = {"post": post.pk, "person": person.pk, "start_date": TODAY}
    return lambda: client.post("/api/placements/", body, content_type="application/json")


@pytest.fixture
def racers(db):
    return (
        UserFactory(username="racer1", division=community("花苑社区")),
        UserFactory(username="racer2", division=community("花苑社区")),
    )


def test_two_workers_filling_the_last_seat_one_201_one_400(monkeypatch, racers):
    post = Post.objects.create(town=town("东区街道"), name="保洁员", employer="东区", capacity=1)
    _hold_after(monkeypatch, "tenure_end")  # both have passed every check before either takes a seat
    a, b = jobless(), jobless()
    responses = _in_threads(_place(racers[0], post, a), _place(racers[1], post, b))
    codes = sorted(getattr(r, "status_code", r) for r in responses)
    assert codes == [201, 400], responses
    refused = next(r for r in responses if r.status_code == 400)
    assert "已满员" in refused.json()["post"][0]
    post.refresh_from_db()
    assert post.filled == 1
    assert Placement.objects.filter(post=post, status="active").count() == 1


def test_five_placements_into_three_seats_fill_exactly_three(monkeypatch, db):
    post = Post.objects.create(town=town("东区街道"), name="保洁员", employer="东区", capacity=3)
    _hold_after(monkeypatch, "tenure_end", parties=5)
    users = [UserFactory(username=f"racer{i}", division=community("花苑社区")) for i in range(5)]
    people = [jobless() for _ in range(5)]
    responses = _in_threads(*(_place(u, post, p) for u, p in zip(users, people, strict=True)))
    codes = sorted(getattr(r, "status_code", r) for r in responses)
    assert codes == [201, 201, 201, 400, 400], responses
    post.refresh_from_db()
    assert post.filled == 3 == Placement.objects.filter(post=post, status="active").count()


def test_one_person_placed_twice_at_once_takes_one_seat(monkeypatch, racers):
    first = Post.objects.create(town=town("东区街道"), name="保洁员", employer="东区", capacity=2)
    second = Post.objects.create(town=town("东区街道"), name="巡逻员", employer="东区", capacity=2)
    _hold_after(monkeypatch, "tenure_end")
    person = jobless()
    responses = _in_threads(_place(racers[0], first, person), _place(racers[1], second, person))
    codes = sorted(getattr(r, "status_code", r) for r in responses)
    assert codes == [201, 400], responses
    assert Placement.objects.filter(person=person, status="active").count() == 1
    # The loser's seat went back with its transaction.
    assert sorted(Post.objects.filter(pk__in=[first.pk, second.pk]).values_list("filled", flat=True)) == [
        0,
        1,
    ]
