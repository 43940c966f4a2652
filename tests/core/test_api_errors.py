"""Inputs the fuzzer found giving 500s or answers outside the schema (issue 9, items 10 and 17):
each is now a 400/404 with a clear message, and the schema says what the responses hold."""

import base64
import datetime as dt
import json

import pytest

from assessments import services
from tests.factories import HouseholdFactory, PersonFactory, community

pytestmark = pytest.mark.django_db


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.fixture
def api(login, huayuan):
    return login(huayuan)


@pytest.fixture
def alert(household, huayuan):
    return services.alert_create(person=household.head, kind="medical_bill", user=huayuan, rescreen=False)


def test_handling_an_alert_without_a_note_is_not_a_500(api, alert, huayuan):
    services.alert_verify(alert=alert, user=huayuan, method="visit", confirmed=True, note="入户核实")
    response = api.post(
        f"/api/alerts/{alert.pk}/handle/", {"outcome": "temporary"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "temporary"
    # Where a note is required the answer is a 400 naming it.
    alert.refresh_from_db()
    response = api.post(
        f"/api/alerts/{alert.pk}/handle/", {"outcome": "closed"}, content_type="application/json"
    )
    assert response.status_code == 400


def test_pending_alert_has_null_outcome_and_method_declared_nullable(api, alert, admin_user, login):
    row = api.get(f"/api/alerts/{alert.pk}/").json()
    assert row["outcome"] is None and row["verify_method"] is None
    schema = login(admin_user).get("/api/schema/?format=json").json()["components"]["schemas"]["Alert"]
    assert schema["properties"]["outcome"].get("nullable") is True
    assert schema["properties"]["verify_method"].get("nullable") is True


def test_division_parent_is_declared_nullable(admin_user, login):
    client = login(admin_user)
    schema = client.get("/api/schema/?format=json").json()["components"]["schemas"]["Division"]
    assert schema["properties"]["parent"].get("nullable") is True
    city = client.get("/api/divisions/", {"level": "city"}).json()["results"][0]
    assert city["parent"] is None


def test_bad_id_number_on_a_vagrant_record_is_a_400(api, huayuan):
    record = services.vagrant_create(
        user=huayuan,
        data={
            "source": "outreach",
            "found_on": dt.date(2026, 11, 1),
            "found_place": "岐江桥",
            "community": community("花苑社区"),
        },
    )
    response = api.patch(f"/api/vagrants/{record.pk}/", {"id_number": "abc"}, content_type="application/json")
    assert response.status_code == 400
    assert "身份证号码" in response.json()["id_number"][0]


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "cD1hYmM="},  # p=abc for an id ordering
        {"cursor": _cursor("p=99999999999999999999999")},  # past the id column's range
        {"cursor": _cursor("p=abc"), "ordering": "birth_date"},  # not a date for a date ordering
        {"cursor": _cursor("p=2026-13-45"), "ordering": "-updated_at"},
    ],
)
def test_malformed_cursor_is_a_404_with_a_message(api, household, params):
    response = api.get("/api/persons/", params)
    assert response.status_code == 404
    assert "游标" in response.json()["detail"]


def test_valid_cursor_on_a_date_ordering_still_pages(api):
    for year in (1950, 1960, 1970):
        PersonFactory(household=HouseholdFactory(community=community("花苑社区")), birth=dt.date(year, 1, 1))
    first = api.get("/api/persons/", {"ordering": "birth_date", "page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 1


@pytest.mark.parametrize("size", ["abc", "0", "-3", "1.5"])
def test_page_size_that_is_not_a_positive_integer_is_a_400(api, household, size):
    response = api.get("/api/households/", {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_page_size_over_the_maximum_is_capped(api, household):
    assert api.get("/api/households/", {"page_size": "100000"}).status_code == 200


def test_array_body_is_a_400(api, household):
    urls = [
        ("post", "/api/households/"),
        ("patch", f"/api/households/{household.pk}/"),
        ("post", f"/api/households/{household.pk}/archive/"),  # an action that takes no body
    ]
    for method, url in urls:
        response = getattr(api, method)(url, json.dumps([{"address": "x"}]), content_type="application/json")
        assert response.status_code == 400, (method, url)
    household.refresh_from_db()
    assert not household.is_archived
