"""REST API: CRUD on households, persons, divisions; ID lookup by keyed hash; tokens; schema; cursors."""

import json

import pytest
from django.test import Client

from accounts.models import ApiToken
from core.models import RevealLog
from households import choices as c
from households.models import Household, Person
from tests.factories import HouseholdFactory, PersonFactory, community, make_id_number

pytestmark = pytest.mark.django_db

NEW_ID = "11010519491231002X"


@pytest.fixture
def api(login, huayuan):
    return login(huayuan)


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def test_household_list_and_detail(api, household):
    rows = api.get("/api/households/").json()["results"]
    assert [r["id"] for r in rows] == [household.pk]
    assert rows[0]["member_count"] == 1
    assert rows[0]["town"] == household.town_id
    detail = api.get(f"/api/households/{household.pk}/").json()
    assert [m["name"] for m in detail["members"]] == ["李小明"]
    assert detail["members"][0]["id_number_masked"] == household.head.id_masked


def test_household_create_and_update(api):
    response = post(api, "/api/households/", {"community": community("花苑社区").pk, "address": "花苑路3号"})
    assert response.status_code == 201, response.content
    household = Household.objects.get(pk=response.json()["id"])
    assert household.town.name == "东区街道"
    assert response.json()["status"] == "active"
    response = patch(
        api, f"/api/households/{household.pk}/", {"income_per_capita": "650.50", "status": "archived"}
    )
    assert response.status_code == 200
    household.refresh_from_db()
    assert str(household.income_per_capita) == "650.50"
    assert household.status == c.RecordStatus.ACTIVE  # status is read-only: archive has its own action


def test_household_create_validation_message_in_chinese(api):
    response = post(api, "/api/households/", {"community": community("花苑社区").parent_id})
    assert response.status_code == 400
    assert "community" in response.json()


def test_household_archive_action(api, household):
    response = api.post(f"/api/households/{household.pk}/archive/")
    assert response.status_code == 200
    assert response.json()["status"] == "archived"
    assert Household.objects.get(pk=household.pk).status == c.RecordStatus.ARCHIVED


def test_person_create_update_and_id_number_is_write_only(api, household):
    response = post(
        api,
        "/api/persons/",
        {
            "household": household.pk,
            "name": "张三",
            "relation": "spouse",
            "id_number": "110105491231002",
            "phone": "13912345678",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert "id_number" not in body and "phone" not in body
    assert body["id_number_masked"] == "110105********002X"
    assert body["phone_masked"] == "139****5678"
    assert body["sex"] == "female" and body["birth_date"] == "1949-12-31"
    assert NEW_ID not in response.content.decode()
    assert "13912345678" not in response.content.decode()
    person = Person.objects.get(pk=body["id"])
    response = patch(api, f"/api/persons/{person.pk}/", {"name": "张三丰", "disability_category": "visual"})
    assert response.status_code == 200
    person.refresh_from_db()
    assert (person.name, person.disability_category, person.name_initials) == ("张三丰", "visual", "zsf")
    assert person.id_number == NEW_ID


def test_clear_numbers_never_appear_in_person_lists_or_details(api, household):
    person = household.head
    for url in ("/api/persons/", f"/api/persons/{person.pk}/", f"/api/households/{household.pk}/"):
        text = api.get(url).content.decode()
        assert person.id_number not in text, url
        assert "13800138000" not in text, url
        assert person.id_masked in text, url


def test_person_create_refuses_bad_and_duplicate_id_numbers(api, household):
    base = {"household": household.pk, "name": "张三", "relation": "spouse"}
    bad = post(api, "/api/persons/", {**base, "id_number": "110105194912310021"})
    assert bad.status_code == 400
    assert bad.json()["id_number"] == ["身份证号码校验位不正确"]
    missing = post(api, "/api/persons/", base)
    assert missing.json()["id_number"] == ["请填写身份证号码。"]
    duplicate = post(api, "/api/persons/", {**base, "id_number": household.head.id_number})
    assert duplicate.status_code == 400
    assert duplicate.json()["id_number"] == ["该身份证号码已登记。"]
    second_head = post(api, "/api/persons/", {**base, "relation": "head", "id_number": make_id_number()})
    assert second_head.status_code == 400
    assert "relation" in second_head.json()
    phone = post(api, "/api/persons/", {**base, "id_number": make_id_number(), "phone": "12345"})
    assert phone.json()["phone"] == ["请填写11位手机号码或固定电话号码。"]
    assert Person.objects.count() == 1


@pytest.mark.parametrize("form", ["{id}", "{lower}", "'{id}", "{id15}"])
def test_person_lookup_by_full_id_number(api, household, form):
    person = PersonFactory(household=household, relation=c.Relation.SPOUSE, id_number=NEW_ID)
    value = form.format(id=NEW_ID, lower=NEW_ID.lower(), id15="110105491231002")
    rows = api.get("/api/persons/", {"id_number": value}).json()["results"]
    assert [r["id"] for r in rows] == [person.pk]


def test_person_lookup_with_unknown_or_invalid_number_finds_nobody(api, household):
    assert api.get("/api/persons/", {"id_number": NEW_ID}).json()["results"] == []
    assert api.get("/api/persons/", {"id_number": "garbage"}).json()["results"] == []


def test_person_lookup_does_not_cross_the_area(login, xiqu, household):
    response = login(xiqu).get("/api/persons/", {"id_number": household.head.id_number})
    assert response.json()["results"] == []


def test_reveal_via_api_is_logged(api, huayuan, household):
    response = post(api, f"/api/persons/{household.head.pk}/reveal/", {"field": "id_number"})
    assert response.status_code == 200
    assert response.json()["id_number"] == household.head.id_number
    log = RevealLog.objects.get()
    assert (log.user, log.channel, log.field) == (huayuan, "api", "id_number")


def test_status_api_only_ends_statuses(api, household):
    response = post(
        api, "/api/statuses/", {"person": household.head.pk, "kind": "dibao", "start_date": "2025-01-01"}
    )
    assert response.status_code == 201
    status_id = response.json()["id"]
    assert response.json()["source"] == "manual"
    change_kind = patch(api, f"/api/statuses/{status_id}/", {"kind": "tekun"})
    assert change_kind.status_code == 400
    assert change_kind.json()["non_field_errors"] == ["救助身份只能修改终止日期。"]
    end = patch(api, f"/api/statuses/{status_id}/", {"end_date": "2025-12-31"})
    assert end.status_code == 200 and end.json()["is_current"] is False


def test_division_list_and_detail(api):
    rows = api.get("/api/divisions/").json()["results"]
    assert {r["name"] for r in rows} == {"花苑社区"}
    huayuan = community("花苑社区")
    detail = api.get(f"/api/divisions/{huayuan.pk}/").json()
    assert detail["parent"] == huayuan.parent.code
    assert detail["level"] == "community"
    assert post(api, "/api/divisions/", {"name": "新社区"}).status_code == 405


def test_division_filters(login, admin_user):
    client = login(admin_user)
    towns = client.get("/api/divisions/", {"level": "town", "page_size": 100}).json()["results"]
    assert len(towns) == 23
    east = client.get("/api/divisions/", {"parent": "442000002", "q": "花苑"}).json()["results"]
    assert [d["name"] for d in east] == ["花苑社区"]


def test_cursor_pagination_walks_every_row_once(login, admin_user):
    for _ in range(5):
        HouseholdFactory()
    client = login(admin_user)
    first = client.get("/api/households/", {"page_size": 2}).json()
    assert "count" not in first  # cursor pages: no COUNT(*)
    assert "cursor=" in first["next"] and first["previous"] is None
    seen = [r["id"] for r in first["results"]]
    url = first["next"]
    while url:
        page = client.get(url).json()
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
    assert seen == sorted(Household.objects.values_list("id", flat=True), reverse=True)


def test_invalid_cursor_is_refused(login, admin_user):
    HouseholdFactory()
    response = login(admin_user).get("/api/households/", {"cursor": "nonsense"})
    assert response.status_code == 404  # an invalid cursor is refused, not silently page 1


def test_token_auth(huayuan, household):
    anonymous = Client()
    assert anonymous.get("/api/households/").status_code in (401, 403)
    response = anonymous.post("/api/token/", {"username": "huayuan", "password": "pw-Secret-123"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get(user=huayuan).prefix == token[:8]
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    rows = client.get("/api/households/").json()["results"]
    assert [r["id"] for r in rows] == [household.pk]
    # A token write does not need a CSRF token, and is scoped like the session.
    response = client.patch(
        f"/api/households/{household.pk}/",
        json.dumps({"address": "令牌修改"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    bad = Client(HTTP_AUTHORIZATION="Token wrong").get("/api/households/")
    assert bad.status_code in (401, 403)


def test_token_with_wrong_password_is_refused(huayuan):
    response = Client().post("/api/token/", {"username": "huayuan", "password": "wrong"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_session_api_write_needs_csrf(huayuan, household):
    client = Client(enforce_csrf_checks=True)
    client.force_login(huayuan)
    address = household.address
    response = client.patch(
        f"/api/households/{household.pk}/", json.dumps({"address": "x"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    household.refresh_from_db()
    assert household.address == address and household.history.count() == 1


def test_schema_is_openapi_3_and_docs_page_loads(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert text.startswith("openapi: 3.")
    assert "/api/persons/{id}/reveal/:" in text
    assert "delete:" not in text.split("/api/persons/{id}/:")[1].split("\n  /")[0]
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    assert "swagger" in docs.content.decode().lower()


def test_id_number_is_write_only_in_the_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    person = schema["components"]["schemas"]["Person"]["properties"]
    assert "id_number" not in person and "id_number_masked" in person
    assert "id_number" in schema["components"]["schemas"]["PersonRequest"]["properties"]


def _orderings():
    from households.api.urls import router

    for prefix, viewset, _basename in router.registry:
        for field in getattr(viewset, "ordering_fields", None) or []:
            for direction in ("", "-"):
                yield pytest.param(prefix, direction + field, id=f"{prefix}-{direction}{field}")


@pytest.mark.parametrize(("prefix", "ordering"), list(_orderings()))
def test_cursor_pages_in_every_offered_ordering_return_every_row_once(login, admin_user, prefix, ordering):
    """Cursor pagination cannot order by a nullable column: rows with NULL were lost, or the next
    page failed with a 500. Every ordering the API offers must walk all rows exactly once."""
    for i in range(5):
        household = HouseholdFactory(size=i if i % 2 else None, income_per_capita=100 if i % 2 else None)
        PersonFactory(household=household)
    client = login(admin_user)
    url = f"/api/{prefix}/?ordering={ordering}&page_size=2"
    expected = client.get(f"/api/{prefix}/?page_size=500").json()["results"]
    seen = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        seen += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
    assert sorted(seen) == sorted(row["id"] for row in expected)
