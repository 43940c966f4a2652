"""Benchmark: visit coverage for the whole city and a town's overdue queue (issue 12).

Run against a PostgreSQL database (the script tops it up to the size asked, idempotently):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/visits_db
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/bench_visits.py --persons 100000            # ~300k visits
    .venv/bin/python bench/bench_visits.py --persons 1000000           # the 1M / 3M run

What is measured (medians of --repeat runs, warm; ratios against a baseline of the same run):
  scan        SELECT count(*) FROM visits_visit
  coverage    the coverage figures for the whole city, per community and per town (selectors.coverage)
  queue       a town's overdue queue: the selector (capped count + first page of schedule_rows)
              and the page's server time as that town's worker (/care/queue/?state=overdue, Django
              test client, no network), page 1 and the town's last page reached by its cursor
              (?after=, what "next" links to): a deep page should cost what page 1 does

Targets: coverage <= 20x scan; town overdue queue <= 50 ms server time.
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

from accounts.models import User  # noqa: E402
from households.demo import ensure_demo_users, make_households  # noqa: E402
from households.models import Household, Person  # noqa: E402
from visits import selectors  # noqa: E402
from visits.demo import make_demo_visits  # noqa: E402
from visits.models import Visit  # noqa: E402

PERSONS_PER_HOUSEHOLD = 2.5  # the demo generator's average
VISITS_PER_PERSON = 3  # the 1M persons / 3M visits


def timed(fn):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def median_ms(fn, repeat: int) -> float:
    fn()  # warm
    return 1000 * statistics.median(timed(fn) for _ in range(repeat))


def seed(persons: int) -> None:
    households = int(persons / PERSONS_PER_HOUSEHOLD)
    started = time.perf_counter()
    make_households(households)
    ensure_demo_users()
    from assessments import screening

    screening.rescreen(everyone=True)
    have, want = Visit.objects.count(), VISITS_PER_PERSON * persons
    if have < 0.9 * want:
        # The demo makes ~19 visits a year per paired household; shorten the span to land near want.
        paired = max(1, Household.objects.filter(pairings__isnull=True).count())
        days = max(30, min(365, int(365 * (want - have) / (19 * 0.93 * paired))))
        made = time.perf_counter()
        print(f"  visits: {make_demo_visits(top_up=True, days=days)} in {time.perf_counter() - made:.0f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.0f}s")


def scan() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM visits_visit")
        cursor.fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=100_000, help="registry size to seed up to")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-seed", action="store_true", help="measure the database as it is")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench_visits needs PostgreSQL (DATABASE_URL)")
    if not args.no_seed:
        seed(args.persons)
    admin = User.objects.get(username="admin")
    town_worker = User.objects.get(username="dongqu")
    print(
        f"persons {Person.objects.count():,}  households {Household.objects.count():,}  "
        f"visits {Visit.objects.count():,}"
    )

    base = median_ms(scan, args.repeat)
    city_c = median_ms(lambda: selectors.coverage(admin, level="community"), args.repeat)
    city_t = median_ms(lambda: selectors.coverage(admin, level="town"), args.repeat)

    def queue():
        rows = selectors.schedule_rows(town_worker, state="overdue")
        rows.order_by().values("pk")[:10_001].count()
        list(selectors.for_page(rows)[:25])

    queue_ms = median_ms(queue, args.repeat)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(town_worker)
    first = "/care/queue/?state=overdue"
    assert client.get(first).status_code == 200
    page_ms = median_ms(lambda: client.get(first), args.repeat)
    overdue = selectors.schedule_rows(town_worker, state="overdue").count()
    deep = f"{first}&after={_last_page_cursor(town_worker, overdue)}"
    assert client.get(deep).status_code == 200
    deep_ms = median_ms(lambda: client.get(deep), args.repeat)
    floor = floor_ms(client, median_ms, args.repeat)

    print(f"scan count(*) visits          {base:8.1f} ms")
    print(f"coverage city, by community   {city_c:8.1f} ms   {city_c / base:5.1f}x scan  (target <= 20x)")
    print(f"coverage city, by town        {city_t:8.1f} ms   {city_t / base:5.1f}x scan  (target <= 20x)")
    print(f"town overdue queue, selector  {queue_ms:8.1f} ms   ({overdue:,} overdue in 东区)")
    print(f"town overdue queue, page      {page_ms:8.1f} ms   (target <= 50 ms server time)")
    print(f"town overdue queue, last page {deep_ms:8.1f} ms   (by cursor, page {max(1, overdue // 25)})")
    print(f"floor: {FLOOR_URL:<22} {floor:8.1f} ms   (the layout alone, same user and run)")
    print(f"queue page minus the floor    {page_ms - floor:8.1f} ms   last page {deep_ms - floor:.1f} ms")


def _last_page_cursor(user, count: int) -> str:
    """The cursor that "next" gives on the page before the last (the row just before it)."""
    from core.pagination import cursor_of, keyset_fields

    rows = selectors.schedule_rows(user, state="overdue")
    keys = keyset_fields(rows, ("due_on",))
    boundary = rows[max(0, (count - 1) // 25 * 25 - 1)]
    return cursor_of(boundary, keys)


if __name__ == "__main__":
    main()
