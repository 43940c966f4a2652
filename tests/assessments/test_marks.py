"""Change marks (database triggers) and the incremental sweep over everyone."""

import datetime as dt
import random
import re

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from assessments import marks, rules, screening
from assessments.models import GroupDecision, ScreeningMark, ScreeningState, ScreeningSweep, VagrantRecord
from core import bulk
from households import choices as hc
from households.models import AssistanceStatus, Household, Person, PolicyParameter
from tests.factories import AssistanceStatusFactory, HouseholdFactory, community

from .conftest import ON, groups_of, make_person

pytestmark = pytest.mark.django_db


def _open_vagrant(person, **flags):
    """An open relief record linked to ``person``, eligible unless ``flags`` say otherwise."""
    eligible = dict(cannot_afford=True, no_relatives=True, not_on_assistance=True, begging=True)
    return VagrantRecord.objects.create(
        source="outreach",
        found_on=ON,
        found_place="岐江桥",
        town=person.household.town,
        community=person.household.community,
        person=person,
        **{**eligible, **flags},
    )


def marked() -> set[int]:
    return set(ScreeningMark.objects.values_list("household_id", flat=True))


def clear_marks() -> None:
    ScreeningMark.objects.all().delete()


# --- the triggers -------------------------------------------------------------------------------


def test_watched_columns_cover_everything_the_signature_reads():
    sql, _args = screening.signature_sql(rules.Params.load(ON), screening.Scope("all"))
    watched = {w.table: set(w.columns) | {"id"} for w in marks.WATCHED}
    read = {
        "households_person": set(re.findall(r"\bp\.(\w+)", sql)),
        "households_household": set(re.findall(r"\bh\.(\w+)", sql)),
        "households_assistancestatus": set(re.findall(r"\bs\.(\w+)", sql)),
    }
    for table, columns in read.items():
        assert columns, table
        assert columns <= watched[table], (table, columns - watched[table])
    for column in ("cannot_afford", "no_relatives", "not_on_assistance", "begging", "status", "person_id"):
        assert column in watched["assessments_vagrantrecord"]


def test_a_new_person_marks_the_household():
    clear_marks()
    person = make_person(age=40)
    assert marked() == {person.household_id}


def test_a_watched_column_marks_even_through_raw_sql_and_an_unwatched_one_does_not():
    person = make_person(age=82)
    clear_marks()
    Person.objects.filter(pk=person.pk).update(name="改名")
    assert marked() == set()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE households_person SET living_arrangement = 'alone' WHERE id = %s", [person.pk])
    assert marked() == {person.household_id}


def test_a_move_marks_both_households():
    person = make_person(age=40)
    old = person.household_id
    new = HouseholdFactory(community=community("花苑社区"))
    clear_marks()
    Person.objects.filter(pk=person.pk).update(household=new)
    assert marked() == {old, new.pk}


def test_household_status_and_vagrant_changes_mark_the_household():
    person = make_person(age=40)
    clear_marks()
    Household.objects.filter(pk=person.household_id).update(housing="none")
    assert marked() == {person.household_id}
    clear_marks()
    status = AssistanceStatusFactory(person=person, kind=hc.AssistanceKind.DIBAO)
    assert marked() == {person.household_id}
    clear_marks()
    AssistanceStatus.objects.filter(pk=status.pk).update(end_date=ON)
    assert marked() == {person.household_id}
    clear_marks()
    record = _open_vagrant(person, begging=False)
    assert marked() == {person.household_id}
    clear_marks()
    VagrantRecord.objects.filter(pk=record.pk).update(begging=True)
    assert marked() == {person.household_id}
    clear_marks()
    VagrantRecord.objects.filter(pk=record.pk).update(situation="已送医")
    assert marked() == set()


def test_a_bulk_update_marks_each_household_once():
    people = [make_person(age=70) for _ in range(5)]
    clear_marks()
    Person.objects.filter(pk__in=[p.pk for p in people]).update(living_arrangement="alone")
    ids = list(ScreeningMark.objects.values_list("household_id", flat=True))
    assert sorted(ids) == sorted(p.household_id for p in people)


# --- the sweep ----------------------------------------------------------------------------------


def test_first_sweep_is_full_then_incremental_and_marks_are_consumed(rescreen):
    make_person(age=82, living_arrangement="alone")
    rescreen()
    first = ScreeningSweep.objects.get()
    assert first.mode == "full" and first.reason == "首次全员筛查"
    assert ScreeningMark.objects.count() == 0
    person = make_person(age=85)
    with connection.cursor() as cursor:  # a write no Django signal sees
        cursor.execute("UPDATE households_person SET living_arrangement = 'alone' WHERE id = %s", [person.pk])
    result = rescreen()
    assert groups_of(person) == {"elderly": "high_risk"}
    assert result.gained == 1
    second = ScreeningSweep.objects.order_by("-id").first()
    assert second.mode == "incremental" and second.households == 1 and second.changed == 1
    assert ScreeningMark.objects.count() == 0


def test_nothing_marked_and_same_day_evaluates_nobody(rescreen):
    make_person(age=82, living_arrangement="alone")
    rescreen()
    assert rescreen().changed == 0
    assert ScreeningSweep.objects.order_by("-id").first().households == 0


def test_a_status_that_begins_later_is_picked_up_on_its_day(rescreen):
    child = make_person(age=9)
    start = ON + dt.timedelta(days=3)
    AssistanceStatusFactory(person=child, kind=hc.AssistanceKind.DIBAO, start_date=start)
    rescreen()
    assert groups_of(child) == {}
    assert rescreen(on=start - dt.timedelta(days=1)).changed == 0
    rescreen(on=start)
    assert groups_of(child) == {"child": ""}
    assert ScreeningSweep.objects.order_by("-id").first().mode == "incremental"


def test_a_status_that_ends_is_picked_up_on_its_day(rescreen):
    child = make_person(age=9)
    end = ON + dt.timedelta(days=10)
    AssistanceStatusFactory(person=child, kind=hc.AssistanceKind.DIBAO, start_date=ON, end_date=end)
    rescreen()
    assert groups_of(child) == {"child": ""}
    rescreen(on=end)
    assert groups_of(child) == {}


def test_retirement_age_is_a_calendar_crossing_too(rescreen):
    # Unemployed, working age, on dibao: leaves the group on reaching statutory retirement.
    cutoff = rules.Params.load(ON).retired_cutoffs()["male"]
    person = make_person(
        birth=cutoff + dt.timedelta(days=1), male=True, employment="unemployed", low_income=True
    )
    rescreen()
    assert "unemployed" in groups_of(person)
    later = ON + dt.timedelta(days=400)
    rescreen(on=later)
    assert "unemployed" not in groups_of(person)
    assert ScreeningSweep.objects.order_by("-id").first().mode == "incremental"


def test_a_parameter_change_forces_a_full_sweep(rescreen):
    person = make_person(age=72, living_arrangement="alone")
    rescreen()
    assert groups_of(person) == {"elderly": ""}
    PolicyParameter.objects.create(key="screen_elderly_age", value=75, effective_from=ON)
    rescreen()
    assert groups_of(person) == {}
    sweep = ScreeningSweep.objects.order_by("-id").first()
    assert sweep.mode == "full" and sweep.reason == "政策参数变化"


def test_going_back_in_time_is_a_full_sweep(rescreen):
    make_person(age=82, living_arrangement="alone")
    rescreen(on=ON + dt.timedelta(days=5))
    rescreen(on=ON)
    assert ScreeningSweep.objects.order_by("-id").first().reason == "筛查基准日早于上次"


def test_a_mark_written_during_the_sweep_is_kept_for_the_next(rescreen, monkeypatch):
    make_person(age=82, living_arrangement="alone")
    rescreen()
    late = {}
    original = screening._rescreen_households

    def meanwhile(*args, **kwargs):
        late["person"] = make_person(age=90, living_arrangement="alone")  # commits a new mark
        return original(*args, **kwargs)

    monkeypatch.setattr(screening, "_rescreen_households", meanwhile)
    make_person(age=40)
    rescreen()
    assert marked() == {late["person"].household_id}
    monkeypatch.undo()
    rescreen()
    assert groups_of(late["person"]) == {"elderly": "high_risk"}


def test_incremental_sweeps_agree_with_a_full_comparison(rescreen):
    rng = random.Random(4)
    people = [
        make_person(
            age=rng.choice((5, 9, 15, 17, 30, 45, 59, 62, 79, 81, 90)),
            male=rng.random() < 0.5,
            low_income=rng.random() < 0.5,
            living_arrangement=rng.choice(("", "alone", "empty_nest")),
            employment=rng.choice(("", "unemployed", "employed")),
        )
        for _ in range(40)
    ]
    rescreen()
    day = ON
    for _ in range(3):
        for person in rng.sample(people, 10):
            Person.objects.filter(pk=person.pk).update(
                living_arrangement=rng.choice(("", "alone", "left_behind")),
                disability_grade=rng.choice((None, 1, 3)),
                school_stage=rng.choice(("", "primary", "dropped_out")),
            )
        for person in rng.sample(people, 4):
            Household.objects.filter(pk=person.household_id).update(
                housing=rng.choice(("", "none", "rented"))
            )
        day += dt.timedelta(days=rng.choice((1, 30, 200)))
        rescreen(on=day)
        states = dict(ScreeningState.objects.values_list("person_id", "signature"))
        decisions = set(GroupDecision.objects.filter(active=True).values_list("person_id", "group", "tier"))
        full = screening.rescreen(everyone=True, full=True, on=day)
        assert full.changed == 0
        assert dict(ScreeningState.objects.values_list("person_id", "signature")) == states
        assert (
            set(GroupDecision.objects.filter(active=True).values_list("person_id", "group", "tier"))
            == decisions
        )


def test_rescreen_command_full_flag(rescreen, capsys):
    make_person(age=82, living_arrangement="alone")
    call_command("rescreen", "--all", "--full")
    assert ScreeningSweep.objects.get().reason == "按要求全量核对"
    with pytest.raises(CommandError):
        call_command("rescreen", "--household", "1", "--full")


def test_weekly_full_sweep_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["assessments-weekly-full-rescreen"]
    assert entry["task"] == "assessments.tasks.rescreen_everyone_full"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL array literals")
def test_array_literals_round_trip():
    texts = ['a"b', "c\\d", "", None, "依据 {1,2}", "NULL"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::text[], %s::bigint[], %s::boolean[], %s::date[]",
            [
                bulk.pg_array(texts),
                bulk.pg_array([1, None, 2**40]),
                bulk.pg_array([True, False]),
                bulk.pg_array([ON]),
            ],
        )
        assert cursor.fetchone() == (texts, [1, None, 2**40], [True, False], [ON])


# --- pages and API --------------------------------------------------------------------------------


def test_sweep_list_and_run_for_admins_only(client, admin_user, huayuan, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from core.models import Job

    make_person(age=82, living_arrangement="alone")
    client.force_login(huayuan)
    assert client.get(reverse("assessments:sweep-list")).status_code == 404
    assert client.post(reverse("assessments:sweep-run")).status_code == 404
    assert "全员筛查记录" not in client.get(reverse("assessments:group-list")).content.decode()
    client.force_login(admin_user)
    empty = client.get(reverse("assessments:sweep-list")).content.decode()
    assert "还没有全员筛查记录" in empty
    assert f"待下次筛查核对的变更标记：{ScreeningMark.objects.count()} 条" in empty
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:sweep-run"))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("core:job-detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["gained"] == 1
    page = client.get(reverse("assessments:sweep-list")).content.decode()
    assert "全量核对" in page and "按要求全量核对" in page
    groups = client.get(reverse("assessments:group-list")).content.decode()
    assert "最近一次全员筛查" in groups and "1 人有变化" in groups


def test_sweep_api_for_admins_only(client, admin_user, huayuan, django_capture_on_commit_callbacks):
    make_person(age=82, living_arrangement="alone")
    client.force_login(huayuan)
    assert client.get("/api/screening-sweeps/").status_code == 403
    assert client.post("/api/screening-sweeps/run/").status_code == 403
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/api/screening-sweeps/run/")
    assert started.status_code == 202 and started.json()["job"]
    listing = client.get("/api/screening-sweeps/").json()
    assert [r["mode"] for r in listing["results"]] == ["full"]
    assert listing["results"][0]["changed"] == 1 and listing["results"][0]["mode_display"] == "全量核对"


# --- review findings: deletes, out-of-order commits, migrations, a stricter oracle ----------------


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'zs_mark_%%'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'zs_mark_%%'")
        return {r[0] for r in cursor.fetchall()}


def _stale_people(day) -> set[int]:
    """Everyone whose stored state differs from a fresh evaluation of every household."""
    params = rules.Params.load(day)
    households = set(Household.objects.values_list("id", flat=True))
    return {r[0] for r in screening.changed_signatures(params, households)}


def test_every_watched_table_has_its_triggers_after_migrate():
    expected = {marks._name(w, e) for w in marks.WATCHED for e in ("insert", "update")}
    expected |= {marks._name(w, "delete") for w in marks.WATCHED if w.on_delete}
    assert _triggers() == expected


def test_deleting_a_vagrant_record_reaches_the_incremental_sweep(rescreen):
    person = make_person(age=40)
    record = _open_vagrant(person)
    rescreen()
    assert groups_of(person) == {"vagrant": ""}
    VagrantRecord.objects.filter(pk=record.pk).delete()
    rescreen()
    assert groups_of(person) == {}


def test_randomised_incremental_sweeps_match_a_fresh_evaluation(rescreen):
    rng = random.Random(7)
    people = [
        make_person(
            age=rng.choice((9, 15, 17, 45, 59, 62, 79, 81)),
            male=rng.random() < 0.5,
            employment=rng.choice(("", "unemployed")),
            living_arrangement=rng.choice(("", "alone")),
        )
        for _ in range(30)
    ]
    for person in people[:10]:  # two-person households: the household-level low-income bit matters
        make_person(age=rng.choice((8, 70, 85)), household=person.household, living_arrangement="alone")
    rescreen()
    day = ON
    for _round in range(4):
        for person in rng.sample(people, 4):
            AssistanceStatusFactory(
                person=person,
                kind=hc.AssistanceKind.DIBAO,
                start_date=day + dt.timedelta(days=rng.choice((0, 5, 40))),
            )
        statuses = list(AssistanceStatus.objects.all())
        for status in rng.sample(statuses, min(3, len(statuses))):
            AssistanceStatus.objects.filter(pk=status.pk).update(
                end_date=max(status.start_date or day, day) + dt.timedelta(days=rng.choice((1, 20)))
            )
        mover, target = rng.sample(people, 2)
        # (as a member: the target household has its head, and one head per household holds)
        Person.objects.filter(pk=mover.pk).update(
            household_id=target.household_id, relation=hc.Relation.OTHER
        )
        Person.objects.filter(pk=rng.choice(people).pk).update(status=hc.PersonStatus.DECEASED)
        vagrant = _open_vagrant(rng.choice(people))
        day += dt.timedelta(days=rng.choice((1, 30, 200)))
        rescreen(on=day)
        assert _stale_people(day) == set()
        VagrantRecord.objects.filter(pk=vagrant.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_mark_committed_out_of_sequence_order_is_not_lost(rescreen, monkeypatch):
    import psycopg

    person = make_person(age=85)
    rescreen()
    assert groups_of(person) == {}
    settings_ = connection.settings_dict
    other = psycopg.connect(
        dbname=settings_["NAME"],
        user=settings_["USER"],
        host=settings_["HOST"],
        port=settings_["PORT"] or 5432,
    )
    try:
        # A long transaction (an import) writes mark N and has not committed; a quick edit
        # commits mark N+1; the import commits while the sweep runs.
        other.execute("UPDATE households_person SET living_arrangement = 'alone' WHERE id = %s", [person.pk])
        make_person(age=40)
        original = screening._rescreen_households

        def import_commits_meanwhile(*args, **kwargs):
            result = original(*args, **kwargs)
            other.commit()
            return result

        monkeypatch.setattr(screening, "_rescreen_households", import_commits_meanwhile)
        rescreen()
        monkeypatch.undo()
        rescreen()
        assert groups_of(person) == {"elderly": "high_risk"}
    finally:
        other.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_triggers_are_off_while_migrations_run_and_back_after():
    """A later migration that rebuilds a watched table (SQLite AlterField) must neither fail on
    nor silently drop the triggers."""
    import copy

    from django.apps import apps

    config = apps.get_app_config("assessments")
    marks.before_migrate(config, using="default", plan=[("a migration", False)])
    assert _triggers() == set()
    old = Household._meta.get_field("housing")
    new = copy.deepcopy(old)
    new.max_length = old.max_length + 1
    with connection.schema_editor() as editor:
        editor.alter_field(Household, old, new)
    try:
        marks.after_migrate(config, using="default")
        test_every_watched_table_has_its_triggers_after_migrate()
        person = make_person(age=40)
        clear_marks()
        Household.objects.filter(pk=person.household_id).update(housing="none")
        assert marked() == {person.household_id}
    finally:
        with connection.schema_editor() as editor:
            editor.alter_field(Household, new, old)
        marks.after_migrate(config, using="default")


def test_a_migrate_with_nothing_to_do_keeps_the_triggers():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert not plan, [m for m, _b in plan]
    call_command("migrate", verbosity=0)
    test_every_watched_table_has_its_triggers_after_migrate()
