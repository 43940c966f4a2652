"""Hostile input on the care half's API (needs, push, plans, visits, meetings, employment).

Every bad body is a 400 (413 for an oversize one) with a Chinese message, never a 500; nothing a
client sends is silently dropped or overwritten. Small fixtures: one household per town.
"""

import datetime as dt
import io
import json

import openpyxl
import pytest

from accounts.choices import Role
from assistance import services as care
from core.drf import JSON_MAX_DEPTH
from employment import services as jobs
from meetings import services as joint
from meetings.models import Department
from tests.factories import TeamFactory, UserFactory
from visits.models import Pairing, Visit

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
JSON = "application/json"


def send(client, url, body, method="post", **headers):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return getattr(client, method)(url, data=raw, content_type=JSON, **headers)


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def api(login, huayuan):
    return login(huayuan)


def need_body(household, **fields):
    return {
        "household": household.pk,
        "domain": "medical",
        "description": "透析",
        "source": "visit",
        **fields,
    }


# 1. The JSON parser --------------------------------------------------------------------------


def nested(depth: int) -> str:
    """A body whose deepest value sits ``depth`` levels down (the body object is level 1)."""
    return '{"x":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (nested(JSON_MAX_DEPTH + 1), "嵌套层数过多"),
        (nested(100_000), "嵌套层数过多"),  # was a RecursionError (500)
        ('{"description": "a\\ud800b"}', "代理字符"),
        ('{"a\\udfff": 1}', "代理字符"),
        ('{"description": "a\\u0000b"}', "空字符"),
        ('{"x": ["ok", {"y": "\\u0000"}]}', "空字符"),
        ('{"a\\u0000": 1}', "空字符"),
        ('{"urgency": NaN}', "不是有效的 JSON"),
        ('{"urgency": 1e999}', "数值超出范围"),
        ('{"urgency": ' + "9" * 5000 + "}", "不是有效的 JSON"),
        ('{"description": "unterminated', "不是有效的 JSON"),
        (b'{"description": "\xff\xfe"}', "UTF-8"),
        ("[1, 2]", "JSON 对象"),
    ],
    ids=[
        "depth33",
        "depth100k",
        "surrogate",
        "surrogate-key",
        "nul",
        "nul-deep",
        "nul-key",
        "nan",
        "inf",
        "bigint",
        "broken",
        "latin1",
        "array",
    ],
)
def test_hostile_json_is_a_chinese_400(api, household, raw, words):
    response = send(api, "/api/needs/", raw)
    assert response.status_code == 400, text(response)
    assert words in text(response)


def test_nesting_up_to_the_limit_reaches_the_serializer(api, household):
    response = send(api, "/api/needs/", nested(JSON_MAX_DEPTH))
    assert response.status_code == 400 and "嵌套" not in text(response)
    assert "household" in response.json()


def test_a_paired_surrogate_is_an_ordinary_character(api, household):
    response = send(api, "/api/needs/", json.dumps(need_body(household, description="笑脸😀")))
    assert response.status_code == 201, text(response)
    assert response.json()["description"] == "笑脸😀"


def test_an_oversize_body_is_refused_before_it_is_decoded(api, household, settings):
    settings.API_JSON_MAX_BYTES = 2048
    response = send(api, "/api/needs/", need_body(household, description="长" * 2000))
    assert response.status_code == 413 and "请求体过大" in text(response)


def test_a_nul_in_a_form_body_is_a_400(api, household):
    body = {"household": household.pk, "domain": "medical", "description": "a\x00b", "source": "visit"}
    response = api.post("/api/needs/", body)
    assert response.status_code == 400


CARE_LISTS = [
    "/api/needs/",
    "/api/recommendations/",
    "/api/care-plans/",
    "/api/plan-actions/",
    "/api/teams/",
    "/api/team-members/",
    "/api/pairings/",
    "/api/visits/",
    "/api/activities/",
    "/api/joint-cases/",
    "/api/resolution-tasks/",
    "/api/employment-targets/",
    "/api/employment-profiles/",
    "/api/trainings/",
    "/api/placements/",
    "/api/job-referrals/",
    "/api/employment-surveys/",
]


@pytest.mark.parametrize("url", CARE_LISTS)
def test_nul_and_junk_in_every_filter_is_not_a_500(login, admin_user, url):
    """Query strings bypass the parser: each filter gets a NUL, a surrogate and a huge number."""
    from django.urls import resolve

    view = resolve(url).func
    filterset = getattr(view.cls, "filterset_class", None)
    names = list(filterset.base_filters) if filterset else []
    names += ["ordering", "page_size", "cursor", "search", "q"]
    client = login(admin_user)
    for junk in ("a%00b", "%ED%BF%BF", "9" * 40, "-1", "%EF%BF%BF"):
        response = client.get(url + "?" + "&".join(f"{name}={junk}" for name in names))
        assert response.status_code < 500, (url, junk, text(response)[:200])


# 2. null for a blank text column; dates in a plausible range -----------------------------------


def visit_body(household, **fields):
    return {
        "household": household.pk,
        "visited_on": str(TODAY),
        "method": "home",
        "services": ["living"],
        **fields,
    }


def test_null_for_blank_text_is_stored_as_empty(api, household, volunteer):
    response = send(api, "/api/visits/", visit_body(household, notes=None, problems=None))
    assert response.status_code == 201, text(response)
    visit = Visit.objects.get(pk=response.json()["id"])
    assert (visit.notes, visit.problems) == ("", "")
    response = send(api, f"/api/visits/{visit.pk}/", {"notes": None}, method="patch")
    assert response.status_code == 200, text(response)


def test_every_care_model_serializer_takes_null_as_blank():
    from rest_framework import serializers

    from assistance.api import serializers as a
    from core.serializers import NullAsBlankMixin
    from employment.api import serializers as e
    from meetings.api import serializers as m
    from visits.api import serializers as v

    found = [
        cls
        for module in (a, e, m, v)
        for cls in vars(module).values()
        if isinstance(cls, type)
        and issubclass(cls, serializers.ModelSerializer)
        and cls.__module__ == module.__name__
    ]
    assert len(found) > 20
    assert [cls.__name__ for cls in found if not issubclass(cls, NullAsBlankMixin)] == []


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2999-01-01", "9999-12-31"])
def test_far_past_and_future_dates_are_a_400(api, household, volunteer, day):
    response = send(api, "/api/visits/", visit_body(household, visited_on=day))
    assert response.status_code == 400 and "日期不能" in text(response), text(response)


# 3. Versions: a copied one on create is ignored, a stale one on edit is a 409 ------------------


@pytest.fixture
def team(db):
    return TeamFactory(name="花苑关爱队")


def test_creating_a_pairing_ignores_a_version_in_the_body(login, dongqu, household, team):
    response = send(
        login(dongqu),
        "/api/pairings/",
        {"team": team.pk, "household": household.pk, "started_on": str(TODAY), "version": 7},
    )
    assert response.status_code == 201, text(response)  # was a TypeError (500)
    assert Pairing.objects.get(pk=response.json()["id"]).version == 1


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/teams/", {"name": "改名"}),
        ("/api/visits/", {"notes": "补记"}),
        ("/api/employment-profiles/", {"skills": "电工"}),
    ],
)
def test_a_stale_version_is_a_409_and_keeps_the_newer_edit(login, dongqu, household, team, url, body):
    client = login(dongqu)
    visit = Visit.objects.create(household=household, visited_on=TODAY, method="home", recorded_by=dongqu)
    profile = jobs.profile_save(person=household.head, user=dongqu, skills="木工")
    obj = {"/api/teams/": team, "/api/visits/": visit, "/api/employment-profiles/": profile}[url]
    first = send(client, f"{url}{obj.pk}/", {**body, "version": 1}, method="patch")
    assert first.status_code == 200, text(first)
    second = send(client, f"{url}{obj.pk}/", {**body, "version": 1}, method="patch")
    assert second.status_code == 409 and "已被他人修改" in text(second)
    assert second.json()["version"] == 2


# 4. Exports: formula-looking text is a string cell --------------------------------------------

FORMULA = '=HYPERLINK("http://evil","点我")'


def exported_cells(client, url):
    response = client.post(url)
    assert response.status_code == 200, text(response)[:300]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]


def _need(user, household):
    care.need_record(user=user, household=household, domain="medical", description=FORMULA, source="visit")


def _plan(user, household):
    care.plan_create(household=household, user=user, goals=FORMULA, review_on=TODAY + dt.timedelta(days=30))


def _visit(user, household):
    Visit.objects.create(
        household=household, visited_on=TODAY, method="home", recorded_by=user, problems=FORMULA
    )


def _meeting(user, household):
    secretariat = UserFactory(role=Role.SECRETARIAT)
    joint.meeting_create(
        user=secretariat,
        title="+会议",
        held_on=TODAY,
        departments=[Department.objects.get(code="civil_affairs")],
        minutes=FORMULA,
    )
    return secretariat


@pytest.mark.parametrize(
    ("url", "make"),
    [("/needs/", _need), ("/plans/", _plan), ("/care/visits/", _visit), ("/joint/meetings/", _meeting)],
    ids=["need-description", "plan-goals", "visit-problems", "meeting-minutes"],
)
def test_formula_like_text_is_exported_as_a_string(login, huayuan, household, url, make):
    exporter = make(huayuan, household) or huayuan
    cells = [c for c in exported_cells(login(exporter), url) if c.value == FORMULA]
    assert cells, "the note is in the export"
    assert all(c.data_type == "s" for c in cells)


# 5. Another town's record is not there (404) --------------------------------------------------


@pytest.fixture
def west(xiqu):
    """One record of each care kind in 烟洲社区 (西区街道), made by the 西区 town worker."""
    from employment.models import Post
    from meetings.models import ResolutionTask
    from tests.factories import HouseholdFactory, PersonFactory, community, town
    from visits.models import Activity, TeamMember

    household = HouseholdFactory(community=community("烟洲社区"), address="烟洲路9号")
    head = PersonFactory(household=household)
    need = care.need_record(user=xiqu, household=household, domain="medical", description="x", source="visit")
    plan = care.plan_create(household=household, user=xiqu, goals="x", review_on=TODAY + dt.timedelta(days=9))
    team = TeamFactory(division=community("烟洲社区"))
    case = joint.case_escalate(user=xiqu, household=household, needs=[need], summary="x")
    dept = Department.objects.get(code="civil_affairs")
    meeting = joint.meeting_create(
        user=UserFactory(role=Role.SECRETARIAT), title="x", held_on=TODAY, departments=[dept]
    )
    return {
        "needs": need,
        "care-plans": plan,
        "teams": team,
        "team-members": TeamMember.objects.create(team=team, name="王", member_type="volunteer"),
        "pairings": Pairing.objects.create(team=team, household=household, started_on=TODAY),
        "visits": Visit.objects.create(
            household=household, visited_on=TODAY, method="home", recorded_by=xiqu
        ),
        "activities": Activity.objects.create(
            title="x",
            kind="other",
            held_on=TODAY,
            place="x",
            town=town("西区街道"),
            community=community("烟洲社区"),
            recorded_by=xiqu,
        ),
        "joint-cases": case,
        "resolution-tasks": ResolutionTask.objects.create(
            case=case, meeting=meeting, department=dept, action="x", deadline=TODAY, created_by=xiqu
        ),
        "employment-profiles": jobs.profile_save(person=head, user=xiqu, skills="x"),
        "trainings": jobs.training_add(person=head, user=xiqu, course="x", start_date=TODAY),
        "job-referrals": jobs.referral_add(
            person=head, user=xiqu, kind="recommendation", employer="x", position="y", referred_on=TODAY
        ),
        "employment-surveys": jobs.survey_record(
            household=household, user=xiqu, method="phone", contacted_on=TODAY, result="employed"
        ),
        "public-posts": Post.objects.create(town=town("西区街道"), name="x", employer="x", capacity=1),
    }


WEST_ROUTES = [
    ("needs", "patch", ""),
    ("needs", "post", "transition/"),
    ("care-plans", "patch", ""),
    ("care-plans", "post", "transition/"),
    ("teams", "patch", ""),
    ("team-members", "patch", ""),
    ("pairings", "post", "end/"),
    ("visits", "patch", ""),
    ("activities", "patch", ""),
    ("joint-cases", "patch", ""),
    ("joint-cases", "post", "transition/"),
    ("resolution-tasks", "post", "report/"),
    ("employment-profiles", "patch", ""),
    ("trainings", "post", "finish/"),
    ("job-referrals", "post", "outcome/"),
    ("employment-surveys", "get", ""),
    ("public-posts", "patch", ""),
]


@pytest.mark.parametrize(
    ("kind", "method", "suffix"), WEST_ROUTES, ids=[f"{k}-{m}{s}" for k, m, s in WEST_ROUTES]
)
def test_another_towns_record_is_a_404(login, dongqu, west, kind, method, suffix):
    client = login(dongqu)
    url = f"/api/{kind}/{west[kind].pk}/"
    assert client.get(url).status_code == 404
    if method != "get":
        response = send(client, url + suffix, {"version": 1}, method=method)
        assert response.status_code == 404, text(response)


# 6. Employment records: every bad field is a 400 that names it ---------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"skills": "电" * 201}, "skills"),
        ({"desired_job": "x" * 101}, "desired_job"),
        ({"barrier_note": "x" * 301}, "barrier_note"),
        ({"note": "x" * 2001}, "note"),
        ({"skills": {"a": 1}}, "skills"),
        ({"skills": ["电工"]}, "skills"),
        ({"care_duties": "也许"}, "care_duties"),
        ({"health_limits": [True]}, "health_limits"),
        ({"education": "phd"}, "education"),
        ({"intention": 5}, "intention"),
        ({"employment": "boss"}, "employment"),
        ({"version": -1}, "version"),
        ({"version": "最新"}, "version"),
        ({"person": -5}, "person"),
        ({"person": "abc"}, "person"),
        ({"person": 10**20}, "person"),
    ],
)
def test_bad_profile_fields_are_a_400_naming_the_field(login, dongqu, household, body, field):
    client = login(dongqu)
    create = send(client, "/api/employment-profiles/", {"person": household.head.pk, **body})
    assert create.status_code == 400 and field in create.json(), text(create)
    profile = jobs.profile_save(person=household.head, user=dongqu, skills="木工")
    if field != "person":
        patch = send(client, f"/api/employment-profiles/{profile.pk}/", body, method="patch")
        assert patch.status_code == 400 and field in patch.json(), text(patch)
    profile.refresh_from_db()
    assert (profile.skills, profile.version) == ("木工", 1)


def test_a_version_past_the_column_range_is_a_409_not_a_500(login, dongqu, household):
    profile = jobs.profile_save(person=household.head, user=dongqu, skills="木工")
    response = send(
        login(dongqu), f"/api/employment-profiles/{profile.pk}/", {"version": 10**15}, method="patch"
    )
    assert response.status_code == 409, text(response)


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/trainings/", {"course": "电工", "start_date": "0001-01-01"}, "start_date"),
        ("/api/trainings/", {"course": "电工", "start_date": "9999-12-31"}, "start_date"),
        ("/api/trainings/", {"course": "电工", "start_date": "2026-02-30"}, "start_date"),
        ("/api/trainings/", {"course": "x" * 101, "start_date": str(TODAY)}, "course"),
        (
            "/api/job-referrals/",
            {"kind": "recommendation", "employer": "x", "position": "y", "referred_on": "1800-01-01"},
            "referred_on",
        ),
        (
            "/api/job-referrals/",
            {"kind": "recommendation", "employer": "x", "position": "y", "referred_on": 20260101},
            "referred_on",
        ),
    ],
)
def test_bad_employment_dates_and_sizes_are_a_400(login, dongqu, household, url, body, field):
    response = send(login(dongqu), url, {"person": household.head.pk, **body})
    assert response.status_code == 400 and field in response.json(), text(response)


@pytest.mark.parametrize(
    "body",
    [
        {"capacity": -1},
        {"capacity": 10**12},
        {"tenure_limit_months": -3},
        {"capacity": "两个"},
        {"name": "x" * 500},
    ],
)
def test_bad_post_numbers_are_a_400(login, dongqu, body):
    from tests.factories import town

    post = {"town": town("东区街道").pk, "name": "保洁员", "employer": "环卫所", "capacity": 2, **body}
    response = send(login(dongqu), "/api/public-posts/", post)
    assert response.status_code == 400 and set(body) <= set(response.json()), text(response)


# Forms: the pages take the same hostile text --------------------------------------------------

CARE_PAGES = [
    "/needs/",
    "/push/",
    "/plans/",
    "/teams/",
    "/care/visits/",
    "/care/queue/",
    "/activities/",
    "/joint/cases/",
    "/joint/meetings/",
    "/joint/resolutions/",
    "/employment/",
    "/employment/trainings/",
    "/employment/posts/",
    "/employment/placements/",
    "/employment/referrals/",
    "/employment/surveys/",
]


@pytest.mark.parametrize("url", CARE_PAGES)
def test_nul_in_every_page_filter_is_not_a_500(login, admin_user, url):
    from django.urls import resolve

    view = resolve(url).func.view_class
    filterset = getattr(view, "filterset_class", None)
    names = [*(filterset.base_filters if filterset else []), "sort", "page", "q"]
    client = login(admin_user)
    for junk in ("a%00b", "%ED%BF%BF", "9" * 40):
        response = client.get(url + "?" + "&".join(f"{name}={junk}" for name in names))
        assert response.status_code < 500, (url, junk)


def test_nul_in_a_need_form_is_a_form_error(login, huayuan, household):
    response = login(huayuan).post(
        f"/households/{household.pk}/needs/new/",
        {"domain": "medical", "description": "a\x00b", "urgency": "normal", "source": "visit"},
    )
    assert response.status_code in (200, 400)
    assert not household.needs.exists()


@pytest.mark.parametrize(("url", "field"), [("/api/needs/", "description"), ("/api/care-plans/", "goals")])
def test_needs_and_plans_refuse_an_edit_from_a_stale_read(api, huayuan, household, url, field):
    """Needs and plans carry a version (core.concurrency): ETag "<version>", a stale If-Match is a
    412, a stale ``version`` in the body a 409; nothing is written over."""
    if url == "/api/needs/":
        record = care.need_record(
            user=huayuan, household=household, domain="medical", description="旧", source="visit"
        )
    else:
        record = care.plan_create(
            household=household, user=huayuan, goals="旧", review_on=TODAY + dt.timedelta(days=9)
        )
    read = api.get(f"{url}{record.pk}/")
    etag = read["ETag"]
    assert etag == f'"{read.json()["version"]}"'
    mine = send(api, f"{url}{record.pk}/", {field: "甲的修改"}, method="patch", HTTP_IF_MATCH=etag)
    assert mine.status_code == 200 and mine["ETag"] != etag, text(mine)
    theirs = send(api, f"{url}{record.pk}/", {field: "乙的修改"}, method="patch", HTTP_IF_MATCH=etag)
    assert theirs.status_code == 412 and "已被他人修改" in text(theirs)
    stale_body = send(
        api, f"{url}{record.pk}/", {field: "乙的修改", "version": read.json()["version"]}, method="patch"
    )
    assert stale_body.status_code == 409 and "已被他人修改" in text(stale_body)
    record.refresh_from_db()
    assert getattr(record, field) == "甲的修改"
    fresh = send(api, f"{url}{record.pk}/", {field: "乙的修改"}, method="patch", HTTP_IF_MATCH=mine["ETag"])
    assert fresh.status_code == 200, text(fresh)
