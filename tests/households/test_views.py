"""Pages: lists (filters, sorting, pagination, search), masked identity, reveals, history, archive, moves."""

import datetime as dt
import re

import pytest

from core.models import RevealLog
from households import choices as c
from households.models import Household, Person
from tests.factories import AssistanceStatusFactory, HouseholdFactory, PersonFactory, community

pytestmark = pytest.mark.django_db


def listed(response) -> list[int]:
    return [obj.pk for obj in response.context["object_list"]]


@pytest.fixture
def client(login, huayuan):
    return login(huayuan)


@pytest.fixture
def city(household, xiqu_household):
    """Households in 花苑 (东区, ×3) and 烟洲 (西区) with different housing, income and statuses."""
    rented = HouseholdFactory(
        community=community("花苑社区"), housing=c.Housing.RENTED, income_per_capita=300
    )
    PersonFactory(household=rented, name="张三", id_number="11010519491231002X")
    rich = HouseholdFactory(community=community("竹苑社区"), income_per_capita=2000)
    PersonFactory(household=rich, name="周一帆")
    AssistanceStatusFactory(person=household.head, kind=c.AssistanceKind.DIBAO)
    return {"lxm": household, "zs": rented, "zyf": rich, "cdw": xiqu_household}


# ------------------------------------------------------------------------------------- lists


def test_household_list_filters(login, admin_user, city):
    client = login(admin_user)
    east = community("花苑社区").parent
    assert set(listed(client.get("/households/", {"town": east.pk}))) == {
        city["lxm"].pk,
        city["zs"].pk,
        city["zyf"].pk,
    }
    assert listed(client.get("/households/", {"community": community("竹苑社区").pk})) == [city["zyf"].pk]
    assert listed(client.get("/households/", {"housing": "rented"})) == [city["zs"].pk]
    assert listed(client.get("/households/", {"assistance": "dibao"})) == [city["lxm"].pk]


def test_filter_choices_are_limited_to_the_users_area(client, city):
    form = client.get("/households/").context["filter"].form
    assert {d.name for d in form.fields["community"].queryset} == {"花苑社区"}
    # A town outside the area is not a valid choice: the filter is ignored, nothing leaks.
    response = client.get("/households/", {"community": community("烟洲社区").pk})
    assert city["cdw"].pk not in listed(response)


def test_household_list_sorts_by_income_both_ways(login, admin_user, city):
    client = login(admin_user)
    ascending = listed(client.get("/households/", {"sort": "income"}))
    assert ascending.index(city["zs"].pk) < ascending.index(city["lxm"].pk) < ascending.index(city["zyf"].pk)
    descending = listed(client.get("/households/", {"sort": "-income"}))
    assert descending[0] == city["zyf"].pk
    page = client.get("/households/", {"sort": "income"}).content.decode()
    assert "?sort=-income" in page  # clicking the sorted column again reverses it


def test_unknown_sort_falls_back_to_newest_first(login, admin_user, city):
    assert listed(login(admin_user).get("/households/", {"sort": "password"}))[0] == city["zyf"].pk


def test_household_list_paginates(client, household):
    for _ in range(11):
        HouseholdFactory(community=community("花苑社区"))
    first = client.get("/households/", {"per_page": 10})
    page = first.content.decode()
    assert len(listed(first)) == 10
    assert "共 12 条" in page
    assert "第 1 / 2 页" in page
    second = client.get("/households/", {"per_page": 10, "page": 2})
    assert len(listed(second)) == 2
    assert not set(listed(first)) & set(listed(second))


def test_household_list_shows_head_with_masked_id(client, household):
    page = client.get("/households/").content.decode()
    assert "李小明" in page
    assert household.head.id_masked in page
    assert household.head.id_number not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张三", "zs"),
        ("lxm", "lxm"),
        ("zyf", "zyf"),
        ("002X", "zs"),
        ("31002x", "zs"),
        ("11010519491231002X", "zs"),
        ("110105491231002", "zs"),
    ],
)
def test_search_finds_people_by_name_initials_id_tail_and_full_id(login, admin_user, city, query, expected):
    client = login(admin_user)
    assert listed(client.get("/households/", {"q": query})) == [city[expected].pk]
    persons = listed(client.get("/persons/", {"q": query}))
    assert persons == [city[expected].head.pk]


def test_search_never_reaches_outside_the_area(client, city):
    assert listed(client.get("/persons/", {"q": "cdw"})) == []
    assert listed(client.get("/persons/", {"q": city["cdw"].head.id_number})) == []


def test_search_with_no_match_explains_how_to_search(client, household):
    page = client.get("/persons/", {"q": "不存在的人"}).content.decode()
    assert "拼音首字母" in page


def test_person_list_filters_and_sorts_by_age(login, admin_user, household):
    young = PersonFactory(household=household, relation=c.Relation.SON, birth=dt.date(2015, 1, 1))
    client = login(admin_user)
    assert listed(client.get("/persons/", {"age_max": 17})) == [young.pk]
    assert listed(client.get("/persons/", {"sort": "age"}))[0] == young.pk
    assert listed(client.get("/persons/", {"sort": "-age"}))[0] == household.head.pk
    assert listed(client.get("/persons/", {"relation": "son"})) == [young.pk]


# ------------------------------------------------------------------------- detail and reveal


def test_person_detail_shows_masked_id_and_phone_not_the_clear_ones(client, household):
    person = household.head
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert person.id_masked in page and "138****8000" in page
    assert person.id_number not in page and "13800138000" not in page
    assert "显示" in page  # the reveal button, for a role that may reveal


def test_household_detail_shows_members_masked(client, household):
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert "李小明" in page
    assert household.head.id_masked in page
    assert household.head.id_number not in page


def test_reveal_by_post_returns_the_clear_number_and_logs_it(client, huayuan, household):
    person = household.head
    response = client.post(f"/persons/{person.pk}/reveal/id_number/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert person.id_number in response.content.decode()
    log = RevealLog.objects.get()
    assert (log.user, log.person, log.field, log.channel) == (huayuan, person, "id_number", "web")
    assert log.ip_address == "127.0.0.1"
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert "完整号码已被查看 1 次" in page


def test_reveal_phone(client, household):
    response = client.post(f"/persons/{household.head.pk}/reveal/phone/")
    assert "13800138000" in response.content.decode()
    assert RevealLog.objects.get().field == "phone"


def test_reveal_by_get_is_not_allowed(client, household):
    assert client.get(f"/persons/{household.head.pk}/reveal/id_number/").status_code == 405
    assert not RevealLog.objects.exists()


def test_reveal_of_an_unknown_field_is_404(client, household):
    assert client.post(f"/persons/{household.head.pk}/reveal/name/").status_code == 404
    assert not RevealLog.objects.exists()


def test_volunteer_sees_no_id_number_and_cannot_reveal_it(login, volunteer, household):
    client = login(volunteer)
    person = household.head
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert person.id_masked not in page  # a visit does not need the ID number, even masked
    assert "reveal/id_number" not in page
    assert "编辑" not in page
    response = client.post(f"/persons/{person.pk}/reveal/id_number/")
    assert response.status_code == 403
    assert person.id_number not in response.content.decode()
    assert not RevealLog.objects.exists()


def test_city_manager_cannot_reveal(login, manager, household):
    response = login(manager).post(f"/persons/{household.head.pk}/reveal/id_number/")
    assert response.status_code == 403
    assert not RevealLog.objects.exists()


# ---------------------------------------------------------------------------------- writing


def test_create_household_then_add_head(client, huayuan):
    response = client.post(
        "/households/new/", {"community": community("花苑社区").pk, "address": "花苑路9号"}
    )
    household = Household.objects.get(address="花苑路9号")
    assert response.status_code == 302
    assert response["Location"] == f"/households/{household.pk}/members/new/"
    form = client.get(response["Location"]).context["form"]
    assert form.initial["relation"] == c.Relation.HEAD  # the first member is proposed as head
    response = client.post(
        f"/households/{household.pk}/members/new/",
        {"name": "黄小华", "relation": "head", "id_number": "110105491231002", "phone": "13912345678"},
    )
    assert response.status_code == 302
    person = household.members.get()
    assert person.id_masked == "110105********002X"
    assert person.phone_masked == "139****5678"
    assert person.sex == c.Sex.FEMALE  # sequence 002 is even


def test_edit_person_creates_history_visible_on_the_page(client, huayuan, household):
    person = household.head
    id_before = person.id_number
    response = client.post(
        f"/persons/{person.pk}/edit/",
        {"name": "李小明", "relation": "head", "serious_illness": "尿毒症", "id_number": "", "phone": ""},
    )
    assert response.status_code == 302
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert re.search(r"重特大疾病：—\s*→\s*尿毒症", page)
    assert huayuan.first_name in page  # who changed it
    person.refresh_from_db()
    assert person.phone == "13800138000"  # a blank phone field keeps the number
    assert person.id_number == id_before  # a blank ID field keeps the number


def test_edit_person_corrects_the_id_number(client, household):
    person = household.head
    old_masked = person.id_masked
    response = client.post(
        f"/persons/{person.pk}/edit/",
        {"name": "李小明", "relation": "head", "id_number": "11010519491231002x", "phone": ""},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.id_number == "11010519491231002X"
    assert person.birth_date == dt.date(1949, 12, 31)
    page = client.get(f"/persons/{person.pk}/").content.decode()
    # The correction is in the history, masked; internal columns (keyed hash, search tail) are not.
    assert re.search(rf"身份证号码：{re.escape(old_masked)}\s*→\s*110105\*{{8}}002X", page)
    assert re.search(r"出生日期：1960年5月17日\s*→\s*1949年12月31日", page)
    assert "11010519491231002X" not in page
    assert person.id_hash not in page and "31002X" not in page.replace("********002X", "")
    assert "id hash" not in page and "id tail" not in page


def test_phone_change_is_in_the_history_masked(client, household):
    person = household.head
    client.post(
        f"/persons/{person.pk}/edit/",
        {"name": "李小明", "relation": "head", "id_number": "", "phone": "139 1234 5678"},
    )
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert re.search(r"联系电话：138\*{4}8000\s*→\s*139\*{4}5678", page)
    assert "13912345678" not in page


def test_archive_household_keeps_it_and_shows_restore(client, household):
    response = client.post(f"/households/{household.pk}/archive/")
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.status == c.RecordStatus.ARCHIVED
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert "已归档" in page and "恢复" in page
    assert "添加成员" not in page
    assert listed(client.get("/households/", {"status": "archived"})) == [household.pk]
    assert listed(client.get("/households/", {"status": "active"})) == []
    client.post(f"/households/{household.pk}/restore/")
    household.refresh_from_db()
    assert household.status == c.RecordStatus.ACTIVE


def test_archived_household_cannot_receive_moved_members(client, household):
    target = HouseholdFactory(community=community("花苑社区"), status=c.RecordStatus.ARCHIVED)
    spouse = PersonFactory(household=household, relation=c.Relation.SPOUSE)
    response = client.post(
        f"/persons/{spouse.pk}/edit/",
        {"name": spouse.name, "relation": "spouse", "move_to": target.pk, "id_number": "", "phone": ""},
    )
    assert response.status_code == 200
    assert "找不到该家庭" in response.content.decode()


def test_move_person_to_another_household_is_kept_in_history(client, household):
    spouse = PersonFactory(household=household, relation=c.Relation.SPOUSE, name="王芳")
    target = HouseholdFactory(community=community("花苑社区"))
    PersonFactory(household=target, name="黄大海")
    response = client.post(
        f"/persons/{spouse.pk}/edit/",
        {"name": "王芳", "relation": "spouse", "move_to": target.pk, "id_number": "", "phone": ""},
    )
    assert response.status_code == 302
    spouse.refresh_from_db()
    assert spouse.household == target
    page = client.get(f"/persons/{spouse.pk}/").content.decode()
    assert re.search(r"家庭：李小明户\s*→\s*黄大海户", page)
    # The household she left keeps the move in its history, naming her.
    old_page = client.get(f"/households/{household.pk}/").content.decode()
    assert re.search(
        r"修改成员 王芳</span>\s*<ul class=\"changes\"><li>家庭：李小明户\s*→\s*黄大海户", old_page
    )
    new_page = client.get(f"/households/{target.pk}/").content.decode()
    assert "家庭：李小明户 → 黄大海户" in new_page


def test_household_history_does_not_follow_a_member_after_they_leave(client, household):
    spouse = PersonFactory(household=household, relation=c.Relation.SPOUSE, name="王芳")
    target = HouseholdFactory(community=community("花苑社区"))
    client.post(
        f"/persons/{spouse.pk}/edit/",
        {"name": "王芳", "relation": "spouse", "move_to": target.pk, "id_number": "", "phone": ""},
    )
    client.post(
        f"/persons/{spouse.pk}/edit/",
        {"name": "王芳", "relation": "head", "serious_illness": "白血病", "id_number": "", "phone": ""},
    )
    old_page = client.get(f"/households/{household.pk}/").content.decode()
    assert "白血病" not in old_page
    assert "白血病" in client.get(f"/households/{target.pk}/").content.decode()


def test_person_status_deceased_and_invalid_status(client, household):
    person = household.head
    client.post(f"/persons/{person.pk}/status/", {"status": "deceased"})
    person.refresh_from_db()
    assert person.status == c.PersonStatus.DECEASED
    response = client.post(f"/persons/{person.pk}/status/", {"status": "deleted"}, follow=True)
    assert "无效的状态" in response.content.decode()
    assert Person.objects.get(pk=person.pk).status == c.PersonStatus.DECEASED


def test_add_and_end_an_assistance_status(client, household):
    person = household.head
    client.post(f"/persons/{person.pk}/statuses/new/", {"kind": "dibao", "start_date": "2025-01-01"})
    status = person.statuses.get()
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert "最低生活保障（低保）" in page and "有效" in page
    client.post(f"/statuses/{status.pk}/end/", {"end_date": "2025-06-30"})
    status.refresh_from_db()
    assert status.end_date == dt.date(2025, 6, 30)
    assert "已终止" in client.get(f"/persons/{person.pk}/").content.decode()


def test_home_page_counts_only_the_users_area(client, city):
    page = client.get("/")
    assert page.context["household_count"] == 2  # 李小明 and 张三 in 花苑
    assert page.context["person_count"] == 2
    assert dict((k, n) for k, _label, n in page.context["status_rows"])["dibao"] == 1


def test_anonymous_user_is_sent_to_login(household):
    from django.test import Client

    response = Client().get(f"/households/{household.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "url", ["/households/new/", "/warnings/new/", "/vagrants/new/", "/households/{h}/members/new/"]
)
@pytest.mark.parametrize("persona", ["manager", "volunteer"])
def test_read_only_roles_get_404_on_create_pages(request, login, household, persona, url):
    """The same answer as on every other write URL: nothing tells them the page exists."""
    client = login(request.getfixturevalue(persona))
    url = url.format(h=household.pk)
    assert client.get(url).status_code == 404
    assert client.post(url, {"community": household.community_id, "address": "x"}).status_code == 404
