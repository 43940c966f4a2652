"""Benchmark: push uptake (issue #14) on the summary rows against the raw GROUP BY.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_uptake_bench
    .venv/bin/python bench/bench_uptake.py              # a database filled by bench_pages/fill_care

Measures (medians of --repeat warm runs): the dashboard's uptake figure (dashboards.figures.uptake)
from the records (USE_TALLIES = False) and from stats.UptakeTally, for the city, a town and a
community; the /push/uptake/ page and the dashboard page (server time, test client); and the
writes that keep the rows: one community's recount, the full recount, one funnel step.
Run on a tree without stats/uptake.py it measures the pages as they were (the "before").
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
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from assistance.models import Recommendation  # noqa: E402
from dashboards import figures  # noqa: E402
from dashboards.periods import parse_period  # noqa: E402
from households.models import Division  # noqa: E402

try:
    from stats import uptake
except ImportError:  # the tree before the rows
    uptake = None


def median_ms(fn, repeat: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def figure(scope, tallies: bool):
    saved = getattr(figures, "USE_TALLIES", True)
    figures.USE_TALLIES = tallies
    try:
        return figures.uptake(scope)
    finally:
        figures.USE_TALLIES = saved


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


class Rollback(Exception):
    pass


def in_rollback(fn):
    """Run a write and roll it back (the database stays as it was)."""
    try:
        with transaction.atomic():
            fn()
            raise Rollback
    except Rollback:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench_uptake needs PostgreSQL (DATABASE_URL)")
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    period = parse_period({})
    rows = "none" if uptake is None else f"{uptake.UptakeTally.objects.count():,}"
    print(
        f"database {connection.settings_dict['NAME']}: recommendations {Recommendation.objects.count():,}; rows {rows}"
    )
    cases = [
        ("city", "manager", Division.objects.filter(level="city").order_by("code").first()),
        ("town", "dongqu", Division.objects.get(name="东区街道")),
        ("community", "huayuan", Division.objects.get(name="花苑社区")),
    ]
    print()
    print("| level | uptake figure raw ms | uptake figure rows ms | /push/uptake/ ms | dashboard page ms |")
    print("|---|---:|---:|---:|---:|")
    for level, username, division in cases:
        user = User.objects.get(username=username)
        scope = figures.Scope(user=user, division=division, period=period)
        client = Client()
        client.force_login(user)
        raw = median_ms(lambda s=scope: figure(s, False), args.repeat)
        rows = median_ms(lambda s=scope: figure(s, True), args.repeat) if uptake else float("nan")
        push_page = median_ms(lambda c=client: page(c, "/push/uptake/"), args.repeat)
        dash = median_ms(lambda c=client, d=division: page(c, f"/dashboard/{d.pk}/"), args.repeat)
        print(f"| {level} | {raw:.1f} | {rows:.1f} | {push_page:.1f} | {dash:.1f} |")
    if uptake is None:
        return
    huayuan = cases[2][2]
    rec = Recommendation.objects.filter(household__community=huayuan, status="pushed").first()
    print()
    print("| write (rolled back) | ms |")
    print("|---|---:|")
    print(
        f"| recount one community (花苑) | "
        f"{median_ms(lambda: in_rollback(lambda: uptake.recount([huayuan.pk])), args.repeat):.1f} |"
    )
    print(
        f"| recount every community | {median_ms(lambda: in_rollback(lambda: uptake.recount(None)), args.repeat):.1f} |"
    )
    if rec is not None:

        def step():
            uptake.step(household_id=rec.household_id, item_id=rec.item_id, old="pushed", new="offered")

        print(f"| one funnel step's -1/+1 | {median_ms(lambda: in_rollback(step), args.repeat):.1f} |")


if __name__ == "__main__":
    main()
