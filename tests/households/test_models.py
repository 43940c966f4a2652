"""Registry models: identity never stored in clear, derived fields, invariants, history."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from core import idnumber
from households import choices as c
from households.models import AssistanceStatus, Division, Household, Person
from tests.factories import (
    AssistanceStatusFactory,
    HouseholdFactory,
    PersonFactory,
    community,
    make_id_number,
    town,
)

pytestmark = pytest.mark.django_db

ID = "442000196005170019"  # valid: see tests/core/test_idnumber.py for the hand computation


def _raw_row(person: Person) -> str:
    """Everything the database holds for the person (and its history), as one string."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
        row = cursor.fetchone()
        cursor.execute(f"SELECT * FROM {Person.history.model._meta.db_table} WHERE id = %s", [person.pk])
        history = cursor.fetchall()
    return " ".join(str(v) for v in (*row, *[v for h in history for v in h]))


def test_id_number_and_phone_are_never_stored_in_clear(household):
    person = PersonFactory(household=household, relation=c.Relation.SPOUSE, id_number=ID, phone="13912345678")
    stored = _raw_row(person)
    assert ID not in stored
    assert "13912345678" not in stored
    assert "442000********0019" in stored
    assert "139****5678" in stored


def test_set_id_number_derives_hash_mask_tail_sex_and_birth_date(household):
    person = PersonFactory.build(household=household, id_number=ID)
    assert person.id_hash == idnumber.id_hash(ID)
    assert person.id_masked == "442000********0019"
    assert person.id_tail == "170019"
    assert person.sex == c.Sex.MALE
    assert person.birth_date == dt.date(1960, 5, 17)
    assert person.id_number == ID  # decrypts for a reveal


def test_fifteen_digit_number_is_stored_as_the_upgraded_eighteen(household):
    person = PersonFactory(household=household, relation=c.Relation.SPOUSE, id_number="110105491231002")
    person.refresh_from_db()
    assert person.id_number == "11010519491231002X"
    assert person.id_masked == "110105********002X"
    assert person.birth_date == dt.date(1949, 12, 31)


def test_invalid_id_number_is_refused_before_anything_is_stored(household):
    with pytest.raises(idnumber.IdNumberError):
        PersonFactory(household=household, id_number="442000196005170010")
    assert Person.objects.filter(household=household).count() == 1


def test_same_id_number_cannot_be_registered_twice(household):
    PersonFactory(household=household, relation=c.Relation.SPOUSE, id_number=ID)
    other = HouseholdFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(household=other, id_number=ID)


def test_phone_is_encrypted_and_masked(household):
    person = household.head
    person.set_phone("0760-88881234")
    person.save()
    person.refresh_from_db()
    assert person.phone == "0760-88881234"
    assert person.phone_masked == "076******1234"
    person.set_phone("")
    assert person.phone_masked == "" and person.phone == ""


def test_name_initials_are_kept_for_pinyin_search(household):
    person = household.head
    assert person.name_initials == "lxm"
    person.name = "欧阳娜娜"
    person.save()
    assert Person.objects.get(pk=person.pk).name_initials == "oynn"


def test_household_takes_its_town_from_the_community():
    household = HouseholdFactory(community=community("烟洲社区"))
    assert household.town == town("西区街道")
    household.community = community("花苑社区")
    household.save()
    household.refresh_from_db()
    assert household.town == town("东区街道")


def test_household_must_belong_to_a_community_not_a_town():
    household = Household(community=town("东区街道"))
    with pytest.raises(ValidationError) as info:
        household.clean()
    assert info.value.message_dict["community"] == ["请选择一个村（社区）。"]


def test_grid_must_belong_to_the_households_community():
    huayuan = community("花苑社区")
    grid = Division.objects.create(code=huayuan.code + "01", name="花苑第1网格", level="grid", parent=huayuan)
    ok = Household(community=huayuan, grid=grid)
    ok.clean()
    wrong = Household(community=community("竹苑社区"), grid=grid)
    with pytest.raises(ValidationError) as info:
        wrong.clean()
    assert info.value.message_dict["grid"] == ["网格不属于所选村（社区）。"]


def test_household_is_named_after_its_current_head(household):
    assert str(household) == "李小明户"
    head = household.head
    head.status = c.PersonStatus.ARCHIVED
    head.save()
    assert household.head is None
    assert str(household) == f"#{household.pk}"


def test_division_path_and_levels():
    huayuan = community("花苑社区")
    assert huayuan.path.startswith(town("东区街道").path + "/")
    assert huayuan.town == town("东区街道")
    assert huayuan.full_name == "东区街道 / 花苑社区"
    wrong = Division(code="X1", name="错层", level="community", parent=community("竹苑社区"))
    with pytest.raises(ValidationError) as info:
        wrong.clean()
    assert info.value.message_dict["parent"] == ["上级区划层级不正确。"]


def test_age_counts_birthdays():
    person = PersonFactory.build(birth=dt.date(1960, 5, 17))
    assert person.age_on(dt.date(2020, 5, 16)) == 59
    assert person.age_on(dt.date(2020, 5, 17)) == 60


def test_current_statuses_exclude_ended_and_future_ones(household):
    person = household.head
    today = dt.date.today()
    current = AssistanceStatusFactory(person=person, start_date=today - dt.timedelta(days=10))
    AssistanceStatusFactory(
        person=person,
        kind=c.AssistanceKind.TEMPORARY,
        start_date=today - dt.timedelta(days=100),
        end_date=today,
    )
    AssistanceStatusFactory(
        person=person, kind=c.AssistanceKind.DIBIAN, start_date=today + dt.timedelta(days=1)
    )
    assert list(AssistanceStatus.objects.current()) == [current]
    assert current.is_current


def test_status_cannot_end_before_it_starts(household):
    status = AssistanceStatus(
        person=household.head,
        kind=c.AssistanceKind.DIBAO,
        source=c.AssistanceSource.MANUAL,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2024, 1, 1),
    )
    with pytest.raises(ValidationError) as info:
        status.full_clean()
    assert info.value.message_dict["end_date"] == ["终止日期不能早于认定日期。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        status.save()


def test_disability_grade_outside_1_to_4_is_refused_by_the_database(household):
    person = household.head
    person.disability_grade = 5
    with pytest.raises(IntegrityError), transaction.atomic():
        person.save()


def test_history_keeps_changes_but_not_ciphertexts(household):
    person = household.head
    person.serious_illness = "尿毒症"
    person.save()
    records = list(person.history.all())
    assert len(records) == 2
    assert records[0].serious_illness == "尿毒症" and records[1].serious_illness == ""
    fields = {f.name for f in Person.history.model._meta.fields}
    assert "id_encrypted" not in fields and "phone_encrypted" not in fields
    assert "id_masked" in fields


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("admin_user", {"花苑", "烟洲"}),
        ("manager", {"花苑", "烟洲"}),
        ("dongqu", {"花苑"}),
        ("huayuan", {"花苑"}),
        ("xiqu", {"烟洲"}),
        ("volunteer", {"花苑"}),
    ],
)
def test_restrict_keeps_each_role_in_its_area(request, persona, visible, household, xiqu_household):
    user = request.getfixturevalue(persona)
    unpaired = HouseholdFactory(community=community("花苑社区"))
    names = {h.community.name[:2] for h in Household.objects.restrict(user)}
    assert names == visible
    expect_unpaired = "花苑" in visible and persona != "volunteer"
    assert Household.objects.restrict(user).filter(pk=unpaired.pk).exists() is expect_unpaired
    assert Person.objects.restrict(user).filter(household=xiqu_household).exists() is ("烟洲" in visible)


def test_restrict_for_change_is_empty_for_read_only_roles(manager, volunteer, huayuan, household):
    assert not Household.objects.restrict(manager, "change").exists()
    assert not Household.objects.restrict(volunteer, "change").exists()
    assert Household.objects.restrict(huayuan, "change").get() == household


def test_inactive_or_anonymous_users_see_nothing(huayuan, household):
    from django.contrib.auth.models import AnonymousUser

    assert not Household.objects.restrict(AnonymousUser()).exists()
    huayuan.is_active = False
    assert not Household.objects.restrict(huayuan).exists()


def test_volunteer_loses_access_when_the_pairing_ends(volunteer, household):
    assert Household.objects.restrict(volunteer).get() == household
    household.pairings.update(ended_on=dt.date.today())
    assert not Household.objects.restrict(volunteer).exists()


class TestSearch:
    @pytest.fixture
    def people(self, household):
        other = HouseholdFactory(community=community("花苑社区"))
        return {
            "lxm": household.head,
            "zs": PersonFactory(household=other, name="张三", id_number="11010519491231002X"),
            "zyf": PersonFactory(
                household=HouseholdFactory(), name="周一帆", id_number=make_id_number(dt.date(1990, 1, 2))
            ),
        }

    def test_by_chinese_name(self, people):
        assert list(Person.objects.search("张三")) == [people["zs"]]
        assert list(Person.objects.search("小明")) == [people["lxm"]]

    def test_by_pinyin_initials(self, people):
        assert list(Person.objects.search("lxm")) == [people["lxm"]]
        assert list(Person.objects.search("LXM")) == [people["lxm"]]
        assert list(Person.objects.search("zyf")) == [people["zyf"]]

    @pytest.mark.parametrize("tail", ["002X", "002x", "1002X", "31002X"])
    def test_by_last_four_to_six_characters(self, people, tail):
        assert list(Person.objects.search(tail)) == [people["zs"]]

    def test_by_full_number_including_fifteen_digit_and_pasted_forms(self, people):
        for text in ["11010519491231002X", "110105491231002", "'11010519491231002x", "110105 19491231 002X"]:
            assert list(Person.objects.search(text)) == [people["zs"]], text

    def test_wrong_full_number_finds_nobody(self, people):
        assert not Person.objects.search("110105194912310021").exists()

    def test_empty_search_returns_everything(self, people):
        assert Person.objects.search("  ").count() == 3
