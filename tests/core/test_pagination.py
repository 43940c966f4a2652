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
