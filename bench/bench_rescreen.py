"""Benchmark: set-based re-screening of everyone vs a count(*) scan and vs a row-by-row ORM loop.

Run against a seeded PostgreSQL database (see the report for the numbers):

    createdb -U postgres -h 127.0.0.1 bench_screening
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_screening
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --households 400000 --no-users   # ~1M persons
    .venv/bin/python bench/bench_rescreen.py --change 0.05 --sample 10000

What is measured, in one run:
  scan      SELECT count(*) FROM households_person (median of 5, warm)
  nochange  rescreen(everyone=True) when nothing changed: the nightly sweep, incremental (the
            households the triggers marked, plus the calendar's crossings since the last sweep)
  nextday   the same a day later: everyone born on the crossed cut-off days, and the statuses
            that began or ended, are evaluated
  change    rescreen(everyone=True) after an UPDATE changed the facts of --change of the persons
            (living arrangement toggled; a different slice each repetition)
  full      rescreen(everyone=True, full=True) when nothing changed: the weekly comparison of
            everyone's facts with the stored state (the safety net; also the first sweep)
  orm       the same evaluation done row by row through the ORM (load person, household members'
            statuses, decisions; save each change) on --sample persons, rolled back afterwards

The first pass over a fresh database places everyone (creates every decision and task) and is
reported separately ("initial"): it is a one-off, not the nightly cost.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongshan_care.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments import rules, screening  # noqa: E402
from assessments.models import GroupDecision, ScreeningState  # noqa: E402
from households.models import AssistanceStatus, Person  # noqa: E402


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


class WriteClock:
    """Sums the time PostgreSQL spends in the run's INSERT/UPDATE/DELETE statements: the floor no
    reading or Python work can go below (the decisions, tasks, history and states it must write)."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            head = sql.lstrip()[:12].upper()
            if head.startswith(("INSERT", "UPDATE", "DELETE", "WITH NEW AS")):
                self.seconds += time.perf_counter() - started


def count_scan() -> float:
    samples = []
    with connection.cursor() as cursor:
        for _ in range(5):
            started = time.perf_counter()
            cursor.execute("SELECT count(*) FROM households_person")
            cursor.fetchone()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def change_slice(fraction: float, slice_no: int) -> int:
    """Toggle the living arrangement of ``fraction`` of persons (a different slice each time)."""
    modulus = round(1 / fraction)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE households_person
            SET living_arrangement = CASE WHEN living_arrangement = 'alone' THEN 'with_children' ELSE 'alone' END
            WHERE id %% %s = %s
            """,
            [modulus, slice_no % modulus],
        )
        changed = cursor.rowcount
    if connection.vendor == "postgresql":
        # As autovacuum would before the night: the count(*) baseline is not measured on a table
        # full of dead row versions (that doubles or triples it and flatters the ratio).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) households_person")
    return changed


def orm_row_by_row(person_ids: list[int], on) -> int:
    """The naive way: one person at a time through the ORM, saving each change."""
    params = rules.Params.load(on)
    writes = 0
    for pid in person_ids:
        person = Person.objects.select_related("household").get(pk=pid)
        household = person.household
        member_kinds = set(
            AssistanceStatus.objects.current(on)
            .filter(person__household_id=household.pk)
            .values_list("kind", flat=True)
        )
        own_kinds = set(
            AssistanceStatus.objects.current(on).filter(person=person).values_list("kind", flat=True)
        )
        facts = rules.Facts(
            person_id=person.pk,
            household_id=household.pk,
            name=person.name,
            sex=person.sex,
            birth_date=person.birth_date,
            status=person.status,
            household_status=household.status,
            housing=household.housing,
            safety_grade=household.safety_grade,
            zero_employment=household.zero_employment,
            household_kinds=frozenset(member_kinds & set(rules.LOW_INCOME)),
            own_kinds=frozenset(own_kinds),
            **{k: getattr(person, k) for k in rules.Facts.PERSON_FIELDS},
        )
        wanted = rules.evaluate(facts, params)
        current = {d.group: d for d in GroupDecision.objects.filter(person=person, active=True)}
        now = timezone.now()
        for group, value in wanted.items():
            decision = current.pop(group, None)
            if decision is None:
                GroupDecision.objects.create(
                    person=person,
                    group=group,
                    tier=value["tier"],
                    rule_version=rules.RULE_VERSION,
                    params_version=params.version,
                    evidence=value["evidence"],
                    fingerprint=value["fingerprint"],
                )
                writes += 1
            elif decision.tier != value["tier"] or decision.fingerprint != value["fingerprint"]:
                decision.tier, decision.fingerprint = value["tier"], value["fingerprint"]
                decision.evidence, decision.updated_at = value["evidence"], now
                decision.save()
                writes += 1
        for decision in current.values():
            decision.active, decision.ended_at = False, now
            decision.save()
            writes += 1
        ScreeningState.objects.update_or_create(
            person=person,
            defaults={
                "household_id": household.pk,
                "signature": rules.signature_for(facts, params),
                "rule_version": rules.RULE_VERSION,
                "screened_on": on,
            },
        )
    return writes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--change", type=float, default=0.05, help="fraction of persons changed (0.05 = 5%%)")
    parser.add_argument("--sample", type=int, default=10000, help="persons in the ORM loop sample")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    on = timezone.localdate()
    persons = Person.objects.count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}  persons: {persons:,}")

    if not ScreeningState.objects.exists():
        seconds, result = timed(screening.rescreen, everyone=True)
        print(f"initial placement of everyone: {seconds:.1f} s  {result.as_dict()}")
    screening.rescreen(everyone=True)  # settle anything left (e.g. a day boundary)

    scan = count_scan()
    rows = []
    for _ in range(args.repeat):
        seconds, result = timed(screening.rescreen, everyone=True)
        rows.append(("nochange (incremental)", seconds, result.changed, scan))
    for _ in range(args.repeat):
        seconds, result = timed(screening.rescreen, everyone=True, full=True)
        rows.append(("nochange (full comparison)", seconds, result.changed, scan))
    tomorrow = on + dt.timedelta(days=1)
    seconds, result = timed(screening.rescreen, everyone=True, on=tomorrow)
    rows.append(("next day (incremental, ageing)", seconds, result, scan))
    write_floor = []
    for i in range(args.repeat):
        changed = change_slice(args.change, i + 1)
        scan = count_scan()
        clock = WriteClock()
        with connection.execute_wrapper(clock):
            seconds, result = timed(screening.rescreen, everyone=True, on=tomorrow)
        rows.append((f"change {changed:,} ({args.change:.0%}, incremental)", seconds, result, scan))
        write_floor.append((clock.seconds, scan))

    sample = list(Person.objects.order_by("id").values_list("id", flat=True)[: args.sample])
    with transaction.atomic():
        orm_seconds, writes = timed(orm_row_by_row, sample, on)
        transaction.set_rollback(True)

    print()
    print("| run | seconds | persons changed | decisions +/-/~ | tasks | count(*) scan s | x scan |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for label, seconds, result, scan_s in rows:
        if isinstance(result, int):
            print(f"| {label} | {seconds:.2f} | {result:,} | | | {scan_s:.3f} | {seconds / scan_s:.1f} |")
        else:
            print(
                f"| {label} | {seconds:.2f} | {result.changed:,} | {result.gained}/{result.lost}/{result.updated}"
                f" | {result.tasks:,} | {scan_s:.3f} | {seconds / scan_s:.1f} |"
            )
    print()
    for write_s, scan_s in write_floor:
        print(
            f"of a {args.change:.0%} change run, SQL writes alone (decisions, tasks + history, states, marks):"
            f" {write_s:.2f} s = {write_s / scan_s:.1f} x scan"
        )
    change_runs = [r for r in rows if r[0].startswith("change")]
    best = min(change_runs, key=lambda r: r[1])
    set_per_person = best[1] / persons
    orm_per_person = orm_seconds / len(sample)
    print()
    print(
        f"row-by-row ORM: {len(sample):,} persons in {orm_seconds:.1f} s ({orm_per_person * 1e3:.2f} ms/person,"
        f" {writes:,} row writes); set-based pass with {args.change:.0%} changed: "
        f"{set_per_person * 1e6:.2f} us/person -> {orm_per_person / set_per_person:.0f}x faster per person"
    )


if __name__ == "__main__":
    main()
