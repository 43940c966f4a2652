"""Benchmark: what one person edit costs the summary rows (stats), by community size.

Run against a seeded PostgreSQL database of your own (never a shared one: every edit is rolled
back, but it still takes the community's locks):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_stats
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo --households 4000
    .venv/bin/python bench/bench_tally_edit.py --communities 花苑社区 广丰社区

For each community: the fastest and the median of --repeat edits of one person (``person_update`` marking them
for review, all inside a transaction that is rolled back), and the median of the stats hook alone
for that person's household (``households_written``), with the number of queries the hook ran.
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

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from households import services  # noqa: E402
from households.hooks import households_written  # noqa: E402
from households.models import Person  # noqa: E402


class Rollback(Exception):
    pass


def rolled_back(fn) -> tuple[float, int]:
    """Seconds and queries of ``fn`` inside a transaction that is then rolled back."""
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                fn()
                seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        return seconds, len(queries)


def measure(name: str, repeat: int) -> dict:
    # Demo community names repeat across towns: the one of that name with the most people.
    community_id, persons = (
        Person.objects.filter(community__name=name)
        .values_list("community_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    people = list(
        Person.objects.filter(community_id=community_id).order_by("id").values_list("pk", flat=True)[:repeat]
    )
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    edits, hooks, hook_queries = [], [], []
    for pk in people:
        person = Person.objects.get(pk=pk)

        def edit(person=person):
            person.needs_review = not person.needs_review
            services.person_update(person=person, user=admin, data={})

        edits.append(rolled_back(edit)[0])
        seconds, queries = rolled_back(lambda hid=person.household_id: households_written([hid]))
        hooks.append(seconds)
        hook_queries.append(queries)
    return {
        "community": name,
        "persons": persons,
        "edit_ms": (min(edits) * 1000, statistics.median(edits) * 1000),
        "hook_ms": (min(hooks) * 1000, statistics.median(hooks) * 1000),
        "hook_queries": max(hook_queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--communities", nargs="+", default=["花苑社区"])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(
        "| community | persons | edit ms (fastest / median) | stats hook ms (fastest / median) | hook queries |"
    )
    print("|---|---:|---:|---:|---:|")
    for name in args.communities:
        row = measure(name, args.repeat)
        print(
            f"| {row['community']} | {row['persons']} | {row['edit_ms'][0]:.1f} / {row['edit_ms'][1]:.1f} "
            f"| {row['hook_ms'][0]:.1f} / {row['hook_ms'][1]:.1f} "
            f"| {row['hook_queries']} |"
        )


if __name__ == "__main__":
    main()
