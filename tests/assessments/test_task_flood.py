"""The task flood (issue 8): the first screening is a baseline with one review item per community;
the task page has totals, priority order and bulk actions; supervision per area and worker; city-wide
roles see tasks (issue 9 item 7). Runs on SQLite and PostgreSQL (DATABASE_URL)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from assessments import screening
from assessments.choices import TaskKind
from assessments.models import GroupDecision, Override
from core.models import Task
from tests.factories import HouseholdFactory, UserFactory, community, town

from .conftest import ON, make_person

pytestmark = pytest.mark.django_db


def _elders(n, name="花苑社区"):
    household = HouseholdFactory(community=community(name))
    return [make_person(age=70 + i, living_arrangement="alone", household=household) for i in range(n)]


@pytest.fixture
def baseline(huayuan, dongqu):
    """A registry screened for the first time: three elders in 花苑, two in 桃苑 (both 东区), one in 烟洲."""
    people = _elders(3) + _elders(2, "桃苑社区") + _elders(1, "烟洲社区")
    result = screening.rescreen(everyone=True, on=ON)
    return people, result


def test_first_sweep_places_people_without_a_task_each(baseline, huayuan, dongqu):
    people, result = baseline
    assert GroupDecision.objects.filter(active=True, group="elderly").count() == 6
    assert not Task.objects.exclude(kind=TaskKind.BASELINE).exists()
    reviews = {t.community.name: t for t in Task.objects.filter(kind=TaskKind.BASELINE)}
    assert set(reviews) == {"花苑社区", "桃苑社区", "烟洲社区"}
    assert reviews["花苑社区"].title == "本社区新纳入分类对象 3 人，请核实"
    assert reviews["花苑社区"].assignee == huayuan
    assert reviews["桃苑社区"].assignee == dongqu  # no community worker there: the town's
    assert reviews["烟洲社区"].assignee is None
    assert reviews["花苑社区"].history.filter(history_type="+").count() == 1
    assert result.tasks == 3


def test_later_changes_keep_their_own_tasks(baseline, huayuan):
    newcomer = _elders(1)[0]
    screening.rescreen(everyone=True, on=ON)
    assert Task.objects.filter(person=newcomer, kind=TaskKind.GAINED).count() == 1
    assert Task.objects.filter(kind=TaskKind.BASELINE).count() == 3  # no second review


def test_first_import_into_an_empty_registry_is_a_baseline(huayuan):
    """No sweep yet, nobody screened: the import's household re-screen is the baseline."""
    people = _elders(4)
    screening.rescreen(household_ids={p.household_id for p in people}, on=ON)
    assert not Task.objects.exclude(kind=TaskKind.BASELINE).exists()
    assert Task.objects.get(kind=TaskKind.BASELINE).title == "本社区新纳入分类对象 4 人，请核实"


def test_town_worker_and_manager_see_the_review_item_other_town_does_not(baseline, dongqu, manager, xiqu):
    review = Task.objects.get(kind=TaskKind.BASELINE, community=community("花苑社区"))
    assert Task.objects.restrict(dongqu).filter(pk=review.pk).exists()
    assert Task.objects.restrict(manager).filter(pk=review.pk).exists()
    assert not Task.objects.restrict(xiqu).filter(pk=review.pk).exists()


def test_city_wide_roles_see_every_task(baseline, admin_user, manager, login):
    """Issue 9 item 7: ``Q() | Q(assignee=user)`` collapsed to ``Q(assignee=user)``."""
    total = Task.objects.count()
    assert Task.objects.restrict(admin_user).count() == total
    assert Task.objects.restrict(manager).count() == total
    task = Task.objects.filter(assignee__isnull=False).first()
    for user in (admin_user, manager):
        client = login(user)
        assert client.get(f"/tasks/{task.pk}/").status_code == 200
        page = client.get("/tasks/?queue=all").content.decode()
        assert task.title in page
        assert task.title in client.get("/tasks/").content.decode()  # their default is the whole area
    assert login(manager).get(f"/tasks/{task.pk}/complete/").status_code == 404  # read-only


def test_worker_bulk_confirms_a_baseline_review(baseline, huayuan, login):
    review = Task.objects.get(kind=TaskKind.BASELINE, community=community("花苑社区"))
    client = login(huayuan)
    page = client.get(f"/tasks/{review.pk}/review/").content.decode()
    ids = list(
        GroupDecision.objects.filter(person__household__community=community("花苑社区")).values_list(
            "pk", flat=True
        )
    )
    assert len(ids) == 3 and all(f'value="{i}"' in page for i in ids)
    response = client.post(f"/tasks/{review.pk}/review/confirm/", {"ids": ids[:2]})
    assert response.status_code == 302
    assert Override.objects.filter(active=True, verdict="confirm").count() == 2
    review.refresh_from_db()
    assert review.status == "open"  # one left
    client.post(f"/tasks/{review.pk}/review/confirm/", {"ids": ids[2:]})
    review.refresh_from_db()
    assert review.status == "done" and review.completed_by == huayuan
    # The confirmations hold: a re-screen with unchanged facts asks nothing again.
    assert screening.rescreen(everyone=True, on=ON, full=True).reviews == 0
    assert Override.objects.filter(active=True).count() == 3


def test_baseline_confirm_refuses_people_outside_the_review(baseline, huayuan, login):
    review = Task.objects.get(kind=TaskKind.BASELINE, community=community("花苑社区"))
    mine = GroupDecision.objects.filter(person__household__community=community("花苑社区")).first()
    other = GroupDecision.objects.filter(person__household__community=community("烟洲社区")).first()
    response = login(huayuan).post(f"/tasks/{review.pk}/review/confirm/", {"ids": [mine.pk, other.pk]})
    assert response.status_code == 404
    assert not Override.objects.exists()


def test_bulk_close_needs_a_reason_and_refuses_tasks_outside_the_area(baseline, huayuan, xiqu, login):
    newcomers = _elders(2)
    screening.rescreen(everyone=True, on=ON)
    mine = list(Task.objects.filter(person__in=newcomers).values_list("pk", flat=True))
    west = Task.objects.get(kind=TaskKind.BASELINE, community=community("烟洲社区"))
    client = login(huayuan)
    client.post("/tasks/bulk/", {"ids": mine, "action": "close", "reason": ""})
    assert Task.objects.filter(pk__in=mine, status="open").count() == len(mine)  # reason required
    assert (
        client.post(
            "/tasks/bulk/", {"ids": [*mine, west.pk], "action": "close", "reason": "重复"}
        ).status_code
        == 404
    )
    assert Task.objects.filter(pk__in=mine, status="open").count() == len(mine)  # nothing changed
    client.post("/tasks/bulk/", {"ids": mine, "action": "close", "reason": "已在别处跟进"})
    closed = Task.objects.filter(pk__in=mine)
    assert {t.status for t in closed} == {"cancelled"} and {t.completion_note for t in closed} == {
        "已在别处跟进"
    }
    assert all(t.history.filter(history_type="~").exists() for t in closed)


def test_bulk_confirm_of_a_baseline_task_confirms_its_list(baseline, huayuan, login):
    review = Task.objects.get(kind=TaskKind.BASELINE, community=community("花苑社区"))
    login(huayuan).post("/tasks/bulk/", {"ids": [review.pk], "action": "confirm", "reason": ""})
    review.refresh_from_db()
    assert review.status == "done"
    assert Override.objects.filter(verdict="confirm").count() == 3


def test_read_only_manager_cannot_bulk_act(baseline, manager, login):
    review = Task.objects.get(kind=TaskKind.BASELINE, community=community("花苑社区"))
    assert login(manager).post("/tasks/bulk/", {"ids": [review.pk], "action": "confirm"}).status_code == 404
    review.refresh_from_db()
    assert review.status == "open"


def test_task_page_shows_totals_by_kind_and_state(baseline, dongqu, login):
    Task.objects.filter(community=community("桃苑社区")).update(due_date=dt.date(2020, 1, 1))
    page = login(dongqu).get("/tasks/?queue=all").content.decode()
    assert "首次筛查核实" in page and "其中逾期" in page
    assert "kind=screening_baseline&amp;status=open&amp;overdue=true" in page


def test_supervision_counts_per_community_and_worker_with_links(baseline, dongqu, huayuan, login):
    Task.objects.filter(community=community("桃苑社区")).update(due_date=dt.date(2020, 1, 1))
    page = login(dongqu).get("/tasks/supervision/").content.decode()
    assert "花苑社区" in page and "桃苑社区" in page and "烟洲社区" not in page
    taoyuan = community("桃苑社区").pk
    assert f"queue=all&amp;overdue=true&amp;community={taoyuan}" in page
    assert f"assignee={huayuan.pk}" in page
    listed = login(dongqu).get(f"/tasks/?queue=all&overdue=true&community={taoyuan}").content.decode()
    assert "本社区新纳入分类对象 2 人" in listed and "本社区新纳入分类对象 3 人" not in listed


def test_city_manager_supervises_by_town_then_community(baseline, manager, login):
    client = login(manager)
    page = client.get("/tasks/supervision/").content.decode()
    dong, xi = town("东区街道"), town("西区街道")
    assert f"?town={dong.pk}" in page and f"?town={xi.pk}" in page
    drill = client.get(f"/tasks/supervision/?town={dong.pk}").content.decode()
    assert "花苑社区" in drill and "烟洲社区" not in drill


def test_community_worker_and_volunteer_get_no_supervision_page(baseline, huayuan, volunteer, login):
    assert login(huayuan).get("/tasks/supervision/").status_code == 404
    assert login(volunteer).get("/tasks/supervision/").status_code in (403, 404)


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_task_list_and_supervision_query_counts_do_not_grow(baseline, dongqu, login):
    client = login(dongqu)
    list_url, sup_url = "/tasks/?queue=all&status=any", "/tasks/supervision/"
    before = _count_queries(client, list_url), _count_queries(client, sup_url)
    for name in ("花苑社区", "桃苑社区"):
        more = _elders(3, name)
        for p in more:
            Task.objects.create(
                kind="alert_verify",
                title=f"核实 {p.name}",
                household=p.household,
                person=p,
                due_date=dt.date(2020, 1, 1),
            )
    UserFactory(role=Role.COMMUNITY_WORKER, division=community("桃苑社区"))
    screening.rescreen(everyone=True, on=ON)
    after = _count_queries(client, list_url), _count_queries(client, sup_url)
    assert Task.objects.restrict(dongqu).count() > 10
    assert after == before


def test_review_list_is_scoped_same_town_other_community_and_other_town(baseline, huayuan, xiqu, login):
    """A worker of another community of the same town, and one of another town, get 404 on the review."""
    review = Task.objects.get(kind=TaskKind.BASELINE, community=community("花苑社区"))
    taoyuan = UserFactory(role=Role.COMMUNITY_WORKER, division=community("桃苑社区"))
    decision = GroupDecision.objects.filter(person__household__community=community("花苑社区")).first()
    for user in (taoyuan, xiqu):
        client = login(user)
        assert client.get(f"/tasks/{review.pk}/review/").status_code == 404
        assert client.get(f"/tasks/{review.pk}/").status_code == 404
        assert client.post(f"/tasks/{review.pk}/review/confirm/", {"ids": [decision.pk]}).status_code == 404
        assert client.post("/tasks/bulk/", {"ids": [review.pk], "action": "confirm"}).status_code == 404
    assert not Override.objects.exists()
    review.refresh_from_db()
    assert review.status == "open"


def test_review_list_query_count_does_not_grow(baseline, huayuan, login):
    review = Task.objects.get(kind=TaskKind.BASELINE, community=community("花苑社区"))
    client = login(huayuan)
    url = f"/tasks/{review.pk}/review/"
    before = _count_queries(client, url)
    household = HouseholdFactory(community=community("花苑社区"))
    for i in range(5):
        person = make_person(age=70 + i, living_arrangement="alone", household=household)
        GroupDecision.objects.create(
            person=person,
            group="elderly",
            rule_version="r",
            params_version="p",
            fingerprint=1,
            evidence={},
            decided_at=review.created_at,
        )
    assert _count_queries(client, url) == before


def test_district_manager_supervises_their_town(baseline, login):
    district = UserFactory(role=Role.CITY_MANAGER, division=town("东区街道"))
    page = login(district).get("/tasks/supervision/").content.decode()
    assert "花苑社区" in page and "桃苑社区" in page and "烟洲社区" not in page


def test_api_bulk_close_and_out_of_area_404(baseline, huayuan, manager, login):
    mine = Task.objects.get(kind=TaskKind.BASELINE, community=community("花苑社区"))
    west = Task.objects.get(kind=TaskKind.BASELINE, community=community("烟洲社区"))
    client = login(huayuan)
    body = {"ids": [mine.pk, west.pk], "action": "close", "reason": "重复"}
    assert client.post("/api/tasks/bulk/", body, content_type="application/json").status_code == 404
    no_reason = {"ids": [mine.pk], "action": "close", "reason": ""}
    assert client.post("/api/tasks/bulk/", no_reason, content_type="application/json").status_code == 400
    body = {"ids": [mine.pk], "action": "close", "reason": "重复"}
    assert login(manager).post("/api/tasks/bulk/", body, content_type="application/json").status_code == 403
    response = client.post("/api/tasks/bulk/", body, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"processed": 1}
    assert (
        Task.objects.get(pk=mine.pk).status == "cancelled" and Task.objects.get(pk=west.pk).status == "open"
    )
