"""Links by ID number go through restrict(): a record in one area never reaches into another."""

import pytest

from assessments.models import VagrantRecord
from core import idnumber
from core.models import Task
from tests.factories import HouseholdFactory, community

from .conftest import groups_of, make_person
from .test_pages_api import _post_intake

pytestmark = pytest.mark.django_db


def test_vagrant_intake_does_not_link_a_person_of_another_town(
    huayuan, login, django_capture_on_commit_callbacks
):
    """A 花苑 worker registering a vagrant with the ID number of a 西区 resident: the record is
    kept (without a link), the 西区 person is not placed in the vagrant group, no 西区 task."""
    west = make_person(age=50, household=HouseholdFactory(community=community("烟洲社区")))
    tasks_before = Task.objects.count()
    client = login(huayuan)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_intake(client, west)
    assert response.status_code == 302
    record = VagrantRecord.objects.get()
    assert record.person_id is None
    assert record.id_hash == idnumber.id_hash(idnumber.decrypt(west.id_encrypted))
    assert groups_of(west) == {}
    assert not Task.objects.filter(person=west).exists()
    assert Task.objects.count() == tasks_before


def test_vagrant_intake_by_a_city_admin_links_anywhere(admin_user, login, django_capture_on_commit_callbacks):
    west = make_person(age=50, household=HouseholdFactory(community=community("烟洲社区")))
    with django_capture_on_commit_callbacks(execute=True):
        _post_intake(login(admin_user), west)
    assert VagrantRecord.objects.get().person == west
    assert set(groups_of(west)) == {"vagrant"}


# ---------------------------------------------------------------------------------------------
# Optimistic concurrency on screening records (core/concurrency.py)


def _vagrant(user):
    import datetime as dt

    from assessments import services

    return services.vagrant_create(
        user=user,
        data={
            "source": "outreach",
            "found_on": dt.date(2026, 11, 1),
            "found_place": "岐江桥",
            "community": community("花苑社区"),
        },
    )


def test_vagrant_edit_with_a_stale_version_shows_the_other_change(huayuan, dongqu, login):
    record = _vagrant(huayuan)
    data = {
        "source": "outreach",
        "found_on": "2026-11-01",
        "found_place": "岐江桥",
        "community": community("花苑社区").pk,
        "tracing_status": "not_started",
        "outcome": "in_station",
        "version": record.version,
    }
    assert (
        login(dongqu).post(f"/vagrants/{record.pk}/edit/", {**data, "tracing_note": "已联系老家"}).status_code
        == 302
    )
    response = login(huayuan).post(f"/vagrants/{record.pk}/edit/", {**data, "found_place": "另一处"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "此记录已被他人修改" in page and "已联系老家" in page
    record.refresh_from_db()
    assert record.found_place == "岐江桥" and record.tracing_note == "已联系老家"


def test_alert_verified_twice_with_the_same_version_is_409(huayuan, login):
    from assessments import services
    from assessments.models import Alert

    alert = services.alert_create(person=make_person(age=50), kind="disaster", user=huayuan, rescreen=False)
    api = login(huayuan)
    body = {"method": "visit", "confirmed": False, "note": "不属实", "version": alert.version}
    first = api.post(f"/api/alerts/{alert.pk}/verify/", body, content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] == 2
    second = api.post(
        f"/api/alerts/{alert.pk}/verify/", {**body, "note": "再次"}, content_type="application/json"
    )
    assert second.status_code in (400, 409)
    assert Alert.objects.get(pk=alert.pk).verify_note == "不属实"
    assert api.get(f"/api/alerts/{alert.pk}/")["ETag"] == '"2"'


def test_a_review_over_a_newer_verdict_is_refused_with_that_verdict(rescreen, huayuan, dongqu, login):
    from assessments.models import GroupDecision, Override

    person = make_person(age=82, living_arrangement="alone")
    rescreen()
    decision = GroupDecision.objects.get(person=person, group="elderly")
    url = f"/groups/decisions/{decision.pk}/review/"
    mine = login(huayuan)
    seen = mine.get(url).context["form"]["seen_override"].value()
    assert seen == 0
    assert (
        login(dongqu)
        .post(url, {"verdict": "confirm", "reason": "入户核实独居", "seen_override": 0})
        .status_code
        == 302
    )
    response = mine.post(url, {"verdict": "reject", "reason": "子女同住", "seen_override": seen})
    page = response.content.decode()
    assert response.status_code == 200
    assert "此记录已被他人修改" in page and "入户核实独居" in page
    assert Override.objects.get(person=person, active=True).reason == "入户核实独居"
    again = response.context["form"]["seen_override"].value()
    assert (
        mine.post(url, {"verdict": "reject", "reason": "子女同住", "seen_override": again}).status_code == 302
    )
    assert Override.objects.get(person=person, active=True).reason == "子女同住"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("estimated_age", "300", "请填写 0 到 120 之间的年龄。"),
        ("found_on", "2099-01-01", "发现日期不能晚于今天。"),
        ("outcome_on", "2020-01-01", "去向日期不能早于发现日期。"),
    ],
)
def test_vagrant_intake_validates_age_and_dates(huayuan, login, field, value, message):
    data = {
        "source": "outreach",
        "found_on": "2026-11-01",
        "found_place": "岐江桥",
        "community": community("花苑社区").pk,
        "tracing_status": "not_started",
        "outcome": "in_station",
        field: value,
    }
    client = login(huayuan)
    response = client.post("/vagrants/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    api = client.post(
        "/api/vagrants/",
        {**data, field: int(value) if value.isdigit() else value},
        content_type="application/json",
    )
    assert api.status_code == 400 and field in api.json()
    assert not VagrantRecord.objects.exists()
