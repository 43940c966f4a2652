"""Benchmark: the push (幸福清单推送) and the needs/push/plan pages against the registry's size.

Run against a seeded PostgreSQL database:

    createdb -U postgres -h 127.0.0.1 bench_push
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_push
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --households 400000 --no-users   # ~1M persons
    .venv/bin/python manage.py rescreen --all
    .venv/bin/python bench/bench_push.py --needs 500000

On an existing database nothing is reseeded: the screening runs only if nobody was screened,
the first forced push only if no push inputs are stored, and the ledger is topped up to --needs
with one INSERT..SELECT.

What is measured, in one run (medians of --repeat runs; ratios against baselines of the same run):
  scan          SELECT count(*) FROM households_person (median of 5, warm)
  screen full   screening.rescreen(everyone=True, full=True) with nothing changed: the weekly
                comparison of everyone's facts (the issue's baseline for a full push)
  push full     push(mode="full") with nothing changed: the stored push inputs compared with
                everyone's, nothing to evaluate (a full push evaluates only what changed)
  push incr.    push_incremental() right after a push with nothing changed
  item edit     push(mode="full") after one item's stored version is forgotten: that item for everyone
  forced        push(mode="full", force=True): every item for everyone (``push --all --force``)
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

from accounts.models import User  # noqa: E402
from assessments import screening  # noqa: E402
from assessments.models import ScreeningState  # noqa: E402
from assistance import push  # noqa: E402
from assistance.models import Need, Recommendation  # noqa: E402
from households.models import Household, Person  # noqa: E402


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
    """Top the ledger up to ``target`` needs, set-based (one INSERT..SELECT: 500,000 needs in
    seconds, where the demo generator builds Python objects and history rows one by one).

    The rows are benchmark filler (no history rows): open needs of every domain and urgency,
    recorded over the last year, spread over the households in id order. Existing needs are kept.
    """
    from assistance import choices as c
    from households.demo import ensure_demo_users

    missing = target - Need.objects.count()
    if missing <= 0:
        return
    ensure_demo_users()  # the recorder (a db seeded with --no-users has none)
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    domains = [d for d, _label in c.NeedDomain.choices]
    statuses = [c.NeedStatus.RECORDED, c.NeedStatus.MATCHED, c.NeedStatus.IN_PROGRESS, c.NeedStatus.ESCALATED]
    sources = [s for s, _label in c.NeedSource.choices if s != c.NeedSource.IMPORT]
    households = Household.objects.count()
    rounds = missing // max(households, 1) + 1
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Need._meta.db_table} (household_id, person_id, domain, description, urgency,
                source, status, item_id, outcome_note, recorded_by_id, recorded_at, changed_by_id,
                changed_at, met_on, days_to_meet)
            SELECT h.id, NULL, (%s::text[])[1 + (h.id + g) %% %s], '基准测试需求',
                   CASE WHEN (h.id + g) %% 7 = 0 THEN 'urgent' ELSE 'normal' END,
                   (%s::text[])[1 + (h.id * 3 + g) %% %s], (%s::text[])[1 + (h.id + 2 * g) %% %s],
                   NULL, '', %s, now() - ((h.id * 13 + g) %% 330) * interval '1 day' - g * interval '1 minute',
                   NULL, NULL, NULL, NULL
            FROM {Household._meta.db_table} h CROSS JOIN generate_series(1, %s) AS g
            LIMIT %s
            """,
            [
                domains,
                len(domains),
                sources,
                len(sources),
                statuses,
                len(statuses),
                admin.pk,
                rounds,
                missing,
            ],
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Need._meta.db_table}")


def page_times(client, url: str, repeat: int) -> tuple[float, float]:
    """Median wall time of the request and median CPU time of this (the Django) process: on a
    shared, loaded machine the wall time includes waiting for a core; the CPU time does not
    (the database's own time is in its process, not counted in the second figure)."""
    client.get(url)  # warm
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(walls), statistics.median(cpus)


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
    from assistance.models import PushItemState, PushState

    if not PushState.objects.exists():
        seconds, run = timed(push.push, mode="full", force=True)
        print(
            f"first push (every item for everyone, stores the inputs): {seconds:.1f} s, {run.created:,} new"
        )

    scan = count_scan()
    screen_full = median_time(lambda: screening.rescreen(everyone=True, full=True), args.repeat)
    push_full = median_time(lambda: push.push(mode="full"), args.repeat)
    push.push(mode="full")
    push_incr = median_time(push.push_incremental, args.repeat)
    # An edited item is re-evaluated for everyone: forget one stored item version (the catalog
    # itself is not touched) and time the run that follows.
    item_id = PushItemState.objects.order_by("item_id").values_list("item_id", flat=True).first()
    PushItemState.objects.filter(item_id=item_id).delete()
    push_item = timed(push.push, mode="full")[0]
    push_forced = timed(push.push, mode="full", force=True)[0]
    print()
    print("| step | seconds | ratio | target |")
    print("|---|---:|---:|---|")
    print(f"| count(*) scan of persons (baseline) | {scan:.3f} | | |")
    print(f"| full screening comparison (baseline) | {screen_full:.2f} | | |")
    print(
        f"| full push, nothing changed | {push_full:.2f} | {push_full / screen_full:.2f} x screening | <= 2 x |"
    )
    print(f"| incremental push, nothing changed | {push_incr:.3f} | {push_incr / scan:.1f} x scan | <= 5 x |")
    print(
        f"| full push after one item's edit | {push_item:.2f} | {push_item / screen_full:.2f} x screening | |"
    )
    print(
        f"| forced push (--all --force: every item for everyone) | {push_forced:.2f} "
        f"| {push_forced / screen_full:.2f} x screening | |"
    )
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
    admin = User.objects.filter(is_superuser=True).first()
    client = Client()
    client.force_login(admin)
    print()
    print(f"needs: {Need.objects.count():,}  recommendations: {Recommendation.objects.count():,}")
    print("| page (city admin) | page 1 ms (Django CPU) | page 200 ms (Django CPU) | target |")
    print("|---|---:|---:|---|")
    for url in ("/needs/", "/push/", "/plans/"):
        first, first_cpu = page_times(client, url, args.repeat)
        deep_text = "-"
        if _has_page(client, url, 200):
            deep, deep_cpu = page_times(client, f"{url}?page=200", args.repeat)
            deep_text = f"{deep * 1000:.0f} ({deep_cpu * 1000:.0f})"
        print(f"| {url} | {first * 1000:.0f} ({first_cpu * 1000:.0f}) | {deep_text} | <= 50 ms |")


def _has_page(client, url, number) -> bool:
    response = client.get(f"{url}?page={number}")
    return response.status_code == 200


if __name__ == "__main__":
    main()
