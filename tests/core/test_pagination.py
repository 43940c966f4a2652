"""Lists count up to a cap and page by keyset beyond it: every row is reachable by "next", a
deep page reads one page of rows, and a hostile cursor is the first page, never an error."""

import re
from html import unescape

import pytest

from core.pagination import CappedPaginator
from tests.factories import HouseholdFactory, community

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    return [h.pk for h in response.context["object_list"]]


def _link(response, rel: str) -> str | None:
    match = re.search(rf'href="([^"]+)" rel="{rel}"', response.content.decode())
    return unescape(match.group(1)) if match else None


@pytest.fixture
def thirty(db):
    return [HouseholdFactory(community=community("花苑社区")).pk for _ in range(30)]


def test_count_is_capped_and_next_walks_every_row_by_keyset(monkeypatch, login, admin_user, thirty):
    monkeypatch.setattr(CappedPaginator, "cap", 15)
    client = login(admin_user)
    first = client.get("/households/", {"per_page": 10})
    page = first.content.decode()
    assert "共 15+ 条" in page and "第 1 / 2+ 页" in page
    seen, response = _ids(first), first
    while (url := _link(response, "next")) is not None:
        response = client.get("/households/" + url)
        assert response.status_code == 200
        seen += _ids(response)
    assert seen == sorted(thirty, reverse=True)  # newest first, each row once
    # Back from the last page (reached by cursor) by keyset too.
    previous = client.get("/households/" + _link(response, "prev"))
    assert _ids(previous) == sorted(thirty, reverse=True)[10:20]


def test_sorted_list_pages_by_keyset_over_its_sort_column(monkeypatch, login, admin_user, thirty):
    monkeypatch.setattr(CappedPaginator, "cap", 10)
    client = login(admin_user)
    response = client.get("/households/", {"per_page": 10, "sort": "-updated"})
    seen = _ids(response)
    while (url := _link(response, "next")) is not None:
        response = client.get("/households/" + url)
        seen += _ids(response)
    assert sorted(seen) == sorted(thirty) and len(seen) == 30


@pytest.mark.parametrize("cursor", ["x", "W10", "WyJhIl0", "%00", "WzEsMiwzXQ", "eyJhIjoxfQ"])
def test_bad_cursor_shows_the_first_page(login, admin_user, thirty, cursor):
    client = login(admin_user)
    for key in ("after", "before"):
        response = client.get("/households/", {key: cursor, "per_page": 10})
        assert response.status_code == 200
        assert _ids(response) == sorted(thirty, reverse=True)[:10]


def test_jump_to_a_page_number(login, admin_user, thirty):
    response = login(admin_user).get("/households/", {"per_page": 10, "page": 3})
    assert _ids(response) == sorted(thirty, reverse=True)[20:]
    assert 'name="page"' in response.content.decode()


def test_keyset_keys_of_a_table_keyed_by_another_row_and_a_column_its_filter_makes_non_null():
    """The visit queue's rows are keyed by their household and ordered by a nullable due date:
    keyset only when the caller says its filter rules NULL out (an overdue row has a date)."""
    from core.pagination import keyset_fields
    from visits.models import HouseholdSchedule

    rows = HouseholdSchedule.objects.order_by("due_on", "household_id")
    assert keyset_fields(rows) is None
    keys = keyset_fields(rows, ("due_on",))
    assert [(name, desc) for _field, name, desc in keys] == [("due_on", False), ("household_id", False)]
    assert keyset_fields(HouseholdSchedule.objects.order_by("-due_on", "-pk"), ("due_on",))[1][1:] == (
        "household_id",
        True,
    )
    assert keyset_fields(HouseholdSchedule.objects.order_by("household__address", "pk")) is None


def test_a_cursor_page_starts_the_index_range_at_its_cursor():
    """The leading column is bounded on its own, so the database starts reading there (no OFFSET)."""
    import datetime as dt

    from core.pagination import _beyond, keyset_fields
    from visits.models import HouseholdSchedule

    rows = HouseholdSchedule.objects.order_by("due_on", "household_id")
    keys = keyset_fields(rows, ("due_on",))
    sql = str(rows.filter(_beyond(keys, [dt.date(2026, 6, 1), 7], True))[:26].query)
    assert "OFFSET" not in sql.upper()
    assert '"due_on" >= 2026-06-01' in sql and '"household_id" > 7' in sql


def _planner_says(monkeypatch, rows: int | None) -> list[str]:
    """The planner's estimate is ``rows``; the list returned records each exact count made."""
    from core import pagination

    counted = []
    real = CappedPaginator._count

    def count(self):
        counted.append("count")
        return real(self)

    monkeypatch.setattr(CappedPaginator, "planned_rows", property(lambda self: rows))
    monkeypatch.setattr(CappedPaginator, "_count", count)
    monkeypatch.setattr(CappedPaginator, "cap", 15)
    monkeypatch.setattr(pagination, "TRUST_ESTIMATE_ABOVE", 150)
    return counted


def test_a_list_the_planner_puts_far_past_the_cap_is_not_counted(monkeypatch, login, admin_user):
    for _ in range(40):
        HouseholdFactory(community=community("花苑社区"))
    counted = _planner_says(monkeypatch, 5_000)
    page = login(admin_user).get("/households/", {"per_page": 10}).content.decode()
    assert counted == [] and "共 15+ 条" in page, re.findall(r"共[^<]*", page)
    assert "约 5000 条" in page, re.findall(r"共[^<]*", page)


def test_a_wrong_estimate_is_found_by_its_short_page_and_the_list_counted(monkeypatch, login, admin_user):
    for _ in range(12):
        HouseholdFactory(community=community("花苑社区"))
    counted = _planner_says(monkeypatch, 5_000)  # 12 rows in truth
    client = login(admin_user)
    assert "共 15+ 条" in client.get("/households/", {"per_page": 10}).content.decode()
    assert counted == []  # page 1 is full: nothing tells the estimate is wrong yet
    response = client.get("/households/", {"per_page": 10, "page": 2})  # rows 11-12: short
    assert counted == ["count"]
    assert response.status_code == 200 and response.context["page_obj"].number == 2
    assert len(response.context["object_list"]) == 2 and "共 12 条" in response.content.decode()


def test_no_estimate_means_an_exact_count(monkeypatch, login, admin_user, thirty):
    counted = _planner_says(monkeypatch, None)  # SQLite, or a plan that failed
    page = login(admin_user).get("/households/", {"per_page": 10}).content.decode()
    assert counted == ["count"] and "共 15+ 条" in page
