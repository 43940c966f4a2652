"""Write services: role checks, duplicates, one head per household, moves kept in history, reveals logged."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import RevealLog
from households import choices as c
from households import hooks, services
from households.models import AssistanceStatus, Household, Person
from tests.factories import (
    AssistanceStatusFactory,
    HouseholdFactory,
    PersonFactory,
    community,
    make_id_number,
)

pytestmark = pytest.mark.django_db


def test_household_create_sets_town_and_records_history(huayuan):
    household = services.household_create(
        user=huayuan, data={"community": community("花苑社区"), "address": "花苑路1号"}
    )
    assert household.town.name == "东区街道"
    assert household.history.count() == 1


def test_read_only_roles_cannot_use_write_services(manager, volunteer, household):
    for user in (manager, volunteer):
        with pytest.raises(PermissionDenied):
            services.household_create(user=user, data={"community": community("花苑社区")})
        with pytest.raises(PermissionDenied):
            services.household_set_archived(household=household, user=user, archived=True)
        with pytest.raises(PermissionDenied):
            services.person_update(person=household.head, user=user, data={"name": "改名"})
    household.refresh_from_db()
    assert household.status == c.RecordStatus.ACTIVE
    assert household.head.name == "李小明"


def test_archive_and_restore_keep_the_household(huayuan, household):
    services.household_set_archived(household=household, user=huayuan, archived=True)
    household.refresh_from_db()
    assert household.is_archived
    services.household_set_archived(household=household, user=huayuan, archived=False)
    household.refresh_from_db()
    assert household.status == c.RecordStatus.ACTIVE
    assert [h.status for h in household.history.order_by("history_id")] == ["active", "archived", "active"]


def test_person_create_refuses_a_registered_id_number(huayuan, household):
    id_number = household.head.id_number
    with pytest.raises(ValidationError) as info:
        services.person_create(
            household=HouseholdFactory(),
            user=huayuan,
            data={"name": "重复", "relation": c.Relation.HEAD},
            id_number=id_number,
        )
    assert info.value.message_dict["id_number"] == ["该身份证号码已登记。"]
    assert Person.objects.count() == 1


def test_person_create_refuses_a_second_head(huayuan, household):
    with pytest.raises(ValidationError) as info:
        services.person_create(
            household=household,
            user=huayuan,
            data={"name": "第二户主", "relation": c.Relation.HEAD},
            id_number=make_id_number(),
        )
    assert info.value.message_dict["relation"] == ["该家庭已有户主，请先修改原户主的关系。"]


@pytest.mark.parametrize("old_head_status", [c.PersonStatus.ARCHIVED, c.PersonStatus.DECEASED])
def test_new_head_allowed_when_the_old_one_left(huayuan, household, old_head_status):
    services.person_set_status(person=household.head, user=huayuan, status=old_head_status)
    person = services.person_create(
        household=household,
        user=huayuan,
        data={"name": "新户主", "relation": c.Relation.HEAD},
        id_number=make_id_number(),
        phone="13800000000",
    )
    assert household.head == person
    assert person.phone_masked == "138****0000"


def test_person_update_moves_to_another_household_and_history_keeps_the_old_one(huayuan, household):
    spouse = PersonFactory(household=household, relation=c.Relation.SPOUSE, name="王芳")
    target = HouseholdFactory(community=community("花苑社区"))
    services.person_update(person=spouse, user=huayuan, data={"relation": c.Relation.HEAD}, household=target)
    spouse.refresh_from_db()
    assert spouse.household == target
    assert [r.household_id for r in spouse.history.order_by("history_id")] == [household.pk, target.pk]


def test_person_update_id_number_change_checks_duplicates(huayuan, household):
    other = PersonFactory(household=HouseholdFactory(), name="张三")
    with pytest.raises(ValidationError) as info:
        services.person_update(person=other, user=huayuan, data={}, id_number=household.head.id_number)
    assert "id_number" in info.value.message_dict
    other.refresh_from_db()
    assert other.id_number != household.head.id_number


def test_person_update_phone_none_keeps_it_and_empty_clears_it(huayuan, household):
    person = household.head
    services.person_update(person=person, user=huayuan, data={}, phone=None)
    assert Person.objects.get(pk=person.pk).phone == "13800138000"
    services.person_update(person=person, user=huayuan, data={}, phone="")
    assert Person.objects.get(pk=person.pk).phone_masked == ""


def test_status_add_and_end(huayuan, household):
    status = services.status_add(
        person=household.head,
        user=huayuan,
        data={"kind": c.AssistanceKind.DIBAO, "start_date": dt.date(2025, 1, 1)},
    )
    assert status.source == c.AssistanceSource.MANUAL
    services.status_end(status=status, user=huayuan, end_date=dt.date(2025, 6, 1))
    status.refresh_from_db()
    assert not status.is_current
    assert AssistanceStatus.objects.filter(pk=status.pk).exists()  # ended, not deleted
    with pytest.raises(ValidationError):
        services.status_end(status=status, user=huayuan, end_date=dt.date(2024, 1, 1))


def test_reveal_returns_clear_value_and_logs_it(huayuan, household):
    person = household.head
    value = services.person_reveal(person=person, user=huayuan, field="id_number", ip_address="10.0.0.8")
    assert value == person.id_number and len(value) == 18
    assert services.person_reveal(person=person, user=huayuan, field="phone") == "13800138000"
    logs = list(
        RevealLog.objects.order_by("id").values_list("user__username", "field", "channel", "ip_address")
    )
    assert logs == [("huayuan", "id_number", "web", "10.0.0.8"), ("huayuan", "phone", "web", None)]


@pytest.mark.parametrize("persona", ["manager", "volunteer"])
def test_roles_without_permission_cannot_reveal_and_nothing_is_logged(request, persona, household):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.person_reveal(person=household.head, user=user, field="id_number")
    assert not RevealLog.objects.exists()


def test_reveal_of_an_unknown_field_is_refused(huayuan, household):
    with pytest.raises(ValueError):
        services.person_reveal(person=household.head, user=huayuan, field="name")
    assert not RevealLog.objects.exists()


def test_listeners_hear_about_changes_after_commit(
    huayuan, household, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(hooks, "_listeners", [])  # only ours: other apps' listeners are theirs to test
    heard = []
    hooks.on_households_changed(heard.append)
    with django_capture_on_commit_callbacks() as callbacks:
        services.household_update(household=household, user=huayuan, data={"address": "新地址"})
        assert heard == []  # not before the commit
    for callback in callbacks:
        callback()
    assert heard == [[household.pk]]
    assert Household.objects.get(pk=household.pk).address == "新地址"


def test_status_factory_statuses_count_as_current(household):
    # Sanity for other tests: a factory status with no end date is current today.
    assert AssistanceStatusFactory(person=household.head).is_current
