"""Benchmark: the managers' dashboards (issue #14) against the raw aggregates behind them.

Run against a PostgreSQL database (never one you do not own):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_dash
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/bench_dashboards.py --households 4000      # seeds, then measures
    .venv/bin/python bench/bench_dashboards.py --no-seed              # measures the db as it is

What is measured, in one run (medians of --repeat runs, warm):
  raw           the same figures by GROUP BY over the base tables (dashboards.figures with
                USE_TALLIES = False: groups, per town/community, needs, needs trend, person-times,
                person-times trend; plus the current-state figures that have no summary rows)
  page          the dashboard page's server time (Django test client, no network) for the city
                (manager), a town (dongqu) and a community (huayuan), reading the summary rows
  per figure    each figure function's time on the summary rows (what the page is made of)
  drill-down    list pages behind the numbers, page 1 and about 1,000 pages deep

Targets: page <= 1/20 of raw; drill-down pages <= 50 ms.
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
from assistance.models import Need  # noqa: E402
from dashboards import figures  # noqa: E402
from dashboards.periods import parse_period  # noqa: E402
from households.models import Division, Household, Person  # noqa: E402
from visits.models import Visit  # noqa: E402

FIGURES = (
    "groups",
    "groups_by_division",
    "needs",
    "needs_trend",
    "services",
    "services_trend",
    "coverage",
    "teams",
    "tasks",
    "alerts",
    "uptake",
    "joint_cases",
    "employment",
)
TALLIED = ("groups", "groups_by_division", "needs", "needs_trend", "services", "services_trend", "uptake")


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def median_ms(fn, repeat: int) -> float:
    fn()  # warm
    return 1000 * statistics.median(timed(fn) for _ in range(repeat))


def seed(households: int) -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("seed_demo", households=households)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.0f}s")


def raw(scope, names) -> None:
    figures.USE_TALLIES = False
    try:
        for name in names:
            getattr(figures, name)(scope)
    finally:
        figures.USE_TALLIES = True


def page(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def deep_page(client, link: str) -> tuple[str, str]:
    """The list 1,000 pages deep, as a user gets there: by "next" (a keyset cursor at row 25,000,
    or its last row when it has fewer) on a list that pages by keyset; else the last numbered
    page within the counted range (the jump box's deepest)."""
    from core.pagination import cursor_of, keyset_fields

    response = client.get(link)
    sep = "&" if "?" in link else "?"
    paginator = response.context["paginator"]
    queryset = paginator.object_list
    keys = keyset_fields(queryset)
    if keys:
        rows = queryset[: 25_000 + 1].count()
        row = queryset[max(min(25_000, rows) - 1, 0)]
        return f"{link}{sep}after={cursor_of(row, keys)}", f"row {min(25_000, rows):,} (cursor)"
    number = min(1000, paginator.num_pages)
    return f"{link}{sep}page={number}", f"page {number}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=4000, help="demo households to seed")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-seed", action="store_true", help="measure the database as it is")
    parser.add_argument(
        "--drilldown-only", action="store_true", help="only the drill-down lists (not the raw aggregates)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench_dashboards needs PostgreSQL (DATABASE_URL)")
    if connection.settings_dict["NAME"].startswith("scale_bench_") and not args.no_seed:
        sys.exit("refusing to seed a scale_bench_* database; use --no-seed")
    if not args.no_seed:
        seed(args.households)
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client keeps the context (the lists' paginators)
    settings.ALLOWED_HOSTS = ["*"]
    period = parse_period({})
    from stats import monthly
    from stats.models import MonthlyTally

    if not MonthlyTally.objects.exists():  # a database filled before the rows existed
        seconds = timed(monthly.rebuild)
        print(f"summary rows rebuilt (stats.monthly.rebuild) in {seconds:.1f}s")
    print(
        f"database {connection.settings_dict['NAME']}: persons {Person.objects.count():,}  "
        f"households {Household.objects.count():,}  visits {Visit.objects.count():,}  "
        f"needs {Need.objects.count():,}  period {period.label}"
    )
    cases = [
        ("city", "manager", Division.objects.filter(level="city").order_by("code").first()),
        ("town", "dongqu", Division.objects.get(name="东区街道")),
        ("community", "huayuan", Division.objects.get(name="花苑社区")),
    ]
    if args.drilldown_only:
        cases = cases[:1]
    print()
    print("| level | raw aggregates ms | raw, summarised figures only ms | page ms | page / raw | target |")
    print("|---|---:|---:|---:|---:|---|")
    details = []
    for level, username, division in cases:
        user = User.objects.get(username=username)
        scope = figures.Scope(user=user, division=division, period=period)
        client = Client()
        client.force_login(user)
        url = f"/dashboard/{division.pk}/"
        if args.drilldown_only:
            details.append((level, scope, client))
            continue
        raw_all = median_ms(lambda scope=scope: raw(scope, FIGURES), args.repeat)
        raw_tallied = median_ms(lambda scope=scope: raw(scope, TALLIED), args.repeat)
        page_ms = median_ms(lambda client=client, url=url: page(client, url), args.repeat)
        print(
            f"| {level} | {raw_all:.1f} | {raw_tallied:.1f} | {page_ms:.1f} | "
            f"1/{raw_all / page_ms:.1f} | <= 1/20 |"
        )
        details.append((level, scope, client))

    print()
    print("| figure (on the summary rows) | " + " | ".join(f"{level} ms" for level, _s, _c in details) + " |")
    print("|---|" + "---:|" * len(details))
    for name in () if args.drilldown_only else FIGURES:
        cells = [median_ms(lambda s=s, n=name: getattr(figures, n)(s), args.repeat) for _l, s, _c in details]
        print(f"| {name} | " + " | ".join(f"{c:.1f}" for c in cells) + " |")

    print()
    print("| drill-down list (city manager) | rows | page 1 ms | 1,000 pages deep | deep ms | target |")
    print("|---|---:|---:|---:|---:|---|")
    _level, scope, client = details[0]
    floor = floor_ms(client, median_ms, args.repeat)
    print(f"| floor: {FLOOR_URL} (the layout alone) | | {floor:.1f} | | | |")
    summary = figures.summary(scope)
    links = {
        "persons in any group": summary["groups"]["links"]["persons"],
        "households in any group": summary["groups"]["links"]["households"],
        "needs collected to date": summary["needs"]["links"]["collected_total"],
        "visits this year": summary["services"]["links"]["year"],
        "households requiring visits": summary["coverage"]["links"]["required"],
    }
    for label, link in links.items():
        rows = client.get(link).context["paginator"].object_list.count()  # all of them, once
        first = median_ms(lambda link=link: page(client, link), args.repeat)
        deep, number = deep_page(client, link)
        deep_ms = median_ms(lambda deep=deep: page(client, deep), args.repeat)
        print(f"| {label} | {rows:,} | {first:.1f} | {number} | {deep_ms:.1f} | <= 50 ms |")


if __name__ == "__main__":
    main()
