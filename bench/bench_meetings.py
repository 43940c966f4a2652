"""Benchmark: the joint meeting's list pages against the number of cases (issue 15).

Run against a seeded database (the demo users mishu and renshe come from seed_demo):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_push
    .venv/bin/python manage.py seed_demo --households 400000      # ~1M persons, with demo users
    .venv/bin/python bench/bench_meetings.py --cases 20000

Adds --cases cases (two resolution tasks each, one meeting per 20 cases) on existing households
once, then prints the server time (Django test client, median of --repeat) of each list page,
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

from accounts.models import User  # noqa: E402
from households.models import Household  # noqa: E402
from meetings import choices as c  # noqa: E402
from meetings.models import Department, JointCase, Meeting, ResolutionTask  # noqa: E402

PAGES = ("/joint/", "/joint/cases/", "/joint/resolutions/", "/joint/meetings/")


def fill(target: int, seed: int = 2026) -> None:
    have = JointCase.objects.filter(summary__startswith="[bench]").count()
    if have >= target:
        return
    rng = random.Random(seed)
    author = User.objects.filter(is_superuser=True).first()
    departments = list(Department.objects.all())
    households = list(Household.objects.order_by("?").values_list("id", flat=True)[: target - have])
    today = dt.date.today()
    year = 2000  # bench numbers never meet real ones
    start = (
        JointCase.objects.filter(year=year).order_by("-seq").values_list("seq", flat=True).first() or 0
    ) + 1
    with transaction.atomic():
        for offset in range(0, len(households), 20):
            chunk = households[offset : offset + 20]
            meeting = Meeting.objects.create(
                title=f"[bench] 会议 {offset // 20}",
                held_on=today - dt.timedelta(days=rng.randrange(0, 400)),
                status=c.MeetingStatus.HELD,
                created_by=author,
            )
            meeting.departments.set(rng.sample(departments, 4))
            cases = JointCase.objects.bulk_create(
                JointCase(
                    household_id=h,
                    year=year,
                    seq=start + offset + i,
                    summary="[bench] 案情",
                    author=author,
                    status=rng.choice([c.CaseStatus.RESOLVING, c.CaseStatus.CLOSED]),
                    meeting=meeting,
                    agenda_order=i + 1,
                )
                for i, h in enumerate(chunk)
            )
            ResolutionTask.objects.bulk_create(
                ResolutionTask(
                    case=case,
                    meeting=meeting,
                    department=rng.choice(departments),
                    action="[bench] 事项",
                    deadline=today + dt.timedelta(days=rng.randrange(-60, 60)),
                    status=rng.choice([c.TaskStatus.ASSIGNED, c.TaskStatus.IN_PROGRESS]),
                    created_by=author,
                )
                for case in cases
                for _ in range(2)
            )


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
        for url in PAGES:
            first = page_time(client, url, args.repeat)
            deep = page_time(client, f"{url}?page=200", args.repeat) if url != "/joint/" else None
            show = lambda t: f"{t * 1000:.0f}" if t is not None else "-"  # noqa: E731
            print(f"| {username} | {url} | {show(first)} | {show(deep)} | <= 50 ms |")


if __name__ == "__main__":
    main()
