"""Benchmark: server time and query count of the main pages at two registry sizes, in one run.

    .venv/bin/python bench/bench_pages.py --sizes 4000 40000        # ~10k and ~100k persons
    .venv/bin/python bench/bench_pages.py --sizes 4000 400000       # ~10k and ~1M (issue #13)

For each size (demo households; ~2.5 persons each) the run builds (or reuses, see --rebuild) a
PostgreSQL database ``<prefix>_<size>`` with ``seed_demo --households N --no-users``, the first
screening of everyone and the demo users; then a child process measures every page with
Django's test client (no network: server time only), the fastest of --repeat warm requests in
each of --rounds rounds that alternate between the sizes (the machine is shared: the fastest
request is the page's own cost, least disturbed by other work), and the
queries each page runs, for three personas: city (admin), town (dongqu, 东区街道) and
community (huayuan, 花苑社区, ~6% of the households). A page a persona may not open (403/404 by
role) is left out of that persona's rows.

"deep" pages: the keyset page ~1,000 pages in (or as deep as the area goes), reached as the
list's "next" link would. Targets (issue #13): large/small <= 1.5 per page and persona; deep /
page 1 <= 1.5; the same query count at both sizes.

Only for PostgreSQL on this machine: DATABASE_URL's server (default postgres@127.0.0.1:5432).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PERSONAS = {"city": "admin", "town": "dongqu", "community": "huayuan"}
DEEP_ROWS = 25_000  # "page 1,000" at 25 rows a page


def pages(client, user) -> list[tuple[str, str]]:
    """(label, url) of every page measured for this persona (ids and cursors from its area)."""
    from core.pagination import _encode
    from households.models import Household, Person

    households = Household.objects.restrict(user).order_by("-id")
    persons = Person.objects.restrict(user).order_by("-id")

    def deep_cursor(queryset) -> str:
        total = queryset[: DEEP_ROWS + 1].count()
        row = queryset.values_list("id", flat=True)[max(min(DEEP_ROWS, total - 26), 0)]
        return _encode([row])

    first_household = households.values_list("id", flat=True).first()
    first_person = persons.values_list("id", flat=True).first()
    tail = Person.objects.restrict(user).values_list("id_tail", flat=True).first()[-4:]
    return [
        ("home", "/"),
        ("households p1", "/households/"),
        ("households deep", f"/households/?after={deep_cursor(households)}"),
        ("households page 400", "/households/?page=400"),
        ("persons p1", "/persons/"),
        ("persons deep", f"/persons/?after={deep_cursor(persons)}"),
        ("persons ?q=李 (name)", "/persons/?q=李"),
        ("persons ?q=lx (pinyin)", "/persons/?q=lx"),
        ("persons ?q=tail4", f"/persons/?q={tail}"),
        ("households ?q=tail4", f"/households/?q={tail}"),
        ("household detail", f"/households/{first_household}/"),
        ("person detail", f"/persons/{first_person}/"),
        ("groups", "/groups/"),
        ("tasks", "/tasks/"),
        ("alerts", "/warnings/"),
        ("api households", "/api/households/"),
        ("api persons", "/api/persons/"),
        ("api persons ?q=tail4", f"/api/persons/?q={tail}"),
        ("api group-decisions", "/api/group-decisions/"),
        ("api tasks", "/api/tasks/"),
        # Pages of the later issues (assistance, care, dashboards, joint cases, employment).
        ("needs", "/needs/"),
        ("push", "/push/"),
        ("push uptake", "/push/uptake/"),
        ("plans", "/plans/"),
        ("care queue", "/care/queue/"),
        ("care coverage", "/care/coverage/"),
        ("care visits", "/care/visits/"),
        ("dashboard", "/dashboard/"),
        ("joint", "/joint/"),
        ("joint cases", "/joint/cases/"),
        ("employment", "/employment/"),
        ("employment placements", "/employment/placements/"),
        ("employment referrals", "/employment/referrals/"),
        ("employment surveys", "/employment/surveys/"),
        ("employment survey households", "/employment/surveys/households/"),
        ("employment survey progress", "/employment/surveys/progress/"),
    ]


def measure(repeat: int) -> dict:
    """In the child process (DATABASE_URL set): {persona: {label: [ms, queries, url]}}."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongshan_care.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from households.models import Household, Person

    settings.ALLOWED_HOSTS = ["*"]
    result = {"persons": Person.objects.count(), "households": Household.objects.count(), "pages": {}}
    for persona, username in PERSONAS.items():
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        rows = {}
        for label, url in pages(client, user):
            if client.get(url).status_code != 200:  # warm: templates, session
                continue  # not this persona's page (a 403 or 404 by role): not measured
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            rows[label] = [round(min(samples), 1), len(queries), url]
        result["pages"][persona] = rows
    return result


def server_url() -> str:
    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    return base.rstrip("/")


def build(size: int, db: str, rebuild: bool) -> None:
    import psycopg

    with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
        if exists and not rebuild:
            done = _ready(db)
            if done:
                env = {**os.environ, "DATABASE_URL": f"{server_url()}/{db}"}
                subprocess.run(
                    [PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
                )
                print(f"{db}: reusing (built before; migrated)", flush=True)
                return
        if exists:
            conn.execute(f'DROP DATABASE "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    env = {**os.environ, "DATABASE_URL": f"{server_url()}/{db}"}
    started = time.perf_counter()
    for args in (
        ["migrate", "--noinput", "-v0"],
        ["seed_demo", "--households", str(size), "--no-users"],
        ["rescreen", "--all"],
    ):
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    code = "import django; django.setup(); from households.demo import ensure_demo_users; ensure_demo_users()"
    subprocess.run(
        [PY, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "zhongshan_care.settings"},
        check=True,
    )
    subprocess.run(
        ["psql", f"{server_url()}/{db}", "-qc", "VACUUM ANALYZE", "-qc", "CREATE TABLE bench_ready (id int)"],
        check=True,
    )
    print(f"{db}: built in {time.perf_counter() - started:.0f} s", flush=True)


def _ready(db: str) -> bool:
    import psycopg

    with psycopg.connect(f"{server_url()}/{db}", autocommit=True) as conn:
        return bool(conn.execute("SELECT to_regclass('bench_ready')").fetchone()[0])


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def report(sizes, results) -> None:
    small, large = results[sizes[0]], results[sizes[-1]]
    print()
    print(
        f"sizes: {small['persons']:,} persons / {small['households']:,} households vs "
        f"{large['persons']:,} persons / {large['households']:,} households (PostgreSQL, test client, "
        "fastest of the warm requests, ms; q = queries)"
    )
    print()
    print("| page | persona | small ms | large ms | large/small | deep/p1 (large) | q small | q large |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    worst = []
    for persona in PERSONAS:
        rows_s, rows_l = small["pages"][persona], large["pages"][persona]
        for label, (ms_l, q_l, _url) in rows_l.items():
            if label not in rows_s:
                continue
            ms_s, q_s, _ = rows_s[label]
            deep = ""
            if label.endswith("deep") and label.replace("deep", "p1") in rows_l:
                first = rows_l[label.replace("deep", "p1")][0]
                deep = ratio(ms_l, first)
            worst.append((ms_l / ms_s if ms_s else 0, label, persona))
            print(
                f"| {label} | {persona} | {ms_s:.1f} | {ms_l:.1f} | {ratio(ms_l, ms_s)} | {deep} | {q_s} | {q_l} |"
            )
    worst.sort(reverse=True)
    print()
    print("largest large/small ratios: " + ", ".join(f"{label} ({p}) {r:.2f}" for r, label, p in worst[:5]))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", type=int, nargs=2, default=[4000, 40000], help="demo households, small and large"
    )
    parser.add_argument("--prefix", default="scale_bench", help="database name prefix")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2, help="measuring rounds, alternating the sizes")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again even if present")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.repeat)))
        return
    for size in args.sizes:
        build(size, f"{args.prefix}_{size}", args.rebuild)
    results = {}
    for _round in range(args.rounds):
        for size in args.sizes:
            env = {**os.environ, "DATABASE_URL": f"{server_url()}/{args.prefix}_{size}", "DJANGO_DEBUG": "0"}
            out = subprocess.run(
                [PY, __file__, "--measure", "--repeat", str(args.repeat)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            if size in results:  # keep the fastest of the rounds, page by page
                for persona, rows in result["pages"].items():
                    for label, row in rows.items():
                        kept = results[size]["pages"][persona][label]
                        kept[0] = min(kept[0], row[0])
            else:
                results[size] = result
    report(args.sizes, results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
