"""Optimistic concurrency (core/concurrency.py): a concurrent edit is never silently overwritten.

The sequential tests here run everywhere; the two-thread races against PostgreSQL are in
tests/integration/test_races.py.
"""

import pytest

from core.concurrency import EditConflict, claim_version, parse_version
from households import services
from households.models import Household, Person
from tests.factories import community

pytestmark = pytest.mark.django_db


def household_data(household, **changes):
    return {"community": household.community_id, "address": household.address, **changes}


def test_household_form_refuses_a_stale_version_and_shows_the_other_change(login, huayuan, dongqu, household):
    mine, theirs = login(huayuan), login(dongqu)
    opened = mine.get(f"/households/{household.pk}/edit/")
    version = opened.context["form"]["version"].value()
    assert version == 1
    theirs.post(
        f"/households/{household.pk}/edit/", household_data(household, address="东区新址8号", version=1)
    )
    response = mine.post(
        f"/households/{household.pk}/edit/", household_data(household, address="我的地址", version=version)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "此记录已被他人修改" in page
    assert "东区新址8号" in page and dongqu.first_name in page  # the other change, and who made it
    household.refresh_from_db()
    assert household.address == "东区新址8号"
    # The form now holds the current version: saving again is a deliberate overwrite.
    again = response.context["form"]["version"].value()
    assert str(again) == "2"
    saved = mine.post(
        f"/households/{household.pk}/edit/", household_data(household, address="我的地址", version=again)
    )
    assert saved.status_code == 302
    household.refresh_from_db()
    assert household.address == "我的地址" and household.version == 3
    assert [h.address for h in household.history.order_by("history_id")][-2:] == ["东区新址8号", "我的地址"]


def test_person_form_refuses_a_stale_version(login, huayuan, dongqu, household):
    person = household.head
    data = {"name": "李小明", "relation": "head", "id_number": "", "version": 1}
    assert login(dongqu).post(f"/persons/{person.pk}/edit/", {**data, "name": "李晓明"}).status_code == 302
    response = login(huayuan).post(f"/persons/{person.pk}/edit/", {**data, "employment": "unemployed"})
    assert response.status_code == 200
    assert "此记录已被他人修改" in response.content.decode() and "李晓明" in response.content.decode()
    person.refresh_from_db()
    assert person.name == "李晓明" and person.employment == ""


def test_api_etag_and_if_match(login, huayuan, household):
    api = login(huayuan)
    url = f"/api/households/{household.pk}/"
    read = api.get(url)
    assert read["ETag"] == '"1"' and read.json()["version"] == 1
    first = api.patch(url, {"address": "甲"}, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert first.status_code == 200 and first["ETag"] == '"2"'
    stale = api.patch(url, {"address": "乙"}, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json() == {"detail": "此记录已被他人修改，请重新读取最新版本后再保存。", "version": 2}
    household.refresh_from_db()
    assert household.address == "甲"


def test_api_stale_version_in_the_body_is_409(login, huayuan, household):
    api = login(huayuan)
    person = household.head
    url = f"/api/persons/{person.pk}/"
    assert api.patch(url, {"name": "甲", "version": 1}, content_type="application/json").status_code == 200
    stale = api.patch(url, {"name": "乙", "version": 1}, content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["version"] == 2
    person.refresh_from_db()
    assert person.name == "甲"
    # Without a version (older clients) the write goes through, and still moves the version on.
    assert api.patch(url, {"name": "丙"}, content_type="application/json").json()["version"] == 3


def test_if_match_on_a_record_outside_the_area_is_404_not_412(login, xiqu, household):
    response = login(xiqu).patch(
        f"/api/households/{household.pk}/",
        {"address": "x"},
        content_type="application/json",
        HTTP_IF_MATCH='"9"',
    )
    assert response.status_code == 404


def test_a_change_after_the_row_was_read_is_caught_without_a_form_version(huayuan, household):
    """Two requests that loaded the same row: the later save fails even if no version was sent."""
    first = Household.objects.get(pk=household.pk)
    second = Household.objects.get(pk=household.pk)
    services.household_update(household=first, user=huayuan, data={"address": "先"})
    with pytest.raises(EditConflict) as info:
        services.household_update(household=second, user=huayuan, data={"address": "后"})
    assert info.value.current == 2
    assert Household.objects.get(pk=household.pk).address == "先"


def test_archive_and_status_changes_move_the_version_on(huayuan, household):
    head_pk = household.head.pk
    services.household_set_archived(household=household, user=huayuan, archived=True)
    services.person_set_status(person=Person.objects.get(pk=head_pk), user=huayuan, status="deceased")
    household.refresh_from_db()
    assert household.version == 2
    assert Person.objects.get(pk=head_pk).version == 2


def test_claim_version_takes_exactly_one_row(household):
    claim_version(household, expected=1)
    assert household.version == 2
    with pytest.raises(EditConflict):
        claim_version(Household.objects.get(pk=household.pk), expected=1)


@pytest.mark.parametrize(
    ("raw", "value"),
    [('"7"', 7), ('W/"7"', 7), ("7", 7), ("", None), ('"x"', None), ("-1", None), (None, None)],
)
def test_parse_version(raw, value):
    assert parse_version(raw) == value


def test_import_style_insert_without_a_version_column_gets_version_1(household):
    """The import pipeline inserts with set-based SQL that does not name the column."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO households_household (town_id, community_id, address, housing, safety_grade, "
            "zero_employment, status, note, created_at, updated_at) VALUES (%s, %s, 'x', '', '', %s, "
            "'active', '', %s, %s)",
            [community("花苑社区").parent_id, community("花苑社区").pk, False, "2026-01-01", "2026-01-01"],
        )
    assert Household.objects.get(address="x").version == 1
