"""Placements and confirmed alerts propose needs; the worker accepts them from the task."""

import datetime as dt

import pytest

from assessments.models import Alert, GroupDecision
from assistance.models import Need
from core.models import Task

pytestmark = pytest.mark.django_db


def place(person, group):
    GroupDecision.objects.create(
        person=person, group=group, rule_version="t", params_version="t", fingerprint=1
    )


@pytest.fixture
def frail(household):
    person = household.head
    person.care_level = "severe"
    person.living_arrangement = "alone"
    person.save()
    place(person, "elderly")
    return person


@pytest.fixture
def task(frail):
    return Task.objects.create(
        kind="gained", title="新纳入", household=frail.household, person=frail, due_date=dt.date.today()
    )


def test_task_page_proposes_care_for_a_disabled_elderly_person_and_nothing_is_created(login, huayuan, task):
    page = login(huayuan).get(f"/tasks/{task.pk}/").content.decode()
    assert "建议登记的需求" in page
    assert "失能老人需要照料护理服务" in page and "独居（空巢）老人居家安全" in page
    assert not Need.objects.exists()


def test_accepting_records_a_screening_need_and_returns_to_the_task(login, huayuan, task, frail):
    client = login(huayuan)
    response = client.post(
        f"/persons/{frail.pk}/needs/accept/", {"domain": "care", "next": f"/tasks/{task.pk}/"}
    )
    assert response["Location"] == f"/tasks/{task.pk}/"
    need = Need.objects.get()
    assert (need.domain, need.source, need.person, need.recorded_by) == ("care", "screening", frail, huayuan)
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "失能老人需要照料护理服务" not in page  # an open care need exists now


def test_a_domain_that_is_not_proposed_is_refused(login, huayuan, frail):
    login(huayuan).post(f"/persons/{frail.pk}/needs/accept/", {"domain": "legal"})
    assert not Need.objects.exists()


def test_an_off_site_next_is_ignored(login, huayuan, frail):
    response = login(huayuan).post(
        f"/persons/{frail.pk}/needs/accept/", {"domain": "care", "next": "https://example.com/"}
    )
    assert response["Location"] == f"/persons/{frail.pk}/"


def test_confirmed_alert_proposes_medical_help(login, huayuan, household):
    from tests.factories import town

    person = household.head
    alert = Alert.objects.create(
        person=person,
        town=town("东区街道"),
        kind="medical_bill",
        source="department",
        verify_deadline=dt.date.today(),
        status="verified",
        confirmed=True,
    )
    page = login(huayuan).get(f"/warnings/{alert.pk}/").content.decode()
    assert "大额医疗支出，需要医疗救助" in page


def test_other_town_and_read_only_cannot_accept(login, xiqu, manager, frail):
    assert login(xiqu).post(f"/persons/{frail.pk}/needs/accept/", {"domain": "care"}).status_code == 404
    assert login(manager).post(f"/persons/{frail.pk}/needs/accept/", {"domain": "care"}).status_code == 404
    assert not Need.objects.exists()


def test_a_double_click_on_a_proposed_need_records_it_once(login, huayuan, frail):
    client = login(huayuan)
    first = client.post(f"/persons/{frail.pk}/needs/accept/", {"domain": "care"})
    second = client.post(f"/persons/{frail.pk}/needs/accept/", {"domain": "care"}, follow=True)
    assert first.status_code == 302
    assert Need.objects.filter(person=frail, domain="care").count() == 1
    assert "该建议已不适用" in second.content.decode()


on_postgres = [
    pytest.mark.skipif(
        __import__("django.db").db.connection.vendor != "postgresql", reason="a race needs PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@on_postgres[0]
@on_postgres[1]
def test_two_clicks_at_once_on_a_proposed_need_record_it_once(huayuan, frail, monkeypatch):
    """Both requests read the proposal before either writes: the household lock makes the second
    wait for the first and then find the domain already open."""
    import threading

    from django.db import connection

    from assistance import suggest
    from tests.conftest import client_for

    real = suggest.for_person
    arrived = threading.Barrier(2, timeout=5)

    def slow(person):
        result = real(person)
        try:
            arrived.wait()  # the second thread waits on the lock and never arrives: time out
        except threading.BrokenBarrierError:
            pass
        return result

    monkeypatch.setattr(suggest, "for_person", slow)
    results = []

    def click():
        try:
            results.append(client_for(huayuan).post(f"/persons/{frail.pk}/needs/accept/", {"domain": "care"}))
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r.status_code for r in results] == [302, 302]
    assert Need.objects.filter(person=frail, domain="care").count() == 1
