"""Benchmark: a bounded loopback load test of the main pages through gunicorn.

    .venv/bin/python bench/bench_load.py --db scale_bench_40000            # after bench_pages.py
    .venv/bin/python bench/bench_load.py --db scale_bench_400000 --users 10 50

Starts gunicorn (gunicorn.conf.py: gthread, cores + 1 processes x 4 threads) on 127.0.0.1 only,
against the PostgreSQL database ``--db`` (built by bench_pages.py), logs the three personas in
(city admin, 东区 town worker, 花苑 community worker) and runs, for each user count, that many
client threads without think time, each over a persistent connection, cycling through the main
pages (home, lists page 1 and by keyset, searches, details, groups, tasks, API lists). Each level
stops by itself after --requests requests or --seconds seconds, whichever comes first.

Reports per level: requests, errors (non-200 or failed), requests/s, p50/p95/p99 latency.
Targets (issue #13): 0 errors; throughput at the highest level >= 0.8 x that at the lowest.
"""

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PERSONAS = {"city": "admin", "town": "dongqu", "community": "huayuan"}


def sessions_and_pages(db_url: str) -> list[tuple[str, list[str]]]:
    """(session cookie, urls) per persona, made in this process on the benchmark database."""
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongshan_care.settings")
    import django

    django.setup()
    from bench_pages import pages
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    settings.ALLOWED_HOSTS = ["*"]
    result = []
    for username in PERSONAS.values():
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        urls = [
            quote(url, safe="/?=&%") for label, url in pages(client, user) if not label.endswith("page 400")
        ]
        result.append((cookie, urls))
    return result


def start_gunicorn(db_url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "GUNICORN_BIND": f"127.0.0.1:{port}", "DJANGO_DEBUG": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "zhongshan_care.wsgi:application", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not start")


def run_level(port: int, users: int, work, max_requests: int, max_seconds: float) -> dict:
    latencies, errors = [], []
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + max_seconds

    def take() -> bool:
        nonlocal issued
        with lock:
            if issued >= max_requests or time.monotonic() > deadline:
                return False
            issued += 1
            return True

    def user_loop(index: int):
        cookie, urls = work[index % len(work)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        position = index
        while take():
            url = urls[position % len(urls)]
            position += 1
            started = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Cookie": cookie, "Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            except Exception as error:  # noqa: BLE001 - every failure is an error of the run
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                response = error
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append((url, getattr(response, "status", repr(response))))
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=user_loop, args=(i,)) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0

    return {
        "users": users,
        "requests": len(latencies),
        "errors": len(errors),
        "error_sample": errors[:3],
        "rps": len(latencies) / wall if wall else 0,
        "p50": statistics.median(ordered) * 1000 if ordered else 0,
        "p95": pct(0.95),
        "p99": pct(0.99),
        "seconds": wall,
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db", default="scale_bench_40000", help="PostgreSQL database (built by bench_pages.py)"
    )
    parser.add_argument("--users", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--requests", type=int, default=1500, help="stop a level after this many requests")
    parser.add_argument("--seconds", type=float, default=90, help="... or after this many seconds")
    parser.add_argument("--port", type=int, default=8734)
    args = parser.parse_args()
    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    db_url = f"{base}/{args.db}"
    work = sessions_and_pages(db_url)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM households_person")
        persons = cursor.fetchone()[0]
    connection.close()
    server = start_gunicorn(db_url, args.port)
    try:
        run_level(args.port, 3, work, 60, 30)  # warm every process: imports, templates, connections
        results = [run_level(args.port, users, work, args.requests, args.seconds) for users in args.users]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print()
    print(
        f"database {args.db}: {persons:,} persons; gunicorn per gunicorn.conf.py on 127.0.0.1, no think time"
    )
    print()
    print("| users | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['users']} | {r['requests']} | {r['errors']} | {r['rps']:.1f} | {r['p50']:.0f} | "
            f"{r['p95']:.0f} | {r['p99']:.0f} |"
        )
    low, high = results[0], results[-1]
    print()
    print(
        f"throughput {high['users']} vs {low['users']} users: {high['rps'] / low['rps']:.2f} x (target >= 0.8); "
        f"errors: {sum(r['errors'] for r in results)} (target 0)"
    )
    for r in results:
        if r["error_sample"]:
            print(f"  {r['users']} users, first errors: {r['error_sample']}")


if __name__ == "__main__":
    main()
