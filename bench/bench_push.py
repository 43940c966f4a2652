"""Benchmark: the push (幸福清单推送) and the needs/push/plan pages against the registry's size.

Run against a seeded PostgreSQL database:

    createdb -U postgres -h 127.0.0.1 bench_push
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_push
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --households 400000 --no-users   # ~1M persons
    .venv/bin/python bench/bench_push.py

What is measured, in one run (medians of --repeat runs; ratios against baselines of the same run):
  scan          SELECT count(*) FROM households_person (median of 5, warm)
  screen full   screening.rescreen(everyone=True, full=True) with nothing changed: the weekly
                comparison of everyone's facts (the issue's baseline for a full push)
  push full     push(mode="full") with nothing new: every item's eligibility re-evaluated
  push incr.    push_incremental() right after a push with nothing changed
  pages         server time of /needs/, /push/, /plans/ page 1 and page 200 as the city admin
                (Django test client, no network), after the ledger is filled with --needs needs

Targets (issue #11): push full <= 2x screen full; push incremental <= 5x scan; pages <= 50 ms.
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

from assessments import screening  # noqa: E402
from assessments.models import ScreeningState  # noqa: E402
from assistance import push  # noqa: E402
from assistance.models import Need, Recommendation  # noqa: E402
from households.models import Person  # noqa: E402


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def median_time(fn, repeat: int) -> float:
    return statistics.median(timed(fn)[0] for _ in range(repeat))


def count_scan() -> float:
    samples = []
    with connection.cursor() as cursor:
        for _ in range(5):
            started = time.perf_counter()
            cursor.execute("SELECT count(*) FROM households_person")
            cursor.fetchone()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def floor_copy() -> float:
    """What writing the push's rows costs at least: one INSERT..SELECT of all of them."""
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_copy AS SELECT household_id, person_id, item_id, status "
            "FROM assistance_recommendation"
        )
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    return seconds


def floor_eligibility() -> float:
    """What evaluating every item's eligibility costs at least, writing nothing."""
    import datetime as dt

    from assistance.models import CatalogItem

    on, total = dt.date.today(), 0.0
    for item in CatalogItem.objects.filter(is_active=True):
        if not push.is_pushable(item) or not push._active_on(item, on):
            continue
        query = (
            push.eligible_persons(item, on)
            if push.is_person_level(item)
            else push.eligible_households(item, on)
        )
        started = time.perf_counter()
        query.count()
        total += time.perf_counter() - started
    return total


def fill_ledger(target: int) -> None:
    """Enough needs for a deep page: the demo's generator, then copies by SQL if still short."""
    from accounts.models import User
    from assistance.demo import make_demo_needs

    if Need.objects.count() >= target:
        return
    admin = User.objects.filter(is_superuser=True).first()
    if admin is None:
        from households.demo import ensure_demo_users

        ensure_demo_users()
    make_demo_needs(share=1.0, limit=target)


def page_times(client, url: str, repeat: int) -> float:
    client.get(url)  # warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--needs", type=int, default=20000, help="needs in the ledger for the page timings")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    persons = Person.objects.count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}  persons: {persons:,}")
    if not ScreeningState.objects.exists():
        seconds, _ = timed(screening.rescreen, everyone=True)
        print(f"initial placement of everyone: {seconds:.1f} s")
    if not Recommendation.objects.exists():
        seconds, run = timed(push.push, mode="full")
        print(f"first push: {seconds:.1f} s, {run.created:,} recommendations")

    scan = count_scan()
    screen_full = median_time(lambda: screening.rescreen(everyone=True, full=True), args.repeat)
    push_full = median_time(lambda: push.push(mode="full"), args.repeat)
    push.push(mode="full")
    push_incr = median_time(push.push_incremental, args.repeat)
    print()
    print("| step | seconds | ratio | target |")
    print("|---|---:|---:|---|")
    print(f"| count(*) scan of persons (baseline) | {scan:.3f} | | |")
    print(f"| full screening comparison (baseline) | {screen_full:.2f} | | |")
    print(
        f"| full push, nothing new | {push_full:.2f} | {push_full / screen_full:.2f} x screening | <= 2 x |"
    )
    print(f"| incremental push, nothing changed | {push_incr:.3f} | {push_incr / scan:.1f} x scan | <= 5 x |")
    copy, eligibility = floor_copy(), floor_eligibility()
    print(
        f"| floor: bare INSERT..SELECT of every recommendation row into a temp table | {copy:.2f} "
        f"| {copy / screen_full:.2f} x screening | |"
    )
    print(
        f"| floor: each item's eligibility SELECT alone (count only) | {eligibility:.2f} "
        f"| {eligibility / screen_full:.2f} x screening | |"
    )

    fill_ledger(args.needs)
    from accounts.models import User

    admin = User.objects.filter(is_superuser=True).first()
    client = Client()
    client.force_login(admin)
    print()
    print(f"needs: {Need.objects.count():,}  recommendations: {Recommendation.objects.count():,}")
    print("| page (city admin) | page 1 ms | page 200 ms | target |")
    print("|---|---:|---:|---|")
    for url in ("/needs/", "/push/", "/plans/"):
        first = page_times(client, url, args.repeat)
        deep = page_times(client, f"{url}?page=200", args.repeat) if _has_page(client, url, 200) else None
        deep_text = f"{deep * 1000:.0f}" if deep is not None else "-"
        print(f"| {url} | {first * 1000:.0f} | {deep_text} | <= 50 ms |")


def _has_page(client, url, number) -> bool:
    response = client.get(f"{url}?page={number}")
    return response.status_code == 200


if __name__ == "__main__":
    main()
