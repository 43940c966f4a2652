"""Uniqueness: one ID number per person and one head per household, enforced by the database;
a lost race is the same 400 as the sequential case; the duplicate message says nothing about
people outside the user's area."""

import pytest

from households import choices as c
from households import services
from households.models import Person
from tests.factories import HouseholdFactory, PersonFactory, community, make_id_number

pytestmark = pytest.mark.django_db

OUTSIDE = "该身份证号码不能在此登记。如需办理（例如迁入本辖区），请联系镇街或市级工作人员。"


@pytest.fixture
def west_person(db):
    return PersonFactory(household=HouseholdFactory(community=community("烟洲社区")), name="西区居民")


def test_duplicate_outside_the_area_does_not_confirm_the_person_exists(
    login, huayuan, household, west_person
):
    client = login(huayuan)
    response = client.post(
        f"/households/{household.pk}/members/new/",
        {"name": "王芳", "relation": "spouse", "id_number": west_person.id_number},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert OUTSIDE in page
    assert "该身份证号码已登记" not in page and "西区居民" not in page
    assert f"/persons/{west_person.pk}/" not in page
    api = client.post(
        "/api/persons/",
        {"household": household.pk, "name": "王芳", "relation": "spouse", "id_number": west_person.id_number},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json() == {"id_number": [OUTSIDE]}
    assert Person.objects.count() == 2


def test_duplicate_inside_the_area_is_named_to_a_city_admin_in_the_api(
    login, admin_user, household, west_person
):
    response = login(admin_user).post(
        "/api/persons/",
        {"household": household.pk, "name": "王芳", "relation": "spouse", "id_number": west_person.id_number},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"id_number": ["该身份证号码已登记。"]}


def test_a_lost_id_number_race_is_the_same_400_not_an_integrity_error(login, huayuan, household, monkeypatch):
    """The service's check passed (the other request had not committed yet): the database's
    unique index refuses the write and the answer is the sequential one."""
    existing = PersonFactory(household=household, name="先到者")
    real = services.duplicate_id_error
    calls = []

    def first_check_misses(*args, **kwargs):
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(services, "duplicate_id_error", first_check_misses)
    response = login(huayuan).post(
        "/api/persons/",
        {"household": household.pk, "name": "后到者", "relation": "spouse", "id_number": existing.id_number},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"id_number": ["该身份证号码已登记。"]}
    assert not Person.objects.filter(name="后到者").exists()


def test_a_lost_head_race_is_the_same_400(login, huayuan, household, monkeypatch):
    monkeypatch.setattr(services, "_check_single_head", lambda person: None)
    monkeypatch.setattr(services, "_save_unique", _unique_save_with_real_head_check)
    response = login(huayuan).post(
        "/api/persons/",
        {"household": household.pk, "name": "第二户主", "relation": "head", "id_number": make_id_number()},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"relation": ["该家庭已有户主，请先修改原户主的关系。"]}
    assert household.members.filter(relation=c.Relation.HEAD).count() == 1


_real_save_unique = services._save_unique
_real_check_single_head = services._check_single_head


def _unique_save_with_real_head_check(person, **kwargs):
    """The pre-write check is skipped (as if the other head had not committed yet); the check
    after the database's refusal is the real one."""
    original = services._check_single_head
    services._check_single_head = _real_check_single_head
    try:
        return _real_save_unique(person, **kwargs)
    finally:
        services._check_single_head = original


def test_database_refuses_a_second_current_head(household):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=PersonFactory(household=household).pk).update(relation=c.Relation.HEAD)


def test_restoring_an_archived_second_head_is_a_message_not_a_500(login, huayuan, household):
    old_head = household.head
    services.person_set_status(person=old_head, user=huayuan, status=c.PersonStatus.ARCHIVED)
    PersonFactory(household=household, name="新户主")
    assert household.head.name == "新户主"
    response = login(huayuan).post(f"/persons/{old_head.pk}/status/", {"status": "active"}, follow=True)
    assert response.status_code == 200
    assert "该家庭已有户主" in response.content.decode()
    old_head.refresh_from_db()
    assert old_head.status == c.PersonStatus.ARCHIVED
