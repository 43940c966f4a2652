"""Area scoping of the employment app, generated from its URL list and API router.

Collected through tests/core/test_scoping_matrix.py (which imports this module), on the same
``world`` of four areas and the same personas. Every URL of the ``employment`` namespace and
every route of ``employment.api.urls.router`` must be in the tables below; the meta-tests fail
for a new one that is not.

Areas: huayuan_paired, huayuan_other (花苑, 东区), zhuyuan (竹苑, 东区), yanzhou (烟洲, 西区).
Posts belong to a town (东区 post for the first three, 西区 post for 烟洲); a community worker
sees their town's posts but manages none.
"""

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import get_resolver
from django.urls.converters import IntConverter

from assessments.models import GroupDecision
from core.scoping import CHANGE, VIEW
from core.views import ObjectListView, WriterRequiredMixin
from employment import services
from employment.api.urls import router as employment_router
from employment.models import (
    EmploymentProfile,
    Placement,
    Post,
    Referral,
    SurveyContact,
    SurveyHousehold,
    Target,
    Training,
)
from households.models import Person
from tests.factories import PersonFactory, town

TODAY = dt.date.today()
AREAS = ("huayuan_paired", "huayuan_other", "zhuyuan", "yanzhou")
E_INSIDE = {
    "admin_user": AREAS,
    "manager": AREAS,
    "dongqu": ("huayuan_paired", "huayuan_other", "zhuyuan"),
    "huayuan": ("huayuan_paired", "huayuan_other"),
    "xiqu": ("yanzhou",),
    "xiqu_viewer": ("yanzhou",),
    "volunteer": (),  # nothing of this app (minimum necessary)
}
E_PERSONAS = tuple(E_INSIDE)
E_READ_ONLY = ("manager", "xiqu_viewer", "volunteer")
E_WRITERS = ("admin_user", "dongqu", "huayuan", "xiqu")
TOWN_AREAS = {"huayuan_paired": "东区", "huayuan_other": "东区", "zhuyuan": "东区", "yanzhou": "西区"}


def e_inside(persona: str, model, action: str = VIEW) -> tuple[str, ...]:
    if model is Post:
        if persona == "huayuan":  # their town's posts to read and fill, none to manage
            return () if action == CHANGE else ("huayuan_paired", "huayuan_other", "zhuyuan")
        if persona == "volunteer":
            return ()
        if persona in ("dongqu",):
            return ("huayuan_paired", "huayuan_other", "zhuyuan")
    return E_INSIDE[persona]


def e_outside(persona: str, model, action: str = VIEW) -> tuple[str, ...]:
    mine = {TOWN_AREAS[a] for a in e_inside(persona, model, action)} if model is Post else None
    return tuple(
        a
        for a in AREAS
        if a not in e_inside(persona, model, action) and (mine is None or TOWN_AREAS[a] not in mine)
    )


@dataclass
class EArea:
    person: Person  # a target, in the unemployed group, not in a post
    placed: Person  # holds a post
    post: Post
    profile: EmploymentProfile
    training: Training
    placement: Placement
    referral: Referral
    survey: SurveyContact

    def object_of(self, model):
        return {
            Person: self.person,
            Target: self.person,
            SurveyHousehold: self.person.household,
            Post: self.post,
            EmploymentProfile: self.profile,
            Training: self.training,
            Placement: self.placement,
            Referral: self.referral,
            SurveyContact: self.survey,
        }[model]


def make_eworld(world, admin_user) -> dict[str, EArea]:
    posts = {
        "东区": Post.objects.create(town=town("东区街道"), name="保洁员", employer="东区", capacity=10),
        "西区": Post.objects.create(town=town("西区街道"), name="巡逻员", employer="西区", capacity=10),
    }
    areas = {}
    for name, area in world.items():
        person = area.person
        GroupDecision.objects.create(
            person=person, group="unemployed", rule_version="t", params_version="t", fingerprint=1
        )
        placed = PersonFactory(household=area.household, relation="son", name=f"上岗{name}")
        post = posts[TOWN_AREAS[name]]
        areas[name] = EArea(
            person=person,
            placed=placed,
            post=post,
            profile=services.profile_save(person=person, user=admin_user, skills="电工"),
            training=services.training_add(
                person=person, user=admin_user, course="育婴员", start_date=TODAY - dt.timedelta(days=20)
            ),
            placement=services.placement_start(
                person=placed, post=post, user=admin_user, start_date=TODAY - dt.timedelta(days=30)
            ),
            referral=services.referral_add(
                person=person,
                user=admin_user,
                kind="recommendation",
                employer="厂",
                position="工",
                referred_on=TODAY,
            ),
            survey=services.survey_record(
                household=area.household,
                user=admin_user,
                method="phone",
                result="wants_job",
                contacted_on=TODAY,
            ),
        )
    return areas


def e_snapshot() -> tuple[int, ...]:
    models = (EmploymentProfile, Training, Post, Placement, Referral, SurveyContact, Person)
    return tuple(m.history.count() for m in models) + tuple(m.objects.count() for m in models)


# ---------------------------------------------------------------------------------------------
# Sample data for every write


def _t() -> str:
    return TODAY.isoformat()


E_POST_DATA = {
    "profile-edit": lambda a: {"employment": "unemployed", "education": "junior", "skills": "缝纫"},
    "training-create": lambda a: {"course": "家政服务员", "start_date": _t(), "status": "enrolled"},
    "placement-create": lambda a: {"post": a.post.pk, "start_date": _t()},
    "referral-create": lambda a: {
        "kind": "recruitment",
        "employer": "公司",
        "position": "普工",
        "referred_on": _t(),
    },
    "survey-create": lambda a: {"method": "on_site", "contacted_on": _t(), "result": "wants_training"},
    "training-finish": lambda a: {"status": "completed", "end_date": _t()},
    "placement-end": lambda a: {"end_date": _t(), "reason": "辞职", "employment_after": "unemployed"},
    "referral-outcome": lambda a: {"outcome": "declined"},
    "post-update": lambda a: {
        "name": "改名",
        "employer": "单位",
        "capacity": 12,
        "tenure_limit_months": 36,
        "is_active": "on",
        "version": Post.objects.get(pk=a.post.pk).version,
    },
}
E_API_DATA = {
    ("employment-profile", "partial_update"): lambda a: {"skills": "改"},
    ("public-post", "partial_update"): lambda a: {"capacity": 11},
    ("training", "finish"): lambda a: {"status": "completed", "end_date": _t()},
    ("placement", "end"): lambda a: {"end_date": _t(), "reason": "辞职"},
    ("job-referral", "outcome"): lambda a: {"outcome": "declined"},
}


# ---------------------------------------------------------------------------------------------
# Routes


@dataclass(frozen=True)
class ERoute:
    name: str
    route: str
    view: type
    object_kwarg: str | None
    methods: tuple[str, ...]
    writes: bool

    @property
    def model(self):
        return self.view.model

    @property
    def action(self):
        return CHANGE if self.writes else VIEW

    def url(self, obj=None) -> str:
        path = self.route
        if self.object_kwarg:
            path = path.replace(f"<int:{self.object_kwarg}>", str(obj.pk))
        return "/" + path

    def __str__(self):
        return self.name


def _e_routes() -> list[ERoute]:
    prefix, resolver = get_resolver().namespace_dict["employment"]
    routes = []
    for pattern in resolver.url_patterns:
        view = pattern.callback.view_class
        ints = [k for k, conv in pattern.pattern.converters.items() if isinstance(conv, IntConverter)]
        writes = issubclass(view, WriterRequiredMixin) or getattr(view, "scope_action", VIEW) == CHANGE
        methods = tuple(m for m in ("get", "post") if m in view.http_method_names and hasattr(view, m))
        routes.append(
            ERoute(
                pattern.name, prefix + str(pattern.pattern), view, ints[0] if ints else None, methods, writes
            )
        )
    return routes


E_ROUTES = _e_routes()
E_OBJECT_ROUTES = [r for r in E_ROUTES if r.object_kwarg]
E_LIST_ROUTES = [r for r in E_ROUTES if not r.object_kwarg and issubclass(r.view, ObjectListView)]
E_CREATE_ROUTES = [r for r in E_ROUTES if not r.object_kwarg and issubclass(r.view, WriterRequiredMixin)]
E_PAGE_ROUTES = [r for r in E_ROUTES if not r.object_kwarg and r not in E_LIST_ROUTES + E_CREATE_ROUTES]


@dataclass(frozen=True)
class EApiRoute:
    name: str
    regex: str
    viewset: type
    actions: dict
    basename: str

    @property
    def model(self):
        return self.viewset.queryset.model

    @property
    def detail(self) -> bool:
        return "pk" in re.compile(self.regex).groupindex

    def url(self, pk=None) -> str:
        path = re.sub(r"\(\?P<pk>[^)]*\)", str(pk), self.regex.lstrip("^").rstrip("$"))
        return "/api/" + path

    def writes(self) -> dict:
        allowed = self.viewset.http_method_names
        return {m: a for m, a in self.actions.items() if m not in ("get", "delete") and m in allowed}

    def __str__(self):
        return f"api:{self.name}"


def _e_api_routes() -> list[EApiRoute]:
    routes = []
    for pattern in employment_router.urls:
        regex = pattern.pattern.regex.pattern
        viewset = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None)
        if not actions or "(?P<format>" in regex:
            continue
        basename = next(b for _p, vs, b in employment_router.registry if vs is viewset)
        routes.append(EApiRoute(pattern.name, regex, viewset, dict(actions), basename))
    return routes


E_API_ROUTES = _e_api_routes()
E_API_DETAIL = [r for r in E_API_ROUTES if r.detail]
E_API_LISTS = [r for r in E_API_ROUTES if not r.detail and "get" in r.actions and r.actions["get"] == "list"]
E_API_OTHER = [r for r in E_API_ROUTES if not r.detail and r not in E_API_LISTS]


def _call(client, method, url, data=None, api=False):
    if method == "get":
        return client.get(url)
    if api:
        return getattr(client, method)(url, data or {}, content_type="application/json")
    return client.post(url, data or {})


@pytest.fixture
def eclient(request, login, eworld):
    def make(name):
        user = request.getfixturevalue(name)
        return user, login(user)

    return make


# ---------------------------------------------------------------------------------------------
# UI


@pytest.mark.parametrize("persona", [p for p in E_PERSONAS if p not in ("admin_user", "manager")])
@pytest.mark.parametrize("route", E_OBJECT_ROUTES, ids=str)
def test_employment_object_outside_area_is_404_on_every_page(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    before = e_snapshot()
    results = {}
    for area_name in e_outside(persona, route.model, route.action):
        area = eworld[area_name]
        for method in route.methods:
            data = E_POST_DATA.get(route.name, lambda a: {})(area)
            results[(area_name, method)] = _call(
                client, method, route.url(area.object_of(route.model)), data
            ).status_code
    if persona == "volunteer":
        assert set(results.values()) <= {403, 404}, results  # the whole app is closed to them
    else:
        assert set(results.values()) == {404}, results
    assert e_snapshot() == before


@pytest.mark.parametrize("persona", E_PERSONAS)
@pytest.mark.parametrize("route", [r for r in E_OBJECT_ROUTES if "get" in r.methods], ids=str)
def test_employment_object_inside_area_opens(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    for area_name in e_inside(persona, route.model, route.action):
        code = client.get(route.url(eworld[area_name].object_of(route.model))).status_code
        expected = 404 if route.writes and persona in E_READ_ONLY else 200
        assert code == expected, (area_name, code)


@pytest.mark.parametrize("persona", E_READ_ONLY)
@pytest.mark.parametrize("route", [r for r in E_OBJECT_ROUTES if "post" in r.methods], ids=str)
def test_employment_read_only_role_cannot_post(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    before = e_snapshot()
    for area_name in e_inside(persona, route.model) or AREAS:
        area = eworld[area_name]
        response = client.post(route.url(area.object_of(route.model)), E_POST_DATA[route.name](area))
        assert response.status_code in (403, 404), (area_name, response.status_code)
    assert e_snapshot() == before


@pytest.mark.parametrize("persona", E_WRITERS)
@pytest.mark.parametrize("route", [r for r in E_OBJECT_ROUTES if "post" in r.methods], ids=str)
def test_employment_writer_can_post_inside(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    areas = e_inside(persona, route.model, CHANGE)
    if not areas:
        pytest.skip("this persona manages no object of this kind (community worker and posts)")
    area = eworld[areas[-1]]
    before = e_snapshot()
    response = client.post(route.url(area.object_of(route.model)), E_POST_DATA[route.name](area))
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert e_snapshot() != before


@pytest.mark.parametrize("persona", E_READ_ONLY)
@pytest.mark.parametrize("route", E_CREATE_ROUTES, ids=str)
def test_employment_read_only_role_cannot_open_create_pages(route, persona, eclient):
    _user, client = eclient(persona)
    before = e_snapshot()
    assert client.get(route.url()).status_code == 404
    assert client.post(route.url(), {"name": "x", "employer": "y", "capacity": 3}).status_code == 404
    assert e_snapshot() == before


@pytest.mark.parametrize("persona", E_PERSONAS)
@pytest.mark.parametrize("route", E_LIST_ROUTES, ids=str)
def test_employment_lists_show_only_the_users_area(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    response = client.get(route.url(), {"per_page": 200})
    if persona == "volunteer":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["object_list"]}
    model = route.model
    key = lambda area: area.object_of(model)  # noqa: E731
    mine = {key(eworld[a]).pk for a in e_inside(persona, model)}
    assert mine <= shown, (mine, shown)
    for area_name in e_outside(persona, model):
        assert key(eworld[area_name]).pk not in shown, area_name


@pytest.mark.parametrize("persona", E_PERSONAS)
@pytest.mark.parametrize("route", E_PAGE_ROUTES, ids=str)
def test_employment_summary_pages_count_only_the_users_area(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    response = client.get(route.url())
    if persona == "volunteer":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert response.context["totals"]["target"] == len(e_inside(persona, Person))


# ---------------------------------------------------------------------------------------------
# API


def _missing(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.mark.parametrize("persona", [p for p in E_PERSONAS if p not in ("admin_user", "manager")])
@pytest.mark.parametrize("route", E_API_DETAIL, ids=str)
def test_employment_api_outside_area_is_the_answer_for_a_missing_id(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    before = e_snapshot()
    for area_name in e_outside(persona, route.model):
        area = eworld[area_name]
        for method, action in route.actions.items():
            if method not in route.viewset.http_method_names:
                continue
            data = E_API_DATA.get((route.basename, action), lambda a: {})(area)
            response = _call(client, method, route.url(area.object_of(route.model).pk), data, api=True)
            missing = _call(client, method, route.url(_missing(route.model)), data, api=True)
            assert response.status_code == missing.status_code, (area_name, method)
            if persona == "volunteer":
                assert response.status_code == 403
            elif method == "get" or persona not in E_READ_ONLY:
                assert response.status_code == 404, (area_name, method, response.status_code)
            else:
                assert response.status_code == 403
    assert e_snapshot() == before


@pytest.mark.parametrize("persona", E_PERSONAS)
@pytest.mark.parametrize("route", [r for r in E_API_DETAIL if "get" in r.actions], ids=str)
def test_employment_api_inside_is_readable(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    for area_name in e_inside(persona, route.model):
        obj = eworld[area_name].object_of(route.model)
        response = client.get(route.url(obj.pk))
        assert response.status_code == 200 and response.json()["id"] == obj.pk


@pytest.mark.parametrize("persona", E_READ_ONLY)
@pytest.mark.parametrize("route", [r for r in E_API_ROUTES if r.writes()], ids=str)
def test_employment_api_read_only_roles_get_403_on_writes(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    before = e_snapshot()
    area = eworld[(e_inside(persona, route.model) or AREAS)[0]]
    for method, action in route.writes().items():
        if route.detail:
            url, data = route.url(area.object_of(route.model).pk), E_API_DATA[(route.basename, action)](area)
        else:
            url, data = route.url(), {"person": area.person.pk, "course": "x", "start_date": _t()}
        assert _call(client, method, url, data, api=True).status_code == 403
    assert e_snapshot() == before


@pytest.mark.parametrize("persona", E_WRITERS)
@pytest.mark.parametrize("route", [r for r in E_API_DETAIL if r.writes()], ids=str)
def test_employment_api_writer_can_write_inside(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    areas = e_inside(persona, route.model, CHANGE)
    if not areas:
        pytest.skip("this persona manages no object of this kind")
    area = eworld[areas[-1]]
    for method, action in route.writes().items():
        before = e_snapshot()
        response = _call(
            client,
            method,
            route.url(area.object_of(route.model).pk),
            E_API_DATA[(route.basename, action)](area),
            api=True,
        )
        assert response.status_code == 200, response.content
        assert e_snapshot() != before


@pytest.mark.parametrize("persona", E_PERSONAS)
@pytest.mark.parametrize("route", E_API_LISTS, ids=str)
def test_employment_api_lists_show_only_the_users_area(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    response = client.get(route.url(), {"page_size": 500})
    if persona == "volunteer":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    shown = {row["id"] for row in response.json()["results"]}
    mine = {eworld[a].object_of(route.model).pk for a in e_inside(persona, route.model)}
    assert mine <= shown
    for area_name in e_outside(persona, route.model):
        assert eworld[area_name].object_of(route.model).pk not in shown


@pytest.mark.parametrize("persona", E_PERSONAS)
@pytest.mark.parametrize("route", E_API_OTHER, ids=str)
def test_employment_api_summaries_count_only_the_users_area(route, persona, eclient, eworld):
    _user, client = eclient(persona)
    response = client.get(route.url())
    if persona == "volunteer":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert sum(row["target"] for row in response.json()) == len(e_inside(persona, Person))


def test_employment_api_cannot_attach_records_outside_the_area(eclient, eworld):
    _user, client = eclient("xiqu")
    east = eworld["huayuan_paired"]
    before = e_snapshot()
    cases = [
        ("/api/trainings/", {"person": east.person.pk, "course": "x", "start_date": _t()}, "person"),
        ("/api/placements/", {"person": east.person.pk, "post": east.post.pk, "start_date": _t()}, "person"),
        (
            "/api/placements/",
            {"person": eworld["yanzhou"].person.pk, "post": east.post.pk, "start_date": _t()},
            "post",
        ),
        (
            "/api/job-referrals/",
            {
                "person": east.person.pk,
                "kind": "recruitment",
                "employer": "x",
                "position": "y",
                "referred_on": _t(),
            },
            "person",
        ),
        (
            "/api/employment-surveys/",
            {
                "household": east.person.household_id,
                "method": "phone",
                "result": "wants_job",
                "contacted_on": _t(),
            },
            "household",
        ),
        ("/api/employment-profiles/", {"person": east.person.pk, "skills": "x"}, "person"),
    ]
    for url, data, field in cases:
        response = client.post(url, data, content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert field in response.json(), (url, response.json())
    assert e_snapshot() == before


# ---------------------------------------------------------------------------------------------
# Meta: every employment URL and route is in the tables above


def test_every_employment_url_is_in_the_matrix():
    problems = []
    for route in E_ROUTES:
        if route.object_kwarg:
            if route.model not in (Person, Post, Training, Placement, Referral):
                problems.append(f"{route.name}: no world object for {route.model}")
            if "post" in route.methods and route.name not in E_POST_DATA:
                problems.append(f"{route.name}: add E_POST_DATA")
        elif route not in E_LIST_ROUTES + E_CREATE_ROUTES + E_PAGE_ROUTES:
            problems.append(f"{route.name}: neither list, create nor summary page")
    assert not problems, problems
    assert len(E_ROUTES) == 20 and len(E_OBJECT_ROUTES) == 11 and len(E_LIST_ROUTES) == 7


def test_every_employment_api_route_is_in_the_matrix():
    problems = []
    for route in E_API_ROUTES:
        if route.detail:
            for action in route.writes().values():
                if (route.basename, action) not in E_API_DATA:
                    problems.append(f"{route}: add E_API_DATA for {action}")
    assert not problems, problems
    assert {r.basename for r in E_API_LISTS} == {b for _p, _v, b in employment_router.registry}
    assert [r.name for r in E_API_OTHER] == ["employment-survey-progress"]
