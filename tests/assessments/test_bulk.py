"""core.bulk: array literals and set-based inserts with history rows (PostgreSQL)."""

from decimal import Decimal

import pytest
from django.db import connection, models
from django.utils import timezone

from core import bulk
from core.models import Task

from .conftest import ON, make_person

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL"),
]


def test_pg_array_edge_cases_round_trip():
    texts = [
        " lead",
        "trail ",
        "a,b",
        "{x}",
        'q"\\',
        '\\"',
        "NULL",
        "null",
        "",
        "tab\tnl\n",
        "'); DROP TABLE t; --",
        "张三",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::text[], %s::numeric[], %s::double precision[], %s::timestamptz[]",
            [
                bulk.pg_array(texts),
                bulk.pg_array([Decimal("1.50")]),
                bulk.pg_array([0.1, float("inf")]),
                bulk.pg_array([timezone.now()]),
            ],
        )
        row = cursor.fetchone()
    assert row[0] == texts and row[1] == [Decimal("1.50")]


def test_insert_writes_rows_defaults_and_one_history_row_each():
    p = make_person(age=40)
    now = timezone.now()
    t = Task(
        kind="k",
        title='名"字\\',
        detail="a\nb",
        household_id=p.household_id,
        person_id=p.pk,
        # A household's task carries its area (the screening copies it; bulk.insert runs no save()).
        town_id=p.household.town_id,
        community_id=p.household.community_id,
        due_date=ON,
        dedupe_key="review:1",
    )
    assert bulk.insert(Task, [t], skip_conflicts=True, history_date=now) == 1
    assert (
        bulk.insert(
            Task,
            [Task(kind="k", title="x", due_date=ON, dedupe_key="review:1")],
            skip_conflicts=True,
            history_date=now,
        )
        == 0
    )
    row = Task.objects.get(dedupe_key="review:1")
    assert row.title == '名"字\\' and row.status == "open" and row.created_at is not None
    h = list(Task.history.filter(id=row.pk).values("history_type", "history_date", "title", "household_id"))
    assert h == [
        {"history_type": "+", "history_date": now, "title": '名"字\\', "household_id": p.household_id}
    ]


class _Computed(models.Model):
    n = models.IntegerField(db_default=1)

    class Meta:
        app_label = "assessments"
        managed = False

    def __str__(self):
        return str(self.n)


def test_insert_refuses_what_it_cannot_write():
    with pytest.raises(NotImplementedError):
        bulk.insert(_Computed, [_Computed()])
