"""Exits flag only people who were active: a deceased or archived person absent from the next
snapshot keeps their status (issue 9: a mutant making the flag always true survived)."""

import datetime as dt

import pytest

from households import choices as c
from households.models import AssistanceStatus, Person

from .conftest import make_id, person, run, write_csv

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [c.PersonStatus.DECEASED, c.PersonStatus.ARCHIVED])
def test_a_deceased_or_archived_person_absent_from_the_next_roster_is_not_exited(tmp_path, status):
    head, wife = make_id(), make_id(male=False)
    family = [
        person(姓名="陈大文", 公民身份号码=head, 户编号="440001", 救助类型="低保"),
        person(姓名="李秀英", 公民身份号码=wife, 户编号="440001", 与户主关系="配偶", 救助类型="低保"),
    ]
    run(write_csv(tmp_path / "a.csv", family), snapshot_date=dt.date(2024, 3, 31))
    wife_row = Person.objects.get(name="李秀英")
    Person.objects.filter(pk=wife_row.pk).update(status=status)
    batch, summary = run(write_csv(tmp_path / "b.csv", family[:1]), snapshot_date=dt.date(2024, 6, 30))
    assert summary.exited == 1  # left the snapshot ...
    wife_row.refresh_from_db()
    assert wife_row.status == status  # ... but is not made "exited" (待核查) again
    assert not wife_row.needs_review
    # Her statuses from this source still end with the snapshot.
    assert AssistanceStatus.objects.get(person=wife_row, kind="dibao").end_date == dt.date(2024, 6, 30)
    assert Person.objects.get(name="陈大文").status == c.PersonStatus.ACTIVE


def test_a_changed_approval_date_updates_the_status(tmp_path):
    """The diff step compares a status's start date too: a corrected 认定日期 is an update."""
    row = person(
        姓名="陈大文", 公民身份号码=make_id(), 户编号="440001", 救助类型="低保", 认定日期="2024-03-01"
    )
    run(write_csv(tmp_path / "a.csv", [row]))
    batch, summary = run(write_csv(tmp_path / "b.csv", [{**row, "认定日期": "2024-02-01"}]))
    assert (summary.updated, summary.unchanged) == (1, 0)
    status = AssistanceStatus.objects.get(kind="dibao", end_date__isnull=True)
    assert status.start_date == dt.date(2024, 2, 1)
