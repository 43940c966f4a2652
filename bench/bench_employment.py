"""Benchmark: server time of the employment pages against the registry's size.

Run against a seeded database (PostgreSQL for real figures; the size is seed_demo's argument):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_employment
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --households 40000      # ~100k persons (400000: ~1M)
    .venv/bin/python manage.py rescreen --all
    .venv/bin/python bench/bench_employment.py --repeat 5

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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--users", default="admin,dongqu", help="demo users to measure as")
    args = parser.parse_args()
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    from accounts.models import User
    from households.models import Person

    with connection.cursor() as cursor:
        scan = _median(lambda: cursor.execute("SELECT count(*) FROM households_person"), args.repeat)
    print(f"{connection.vendor}, {Person.objects.count():,} persons; scan {scan * 1000:.1f} ms (baseline)")
    print(f"{'user':8} {'page':52} {'ms':>8} {'x scan':>8}")
    for username in args.users.split(","):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in PAGES:
            response = client.get(url)  # warm, and check it answers
            assert response.status_code == 200, (url, response.status_code)
            took = _median(lambda url=url, client=client: client.get(url), args.repeat)
            flag = "" if took <= 0.05 else "  > 50 ms"
            print(f"{username:8} {url:52} {took * 1000:8.1f} {took / scan:8.1f}{flag}")


if __name__ == "__main__":
    main()
