"""Pages and API: lists with filters, the person page, task queue, vagrants, area scoping."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services
from assessments.models import Alert, GroupDecision, VagrantRecord
from core import idnumber
from core.models import Task
from tests.factories import community

from .conftest import groups_of, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def screened(already_screened, rescreen, huayuan):
    """花苑 (东区): an 82-year-old living alone and a low-income child, screened; one alert."""
    elder = make_person(age=82, living_arrangement="alone")
    child = make_person(age=9, low_income=True)
    rescreen()
    alert = services.alert_create(person=elder, kind="medical_bill", user=huayuan, rescreen=False)
    vagrant = services.vagrant_create(
        user=huayuan,
        data={
            "source": "outreach",
            "found_on": dt.date(2026, 11, 1),
            "found_place": "东区兴中道天桥",
            "community": community("花苑社区"),
            "begging": True,
        },
    )
    return {"elder": elder, "child": child, "alert": alert, "vagrant": vagrant}


def scoped_urls(s):
    decision = GroupDecision.objects.get(person=s["elder"])
    task = Task.objects.filter(person=s["elder"]).first()
    alert, vagrant = s["alert"], s["vagrant"]
    return [
        f"/groups/decisions/{decision.pk}/",
        f"/groups/decisions/{decision.pk}/review/",
        f"/tasks/{task.pk}/",
        f"/tasks/{task.pk}/complete/",
        f"/warnings/{alert.pk}/",
        f"/warnings/{alert.pk}/verify/",
        f"/warnings/{alert.pk}/handle/",
        f"/vagrants/{vagrant.pk}/",
        f"/vagrants/{vagrant.pk}/edit/",
        f"/api/group-decisions/{decision.pk}/",
        f"/api/tasks/{task.pk}/",
        f"/api/alerts/{alert.pk}/",
        f"/api/vagrants/{vagrant.pk}/",
    ]


def test_other_town_gets_404_everywhere(screened, xiqu, login):
    client = login(xiqu)
    for url in scoped_urls(screened):
        assert client.get(url).status_code == 404, url


def test_own_area_sees_every_page(screened, huayuan, dongqu, login):
    for user in (huayuan, dongqu):
        client = login(user)
        for url in scoped_urls(screened):
            assert client.get(url).status_code == 200, (user, url)


def test_volunteer_is_kept_out(screened, volunteer, login):
    client = login(volunteer)
    for url in ["/groups/", "/tasks/", "/warnings/", "/vagrants/", "/api/group-decisions/", "/api/tasks/"]:
        assert client.get(url).status_code == 403, url
    home = client.get("/").content.decode()
    assert 'href="/groups/"' not in home and 'href="/tasks/"' not in home


def test_nav_links_for_staff(screened, huayuan, login):
    page = login(huayuan).get("/").content.decode()
    for label, url in [
        ("分类对象", "/groups/"),
        ("我的待办", "/tasks/"),
        ("监测预警", "/warnings/"),
        ("流浪乞讨", "/vagrants/"),
    ]:
        assert f'href="{url}"' in page and label in page


def test_person_page_explains_each_group(screened, huayuan, manager, login):
    url = f"/persons/{screened['elder'].pk}/"
    page = login(huayuan).get(url).content.decode()
    assert "特殊困难老年人" in page and "年龄 82 岁 ≥ 80，独居" in page and "高风险" in page
    assert "?verdict=reject" in page
    read_only = login(manager).get(url).content.decode()
    assert "年龄 82 岁 ≥ 80，独居" in read_only and "?verdict=reject" not in read_only


def test_group_list_filters(screened, huayuan, login):
    client = login(huayuan)
    page = client.get("/groups/?group=elderly").content.decode()
    assert screened["elder"].name in page and screened["child"].name not in page
    page = client.get("/groups/?tier=high_risk").content.decode()
    assert screened["elder"].name in page
    api = client.get("/api/group-decisions/?group=child&active=true").json()
    assert [d["person"] for d in api["results"]] == [screened["child"].pk]
    assert api["results"][0]["explanation"].startswith("年龄 9 岁 < 18")


def test_person_api_lists_current_groups_without_n_plus_one(screened, huayuan, login):
    client = login(huayuan)
    record = client.get(f"/api/persons/{screened['elder'].pk}/").json()
    assert record["groups"] == ["elderly"]

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/persons/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for _ in range(5):
        make_person(age=85, living_arrangement="alone")
    services.screening.rescreen(everyone=True)
    assert count() == before


def test_task_queue_overdue_first_and_completion(screened, huayuan, login):
    client = login(huayuan)
    tasks = list(Task.objects.filter(assignee=huayuan, high_risk=False))
    assert len(tasks) >= 1
    late = tasks[-1]
    Task.objects.filter(pk=late.pk).update(due_date=dt.date(2020, 1, 1))
    normal = Task.objects.create(
        kind="alert_verify",
        title="普通事项",
        household=screened["elder"].household,
        assignee=huayuan,
        due_date=dt.date(2026, 1, 1),
    )
    urgent = Task.objects.create(
        kind="screening_tier",
        title="高风险事项",
        household=screened["elder"].household,
        assignee=huayuan,
        due_date=dt.date(2030, 1, 1),
        high_risk=True,
    )
    page = client.get("/tasks/").content.decode()
    # Priority: high risk first (even when due later), then overdue, then the due date.
    assert page.index(urgent.title) < page.index(late.title) < page.index(normal.title)
    assert "逾期" in page
    assert client.post(f"/tasks/{late.pk}/complete/", {"note": ""}).status_code == 200  # note required
    assert client.post(f"/tasks/{late.pk}/complete/", {"note": "已电话联系"}).status_code == 302
    late.refresh_from_db()
    assert late.status == "done" and late.completion_note == "已电话联系" and late.completed_by == huayuan
    assert late.title not in client.get("/tasks/").content.decode()  # open tasks only by default


def test_task_api_complete(screened, huayuan, login):
    client = login(huayuan)
    mine = client.get("/api/tasks/").json()["results"]
    assert mine and all(t["assignee"] == huayuan.pk for t in mine)
    response = client.post(
        f"/api/tasks/{mine[0]['id']}/complete/", {"note": "已探访"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "done"


def test_alert_api_lifecycle(screened, huayuan, login):
    client = login(huayuan)
    created = client.post(
        "/api/alerts/", {"person": screened["child"].pk, "kind": "dropout"}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    verified = client.post(
        f"/api/alerts/{pk}/verify/",
        {"method": "phone", "confirmed": True, "note": "学校确认"},
        content_type="application/json",
    )
    assert verified.json()["status"] == "verified"
    handled = client.post(
        f"/api/alerts/{pk}/handle/", {"outcome": "closed", "note": ""}, content_type="application/json"
    )
    assert handled.status_code == 400
    assert Alert.objects.get(pk=pk).status == "verified"


def test_vagrant_intake_links_roster_person(huayuan, login, django_capture_on_commit_callbacks):
    person = make_person(age=50)
    client = login(huayuan)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_intake(client, person)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = VagrantRecord.objects.get()
    assert record.person == person and record.town.name == "东区街道" and record.is_eligible
    assert set(groups_of(person)) == {"vagrant"}
    assert "中山市救助管理站" in client.get("/vagrants/").content.decode()
    data = {
        "source": "relief_station",
        "found_on": "2026-11-20",
        "found_place": "中山市救助管理站",
        "community": community("花苑社区").pk,
        "tracing_status": "found",
        "outcome": "returned",
        "destination": "",
    }
    edit = client.post(f"/vagrants/{record.pk}/edit/", data)
    assert edit.status_code == 200 and "返乡或安置须填写去向" in edit.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/vagrants/{record.pk}/edit/", {**data, "destination": "广西桂林"})
    record.refresh_from_db()
    assert record.status == "closed"
    assert groups_of(person) == {}


def _post_intake(client, person):
    return client.post(
        "/vagrants/new/",
        {
            "source": "relief_station",
            "id_number": idnumber.decrypt(person.id_encrypted),
            "found_on": "2026-11-20",
            "found_place": "中山市救助管理站",
            "community": community("花苑社区").pk,
            "cannot_afford": "on",
            "no_relatives": "on",
            "not_on_assistance": "on",
            "begging": "on",
            "tracing_status": "tracing",
            "outcome": "in_station",
        },
    )


@pytest.mark.parametrize(
    "url", ["/groups/", "/tasks/?queue=all", "/warnings/", "/vagrants/", "/groups/overrides/"]
)
def test_list_pages_do_not_query_per_row(screened, huayuan, login, url):
    client = login(huayuan)
    services.override_record(
        person=screened["child"], group="child", verdict="confirm", reason="核实", user=huayuan
    )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for _ in range(4):
        person = make_person(age=83, living_arrangement="alone")
        services.alert_create(person=person, kind="disaster", user=huayuan, rescreen=False)
        services.vagrant_create(
            user=huayuan,
            data={
                "source": "outreach",
                "found_on": dt.date(2026, 11, 2),
                "found_place": "岐江桥",
                "community": community("花苑社区"),
            },
        )
    services.screening.rescreen(everyone=True)
    decision = GroupDecision.objects.filter(active=True).first()
    services.override_record(
        person=decision.person, group=decision.group, verdict="confirm", reason="核实", user=huayuan
    )
    assert count() == before


def test_volunteer_person_page_has_no_groups_panel(volunteer, household, login, rescreen):
    page = login(volunteer).get(f"/persons/{household.members.get().pk}/")
    assert page.status_code == 200
    assert "分类认定" not in page.content.decode()


# Scoping inside one town: 竹苑社区 is in 东区 like 花苑社区, and may not see or change 花苑's records.


@pytest.fixture
def zhuyuan(db):
    from accounts.choices import Role
    from tests.factories import UserFactory

    return UserFactory(username="zhuyuan", role=Role.COMMUNITY_WORKER, division=community("竹苑社区"))


def _writes(s):
    decision = GroupDecision.objects.get(person=s["elder"])
    task = Task.objects.filter(person=s["elder"], status="open").first()
    other_task = Task.objects.filter(person=s["child"], status="open").first()
    alert, vagrant = s["alert"], s["vagrant"]
    vagrant_data = {
        "source": "outreach",
        "found_on": "2026-11-01",
        "found_place": "被改写",
        "community": community("竹苑社区").pk,
        "tracing_status": "not_started",
        "outcome": "in_station",
    }
    return [
        ("post", f"/groups/decisions/{decision.pk}/review/", {"verdict": "reject", "reason": "越权"}),
        ("post", f"/tasks/{task.pk}/complete/", {"note": "越权办结"}),
        ("post", f"/warnings/{alert.pk}/verify/", {"method": "visit", "confirmed": "1", "note": "越权"}),
        ("post", f"/vagrants/{vagrant.pk}/edit/", vagrant_data),
        ("api-post", f"/api/tasks/{other_task.pk}/complete/", {"note": "越权办结"}),
        ("api-post", f"/api/alerts/{alert.pk}/handle/", {"outcome": "closed", "note": "越权关闭"}),
        ("api-patch", f"/api/vagrants/{vagrant.pk}/", {"found_place": "被改写"}),
    ]


def _send(client, method, url, data):
    if method == "post":
        return client.post(url, data)
    verb = method.split("-")[1]
    return getattr(client, verb)(url, data, content_type="application/json")


def _state():
    return (
        Task.objects.filter(status="open").count(),
        Alert.history.count(),
        VagrantRecord.history.count(),
        _override_count(),
    )


def _override_count():
    from assessments.models import Override

    return Override.objects.count()


def test_another_community_of_the_same_town_gets_404_on_every_page_and_write(screened, zhuyuan, login):
    client = login(zhuyuan)
    for url in scoped_urls(screened):
        assert client.get(url).status_code == 404, url
    before = _state()
    for method, url, data in _writes(screened):
        assert _send(client, method, url, data).status_code == 404, url
    override = client.post(
        "/api/overrides/",
        {"person": screened["elder"].pk, "group": "elderly", "verdict": "reject", "reason": "越权"},
        content_type="application/json",
    )
    assert override.status_code == 400 and "person" in override.json()
    assert _state() == before
    assert (
        screened["vagrant"].__class__.objects.get(pk=screened["vagrant"].pk).found_place == "东区兴中道天桥"
    )


def test_the_same_writes_succeed_for_the_community_worker(screened, huayuan, login):
    """Positive control for the writes above."""
    client = login(huayuan)
    for method, url, data in _writes(screened):
        before = _state()
        if "vagrants" in url and method == "post":
            data = {**data, "community": community("花苑社区").pk}
        response = _send(client, method, url, data)
        assert response.status_code in (200, 302), (url, response.status_code)
        if response.status_code == 200 and method == "post":
            assert b"errorlist" not in response.content, url
        assert _state() != before, url
