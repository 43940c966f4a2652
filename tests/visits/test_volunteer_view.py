"""Issue 8, volunteers (PIPL minimum necessary): a volunteer sees only what a visit needs, in the
pages and in the API; a paired volunteer may reveal a paired household's phone number (logged),
never an ID number, and nothing of an unpaired household (404)."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from assessments import screening
from core import privacy
from core.models import RevealLog
from households import choices as c
from tests.factories import (
    AssistanceStatusFactory,
    HouseholdFactory,
    PersonFactory,
    TeamFactory,
    community,
    pair,
)

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1949, 3, 31)
BIRTH_TEXTS = ("1949-03-31", "1949年3月31日", "19490331", "1949/03/31")


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def visited(volunteer, household):
    """The paired household: a head with a phone, an elderly parent living alone (特殊困难老年人) with
    a disability, 低保, 计生特殊家庭 and income on record; an unpaired household next door."""
    head = household.head
    head.set_phone("13912345678")
    head.save()
    elder = PersonFactory(
        household=household,
        name="王秀英",
        relation=c.Relation.PARENT,
        birth=BIRTH,
        male=False,
        living_arrangement=c.LivingArrangement.ALONE,
        care_level=c.CareLevel.MODERATE,
        disability_category=c.DisabilityCategory.PHYSICAL,
        disability_grade=2,
        special_family=True,
    )
    AssistanceStatusFactory(person=elder, kind=c.AssistanceKind.DIBAO, start_date=dt.date(2023, 6, 1))
    household.income_per_capita = 987.65
    household.note = "备注：儿子欠债"
    household.save()
    screening.rescreen(household_ids=[household.pk])
    other = HouseholdFactory(community=community("花苑社区"))
    PersonFactory(household=other, name="赵未结对")
    return {"head": head, "elder": elder, "other": other}


STAFF_ONLY_TEXTS = (
    "987.65",  # income
    "月人均收入",
    "最低生活保障",
    "低保",
    "2023-06-01",  # assistance start date
    "肢体",  # disability category
    "二级",
    "计生特殊家庭",
    "变更记录",
    "儿子欠债",  # free-text household note
    "在册家庭",  # statistics
    "/api/",
)


def _assert_visit_page(page: str, visited):
    assert "王秀英" in page and "李小明" in page
    assert f"{privacy.age_on(BIRTH, dt.date.today())}岁" in page
    assert "特殊困难老年人" in page  # the group as plain words
    assert "独居" in page and "中度失能" in page  # care notes
    for text in (*BIRTH_TEXTS, visited["elder"].id_masked, visited["head"].id_masked, *STAFF_ONLY_TEXTS):
        assert text not in page, text


def test_volunteer_home_lists_paired_households_as_cards(login, volunteer, household, visited):
    pair(TeamFactory(name="别队探访服务队"), household)
    page = login(volunteer).get("/").content.decode()
    assert 'class="visit-card"' in page
    assert "别队探访服务队" not in page
    assert household.address in page
    assert volunteer.team_memberships.get().team.name in page  # their own team
    assert "赵未结对" not in page
    _assert_visit_page(page, visited)


def test_volunteer_household_and_person_pages_show_only_what_a_visit_needs(
    login, volunteer, household, visited
):
    client = login(volunteer)
    _assert_visit_page(client.get(f"/households/{household.pk}/").content.decode(), visited)
    page = client.get(f"/persons/{visited['elder'].pk}/").content.decode()
    assert "王秀英" in page and "独居" in page and "特殊困难老年人" in page
    for text in (*BIRTH_TEXTS, visited["elder"].id_masked, *STAFF_ONLY_TEXTS):
        assert text not in page, text


def test_staff_household_page_still_shows_everything(login, huayuan, household, visited):
    """Guard for the guard: the texts above really are on the staff page."""
    page = login(huayuan).get(f"/households/{household.pk}/").content.decode()
    assert "987.65" in page and "变更记录" in page and "最低生活保障" in page


def test_volunteer_gets_404_for_an_unpaired_household_and_its_people(login, volunteer, visited):
    client = login(volunteer)
    other = visited["other"]
    assert client.get(f"/households/{other.pk}/").status_code == 404
    assert client.get(f"/persons/{other.head.pk}/").status_code == 404
    assert api_for(volunteer).get(f"/api/households/{other.pk}/").status_code == 404


@pytest.mark.parametrize("url", ["/households/", "/persons/", "/divisions/"])
def test_volunteer_lists_lead_to_their_home_page(login, volunteer, visited, url):
    response = login(volunteer).get(url + "?q=赵")
    assert response.status_code == 302 and response["Location"] == "/"


def test_volunteer_nav_has_no_api_link_and_no_staff_pages(login, volunteer, visited):
    page = login(volunteer).get("/").content.decode()
    nav = page[page.index("<nav") : page.index("</nav>")]
    assert "API" not in nav and "/persons/" not in nav and "/groups/" not in nav


# ------------------------------------------------------------------------------ phone reveal


def test_paired_volunteer_reveals_a_paired_phone_and_it_is_logged(login, volunteer, household, visited):
    client = login(volunteer)
    head = visited["head"]
    page = client.get("/").content.decode()
    assert f"/persons/{head.pk}/reveal/phone/" in page
    response = client.post(f"/persons/{head.pk}/reveal/phone/")
    assert response.status_code == 200
    assert 'href="tel:13912345678"' in response.content.decode()
    log = RevealLog.objects.get()
    assert (log.user, log.person, log.field, log.channel) == (volunteer, head, "phone", "web")


def test_volunteer_cannot_reveal_an_id_number(login, volunteer, visited):
    head = visited["head"]
    response = login(volunteer).post(f"/persons/{head.pk}/reveal/id_number/")
    assert response.status_code == 403
    assert head.id_number not in response.content.decode()
    api = api_for(volunteer).post(f"/api/persons/{head.pk}/reveal/", {"field": "id_number"})
    assert api.status_code == 403
    assert not RevealLog.objects.exists()


def test_volunteer_cannot_reveal_an_unpaired_phone(login, volunteer, visited):
    stranger = visited["other"].head
    stranger.set_phone("13800000000")
    stranger.save()
    assert login(volunteer).post(f"/persons/{stranger.pk}/reveal/phone/").status_code == 404
    api = api_for(volunteer).post(f"/api/persons/{stranger.pk}/reveal/", {"field": "phone"})
    assert api.status_code == 404
    assert not RevealLog.objects.exists()


def test_volunteer_reveals_a_paired_phone_through_the_api(volunteer, visited):
    head = visited["head"]
    response = api_for(volunteer).post(f"/api/persons/{head.pk}/reveal/", {"field": "phone"})
    assert response.status_code == 200 and response.json()["phone"] == "13912345678"
    assert RevealLog.objects.get().channel == "api"


def test_reveal_service_refuses_a_volunteer_an_unpaired_person(volunteer, visited):
    """The service checks the pairing too, not only the views that call it."""
    from django.core.exceptions import PermissionDenied

    from households.services import person_reveal

    with pytest.raises(PermissionDenied):
        person_reveal(person=visited["other"].head, user=volunteer, field="phone")
    assert not RevealLog.objects.exists()


# ------------------------------------------------------------------------------ API


def test_volunteer_api_returns_only_visit_fields(volunteer, household, visited):
    pair(TeamFactory(name="别队探访服务队"), household)  # another team's pairing is not theirs
    client = api_for(volunteer)
    rows = client.get("/api/households/").json()["results"]
    assert [r["id"] for r in rows] == [household.pk]
    assert set(rows[0]) == set(privacy.VISIT_HOUSEHOLD_FIELDS)
    assert rows[0]["teams"] == [volunteer.team_memberships.get().team.name]
    detail = client.get(f"/api/households/{household.pk}/").json()
    persons = client.get("/api/persons/").json()["results"]
    for person in [*detail["members"], *persons]:
        assert set(person) == set(privacy.VISIT_PERSON_FIELDS)
    elder = next(p for p in persons if p["id"] == visited["elder"].pk)
    assert "特殊困难老年人" in elder["groups"] and elder["living_arrangement"] == "独居"
    text = str(detail) + str(persons)
    for value in (
        *BIRTH_TEXTS,
        visited["elder"].id_masked,
        "987.65",
        "dibao",
        "special_family",
        "disability",
    ):
        assert value not in text, value


def test_volunteer_api_filters_cannot_probe_hidden_fields(volunteer, visited):
    """?disability_grade=2 or ?assistance=dibao would tell a volunteer what the visit view hides."""
    client = api_for(volunteer)
    everyone = {p["id"] for p in client.get("/api/persons/").json()["results"]}
    for query in ("disability_grade=1", "assistance=tekun", "age_min=100", "id_number=x"):
        assert {p["id"] for p in client.get(f"/api/persons/?{query}").json()["results"]} == everyone
    assert client.get("/api/households/?assistance=tekun").json()["results"]


def test_volunteer_api_has_no_assistance_statuses(volunteer, visited):
    assert api_for(volunteer).get("/api/statuses/").json()["results"] == []
