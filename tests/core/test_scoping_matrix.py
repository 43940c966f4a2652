"""Area scoping, generated from the URL list: every persona x every route x an object outside its area.

The routes are read from the URL resolver (the namespaces in ``NAMESPACES``: households, and the
needs, pushes and plans of assistance) and from their API routers (``ROUTERS``), so a new URL joins
the matrix by itself. The meta-tests at the bottom fail
when a new URL cannot be put in the matrix (unknown model, unknown URL argument, a write page
without sample POST data).

Personas (tests/conftest.py, tests/core/conftest.py) and their areas in the ``world`` fixture:

    huayuan_paired  花苑社区 (东区), paired with the volunteer's team
    huayuan_other   花苑社区 (东区), not paired
    zhuyuan         竹苑社区 (东区)
    yanzhou         烟洲社区 (西区)

``xiqu`` is the "charlie" of style.md: a 西区 town worker who must get 404 for every 东区 record.
"""

import copy
import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import get_resolver
from django.urls.converters import IntConverter
from rest_framework import permissions

from assessments.api.views import StaffOnlyApiMixin
from assessments.views import StaffOnlyMixin
from assistance.api.urls import router as assistance_router
from assistance.models import (
    CarePlan,
    CatalogImport,
    CatalogItem,
    Need,
    PlanAction,
    Provider,
    Recommendation,
)
from core.models import RevealLog
from core.scoping import CHANGE, VIEW
from core.views import ObjectListView, WriterRequiredMixin
from households.api.urls import router
from households.models import AssistanceStatus, Division, Household, Person
from households.services import person_update
from meetings.models import Department
from tests.factories import PersonFactory, community, make_id_number

pytestmark = pytest.mark.django_db

ALL_AREAS = ("huayuan_paired", "huayuan_other", "zhuyuan", "yanzhou")
INSIDE = {
    "admin_user": ALL_AREAS,
    "manager": ALL_AREAS,
    "dongqu": ("huayuan_paired", "huayuan_other", "zhuyuan"),
    "huayuan": ("huayuan_paired", "huayuan_other"),
    "xiqu": ("yanzhou",),
    "xiqu_viewer": ("yanzhou",),
    "volunteer": ("huayuan_paired",),
    # The joint meeting's roles see the households of their cases (fixtures below): the 人社
    # liaison has a task on a 竹苑 case, the secretariat sees the endorsed cases (烟洲 on the
    # agenda; 竹苑 and the 花苑 case of joint_world resolving) and not the other 花苑 case, still at
    # the town. A liaison sees of it only the needs the case concerns (inside() below; the 竹苑
    # case concerns none).
    "liaison": ("zhuyuan",),
    "secretariat": ("huayuan_paired", "zhuyuan", "yanzhou"),
}
PERSONAS = tuple(INSIDE)
READ_ONLY = ("manager", "xiqu_viewer", "volunteer", "liaison", "secretariat")
CASE_PERSONAS = ("liaison", "secretariat")
WRITERS = ("admin_user", "dongqu", "huayuan", "xiqu")
# Whole-city roles have nothing outside their area; they take part through the "inside" tests.
SCOPED = tuple(p for p in PERSONAS if set(INSIDE[p]) != set(ALL_AREAS))

NAMESPACES = ("households", "assistance")
ROUTERS = (router, assistance_router)
# Models whose objects the world fixture provides (an Area knows one object of each).
OBJECT_MODELS = (Household, Person, AssistanceStatus, Division, Need, Recommendation, CarePlan, PlanAction)
STAFF_ONLY_MODELS = (Need, Recommendation, CarePlan, PlanAction)
# City-wide reference data with no area: every staff user reads, city admins write
# (test_reference_pages_are_read_by_staff_and_written_by_admins_only).
REFERENCE_MODELS = (CatalogItem, Provider)
# Pages for city admins alone: everyone else gets 404 (test_admin_only_pages_are_404_for_everyone_else).
ADMIN_ONLY_PAGES = {
    "item-create": "a new catalog item",
    "item-update": "edit a catalog item",
    "provider-create": "a new provider",
    "provider-update": "edit a provider",
    "catalog-import": "bulk import of the two lists",
    "catalog-import-detail": "an import's preview",
    "catalog-import-confirm": "confirm an import",
    "catalog-export": "export of the two lists in the import format",
}
# Area pages that are neither a list nor a create page, each with the test that scopes it.
AREA_PAGES = {"uptake": "test_uptake_counts_only_the_users_area"}
# URL arguments that name another object than the view's model: which Area attribute to use.
ROUTE_OBJECTS = {"plan-create": "spare"}
# Values for URL arguments that are not object ids.
STR_KWARGS = {"field": RevealLog.Field.ID_NUMBER, "kind": "items"}
# API resources that are not personal data and have no area (everyone reads, admins write).
UNSCOPED_API = {
    "policy-parameter": "city-wide policy numbers (低保标准 ...), not tied to an area",
    "provider": "the two lists' providers: city-wide reference data",
    "catalog-item": "the two lists: city-wide reference data",
    "catalog-import": "bulk import of the two lists: city admins only (test_catalog_import.py)",
}


def inside(persona: str, model) -> tuple[str, ...]:
    if persona == "volunteer" and model in STAFF_ONLY_MODELS:
        return ()  # needs, pushes and plans are not a volunteer's business (issue 11)
    if persona == "liaison":
        return ()  # of their case's household a liaison sees the case's needs only (none here)
    if persona in ("volunteer", *CASE_PERSONAS) and model is Division:
        return ()  # volunteers and case roles see households, not the division tree
    if persona == "volunteer" and model is AssistanceStatus:
        return ()  # nor the assistance their households receive (issue 8: minimum necessary)
    return INSIDE[persona]


def outside(persona: str, model) -> tuple[str, ...]:
    return tuple(a for a in ALL_AREAS if a not in inside(persona, model))


def route_object(route, area):
    """The object a UI route's URL names in an area (usually the view's model; see ROUTE_OBJECTS)."""
    if route.name in ROUTE_OBJECTS:
        return getattr(area, ROUTE_OBJECTS[route.name])
    return area.object_of(route.model)


def staff_only_answer(route, persona, method: str = "get") -> int | None:
    """What a volunteer gets from a staff-only page, whatever the object: 404 for a write URL, 403
    for a read (StaffOnlyMixin). The same for every id, so it confirms nothing."""
    if persona != "volunteer" or not issubclass(route.view, StaffOnlyMixin):
        return None
    return 404 if route.writes or method == "post" else 403


# ---------------------------------------------------------------------------------------------
# Valid POST data for each UI write route: if scoping were missing, the write would succeed.


def _no_data(area) -> dict:
    return {}


def _today() -> str:
    return dt.date.today().isoformat()


def _later() -> str:
    return (dt.date.today() + dt.timedelta(days=30)).isoformat()


POST_DATA = {
    "household-update": lambda area: {"community": area.household.community_id, "address": "被篡改的地址"},
    "household-archive": lambda area: {},
    "household-restore": lambda area: {},
    "person-create": lambda area: {"name": "王五", "relation": "spouse", "id_number": make_id_number()},
    "person-update": lambda area: {"name": "被篡改", "relation": area.person.relation, "id_number": ""},
    "person-status": lambda area: {"status": "archived"},
    "person-reveal": lambda area: {},
    "status-create": lambda area: {"kind": "temporary", "start_date": "2025-01-01"},
    "status-end": lambda area: {"end_date": _today()},
    # assistance (issue 11)
    "need-create": lambda area: {
        "domain": "care",
        "urgency": "normal",
        "source": "visit",
        "description": "矩阵",
    },
    "need-update": lambda area: {"domain": "care", "urgency": "urgent", "description": "被篡改"},
    "need-transition": lambda area: {"to": "in_progress", "note": "跟进"},
    "need-suggestion-accept": lambda area: {"domain": "living"},
    "recommendation-transition": lambda area: {"to": "offered", "note": ""},
    "plan-create": lambda area: {"summary": "", "goals": "目标", "review_on": _later()},
    "plan-update": lambda area: {"summary": "被篡改", "goals": "目标", "review_on": _later()},
    "plan-transition": lambda area: {"to": "submitted", "note": ""},
    "action-create": lambda area: {"description": "助洁", "owner_team": area.team.pk, "due_on": _later()},
    "action-finish": lambda area: {"done": "1", "note": "已完成"},
}
# Valid API bodies for write actions (PUT needs the whole object, so PATCH is the positive probe).
API_DATA = {
    ("household", "partial_update"): lambda area: {"address": "被篡改的地址"},
    ("household", "update"): lambda area: {"community": area.household.community_id, "address": "被篡改"},
    ("household", "archive"): lambda area: {},
    ("person", "partial_update"): lambda area: {"name": "被篡改"},
    ("person", "update"): lambda area: {
        "household": area.household.pk,
        "name": "被篡改",
        "relation": area.person.relation,
    },
    ("person", "reveal"): lambda area: {"field": "id_number"},
    ("status", "partial_update"): lambda area: {"end_date": _today()},
    ("status", "update"): lambda area: {"end_date": _today()},
    ("need", "partial_update"): lambda area: {"description": "被篡改"},
    ("need", "transition"): lambda area: {"to": "in_progress", "note": "跟进"},
    ("recommendation", "transition"): lambda area: {"to": "offered"},
    ("care-plan", "partial_update"): lambda area: {"summary": "被篡改"},
    ("care-plan", "transition"): lambda area: {"to": "submitted"},
    ("plan-action", "partial_update"): lambda area: {"description": "被篡改"},
    ("plan-action", "finish"): lambda area: {"done": True},
}


# ---------------------------------------------------------------------------------------------
# Route discovery


@dataclass(frozen=True)
class UiRoute:
    name: str
    route: str
    view: type
    object_kwarg: str | None  # the int URL argument naming the object
    other_kwargs: tuple[str, ...]
    methods: tuple[str, ...]
    writes: bool

    @property
    def model(self):
        return getattr(self.view, "model", None)

    def url(self, obj=None) -> str:
        path = self.route
        if self.object_kwarg:
            path = path.replace(f"<int:{self.object_kwarg}>", str(obj.pk))
        for kwarg in self.other_kwargs:
            path = re.sub(rf"<(\w+:)?{kwarg}>", str(STR_KWARGS[kwarg]), path)
        return "/" + path

    def __str__(self):
        return self.name


def _namespace(name: str):
    prefix, resolver = get_resolver().namespace_dict[name]
    return prefix, resolver.url_patterns


def _patterns():
    """(prefix, pattern) of every URL in the matrix's namespaces."""
    for name in NAMESPACES:
        prefix, patterns = _namespace(name)
        for pattern in patterns:
            yield prefix, pattern


def _ui_routes() -> list[UiRoute]:
    routes = []
    for prefix, pattern in _patterns():
        view = pattern.callback.view_class
        converters = pattern.pattern.converters
        ints = [k for k, conv in converters.items() if isinstance(conv, IntConverter)]
        writes = issubclass(view, WriterRequiredMixin) or getattr(view, "scope_action", VIEW) == CHANGE
        methods = tuple(m for m in ("get", "post") if m in view.http_method_names and hasattr(view, m))
        routes.append(
            UiRoute(
                name=pattern.name,
                route=prefix + str(pattern.pattern),
                view=view,
                object_kwarg=ints[0] if len(ints) == 1 else None,
                other_kwargs=tuple(k for k in converters if k not in ints),
                methods=methods,
                writes=writes,
            )
        )
    return routes


ALL_UI_ROUTES = _ui_routes()
UI_ROUTES = [r for r in ALL_UI_ROUTES if r.name not in ADMIN_ONLY_PAGES and r.model not in REFERENCE_MODELS]
UI_OBJECT_ROUTES = [r for r in UI_ROUTES if r.object_kwarg]
UI_LIST_ROUTES = [r for r in UI_ROUTES if issubclass(r.view, ObjectListView)]
UI_CREATE_ROUTES = [r for r in UI_ROUTES if not r.object_kwarg and issubclass(r.view, WriterRequiredMixin)]


@dataclass(frozen=True)
class ApiRoute:
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
        path = self.regex.lstrip("^").rstrip("$")
        path = re.sub(r"\(\?P<pk>[^)]*\)", str(pk), path)
        return "/api/" + path

    def __str__(self):
        return f"api:{self.name}"


def _api_routes() -> list[ApiRoute]:
    routes = []
    for api_router in ROUTERS:
        routes += _router_routes(api_router)
    return routes


def _router_routes(router) -> list[ApiRoute]:
    routes = []
    for pattern in router.urls:
        regex = pattern.pattern.regex.pattern
        viewset = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None)
        if not actions or "(?P<format>" in regex:
            continue  # the API root and the ".json" duplicates
        basename = next(b for prefix, vs, b in router.registry if vs is viewset)
        # Methods the viewset turns away (a 405 for every id) are not routes to probe.
        actions = {m: a for m, a in actions.items() if m in viewset.http_method_names}
        routes.append(ApiRoute(pattern.name, regex, viewset, actions, basename))
    return routes


API_ROUTES = _api_routes()
API_SCOPED_ROUTES = [r for r in API_ROUTES if r.basename not in UNSCOPED_API]
API_DETAIL_ROUTES = [r for r in API_SCOPED_ROUTES if r.detail]
API_LIST_ROUTES = [r for r in API_SCOPED_ROUTES if not r.detail]


# ---------------------------------------------------------------------------------------------
# Helpers


def snapshot() -> tuple[int, ...]:
    """Any write leaves a history row (or a reveal log row); equal snapshots mean nothing changed."""
    return tuple(model.history.count() for model in STAFF_ONLY_MODELS) + (
        Household.history.count(),
        Person.history.count(),
        AssistanceStatus.history.count(),
        RevealLog.objects.count(),
        Household.objects.count(),
        Person.objects.count(),
        AssistanceStatus.objects.count(),
    )


def _call(client, method: str, url: str, data=None, api=False):
    if method == "get":
        return client.get(url)
    if api:
        return getattr(client, method)(url, data or {}, content_type="application/json")
    return client.post(url, data or {})


@pytest.fixture
def persona_client(request, login, world):
    def make(name):
        user = request.getfixturevalue(name)
        return user, login(user)

    return make


# ---------------------------------------------------------------------------------------------
# UI: 404 outside the area, 200 inside, read-only roles cannot write


@pytest.mark.parametrize("persona", SCOPED)
@pytest.mark.parametrize("route", UI_OBJECT_ROUTES, ids=str)
def test_object_outside_area_is_404_on_every_page(route, persona, persona_client, world):
    _user, client = persona_client(persona)
    before = snapshot()
    results = {}
    for area_name in outside(persona, route.model):
        area = world[area_name]
        url = route.url(route_object(route, area))
        for method in route.methods:
            response = _call(client, method, url, POST_DATA.get(route.name, _no_data)(area))
            expected = staff_only_answer(route, persona, method) or 404
            results[(area_name, method)] = (response.status_code, expected)
    assert results, "every scoped persona has something outside its area"
    assert all(got == expected for got, expected in results.values()), results
    assert snapshot() == before


def _with_inside(routes, personas):
    """(route, persona) pairs where the persona has at least one object of the route's model."""
    return [pytest.param(r, p, id=f"{r}-{p}") for r in routes for p in personas if inside(p, r.model)]


@pytest.mark.parametrize(
    ("route", "persona"), _with_inside([r for r in UI_OBJECT_ROUTES if "get" in r.methods], PERSONAS)
)
def test_object_inside_area_opens(route, persona, persona_client, world):
    """Positive control: the URLs above are right, and a user reaches what is theirs."""
    _user, client = persona_client(persona)
    read_only = persona in READ_ONLY
    for area_name in inside(persona, route.model):
        response = client.get(route.url(route_object(route, world[area_name])))
        if route.writes and read_only:
            assert response.status_code == 404, (area_name, response.status_code)
        else:
            assert response.status_code == 200, (area_name, response.status_code)


@pytest.mark.parametrize(
    ("route", "persona"), _with_inside([r for r in UI_OBJECT_ROUTES if "post" in r.methods], READ_ONLY)
)
def test_read_only_role_cannot_post_inside_its_area(route, persona, persona_client, world):
    _user, client = persona_client(persona)
    before = snapshot()
    for area_name in inside(persona, route.model):
        area = world[area_name]
        response = client.post(route.url(route_object(route, area)), POST_DATA[route.name](area))
        # A write URL is a 404 (as outside the area); a reveal is a read the role may not make (403).
        expected = (404,) if route.writes else (403, 404)
        assert response.status_code in expected, (area_name, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize("persona", WRITERS)
@pytest.mark.parametrize("route", [r for r in UI_OBJECT_ROUTES if "post" in r.methods], ids=str)
def test_writer_can_post_inside_its_area(route, persona, persona_client, world):
    """Positive control for the POST data above: the same request works for the right user."""
    _user, client = persona_client(persona)
    area = world[inside(persona, route.model)[-1]]
    before = snapshot()
    response = client.post(route.url(route_object(route, area)), POST_DATA[route.name](area))
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert b"errorlist" not in response.content
    assert snapshot() != before


@pytest.mark.parametrize("persona", READ_ONLY)
@pytest.mark.parametrize("route", UI_CREATE_ROUTES, ids=str)
def test_read_only_role_cannot_open_or_post_create_pages(route, persona, persona_client, world):
    _user, client = persona_client(persona)
    before = snapshot()
    assert client.get(route.url()).status_code == 404  # the same answer as every write URL
    data = {"community": community("花苑社区").pk, "address": "新地址"}
    assert client.post(route.url(), data).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", UI_LIST_ROUTES, ids=str)
def test_list_pages_show_only_the_users_area(route, persona, persona_client, world):
    _user, client = persona_client(persona)
    model = route.view.model
    response = client.get(route.url(), {"per_page": 200})
    if staff_only_answer(route, persona):
        assert response.status_code == staff_only_answer(route, persona)
        return
    if persona == "volunteer" and response.status_code == 302:
        # A volunteer's list is their home page: their paired households as cards (issue 8).
        assert response["Location"] == "/"
        shown = _shown_on_volunteer_home(client, model)
    else:
        assert response.status_code == 200
        shown = {obj.pk for obj in response.context["object_list"]}
    for area_name in inside(persona, model):
        assert world[area_name].object_of(model).pk in shown, area_name
    for area_name in outside(persona, model):
        obj = world[area_name].object_of(model)
        if any(obj == world[a].object_of(model) for a in inside(persona, model)):
            continue  # the two 花苑 areas share their community
        assert obj.pk not in shown, area_name


def _shown_on_volunteer_home(client, model) -> set:
    households = client.get("/").context["households"]
    if model is Household:
        return {h.pk for h in households}
    if model is Person:
        return {m.pk for h in households for m in h.visit_members}
    return set()


def _cross_area_moves(world) -> dict[str, str]:
    """Give every household a distinctive head name, and move one member of each area's household
    into every other area's household, then edit them once more (by the system, no author).

    The later edit matters: history_entries() used to reuse the reader's variable for each
    entry's author, so every entry after the newest was scoped to its author (or to nobody)."""
    heads = {}
    for name, area in world.items():
        heads[name] = f"户主{name}"
        Person.objects.filter(pk=area.household.head.pk).update(name=heads[name])
    for source_name, source in world.items():
        for target_name, target in world.items():
            if target_name == source_name:
                continue
            mover = PersonFactory(household=source.household, relation="son", name="迁出成员")
            person_update(person=mover, user=None, data={}, household=target.household)
            person_update(person=mover, user=None, data={"name": "迁出成员二"})
    return heads


@pytest.mark.parametrize("persona", SCOPED)
def test_history_on_pages_names_nothing_outside_the_area(persona, persona_client, world):
    """The change history of a household or person inside the area (a member moved to, or from,
    another town) names no household outside the area, whoever made the later changes."""
    if not inside(persona, Household):
        pytest.skip("sees no household or person page (a liaison: their cases' needs only)")
    heads = _cross_area_moves(world)
    _user, client = persona_client(persona)
    routes = [
        r for r in UI_OBJECT_ROUTES if "get" in r.methods and not r.writes and r.model in (Household, Person)
    ]
    assert routes
    checked = 0
    for route in routes:
        for area_name in inside(persona, route.model):
            objects = [world[area_name].object_of(route.model)]
            if route.model is Person:
                objects += list(Person.objects.restrict(_user).filter(name="迁出成员二"))
            for obj in objects:
                page = client.get(route.url(obj)).content.decode()
                for outside_name in outside(persona, route.model):
                    assert heads[outside_name] not in page, (route.name, area_name, outside_name)
                checked += 1
    assert checked


# ---------------------------------------------------------------------------------------------
# API: 404 outside the area, 403 for read-only writes, no DELETE


def _missing_pk(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.mark.parametrize("persona", SCOPED)
@pytest.mark.parametrize("route", API_DETAIL_ROUTES, ids=str)
def test_object_outside_area_is_404_in_the_api(route, persona, persona_client, world):
    _user, client = persona_client(persona)
    before = snapshot()
    read_only = persona in READ_ONLY
    checked = 0
    for area_name in outside(persona, route.model):
        area = world[area_name]
        obj = area.object_of(route.model)
        for method, action in route.actions.items():
            data = API_DATA.get((route.basename, action), _no_data)(area)
            response = _call(client, method, route.url(obj.pk), data, api=True)
            missing = _call(client, method, route.url(_missing_pk(route.model)), data, api=True)
            checked += 1
            # Never confirm that the object exists: the answer equals the one for a missing id.
            assert response.status_code == missing.status_code, (area_name, method)
            if method == "delete":
                assert response.status_code in (403, 405), (area_name, method)
            elif persona == "volunteer" and issubclass(route.viewset, StaffOnlyApiMixin):
                assert response.status_code == 403, (area_name, method, response.status_code)  # staff only
            elif method in permissions.SAFE_METHODS or method == "get" or not read_only or action == "reveal":
                # reveal writes nothing but its log: read roles reach it too (a paired volunteer
                # reveals a phone), so outside the area it is the 404 of any read.
                assert response.status_code == 404, (area_name, method, response.status_code)
            else:
                assert response.status_code == 403, (area_name, method, response.status_code)
        assert route.model.objects.filter(pk=obj.pk).exists()
    assert checked
    assert snapshot() == before


@pytest.mark.parametrize(
    ("route", "persona"), _with_inside([r for r in API_DETAIL_ROUTES if "get" in r.actions], PERSONAS)
)
def test_object_inside_area_is_readable_in_the_api(route, persona, persona_client, world):
    _user, client = persona_client(persona)
    for area_name in inside(persona, route.model):
        obj = world[area_name].object_of(route.model)
        response = client.get(route.url(obj.pk))
        assert response.status_code == 200, area_name
        assert response.json()["id"] == obj.pk


def _write_actions(route):
    return {m: a for m, a in route.actions.items() if m not in ("get", "delete")}


@pytest.mark.parametrize("persona", READ_ONLY)
@pytest.mark.parametrize("route", [r for r in API_SCOPED_ROUTES if _write_actions(r)], ids=str)
def test_read_only_role_gets_403_on_api_writes(route, persona, persona_client, world):
    _user, client = persona_client(persona)
    before = snapshot()
    areas = inside(persona, route.model) or ALL_AREAS
    area = world[areas[0]]
    for method, action in _write_actions(route).items():
        if route.detail:
            url = route.url(area.object_of(route.model).pk)
            data = API_DATA.get((route.basename, action), _no_data)(area)
        else:
            url = route.url()
            data = {"household": area.household.pk, "name": "王五", "relation": "spouse"}
        response = _call(client, method, url, data, api=True)
        # A role that sees none of these rows may get the 404 of a missing object instead.
        expected = (403,) if inside(persona, route.model) else (403, 404)
        assert response.status_code in expected, (method, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize("persona", WRITERS)
@pytest.mark.parametrize(
    "route", [r for r in API_DETAIL_ROUTES if any(a != "update" for a in _write_actions(r).values())], ids=str
)
def test_writer_can_use_api_writes_inside_its_area(route, persona, persona_client, world):
    """Positive control for API_DATA: the requests refused above succeed for the right user."""
    _user, client = persona_client(persona)
    area = world[inside(persona, route.model)[-1]]
    for method, action in _write_actions(route).items():
        if action == "update":
            continue
        before = snapshot()
        data = API_DATA[(route.basename, action)](area)
        response = _call(client, method, route.url(area.object_of(route.model).pk), data, api=True)
        assert response.status_code == 200, (method, response.content)
        assert snapshot() != before


@pytest.mark.parametrize("route", [r for r in API_ROUTES if "delete" in r.actions], ids=str)
def test_api_has_no_delete(route, persona_client, world):
    _user, client = persona_client("admin_user")
    area = world["huayuan_paired"]
    if route.basename in UNSCOPED_API:
        obj = route.model.objects.first()
        assert obj is not None
    else:
        obj = area.object_of(route.model)
    response = client.delete(route.url(obj.pk))
    assert response.status_code == 405
    assert route.model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", [r for r in API_LIST_ROUTES if "get" in r.actions], ids=str)
def test_api_lists_show_only_the_users_area(route, persona, persona_client, world):
    _user, client = persona_client(persona)
    response = client.get(route.url(), {"page_size": 500})
    if persona == "volunteer" and issubclass(route.viewset, StaffOnlyApiMixin):
        assert response.status_code == 403  # needs, pushes and plans: staff only
        return
    assert response.status_code == 200
    shown = {row["id"] for row in response.json()["results"]}
    mine = {world[a].object_of(route.model).pk for a in inside(persona, route.model)}
    assert mine <= shown
    for area_name in outside(persona, route.model):
        obj = world[area_name].object_of(route.model)
        if obj.pk not in mine:
            assert obj.pk not in shown, area_name


def test_charlie_sees_the_same_chinese_404_as_for_a_record_that_does_not_exist(persona_client, world):
    """xiqu (西区) opening a 花苑 household learns nothing: not its head, not even that it exists."""
    _user, client = persona_client("xiqu")
    east = world["huayuan_paired"]
    url, missing_url = f"/households/{east.household.pk}/", f"/households/{_missing_pk(Household)}/"
    response, missing = client.get(url), client.get(missing_url)
    page = response.content.decode()
    assert response.status_code == missing.status_code == 404
    assert "找不到该页面或记录" in page
    assert "李小明" not in page and east.household.address not in page
    masked_csrf = re.compile(r'name="csrf(middleware)?-?token" (content|value)="[^"]+"')
    assert masked_csrf.sub("", page).replace(url, "") == masked_csrf.sub(
        "", missing.content.decode()
    ).replace(missing_url, "")


def test_api_filters_cannot_reach_outside_the_area(persona_client, world):
    _user, client = persona_client("xiqu")
    household = world["huayuan_paired"].household
    response = client.get("/api/persons/", {"household": household.pk})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_api_cannot_attach_records_to_objects_outside_the_area(persona_client, world):
    """Related-object choices go through the same restrict(): a 西区 worker cannot write into 东区."""
    _user, client = persona_client("xiqu")
    east = world["huayuan_paired"]
    before = snapshot()
    cases = [
        ("/api/households/", {"community": east.household.community_id, "address": "x"}, "community"),
        (
            "/api/persons/",
            {
                "household": east.household.pk,
                "name": "王五",
                "relation": "spouse",
                "id_number": make_id_number(),
            },
            "household",
        ),
        ("/api/statuses/", {"person": east.person.pk, "kind": "temporary"}, "person"),
    ]
    for url, data, field in cases:
        response = client.post(url, data, content_type="application/json")
        assert response.status_code == 400, url
        assert field in response.json(), url
    assert snapshot() == before


def test_ui_create_form_offers_only_communities_in_the_users_area(persona_client, world):
    _user, client = persona_client("xiqu")
    page = client.get("/households/new/")
    choices = {c.pk for c in page.context["form"].fields["community"].queryset}
    assert community("烟洲社区").pk in choices
    assert community("花苑社区").pk not in choices
    before = snapshot()
    response = client.post("/households/new/", {"community": community("花苑社区").pk, "address": "x"})
    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    assert snapshot() == before


# ---------------------------------------------------------------------------------------------
# Meta-tests: the matrix covers every URL, and cannot quietly become empty


def test_every_url_with_an_object_is_in_the_matrix():
    """A new households or assistance URL naming an object must be coverable by the matrix."""
    uncovered = []
    names = [pattern.name for _prefix, pattern in _patterns()]
    uncovered += [
        f"{n}: the same URL name twice in the matrix's namespaces" for n in set(names) if names.count(n) > 1
    ]
    for route in ALL_UI_ROUTES:
        ints = [k for k, c in route_converters(route).items() if isinstance(c, IntConverter)]
        if not ints:
            continue
        if route.name in ADMIN_ONLY_PAGES or route.model in REFERENCE_MODELS:
            continue  # tested below, not by area
        if route.object_kwarg is None:
            uncovered.append(f"{route.name}: more than one id in the URL ({ints}); extend UiRoute")
            continue
        if route.model not in OBJECT_MODELS:
            uncovered.append(f"{route.name}: the world fixture has no {route.model} object")
        if "post" in route.methods and route.name not in POST_DATA:
            uncovered.append(f"{route.name}: add valid sample data to POST_DATA")
        if not route.methods:
            uncovered.append(f"{route.name}: answers neither GET nor POST")
    for route in ALL_UI_ROUTES:
        for kwarg in route.other_kwargs:
            if kwarg not in STR_KWARGS:
                uncovered.append(f"{route.name}: no sample value for <{kwarg}>")
    assert not uncovered, "\n".join(uncovered)


def route_converters(route):
    return next(p.pattern.converters for _prefix, p in _patterns() if p.name == route.name)


def test_every_url_without_an_object_is_a_list_a_create_page_or_named():
    known = {r.name for r in UI_LIST_ROUTES + UI_CREATE_ROUTES} | set(ADMIN_ONLY_PAGES) | set(AREA_PAGES)
    reference_lists = {r.name for r in ALL_UI_ROUTES if r.model in REFERENCE_MODELS}
    for _prefix, pattern in _patterns():
        if not pattern.pattern.converters:
            assert pattern.name in known | reference_lists, (
                f"{pattern.name} is neither a scoped list nor a create page: add it to the matrix"
            )


def test_every_assistance_url_and_route_is_covered():
    """The meta-test of issue 11: each assistance URL is in one of the matrix's lists."""
    _prefix, patterns = _namespace("assistance")
    covered = {r.name for r in UI_ROUTES} | set(ADMIN_ONLY_PAGES) | set(AREA_PAGES)
    covered |= {r.name for r in ALL_UI_ROUTES if r.model in REFERENCE_MODELS}
    missing = [p.name for p in patterns if p.name not in covered]
    assert not missing, f"assistance URLs outside the scoping matrix: {missing}"
    api = {r.basename for r in API_ROUTES}
    assert {b for _p, _v, b in assistance_router.registry} <= api


def test_every_api_route_is_in_the_matrix():
    for route in API_ROUTES:
        if route.basename in UNSCOPED_API:
            continue
        assert route.model in OBJECT_MODELS, f"api:{route.name}: the world fixture has no {route.model}"
        for action in _write_actions(route).values():
            if route.detail:
                assert (route.basename, action) in API_DATA, f"api:{route.name} {action}: add API_DATA"


def test_matrix_is_not_empty():
    names = {r.name for r in UI_OBJECT_ROUTES}
    assert {"household-detail", "household-update", "person-detail", "person-reveal", "status-end"} <= names
    assert {
        "need-detail",
        "need-transition",
        "recommendation-detail",
        "plan-detail",
        "action-finish",
    } <= names
    assert {"need-list", "recommendation-list", "plan-list"} <= {r.name for r in UI_LIST_ROUTES}
    assert {"need-detail", "recommendation-transition", "care-plan-detail"} <= {
        r.name for r in API_DETAIL_ROUTES
    }
    assert {r.name for r in UI_LIST_ROUTES} >= {"household-list", "person-list", "division-list"}
    api = {r.name for r in API_DETAIL_ROUTES}
    assert {"household-detail", "person-detail", "person-reveal", "status-detail", "division-detail"} <= api
    assert set(SCOPED) == {"dongqu", "huayuan", "xiqu", "xiqu_viewer", "volunteer", "liaison", "secretariat"}


# ---------------------------------------------------------------------------------------------
# Excel export: every list URL of every app, as every persona (core/export.py)


def _all_routes(patterns=None, prefix="", namespace=""):
    """(url name with namespace, route, view class) for every class-based URL in the project."""
    from django.urls import URLPattern, URLResolver

    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _all_routes(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "view_class"):
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), pattern.callback.view_class


def _export_routes():
    from core.export import ExportMixin

    return [
        pytest.param(name, "/" + route, view, id=name)
        for name, route, view in _all_routes()
        if issubclass(view, ExportMixin) and view.export_columns is not None and not re.search(r"<", route)
    ]


EXPORT_ROUTES = _export_routes()
# How an exported row names its object, for the models the world fixture provides.
EXPORT_KEY = {Household: ("家庭编号", "pk"), Person: ("人员编号", "pk"), Division: ("区划代码", "code")}


def _exported(response):
    import io

    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return list(rows[0]), [list(r) for r in rows[1:]]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "url", "view"), EXPORT_ROUTES)
def test_export_has_exactly_the_rows_the_list_shows(
    name, url, view, persona, persona_client, world, settings, tmp_path
):
    """The export of a list holds the rows its page lists, for every persona: nothing from outside
    the area, and a list the persona may not open cannot be exported either."""
    from core.models import ExportLog

    settings.VAR_DIR = tmp_path  # the API keeps its export files there
    _user, client = persona_client(persona)
    response = client.post(url)
    api = client.post("/api/exports/", {"list": name}, content_type="application/json")
    page = client.get(url, {"per_page": 200})  # after: the export log lists the exports just made
    if persona == "volunteer":
        # A volunteer's lists are their home page (302) or not theirs at all: they never export.
        assert response.status_code in (302, 403, 404) and api.status_code in (403, 404), (
            "volunteers never export"
        )
        assert not ExportLog.objects.exists()
        return
    if page.status_code != 200:
        assert response.status_code == api.status_code == page.status_code, (
            page.status_code,
            response.status_code,
        )
        assert not ExportLog.objects.exists()
        return
    assert api.status_code == 201, api.content
    assert response.status_code == 200, response.status_code
    header, rows = _exported(response)
    paginator = page.context.get("paginator")
    shown = paginator.count if paginator else len(page.context["object_list"])
    if name == "core:export-list":
        shown -= 1  # the API export made after the page's own export
    assert len(rows) == shown
    assert api.json()["row_count"] == (len(rows) + 1 if name == "core:export-list" else len(rows))
    model = view.model
    if model not in EXPORT_KEY:
        return
    label, attr = EXPORT_KEY[model]
    keys = {row[header.index(label)] for row in rows}
    for area_name in inside(persona, model):
        assert getattr(world[area_name].object_of(model), attr) in keys, area_name
    mine = {getattr(world[a].object_of(model), attr) for a in inside(persona, model)}
    for area_name in outside(persona, model):
        key = getattr(world[area_name].object_of(model), attr)
        if key not in mine:
            assert key not in keys, area_name


def test_every_list_page_can_be_exported():
    """A new list on the generic list view joins the export (and this matrix) by declaring columns."""
    missing = [
        name
        for name, route, view in _all_routes()
        if issubclass(view, ObjectListView)
        and getattr(view, "export_columns", None) is None
        and getattr(view, "exportable", True)
    ]
    assert not missing, f"list views without export_columns: {missing}"
    names = {p.values[0] for p in EXPORT_ROUTES}
    assert {"households:household-list", "households:person-list", "assessments:task-list"} <= names


# ---------------------------------------------------------------------------------------------
# The joint meeting (issue 15): its roles in the households matrix above, and its own URLs.


def _joint_case(household, author, *, status, departments=(), task_for=None):
    """A case at a held meeting, made directly (the workflow is tested in tests/meetings)."""
    from meetings.models import Department, JointCase, Meeting, ResolutionTask

    meeting = Meeting.objects.create(
        title=f"联席会议{household.pk}", held_on=dt.date.today(), status="held", created_by=author
    )
    meeting.departments.set(Department.objects.filter(code__in=departments))
    seq = JointCase.objects.count() + 1
    case = JointCase.objects.create(
        household=household, year=2026, seq=seq, summary="案情", author=author, status=status, meeting=meeting
    )
    if task_for:
        ResolutionTask.objects.create(
            case=case,
            meeting=meeting,
            department=Department.objects.get(code=task_for),
            action="决议事项",
            deadline=dt.date.today(),
            created_by=author,
        )
    return case


def _case_role_user(username, role, department=None):
    from accounts.choices import Role
    from meetings.models import Department, Liaison
    from tests.factories import UserFactory

    user = UserFactory(username=username, role=getattr(Role, role))
    if department:
        Liaison.objects.create(user=user, department=Department.objects.get(code=department))
    return user


def make_liaison(world, dongqu):
    """The 人社 liaison: a task for 人社 on a 竹苑 case, nothing else."""
    _joint_case(world["zhuyuan"].household, dongqu, status="resolving", task_for="hr_social_security")
    return _case_role_user("renshe", "DEPARTMENT_LIAISON", "hr_social_security")


def make_secretariat(world, xiqu):
    """The city secretariat: an endorsed 烟洲 case; a 花苑 case still at the town is not theirs."""
    _joint_case(world["yanzhou"].household, xiqu, status="on_agenda")
    _joint_case(world["huayuan_other"].household, xiqu, status="submitted")
    return _case_role_user("mishu", "SECRETARIAT")


def make_zhujian(world):
    return _case_role_user("zhujian", "DEPARTMENT_LIAISON", "housing")


def make_joint_world(world, dongqu, mishu_user):
    """A 花苑 case resolving at a meeting of 人社 and 医保, with a 人社 task: one object per model."""
    from meetings.models import Department, JointCase, Meeting, ResolutionTask

    case = _joint_case(
        world["huayuan_paired"].household,
        dongqu,
        status="resolving",
        departments=("hr_social_security", "medical_insurance"),
        task_for="hr_social_security",
    )
    return {
        JointCase: case,
        Meeting: case.meeting,
        ResolutionTask: case.tasks.get(),
        Household: world["huayuan_paired"].household,
        Department: Department.objects.get(code="housing"),
    }


def make_mishu_user():
    return _case_role_user("mishu2", "SECRETARIAT")


# Who must not reach the 花苑 case, its meeting or its task (404; volunteers 403 on staff pages).
JOINT_OUTSIDERS = ("xiqu", "xiqu_viewer", "volunteer", "zhujian")
# Who reaches them (read pages 200).
JOINT_INSIDERS = ("admin_user", "manager", "dongqu", "huayuan", "liaison", "mishu_user")
# Valid data for every write URL: if scoping were missing, the write would succeed.
JOINT_POST_DATA = {
    "case-update": {"summary": "被篡改", "version": 1},
    "case-transition": {"to": "withdrawn", "note": "撤回"},
    "case-schedule": {},
    "case-unschedule": {},
    "task-create": {"department": 4, "action": "篡改", "deadline": "2099-01-01"},
    "case-create": {"summary": "篡改"},
    "meeting-update": {"title": "篡改", "held_on": "2026-01-01", "version": 1},
    "meeting-transition": {"to": "cancelled"},
    "task-report": {"status": "done", "text": "篡改", "version": 1},
}
JOINT_API_DATA = {
    "partial_update": {"summary": "篡改", "title": "篡改"},
    "transition": {"to": "withdrawn", "note": "撤回"},
    "schedule": {},
    "unschedule": {},
    "report": {"status": "done", "text": "篡改"},
}


def _joint_ui_routes():
    prefix, resolver = get_resolver().namespace_dict["meetings"]
    routes = []
    for pattern in resolver.url_patterns:
        view = pattern.callback.view_class
        ints = [k for k, conv in pattern.pattern.converters.items() if isinstance(conv, IntConverter)]
        methods = tuple(m for m in ("get", "post") if m in view.http_method_names and hasattr(view, m))
        routes.append(
            UiRoute(
                pattern.name,
                prefix + str(pattern.pattern),
                view,
                ints[0] if ints else None,
                (),
                methods,
                False,
            )
        )
    return routes


JOINT_UI_ROUTES = _joint_ui_routes()


def _joint_api_routes():
    from meetings.api.urls import router as joint_router

    routes = []
    for pattern in joint_router.urls:
        regex = pattern.pattern.regex.pattern
        viewset = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None)
        if not actions or "(?P<format>" in regex:
            continue
        basename = next(b for prefix, vs, b in joint_router.registry if vs is viewset)
        routes.append(ApiRoute(pattern.name, regex, viewset, dict(actions), basename))
    return routes


JOINT_API_ROUTES = _joint_api_routes()


def _joint_snapshot():
    from meetings.models import JointCase, Meeting, ProgressReport, ResolutionTask

    return (
        JointCase.history.count(),
        Meeting.history.count(),
        ResolutionTask.history.count(),
        ProgressReport.objects.count(),
        JointCase.objects.count(),
        Meeting.objects.count(),
    )


@pytest.mark.parametrize("persona", JOINT_OUTSIDERS)
@pytest.mark.parametrize("route", [r for r in JOINT_UI_ROUTES if r.object_kwarg], ids=str)
def test_joint_meeting_pages_are_404_outside(route, persona, persona_client, joint_world):
    _user, client = persona_client(persona)
    before = _joint_snapshot()
    url = route.url(joint_world[route.model])
    for method in route.methods:
        response = _call(client, method, url, JOINT_POST_DATA.get(route.name, {}))
        expected = (403, 404) if persona == "volunteer" else (404,)
        assert response.status_code in expected, (method, response.status_code)
    assert _joint_snapshot() == before


@pytest.mark.parametrize("persona", JOINT_INSIDERS)
@pytest.mark.parametrize(
    "route",
    [r for r in JOINT_UI_ROUTES if r.object_kwarg and "get" in r.methods and r.model is not Household],
    ids=str,
)
def test_joint_meeting_pages_open_inside(route, persona, persona_client, joint_world):
    """Positive control: read pages open for everyone the case belongs to; write pages are 200 or
    the 404 of a write the persona may not make, never a 500."""
    _user, client = persona_client(persona)
    response = client.get(route.url(joint_world[route.model]))
    if route.name in ("case-detail", "meeting-detail", "meeting-print", "task-detail"):
        assert response.status_code == 200
    else:
        assert response.status_code in (200, 404)


@pytest.mark.parametrize("persona", (*JOINT_OUTSIDERS, *JOINT_INSIDERS))
@pytest.mark.parametrize("route", [r for r in JOINT_UI_ROUTES if r.object_kwarg is None], ids=str)
def test_joint_meeting_lists_show_only_what_is_theirs(route, persona, persona_client, joint_world):
    _user, client = persona_client(persona)
    response = client.get(route.url(), {"per_page": 200})
    if persona == "volunteer":
        assert response.status_code in (403, 404)
        return
    if route.name == "meeting-create":
        assert response.status_code == (200 if persona in ("admin_user", "mishu_user") else 404)
        return
    assert response.status_code == 200
    if "object_list" not in response.context or route.model is None:
        return
    shown = {obj.pk for obj in response.context["object_list"]}
    obj = joint_world.get(route.model)
    if obj is None or route.name == "department-list":
        return
    assert (obj.pk in shown) == (persona in JOINT_INSIDERS), (persona, route.name)


@pytest.mark.parametrize("persona", JOINT_OUTSIDERS)
@pytest.mark.parametrize(
    "route", [r for r in JOINT_API_ROUTES if r.detail and r.model is not Department], ids=str
)  # departments are city-wide reference data (every staff user reads them)
def test_joint_meeting_api_is_404_outside(route, persona, persona_client, joint_world):
    _user, client = persona_client(persona)
    before = _joint_snapshot()
    obj = joint_world[route.model]
    for method, action in route.actions.items():
        data = JOINT_API_DATA.get(action, {})
        response = _call(client, method, route.url(obj.pk), data, api=True)
        missing = _call(client, method, route.url(_missing_pk(route.model)), data, api=True)
        assert response.status_code == missing.status_code, (method, action)
        if route.model is not Department:
            assert response.status_code in ((403,) if persona == "volunteer" else (404, 405)), (
                method,
                action,
            )
    assert _joint_snapshot() == before


@pytest.mark.parametrize("persona", (*JOINT_OUTSIDERS, *JOINT_INSIDERS))
@pytest.mark.parametrize(
    "route", [r for r in JOINT_API_ROUTES if not r.detail and "get" in r.actions], ids=str
)
def test_joint_meeting_api_lists_show_only_what_is_theirs(route, persona, persona_client, joint_world):
    _user, client = persona_client(persona)
    response = client.get(route.url(), {"page_size": 500})
    if persona == "volunteer":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    shown = {row["id"] for row in response.json()["results"]}
    if route.model is not Department:
        assert (joint_world[route.model].pk in shown) == (persona in JOINT_INSIDERS), persona


def test_every_joint_meeting_url_is_in_the_matrix(joint_world):
    names = {r.name for r in JOINT_UI_ROUTES}
    assert {"case-detail", "meeting-detail", "task-detail", "case-list", "task-report"} <= names
    for route in JOINT_UI_ROUTES:
        if route.object_kwarg:
            assert route.model in joint_world, f"{route.name}: no {route.model} in joint_world"
            if "post" in route.methods:
                assert route.name in JOINT_POST_DATA, f"{route.name}: add JOINT_POST_DATA"
    for route in JOINT_API_ROUTES:
        assert route.model in joint_world, route.name
        for action in _write_actions(route).values():
            if route.detail and action not in ("update",):
                assert action in JOINT_API_DATA, f"api:{route.name} {action}"


# --- h-employ: the employment app's URLs and API routes, on the same world and personas ---
from tests.employment.scoping_matrix import *  # noqa: E402, F403

# Dashboards (issue 14): every dashboard, report and /api/stats route, as every persona


DASHBOARD_URLS = {
    "dashboards:division": "/dashboard/{pk}/",
    "dashboards:report": "/dashboard/{pk}/report/?month=2026-01",
    "dashboards:report-excel": "/dashboard/{pk}/report/excel/?month=2026-01",
    "api-stats-division": "/api/stats/{pk}/",
    "api-stats-report": "/api/stats/{pk}/report/?month=2026-01",
}
DASHBOARD_OWN_URLS = {
    "dashboards:home": "/dashboard/",
    "dashboards:my-report": "/dashboard/report/?month=2026-01",
    "api-stats": "/api/stats/",
    "api-stats-my-report": "/api/stats/report/?month=2026-01",
}


def _areas_divisions(world, names) -> set:
    divisions = set()
    for name in names:
        community_ = world[name].division
        divisions |= {community_, community_.parent}
    return divisions


@pytest.mark.parametrize("persona", SCOPED)
@pytest.mark.parametrize("name", DASHBOARD_URLS)
def test_dashboard_of_another_area_is_404(name, persona, persona_client, world):
    _user, client = persona_client(persona)
    no_area = persona == "volunteer" or persona in CASE_PERSONAS
    mine = set() if no_area else _areas_divisions(world, INSIDE[persona])
    if persona == "huayuan":
        mine = {world["huayuan_paired"].division}  # a community worker does not see their town
    others = _areas_divisions(world, ALL_AREAS) - mine
    assert others
    for division in others:
        response = client.get(DASHBOARD_URLS[name].format(pk=division.pk))
        assert response.status_code == 404, (division.name, response.status_code)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "volunteer" and p not in CASE_PERSONAS])
@pytest.mark.parametrize("name", DASHBOARD_URLS)
def test_dashboard_of_the_users_area_opens(name, persona, persona_client, world):
    _user, client = persona_client(persona)
    mine = {world[a].division for a in INSIDE[persona]}
    for division in mine:
        response = client.get(DASHBOARD_URLS[name].format(pk=division.pk))
        assert response.status_code == 200, (division.name, response.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", DASHBOARD_OWN_URLS)
def test_own_dashboard_opens_for_staff_and_not_for_volunteers(name, persona, persona_client, world):
    _user, client = persona_client(persona)
    response = client.get(DASHBOARD_OWN_URLS[name])
    # Volunteers and the joint meeting's case roles see households one by one, not an area.
    no_area = persona == "volunteer" or persona in CASE_PERSONAS
    assert response.status_code == (404 if no_area else 200)


def test_every_dashboard_url_is_in_the_matrix():
    from dashboards.api.urls import urlpatterns as api_patterns
    from dashboards.urls import urlpatterns

    names = {f"dashboards:{p.name}" for p in urlpatterns} | {p.name for p in api_patterns}
    assert names == set(DASHBOARD_URLS) | set(DASHBOARD_OWN_URLS)


# Pages outside the area matrix: admin-only pages, city-wide reference data, the uptake funnel


def _admin_only_url(name, world) -> str:
    route = next(r for r in ALL_UI_ROUTES if r.name == name)
    if route.object_kwarg is None:
        return route.url()
    obj = {
        CatalogItem: CatalogItem.objects.first,
        Provider: Provider.objects.first,
        CatalogImport: lambda: CatalogImport.objects.create(
            kind="items", status="checked", file_name="x.xlsx", created_by=world["yanzhou"].plan.author
        ),
    }[route.model]()
    return route.url(obj)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "admin_user"])
@pytest.mark.parametrize("name", sorted(ADMIN_ONLY_PAGES))
def test_admin_only_pages_are_404_for_everyone_else(name, persona, persona_client, world):
    _user, client = persona_client(persona)
    url = _admin_only_url(name, world)
    before = (
        snapshot(),
        CatalogItem.history.count(),
        Provider.history.count(),
        CatalogImport.objects.count(),
    )
    for method in ("get", "post"):
        assert _call(client, method, url).status_code == 404, (method, url)
    after = (snapshot(), CatalogItem.history.count(), Provider.history.count(), CatalogImport.objects.count())
    assert after == before


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY_PAGES))
def test_admin_only_pages_open_for_the_city_admin(name, persona_client, world):
    _user, client = persona_client("admin_user")
    url = _admin_only_url(name, world)
    response = client.get(url) if name != "catalog-import-confirm" else client.post(url)
    assert response.status_code in (200, 302), (url, response.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
def test_reference_pages_are_read_by_staff_and_written_by_admins_only(persona, persona_client, world):
    _user, client = persona_client(persona)
    for route in (r for r in ALL_UI_ROUTES if r.model in REFERENCE_MODELS and r.name not in ADMIN_ONLY_PAGES):
        obj = route.model.objects.first()
        response = client.get(route.url(obj) if route.object_kwarg else route.url())
        assert response.status_code == (403 if persona == "volunteer" else 200), (route.name, persona)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "volunteer" and p not in CASE_PERSONAS])
def test_uptake_counts_only_the_users_area(persona, persona_client, world):
    """推送办理成效 counts the recommendations of the user's area alone."""
    _user, client = persona_client(persona)
    response = client.get("/push/uptake/")
    assert response.status_code == 200
    pushed = sum(row["total"] for row in response.context["by_item"])
    assert pushed == len(inside(persona, Recommendation))


def test_volunteer_sees_no_uptake(persona_client, world):
    _user, client = persona_client("volunteer")
    assert client.get("/push/uptake/").status_code == 403


@pytest.mark.parametrize("persona", CASE_PERSONAS)
def test_case_roles_get_404_for_the_uptake_page(persona, persona_client, world):
    """The secretariat and liaisons see their cases, not an area's push figures (minimum necessary)."""
    _user, client = persona_client(persona)
    assert client.get("/push/uptake/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Tasks (issue 13): scoped by their own town and community, the copies of their household's.

# What each persona sees of a task about each area's household, and of 花苑's baseline review (a
# task about a community, not a household). Volunteers see no staff task; the secretariat the
# records of its cases' households (烟洲); a liaison only the rows its department's cases concern.
TASKS_INSIDE = {
    **{p: (*INSIDE[p], "baseline") for p in ("admin_user", "manager", "dongqu", "huayuan")},
    "xiqu": ("yanzhou",),
    "xiqu_viewer": ("yanzhou",),
    "volunteer": (),
    "liaison": (),
    "secretariat": INSIDE["secretariat"],
}


def _tasks_of(world) -> dict:
    from core.models import Task

    due = dt.date.today() + dt.timedelta(days=7)
    tasks = {
        name: Task.objects.create(
            kind="screening_gained",
            title=f"核实{name}",
            household=area.household,
            person=area.person,
            due_date=due,
        )
        for name, area in world.items()
    }
    huayuan_community = community("花苑社区")
    tasks["baseline"] = Task.objects.create(
        kind="baseline",
        title="基线核实",
        town_id=huayuan_community.parent_id,
        community=huayuan_community,
        due_date=due,
    )
    return tasks


@pytest.mark.parametrize("persona", PERSONAS)
def test_tasks_are_scoped_by_their_own_area(persona, request, world):
    from core.models import Task

    tasks = _tasks_of(world)
    user = request.getfixturevalue(persona)
    seen = set(Task.objects.restrict(user).values_list("pk", flat=True))
    assert seen == {tasks[name].pk for name in TASKS_INSIDE[persona]}
    writable = set(Task.objects.restrict(user, CHANGE).values_list("pk", flat=True))
    assert writable == (set() if persona in READ_ONLY else seen)


@pytest.mark.parametrize("persona", ["dongqu", "huayuan", "xiqu"])
def test_a_task_assigned_from_another_area_is_seen_by_its_assignee_alone(persona, request, world):
    """Beyond the area: a task assigned to the user (restrict's also_visible) and nobody else there."""
    from core.models import Task

    tasks = _tasks_of(world)
    user = request.getfixturevalue(persona)
    outside = next(name for name in ALL_AREAS if name not in TASKS_INSIDE[persona])
    Task.objects.filter(pk=tasks[outside].pk).update(assignee=user)
    assert Task.objects.restrict(user).filter(pk=tasks[outside].pk).exists()
    assert tasks[outside] in Task.objects.worklist(user)
    other = next(
        p for p in ("huayuan", "xiqu", "xiqu_viewer") if p != persona and outside not in TASKS_INSIDE[p]
    )
    assert not Task.objects.restrict(request.getfixturevalue(other)).filter(pk=tasks[outside].pk).exists()


@pytest.mark.parametrize("persona", SCOPED)
def test_task_pages_of_another_area_are_404(persona, persona_client, world):
    tasks = _tasks_of(world)
    user, client = persona_client(persona)
    for name in ALL_AREAS:
        if name in TASKS_INSIDE[persona] or persona == "volunteer":
            continue
        for url in (f"/tasks/{tasks[name].pk}/", f"/api/tasks/{tasks[name].pk}/"):
            assert client.get(url).status_code == 404, (persona, name, url)


# ---------------------------------------------------------------------------------------------
# One world for the whole module, as TestCase.setUpTestData gives a class: the personas, the four
# areas, the joint-meeting cases and the employment records are built once, in a transaction
# rolled back when the module ends; every test runs in a savepoint on top of it (the ``db``
# fixture's) and gets its own copies of the objects. Building them per test was three quarters
# of the matrix's time.

SHARED = (
    "admin_user",
    "manager",
    "dongqu",
    "huayuan",
    "xiqu",
    "xiqu_viewer",
    "household",
    "volunteer",
    "world",
    "mishu_user",
    "liaison",
    "secretariat",
    "zhujian",
    "joint_world",
    "eworld",
)


def _build_shared() -> dict:
    from tests.conftest import PERSONA_MAKERS, make_household, make_volunteer
    from tests.core.conftest import make_world, make_xiqu_viewer
    from tests.employment.scoping_matrix import make_eworld
    from tests.factories import recount_once

    with recount_once():
        built = {name: make() for name, make in PERSONA_MAKERS.items()}
        built["household"] = make_household()
        built["volunteer"] = make_volunteer(built["household"])
        built["xiqu_viewer"] = make_xiqu_viewer()
        world = built["world"] = make_world(built["household"])
        built["mishu_user"] = make_mishu_user()
        built["liaison"] = make_liaison(world, built["dongqu"])
        built["secretariat"] = make_secretariat(world, built["xiqu"])
        built["zhujian"] = make_zhujian(world)
        built["joint_world"] = make_joint_world(world, built["dongqu"], built["mishu_user"])
        built["eworld"] = make_eworld(world, built["admin_user"])
    assert set(built) == set(SHARED)
    return built


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        atomic._from_testcase = True  # a durable block inside a test nests as in a TestCase
        try:
            yield _build_shared()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _shared_fixture(name: str):
    @pytest.fixture(name=name)
    def fixture(shared, db):
        return copy.deepcopy(shared[name])

    return fixture


for _name in SHARED:
    globals()[f"_shared_{_name}"] = _shared_fixture(_name)
