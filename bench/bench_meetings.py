"""Benchmark: the joint meeting's list pages against the number of cases (issue 15).

Run against any seeded database, e.g. the big one the benchmarks share (no reseeding):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_push
    .venv/bin/python manage.py seed_demo --households 400000 --no-users   # ~1M persons
    .venv/bin/python manage.py rescreen --all
    .venv/bin/python bench/bench_meetings.py --cases 20000

Makes the measured users if missing (admin, mishu, renshe: the demo's), tops the database up to
--cases bench cases (two resolution tasks each, one meeting per 20 cases; bulk INSERTs on sampled
households, seconds even at 1M persons), then prints the server time (Django test client, median of --repeat) of each list page,
page 1 and page 200, as the city admin, the secretariat and the 人社 liaison. Target: <= 50 ms.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongshan_care.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from floor import FLOOR_URL  # noqa: E402

from accounts.models import User  # noqa: E402
from households.models import Household  # noqa: E402
from meetings import choices as c  # noqa: E402
from meetings.models import Department, JointCase, Meeting, ResolutionTask  # noqa: E402

PAGES = ("/joint/", "/joint/cases/", "/joint/resolutions/", "/joint/meetings/")


def ensure_users() -> None:
    """The users measured as (a db seeded with --no-users has none): made once, idempotent."""
    from households.demo import ensure_demo_users
    from meetings.demo import _users as ensure_case_users

    if not User.objects.filter(username="admin").exists():
        ensure_demo_users()
    if User.objects.filter(username__in=["mishu", "renshe"]).count() < 2:
        ensure_case_users()


def fill(target: int, seed: int = 2026) -> None:
    """Top up to ``target`` bench cases, set-based (a few bulk INSERTs, no history rows): on an
    existing big database it adds what is missing and leaves the rest alone."""
    have = JointCase.objects.filter(summary__startswith="[bench]").count()
    missing = target - have
    if missing <= 0:
        return
    started = time.perf_counter()
    rng = random.Random(seed + have)
    author = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
    departments = list(Department.objects.all())
    # Households without a bench case, spread over the city by a random sample of the table's pages
    # (TABLESAMPLE on PostgreSQL reads ~1% of a 400k table; ORDER BY random() would sort all of it).
    taken = JointCase.objects.filter(summary__startswith="[bench]").values("household_id")
    pool = Household.objects.exclude(pk__in=taken)
    if connection.vendor == "postgresql":
        percent = min(100.0, 100.0 * 3 * missing / max(1, Household.objects.count()))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM households_household TABLESAMPLE SYSTEM ({percent:.4f}) REPEATABLE ({seed})"
            )
            sample = [row[0] for row in cursor.fetchall()]
        households = list(pool.filter(pk__in=sample).values_list("id", flat=True)[:missing])
    else:
        households = list(pool.order_by("?").values_list("id", flat=True)[:missing])
    if len(households) < missing:  # a small sample: the rest in id order
        households += list(
            pool.exclude(pk__in=households).values_list("id", flat=True)[: missing - len(households)]
        )
    today = dt.date.today()
    year = 2000  # bench numbers never meet real ones
    start = (
        JointCase.objects.filter(year=year).order_by("-seq").values_list("seq", flat=True).first() or 0
    ) + 1
    chunks = [households[i : i + 20] for i in range(0, len(households), 20)]
    with transaction.atomic():
        meetings = Meeting.objects.bulk_create(
            Meeting(
                title=f"[bench] 会议 {have // 20 + n}",
                held_on=today - dt.timedelta(days=rng.randrange(0, 400)),
                status=c.MeetingStatus.HELD,
                created_by=author,
            )
            for n in range(len(chunks))
        )
        Meeting.departments.through.objects.bulk_create(
            Meeting.departments.through(meeting_id=meeting.pk, department_id=d.pk)
            for meeting in meetings
            for d in rng.sample(departments, 4)
        )
        cases = JointCase.objects.bulk_create(
            (
                JointCase(
                    household_id=h,
                    year=year,
                    seq=start + n * 20 + i,
                    summary="[bench] 案情",
                    author=author,
                    status=rng.choice([c.CaseStatus.RESOLVING, c.CaseStatus.CLOSED]),
                    meeting=meeting,
                    agenda_order=i + 1,
                )
                for n, (meeting, chunk) in enumerate(zip(meetings, chunks, strict=True))
                for i, h in enumerate(chunk)
            ),
            batch_size=2000,
        )
        ResolutionTask.objects.bulk_create(
            (
                ResolutionTask(
                    case=case,
                    meeting_id=case.meeting_id,
                    department=rng.choice(departments),
                    action="[bench] 事项",
                    deadline=today + dt.timedelta(days=rng.randrange(-60, 60)),
                    status=rng.choice([c.TaskStatus.ASSIGNED, c.TaskStatus.IN_PROGRESS]),
                    created_by=author,
                )
                for case in cases
                for _ in range(2)
            ),
            batch_size=2000,
        )
    if connection.vendor == "postgresql":  # fresh statistics, or the planner guesses on the new rows
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE meetings_jointcase, meetings_resolutiontask, meetings_meeting")
    print(f"added {len(cases):,} bench cases in {time.perf_counter() - started:.1f}s")


def page_time(client, url: str, repeat: int) -> float | None:
    if client.get(url).status_code != 200:
        return None
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    ensure_users()
    fill(args.cases)
    print(
        f"database: {connection.vendor}  cases: {JointCase.objects.count():,}  tasks: {ResolutionTask.objects.count():,}"
    )
    print("| user | page | page 1 ms | page 200 ms | target |")
    print("|---|---|---:|---:|---|")
    for username in ("admin", "mishu", "renshe"):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        floor = page_time(client, FLOOR_URL, args.repeat)
        print(f"| {username} | floor: {FLOOR_URL} (the layout alone) | {floor * 1000:.0f} | - | |")
        for url in PAGES:
            first = page_time(client, url, args.repeat)
            deep = page_time(client, f"{url}?page=200", args.repeat) if url != "/joint/" else None
            show = lambda t: f"{t * 1000:.0f}" if t is not None else "-"  # noqa: E731
            print(f"| {username} | {url} | {show(first)} | {show(deep)} | <= 50 ms |")


if __name__ == "__main__":
    main()
