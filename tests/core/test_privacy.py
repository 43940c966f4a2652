"""Issue 8: nothing shown or returned to a user who may not reveal an ID number may, combined,
rebuild it. The masked ID shows region and last four characters; the full birth date is the rest.
So such users (city managers, volunteers) see the age instead, in pages, API, history and exports."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from core import privacy
from households import services

pytestmark = pytest.mark.django_db

NEW_ID = "11010519491231002X"
DATE_TEXTS = ("1949-12-31", "1949年12月31日", "1960-05-17", "1960年5月17日")


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def corrected(household, huayuan):
    """A person whose ID number (and so birth date) a worker corrected, then edited again."""
    person = household.head
    services.person_update(person=person, user=huayuan, data={}, id_number=NEW_ID)
    services.person_update(person=person, user=huayuan, data={"serious_illness": "尿毒症"})
    return person


def test_manager_person_page_shows_the_age_not_the_birth_date(login, manager, corrected):
    page = login(manager).get(f"/persons/{corrected.pk}/").content.decode()
    assert corrected.id_masked in page  # the masked ID stays ...
    age = privacy.age_on(dt.date(1949, 12, 31), dt.date.today())
    assert f"{age}岁" in page
    for text in DATE_TEXTS:  # ... so the birth date must go, in the facts and in the history
        assert text not in page, text
    assert "出生日期" not in page


def test_worker_still_sees_the_birth_date_and_its_history(login, huayuan, corrected):
    page = login(huayuan).get(f"/persons/{corrected.pk}/").content.decode()
    assert "1949-12-31" in page
    assert "1960年5月17日" in page and "1949年12月31日" in page  # the correction in the history


def test_history_reads_the_viewer_not_the_author_of_each_row(manager, corrected):
    """history_entries used to reuse the name of its ``user`` argument for each row's author, so
    from the second row on the author's permissions (a worker's) decided what the reader saw."""
    from core.history import history_entries

    entries = history_entries(corrected.history.all(), user=manager)
    shown = str([e.changes for e in entries])
    assert "年龄" in shown and "出生日期" not in shown
    for text in ("1949-12-31", "1960-05-17", "datetime.date"):
        assert text not in shown, text


def test_manager_api_has_age_but_no_birth_date(manager, corrected):
    client = api_for(manager)
    person = client.get(f"/api/persons/{corrected.pk}/").json()
    assert "birth_date" not in person and person["age"] == corrected.age
    assert person["id_number_masked"] == corrected.id_masked
    rows = client.get("/api/persons/").json()["results"]
    members = client.get(f"/api/households/{corrected.household_id}/").json()["members"]
    for row in [*rows, *members]:
        assert "birth_date" not in row
    assert "1949-12-31" not in str(rows) + str(members)


def test_worker_api_still_has_the_birth_date(huayuan, corrected):
    person = api_for(huayuan).get(f"/api/persons/{corrected.pk}/").json()
    assert person["birth_date"] == "1949-12-31"


def test_schema_still_documents_the_birth_date(admin_user):
    schema = api_for(admin_user).get("/api/schema/?format=json").json()
    assert "birth_date" in schema["components"]["schemas"]["Person"]["properties"]


@pytest.mark.parametrize(
    ("persona", "header", "cell"),
    [
        ("admin_user", "出生日期", dt.date(1949, 12, 31)),
        ("huayuan", "出生日期", dt.date(1949, 12, 31)),
        ("manager", "年龄", 76),
        ("volunteer", "年龄", 76),
    ],
)
def test_export_helpers_follow_the_same_rule(request, persona, header, cell):
    user = request.getfixturevalue(persona)
    assert privacy.birth_date_header(user) == header
    assert privacy.birth_date_cell(user, dt.date(1949, 12, 31), today=dt.date(2026, 12, 2)) == cell
    assert privacy.birth_date_cell(user, None) is None


@pytest.mark.parametrize(
    ("persona", "id_number", "phone"),
    [
        ("admin_user", True, True),
        ("huayuan", True, True),
        ("manager", False, False),
        ("volunteer", False, True),
    ],
)
def test_who_may_reveal_what(request, persona, id_number, phone):
    user = request.getfixturevalue(persona)
    assert privacy.may_reveal(user, privacy.ID_NUMBER) is id_number
    assert privacy.may_reveal(user, privacy.PHONE) is phone
