"""The employment pages: forms save through the services, refusals are shown on the form in
Chinese, stale edits are caught, empty lists say so."""

import pytest

from employment import services
from employment.models import EmploymentProfile, Post, SurveyContact, Training

from .conftest import TODAY, jobless

pytestmark = pytest.mark.django_db


def test_placement_in_a_full_post_is_explained_on_the_form(login, huayuan, post):
    for _ in range(2):
        services.placement_start(person=jobless(), post=post, user=huayuan, start_date=TODAY)
    person = jobless()
    response = login(huayuan).post(
        f"/employment/people/{person.pk}/placements/new/", {"post": post.pk, "start_date": TODAY.isoformat()}
    )
    assert response.status_code == 200
    assert "该岗位已满员或已停止招用。" in response.content.decode()
    assert Post.objects.get(pk=post.pk).filled == 2


def test_stale_profile_edit_is_told_not_saved(login, huayuan, dongqu, person):
    services.profile_save(person=person, user=huayuan, skills="电工")
    client = login(huayuan)
    page = client.get(f"/employment/people/{person.pk}/profile/")
    version = page.context["form"]["version"].value()
    services.profile_save(person=person, user=dongqu, skills="缝纫")  # someone else saves meanwhile
    response = client.post(
        f"/employment/people/{person.pk}/profile/",
        {"skills": "驾驶", "version": version, "employment": "unemployed"},
    )
    assert response.status_code == 200
    assert "此记录已被他人修改" in response.content.decode()
    assert EmploymentProfile.objects.get(person=person).skills == "缝纫"


def test_town_worker_creates_a_post_on_the_page(login, dongqu):
    from tests.factories import town

    response = login(dongqu).post(
        "/employment/posts/new/",
        {
            "town": town("东区街道").pk,
            "name": "保洁员",
            "employer": "东区",
            "capacity": 4,
            "tenure_limit_months": 36,
        },
    )
    assert response.status_code == 302
    assert Post.objects.get().history.first().history_user == dongqu


def test_survey_and_training_forms_record_and_refuse_in_chinese(login, huayuan, person):
    client = login(huayuan)
    ok = client.post(
        f"/employment/people/{person.pk}/surveys/new/",
        {"person": person.pk, "method": "on_site", "contacted_on": TODAY.isoformat(), "result": "wants_job"},
    )
    assert ok.status_code == 302 and SurveyContact.objects.get().contacted_by == huayuan
    bad = client.post(
        f"/employment/people/{person.pk}/trainings/new/",
        {"course": "电工", "start_date": TODAY.isoformat(), "status": "completed"},
    )
    assert bad.status_code == 200 and "已结业的培训请填写结束日期。" in bad.content.decode()
    assert not Training.objects.exists()


def test_empty_lists_say_so(login, huayuan):
    client = login(huayuan)
    for url, text in [
        ("/employment/", "没有符合条件的帮扶对象。"),
        ("/employment/trainings/", "没有符合条件的培训记录。"),
        ("/employment/posts/", "没有符合条件的公益性岗位。"),
        ("/employment/placements/", "没有符合条件的安置记录。"),
        ("/employment/referrals/", "没有符合条件的推荐记录。"),
        ("/employment/surveys/", "没有符合条件的摸排记录。"),
        ("/employment/surveys/households/", "没有符合条件的家庭。"),
    ]:
        assert text in client.get(url).content.decode(), url


def test_a_person_outside_the_drive_is_told_so(login, huayuan):
    from tests.factories import PersonFactory

    retired = PersonFactory()
    page = login(huayuan).get(f"/employment/people/{retired.pk}/").content.decode()
    assert "不在就业帮扶对象范围内" in page


def test_target_list_search_and_basis(login, huayuan):
    from households import choices as hc

    a = jobless(name="王小红")
    b = jobless(kind=hc.AssistanceKind.DIBIAN, name="陈大明")
    client = login(huayuan)
    shown = lambda **q: {p.pk for p in client.get("/employment/", q).context["object_list"]}  # noqa: E731
    assert shown() == {a.pk, b.pk}
    assert shown(q="王小红") == {a.pk}
    assert shown(q="cdm") == {b.pk}
    assert shown(basis="dibian") == {b.pk}
    assert shown(basis="dibao") == {a.pk}
    assert shown(surveyed="no") == {a.pk, b.pk}


def test_api_profile_upsert_sets_the_status_and_checks_the_version(login, huayuan, person):
    from households.models import Person

    client = login(huayuan)
    created = client.post(
        "/api/employment-profiles/",
        {"person": person.pk, "employment": "flexible", "education": "senior", "care_duties": True},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["employment"] == "flexible"
    assert Person.objects.get(pk=person.pk).employment == "flexible"
    url = f"/api/employment-profiles/{created.json()['id']}/"
    etag = client.get(url)["ETag"]
    assert (
        client.patch(url, {"skills": "电工"}, content_type="application/json", HTTP_IF_MATCH=etag).status_code
        == 200
    )
    stale = client.patch(url, {"skills": "缝纫"}, content_type="application/json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and "此记录已被他人修改" in stale.json()["detail"]
    assert EmploymentProfile.objects.get(person=person).skills == "电工"
