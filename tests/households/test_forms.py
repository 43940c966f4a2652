"""Forms: Chinese validation messages, duplicate ID, one head, phone rules, choices scoped to the area."""

import datetime as dt

import pytest

from households import choices as c
from households.forms import AssistanceStatusForm, HouseholdForm, PersonForm
from households.models import Person
from tests.factories import HouseholdFactory, PersonFactory, community, make_id_number

pytestmark = pytest.mark.django_db


def person_data(**overrides):
    data = {"name": "王芳", "relation": c.Relation.SPOUSE, "id_number": make_id_number(), "phone": ""}
    data.update(overrides)
    return data


def test_valid_person_form_normalises_name_and_id(huayuan):
    form = PersonForm(
        data=person_data(
            name="  王   芳 ", id_number="１１０１０５４９１２３１００２", phone="138 0013 8000"
        ),
        user=huayuan,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "王 芳"
    assert form.cleaned_data["id_number"] == "11010519491231002X"  # full-width 15 digits, upgraded
    assert form.cleaned_data["phone"] == "13800138000"


def test_name_is_required_in_chinese(huayuan):
    form = PersonForm(data=person_data(name="   "), user=huayuan)
    assert form.errors["name"] == ["请填写姓名。"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("442000196005170010", "身份证号码校验位不正确"),
        ("442000196002300019", "身份证号码中的出生日期无效"),
        ("4420001960", "身份证号码应为18位（末位可为X）或15位旧号码"),
    ],
)
def test_bad_id_number_gets_a_chinese_reason(huayuan, raw, message):
    form = PersonForm(data=person_data(id_number=raw), user=huayuan)
    assert form.errors["id_number"] == [message]


def test_id_number_required_when_adding(huayuan):
    form = PersonForm(data=person_data(id_number=""), user=huayuan)
    assert "id_number" in form.errors


@pytest.mark.parametrize("phone", ["13800138000", "0760-88881234", "88881234", "（0760）88881234"])
def test_phone_accepts_mobiles_and_landlines(huayuan, phone):
    form = PersonForm(data=person_data(phone=phone), user=huayuan)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("phone", ["1380013800", "23800138000", "abc", "138001380001"])
def test_phone_rejects_nonsense_in_chinese(huayuan, phone):
    form = PersonForm(data=person_data(phone=phone), user=huayuan)
    assert form.errors["phone"] == ["请填写11位手机号码或固定电话号码。"]


def test_disability_grade_needs_a_category(huayuan):
    form = PersonForm(data=person_data(disability_grade="2"), user=huayuan)
    assert form.errors["disability_category"] == ["填写残疾等级时请同时选择残疾类别。"]


def test_edit_form_shows_only_the_masked_number_and_keeps_it_when_blank(huayuan, household):
    person = household.head
    form = PersonForm(instance=person, user=huayuan)
    html = form.as_p()
    assert person.id_masked in html
    assert person.id_number not in html
    assert "13800138000" not in html
    bound = PersonForm(
        data={"name": person.name, "relation": person.relation, "id_number": "", "phone": ""},
        instance=person,
        user=huayuan,
    )
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["id_number"] == ""
    assert bound.cleaned_data["phone"] is None  # unchanged


def test_phone_dash_clears_the_number_on_edit(huayuan, household):
    person = household.head
    form = PersonForm(
        data={"name": person.name, "relation": person.relation, "phone": "-"}, instance=person, user=huayuan
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == ""


def test_move_to_only_offers_households_in_the_users_area(huayuan, household, xiqu_household):
    spouse = PersonFactory(household=household, relation=c.Relation.SPOUSE)
    neighbour = HouseholdFactory(community=community("花苑社区"))
    data = {"name": spouse.name, "relation": spouse.relation}
    ok = PersonForm(data={**data, "move_to": neighbour.pk}, instance=spouse, user=huayuan)
    assert ok.is_valid(), ok.errors
    far = PersonForm(data={**data, "move_to": xiqu_household.pk}, instance=spouse, user=huayuan)
    assert far.errors["move_to"] == ["找不到该家庭，或不在您的管辖范围内。"]


def test_household_form_offers_only_communities_in_the_users_area(huayuan, dongqu):
    def choices(user):
        return {d.name for d in HouseholdForm(user=user).fields["community"].queryset}

    assert choices(huayuan) == {"花苑社区"}
    assert {"花苑社区", "竹苑社区"} <= choices(dongqu)
    assert "烟洲社区" not in choices(dongqu)
    form = HouseholdForm(data={"community": community("烟洲社区").pk}, user=huayuan)
    assert "community" in form.errors
    assert "选择一个有效的选项" in form.errors["community"][0]  # Django's own message, in Chinese


def test_household_form_blank_code_is_stored_as_null(huayuan):
    form = HouseholdForm(data={"community": community("花苑社区").pk, "code": ""}, user=huayuan)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["code"] is None  # so many households can have no code (unique)


def test_status_form_end_before_start(huayuan):
    form = AssistanceStatusForm(data={"kind": "dibao", "start_date": "2025-02-01", "end_date": "2025-01-01"})
    assert form.errors["end_date"] == ["终止日期不能早于认定日期。"]


# Errors that only the service can find (they need the database) come back on the form.


def test_duplicate_id_number_is_shown_on_the_add_member_page(login, huayuan, household):
    response = login(huayuan).post(
        f"/households/{household.pk}/members/new/",
        person_data(id_number=household.head.id_number),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "该身份证号码已登记。" in page
    # The user may see the registered person: the message links to them.
    assert f'href="/persons/{household.head.pk}/"' in page and "查看已登记的人员：李小明" in page
    assert Person.objects.count() == 1


def test_second_head_is_shown_on_the_add_member_page(login, huayuan, household):
    response = login(huayuan).post(
        f"/households/{household.pk}/members/new/", person_data(relation=c.Relation.HEAD)
    )
    assert response.status_code == 200
    assert "该家庭已有户主，请先修改原户主的关系。" in response.content.decode()
    assert Person.objects.count() == 1


@pytest.mark.parametrize(("size", "ok"), [("0", False), ("1", True), ("99", True), ("300", False)])
def test_household_size_is_a_plausible_number(huayuan, size, ok):
    form = HouseholdForm(data={"community": community("花苑社区").pk, "size": size}, user=huayuan)
    assert form.is_valid() == ok, form.errors


def test_person_form_is_grouped_and_asks_about_parents_only_for_minors(login, huayuan, household):
    """A 73-year-old is not asked about their parents; a child is; a new member's page has the
    section, shown or hidden in the browser by the age in the ID number typed."""
    from households.services import person_create

    client = login(huayuan)
    elder = PersonFactory(household=household, name="老人", birth=dt.date(1953, 1, 1))
    child = person_create(
        household=household,
        user=huayuan,
        data={"name": "孩子", "relation": c.Relation.SON},
        id_number=make_id_number(dt.date(2015, 1, 1)),
    )
    page = client.get(f"/persons/{elder.pk}/edit/").content.decode()
    for title in ("基本信息", "健康与残疾", "就业与就学", "居住与家庭", "迁户"):
        assert f"<legend>{title}</legend>" in page
    assert "父亲情况" not in page and "监护情况" not in page
    child_page = client.get(f"/persons/{child.pk}/edit/").content.decode()
    assert "未成年人情况" in child_page and "父亲情况" in child_page and "data-minor-only" in child_page
    new_page = client.get(f"/households/{household.pk}/members/new/").content.decode()
    assert "data-minor-only" in new_page and "js/person_form.js" in new_page
    # Saving the elder's form without the minors' fields keeps everything else working.
    response = client.post(
        f"/persons/{elder.pk}/edit/", {"name": "老人", "relation": "parent", "id_number": "", "version": 1}
    )
    assert response.status_code == 302


def test_household_picker_searches_only_the_users_area(login, huayuan, household):
    west = HouseholdFactory(community=community("烟洲社区"))
    PersonFactory(household=west, name="李西区")
    client = login(huayuan)
    options = client.get("/households/pick/", {"q": "李"}).content.decode()
    assert f'value="{household.pk}"' in options and "李小明户" in options
    assert f'value="{west.pk}"' not in options and "李西区" not in options
    # The edit page offers a search box, not a list of every household in the area.
    page = client.get(f"/persons/{household.head.pk}/edit/").content.decode()
    assert 'hx-get="/households/pick/"' in page
    select = page.split('name="move_to"')[1].split("</select>")[0]
    assert select.count("<option") == 1
    assert 'type="number"' not in page.split('name="move_to"')[0][-300:]


def test_person_picker_and_alert_created_with_it(login, huayuan, household):
    west = PersonFactory(household=HouseholdFactory(community=community("烟洲社区")), name="李西区")
    client = login(huayuan)
    options = client.get("/persons/pick/", {"q": "李"}).content.decode()
    assert "李小明" in options and household.head.id_masked in options and "李西区" not in options
    assert 'hx-get="/persons/pick/"' in client.get("/warnings/new/").content.decode()
    refused = client.post("/warnings/new/", {"person": west.pk, "kind": "disaster"})
    assert refused.status_code == 200 and "不在您的管辖范围内" in refused.content.decode()
    response = client.post("/warnings/new/", {"person": household.head.pk, "kind": "disaster"})
    assert response.status_code == 302
    from assessments.models import Alert

    assert Alert.objects.get().person == household.head
    empty = client.post("/warnings/new/", {"kind": "disaster"})
    assert "请选择人员，或填写身份证号码。" in empty.content.decode()
