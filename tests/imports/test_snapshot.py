"""Snapshot semantics: create / update / unchanged, households, moves, exits, history, atomicity."""

import datetime as dt

import pytest
from django.db import connection

from households import choices as c
from households.hooks import _listeners, on_households_changed
from households.models import AssistanceStatus, Household, Person
from imports import pipeline
from imports.models import ImportBatch, SnapshotMember

from .conftest import HEADER, errors, make_id, person, run, write_csv

pytestmark = pytest.mark.django_db
SNAP1 = dt.date(2024, 3, 31)
SNAP2 = dt.date(2024, 6, 30)


@pytest.fixture
def family():
    head, wife, son = make_id(), make_id(male=False), make_id(birth=dt.date(2010, 5, 1))
    return [
        person(
            姓名="陈大文",
            公民身份号码=head,
            户编号="440001",
            救助类型="低保、特困（分散供养）",
            家庭人口数="3",
        ),
        person(姓名="李秀英", 公民身份号码=wife, 户编号="440001", 与户主关系="配偶"),
        person(姓名="陈小明", 公民身份号码=son, 户编号="440001", 与户主关系="子", 救助类型="孤儿"),
    ]


@pytest.fixture
def hook_calls():
    calls = []

    def listener(ids):
        calls.append(ids)

    on_households_changed(listener)
    yield calls
    _listeners.remove(listener)


def test_first_import_creates_people_household_statuses_and_history(
    tmp_path, family, hook_calls, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "r.csv", family)
    with django_capture_on_commit_callbacks(execute=True):
        batch, summary = run(path, snapshot_date=SNAP1)
    assert (summary.rows, summary.created, summary.updated, summary.unchanged) == (3, 3, 0, 0)
    assert summary.households_created == 1
    household = Household.objects.get()
    assert household.code == "440001" and household.community.name == "花苑社区"
    assert household.town.name == "东区街道" and household.size == 3
    assert household.head.name == "陈大文"
    head = Person.objects.get(name="陈大文")
    assert head.id_number.endswith(head.id_tail) and head.name_initials == "cdw"
    assert head.phone == "13800138000"
    kinds = sorted(AssistanceStatus.objects.filter(person=head).values_list("kind", "detail", "source"))
    assert kinds == [("dibao", "", "social_assistance"), ("tekun", "分散供养", "social_assistance")]
    assert Person.history.filter(history_type="+").count() == 3
    assert Household.history.filter(history_type="+").count() == 1
    assert AssistanceStatus.history.filter(history_type="+").count() == 4
    assert Person.history.first().history_change_reason == f"由名单导入批次 #{batch.pk} 创建"
    assert SnapshotMember.objects.filter(source="social_assistance").count() == 3
    assert hook_calls == [[household.pk]]
    assert batch.status == "committed" and batch.summary["created"] == 3


def test_same_file_twice_changes_nothing(tmp_path, family, hook_calls, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "r.csv", family)
    run(path)
    counts = (Person.history.count(), Household.history.count(), AssistanceStatus.history.count())
    updated = list(Person.objects.values_list("updated_at", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        batch, summary = run(path)
    assert (summary.created, summary.updated, summary.unchanged, summary.exited) == (0, 0, 3, 0)
    assert (Person.history.count(), Household.history.count(), AssistanceStatus.history.count()) == counts
    assert list(Person.objects.values_list("updated_at", flat=True)) == updated
    assert hook_calls == []
    assert batch.preview == {"new": [], "changed": [], "exited": []}


def test_changes_are_updated_with_their_fields_and_history(tmp_path, family):
    run(write_csv(tmp_path / "a.csv", family))
    family[0]["姓名"] = "陈大武"
    family[0]["联系电话"] = "13900001111"
    family[0]["救助类型"] = "低保"  # 特困 ends
    family[1]["残疾等级"] = "二级"
    batch, summary = run(write_csv(tmp_path / "b.csv", family), snapshot_date=SNAP2)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 1)
    changed = {item["name"]: item["fields"] for item in batch.preview["changed"]}
    assert set(changed["陈大武"]) == {"姓名", "联系电话", "救助身份"}
    assert changed["李秀英"] == ["残疾等级"]
    head = Person.objects.get(name="陈大武")
    assert head.name_initials == "cdw" and head.phone == "13900001111"
    tekun = AssistanceStatus.objects.get(person=head, kind="tekun")
    assert tekun.end_date == SNAP2
    assert AssistanceStatus.objects.get(person=head, kind="dibao").end_date is None
    last = head.history.order_by("-history_id").first()
    assert last.history_type == "~" and last.name == "陈大武"
    assert AssistanceStatus.history.filter(id=tekun.pk, history_type="~").count() == 1


def test_empty_cells_keep_what_the_registry_holds(tmp_path, family):
    run(write_csv(tmp_path / "a.csv", family))
    family[0]["联系电话"] = ""
    batch, summary = run(write_csv(tmp_path / "b.csv", family))
    assert summary.updated == 0
    assert Person.objects.get(name="陈大文").phone == "13800138000"


def test_households_grouped_by_heads_id_and_reused_later(tmp_path):
    head = make_id()
    header = HEADER + ["户主身份证号码"]
    people = [
        person(姓名="户主甲", 公民身份号码=head),
        person(姓名="成员乙", 与户主关系="女", 户主身份证号码=head),
    ]
    run(write_csv(tmp_path / "a.csv", people, header=header))
    household = Household.objects.get()
    assert household.code is None and household.members.count() == 2
    people.append(person(姓名="成员丙", 与户主关系="孙子女", 户主身份证号码=head))
    batch, summary = run(write_csv(tmp_path / "b.csv", people, header=header))
    assert summary.created == 1 and summary.households_created == 0
    assert Household.objects.get().members.count() == 3


def test_person_moves_household_and_both_households_are_rescreened(
    tmp_path, family, hook_calls, django_capture_on_commit_callbacks
):
    other = person(姓名="另一户主", 户编号="440002")
    run(write_csv(tmp_path / "a.csv", family + [other]))
    old = Household.objects.get(code="440001")
    new = Household.objects.get(code="440002")
    family[2]["户编号"] = "440002"
    family[2]["与户主关系"] = "孙子女"
    with django_capture_on_commit_callbacks(execute=True):
        batch, summary = run(write_csv(tmp_path / "b.csv", family + [other]))
    son = Person.objects.get(name="陈小明")
    assert son.household == new and son.relation == "grandchild"
    assert summary.updated == 1
    assert batch.preview["changed"][0]["fields"] == ["与户主关系", "所属家庭"]
    assert son.history.order_by("-history_id").first().household_id == new.pk
    assert hook_calls == [sorted([old.pk, new.pk])]


def test_exit_ends_statuses_of_that_source_and_flags_for_review(tmp_path, family):
    run(write_csv(tmp_path / "a.csv", family), snapshot_date=SNAP1)
    son = Person.objects.get(name="陈小明")
    manual = AssistanceStatus.objects.create(person=son, kind="temporary", source="manual")
    other_source = AssistanceStatus.objects.create(person=son, kind="dibian", source="low_income_monitoring")
    batch, summary = run(write_csv(tmp_path / "b.csv", family[:2]), snapshot_date=SNAP2)
    assert (summary.exited, summary.unchanged) == (1, 2)
    assert batch.preview["exited"] == [{"person": son.pk, "name": "陈小明", "id": son.id_masked}]
    son.refresh_from_db()
    assert son.status == c.PersonStatus.EXITED and son.needs_review
    assert Person.objects.filter(pk=son.pk).exists()  # never deleted
    assert AssistanceStatus.objects.get(person=son, kind="orphan").end_date == SNAP2
    manual.refresh_from_db()
    other_source.refresh_from_db()
    assert manual.end_date is None and other_source.end_date is None
    assert not SnapshotMember.objects.filter(person=son).exists()
    assert son.history.order_by("-history_id").first().status == "exited"
    # A later snapshot of another source does not exit anybody of this one.
    batch, summary = run(write_csv(tmp_path / "c.csv", family[:1]), source="low_income_monitoring")
    assert summary.exited == 0
    # Coming back: active again, a new orphan status starts.
    batch, summary = run(write_csv(tmp_path / "d.csv", family), snapshot_date=dt.date(2024, 9, 30))
    son.refresh_from_db()
    assert son.status == c.PersonStatus.ACTIVE and summary.updated == 1
    assert AssistanceStatus.objects.filter(person=son, kind="orphan", end_date__isnull=True).count() == 1


def test_rejected_row_of_a_known_person_does_not_exit_them(tmp_path, family):
    run(write_csv(tmp_path / "a.csv", family))
    family[1]["镇街"] = "不存在镇"
    batch, summary = run(write_csv(tmp_path / "b.csv", family))
    assert summary.rejected == 1 and summary.exited == 0
    assert Person.objects.get(name="李秀英").status == c.PersonStatus.ACTIVE


def test_dry_run_writes_nothing_but_previews_everything(tmp_path, family):
    batch, summary = run(write_csv(tmp_path / "a.csv", family + [person(镇街="")]), commit=False)
    assert (summary.created, summary.rejected) == (3, 1)
    assert batch.status == "checked"
    assert [p["name"] for p in batch.preview["new"]] == ["陈大文", "李秀英", "陈小明"]
    assert Person.objects.count() == Household.objects.count() == AssistanceStatus.objects.count() == 0
    assert Person.history.count() == 0 and SnapshotMember.objects.count() == 0
    assert errors(batch)[0].code == "missing_required"


def test_failure_during_write_leaves_nothing_and_the_batch_can_be_retried(tmp_path, family, monkeypatch):
    path = write_csv(tmp_path / "a.csv", family)
    original = pipeline.Pipeline._history
    calls = {"n": 0}

    def exploding(self, model, *args, **kwargs):
        calls["n"] += 1
        if model is Person:
            raise RuntimeError("disk full")
        return original(self, model, *args, **kwargs)

    monkeypatch.setattr(pipeline.Pipeline, "_history", exploding)
    batch, summary = run(path)
    assert summary is None and batch.status == ImportBatch.Status.FAILED
    assert batch.error_code == "internal_error" and "未写入任何数据" in batch.message
    assert Household.objects.count() == Person.objects.count() == 0  # households were rolled back too
    monkeypatch.setattr(pipeline.Pipeline, "_history", original)
    from imports import services

    summary = services.batch_run(batch=batch, commit=True, path=str(path))
    assert summary.created == 3 and Person.objects.count() == 3
    batch.refresh_from_db()
    assert batch.status == "committed"
    # Temporary tables are gone either way.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT to_regclass('pg_temp.imp_stage')")
            assert cursor.fetchone()[0] is None
        else:
            cursor.execute("SELECT count(*) FROM sqlite_temp_master WHERE name = 'imp_stage'")
            assert cursor.fetchone()[0] == 0


def test_postgresql_copy_path_in_chunks(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the COPY path needs PostgreSQL (CI runs the suite with DATABASE_URL)")
    monkeypatch.setattr(pipeline, "CHUNK", 50)
    copies = []
    original = pipeline.Dialect.load

    def spy(self, cursor, table, columns, rows):
        copies.append((table, len(rows)))
        return original(self, cursor, table, columns, rows)

    monkeypatch.setattr(pipeline.Dialect, "load", spy)
    people = [
        person(姓名=f"测试{i}", 户编号=f"P{i // 3}", 与户主关系="户主" if i % 3 == 0 else "子")
        for i in range(240)
    ]
    batch, summary = run(write_csv(tmp_path / "big.csv", people))
    assert summary.created == 240 and summary.households_created == 80
    assert [n for t, n in copies if t == "imp_stage"] == [50, 50, 50, 50, 40]
    assert Person.history.count() == 240 and Household.history.count() == 80
    batch, summary = run(write_csv(tmp_path / "big.csv", people))
    assert summary.unchanged == 240 and Person.history.count() == 240


def test_unchanged_rows_skip_normalising_but_give_the_same_report(tmp_path, family, monkeypatch):
    """GIVEN a committed snapshot WHEN the same file comes again THEN rows are matched by fingerprint
    (not normalised) and the counts, warnings and errors are those of a full read."""
    family[0]["联系电话"] = "123"  # a warning: this row is never fingerprinted
    family.append(
        person(户编号="440001", 与户主关系="女", 公民身份号码=family[1]["公民身份号码"])
    )  # duplicate
    path = write_csv(tmp_path / "a.csv", family)
    first, s1 = run(path)
    hashes = dict(SnapshotMember.objects.values_list("person__name", "row_hash"))
    assert hashes["陈大文"] is None and hashes["陈小明"] is not None
    normalised = []
    original = pipeline.n.RowNormalizer.normalize

    def spy(self, cells):
        normalised.append(cells[1])
        return original(self, cells)

    monkeypatch.setattr(pipeline.n.RowNormalizer, "normalize", spy)
    second, s2 = run(path)
    # Only the row with a warning and the two duplicate rows were read in full.
    assert normalised == [family[0]["姓名"], family[1]["姓名"], family[3]["姓名"]]
    assert (s2.unchanged, s2.rejected, s2.warnings) == (s1.created, s1.rejected, s1.warnings)
    assert [(e.row, e.code) for e in errors(second)] == [(e.row, e.code) for e in errors(first)]


def test_fingerprinted_row_still_comes_back_from_an_exit_by_another_source(tmp_path, family):
    run(write_csv(tmp_path / "a.csv", family))
    run(write_csv(tmp_path / "m1.csv", family), source="low_income_monitoring")
    run(write_csv(tmp_path / "m2.csv", family[:2]), source="low_income_monitoring")
    son = Person.objects.get(name="陈小明")
    assert son.status == c.PersonStatus.EXITED
    batch, summary = run(write_csv(tmp_path / "a.csv", family))  # unchanged for social_assistance
    son.refresh_from_db()
    assert son.status == c.PersonStatus.ACTIVE and summary.updated == 1
    assert batch.preview["changed"][0]["fields"] == ["人员状态"]


def test_household_recoded_by_hand_falls_back_to_a_full_read(tmp_path, family):
    path = write_csv(tmp_path / "a.csv", family)
    run(path)
    Household.objects.update(code="RENAMED")
    batch, summary = run(path)
    assert batch.status == "committed" and summary.households_created == 1
    assert Household.objects.get(code="440001").members.count() == 3


def test_a_household_moved_by_the_roster_takes_its_tasks_along(tmp_path, family):
    """Task lists scope by the task's own town and community: the import moves them set-based."""
    from core.models import Task

    run(write_csv(tmp_path / "a.csv", family))
    household = Household.objects.get(code="440001")
    task = Task.objects.create(kind="k", title="核实", household=household, due_date=SNAP2)
    for row in family:
        row.update({"镇街": "西区街道", "村（社区）": "烟洲社区"})
    run(write_csv(tmp_path / "b.csv", family))
    household.refresh_from_db()
    task.refresh_from_db()
    assert household.community.name == "烟洲社区"
    assert (task.town_id, task.community_id) == (household.town_id, household.community_id)
