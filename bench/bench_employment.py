"""Benchmark: server time of the employment pages against the registry's size.

Run against a seeded database (PostgreSQL for real figures; the size is seed_demo's argument):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_employment
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --households 40000 --no-users   # ~100k persons (400000: ~1M)
    .venv/bin/python manage.py rescreen --all
    .venv/bin/python bench/bench_employment.py --repeat 5

On a database seeded with --no-users (the shared big one) it makes the measured users and, when
there is no post yet, the demo's employment records for the first --people targets (posts in every
town, profiles, surveys, trainings, placements, referrals: bulk INSERTs, no reseeding).

Measured (medians of --repeat runs, warm; ratios against the baseline of the same run):
  scan    SELECT count(*) FROM households_person
  pages   /employment/ (page 1 and a later page), the survey progress page, the survey-household
          list, posts, placements, trainings, referrals, survey contacts, as the city admin and as a
          town worker (Django test client, no network)
Target (issue #15): list pages <= 50 ms server time at the 1M-person scale.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongshan_care.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from floor import FLOOR_URL, floor_ms  # noqa: E402

PAGES = [
    "/employment/",
    "/employment/?page=5",
    "/employment/?basis=dibao&sort=age",
    "/employment/surveys/progress/",
    "/employment/surveys/households/?state=not_surveyed",
    "/employment/posts/",
    "/employment/placements/",
    "/employment/trainings/",
    "/employment/referrals/",
    "/employment/surveys/",
]


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def top_up(people: int) -> None:
    """Users and employment records for a database seeded without them; nothing when present."""
    from accounts.models import User
    from employment.demo import make_demo_employment
    from employment.models import Post
    from households.demo import ensure_demo_users

    if User.objects.filter(username__in=["admin", "dongqu", "huayuan"]).count() < 3:
        ensure_demo_users()
    if not Post.objects.exists():
        started = time.perf_counter()
        made = make_demo_employment(limit=people)
        if connection.vendor == "postgresql":  # the new rows' statistics (the app's tables only)
            from django.apps import apps

            models = apps.get_app_config("employment").get_models()
            tables = {m._meta.db_table for m in models if not m._meta.proxy}
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE " + ", ".join(sorted(tables)))
        print(f"added employment records {made} in {time.perf_counter() - started:.1f}s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--users", default="admin,dongqu", help="demo users to measure as")
    parser.add_argument("--people", type=int, default=20000, help="targets given records when none exist")
    args = parser.parse_args()
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    top_up(args.people)
    from accounts.models import User
    from households.models import Person

    with connection.cursor() as cursor:
        scan = _median(lambda: cursor.execute("SELECT count(*) FROM households_person"), args.repeat)
    print(f"{connection.vendor}, {Person.objects.count():,} persons; scan {scan * 1000:.1f} ms (baseline)")
    print(f"{'user':8} {'page':52} {'ms':>8} {'x scan':>8}")
    for username in args.users.split(","):
        client = Client()
        client.force_login(User.objects.get(username=username))
        floor = floor_ms(client, _median, args.repeat)
        print(
            f"{username:8} {FLOOR_URL + ' (floor: the layout alone)':52} {floor * 1000:8.1f} {floor / scan:8.1f}"
        )
        for url in PAGES:
            response = client.get(url)  # warm, and check it answers
            assert response.status_code == 200, (url, response.status_code)
            took = _median(lambda url=url, client=client: client.get(url), args.repeat)
            flag = "" if took <= 0.05 else f"  > 50 ms ({(took - floor) * 1000:.1f} ms over the floor)"
            print(f"{username:8} {url:52} {took * 1000:8.1f} {took / scan:8.1f}{flag}")


if __name__ == "__main__":
    main()
