#!/usr/bin/env bash
# The 1M-person round of every benchmark of issues #11-#15, in ONE database, one bench after the
# other (each bounded in time, each output teed to $OUT/<name>.txt, a failing one does not stop
# the round), then a summary of exit codes and durations.
#
#   bench/run_1m.sh scale_bench_400000          # the database bench_pages.py built (~1M persons)
#   SKIP="load rescreen" bench/run_1m.sh DB      # leave some out; ONLY="visits push" runs just those
#
# DB is <prefix>_<households>, as bench_pages.py names them; bench_pages compares it with
# <prefix>_$SMALL (default 4000; built by bench_pages if absent, ~1 min). Both are migrated and
# topped up with care data by fill_care.py (idempotent: a second round skips what is there).
# Order: read-only benches first; bench_rescreen (changes 5% of the persons' facts and sweeps
# "tomorrow") and bench_push (re-pushes) write, so they come last.
# Environment: BENCH_PG (server URL, default postgres://postgres@127.0.0.1:5432), OUT (default
# /tmp/bench), SMALL, PORT (bench_load's gunicorn, default 8734), ONLY / SKIP (bench names as in
# the summary), CELERY_BROKER_URL passed through. The time bounds are for 1M persons on 2 busy
# cores; a bench that hits one is killed and reported "124 (timed out)".
set -u
DB=${1:?usage: bench/run_1m.sh DB   (e.g. scale_bench_400000)}
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PG=${PG%/}
OUT=${OUT:-/tmp/bench}
SMALL=${SMALL:-4000}
mkdir -p "$OUT"
# ACCESS_LOG_LEVEL: the access log's line per request would bury the benches' tables.
export DATABASE_URL="$PG/$DB" DJANGO_DEBUG=0 PYTHONUNBUFFERED=1 ACCESS_LOG_LEVEL=${ACCESS_LOG_LEVEL:-WARNING}
SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"

want() {  # want NAME: honour ONLY and SKIP
    [[ -n "${ONLY:-}" && " $ONLY " != *" $1 "* ]] && return 1
    [[ " ${SKIP:-} " == *" $1 "* ]] && return 1
    return 0
}

run() {  # run NAME SECONDS CMD...: bounded, teed, never fatal
    local name=$1 limit=$2 started rc
    shift 2
    want "$name" || { echo "| $name | skipped | |" >>"$SUMMARY"; return 0; }
    echo "=== $(date -u +%H:%M:%S) $name (bound ${limit}s): $*"
    started=$(date +%s)
    timeout -k 30 "$limit" "$@" 2>&1 | tee "$OUT/$name.txt"
    rc=${PIPESTATUS[0]}
    [[ $rc == 124 ]] && rc="124 (timed out)"
    echo "| $name | $rc | $(($(date +%s) - started)) s |" >>"$SUMMARY"
    echo "=== $name: exit $rc in $(($(date +%s) - started)) s"
}

prefix=${DB%_*}
size=${DB##*_}
small_db="${prefix}_$SMALL"
[[ $size =~ ^[0-9]+$ ]] || { echo "DB must be <prefix>_<households> (bench_pages.py's naming)"; exit 2; }

# bench_pages.py DROPs and rebuilds a database without its bench_ready marker (the last step of
# its build): refuse a database that is not fully built rather than lose it.
if [[ $(psql "$PG/$DB" -Atc "SELECT to_regclass('bench_ready') IS NOT NULL" 2>/dev/null) != t ]]; then
    echo "$DB: no bench_ready table (not built by bench_pages.py, or still building): stopping"
    exit 2
fi

run migrate 900 $PY manage.py migrate --noinput -v1
run fill 3600 $PY bench/fill_care.py  # the full push alone took ~23 min at 1M on 2 busy cores
if [[ $small_db != "$DB" ]]; then
    # bench_pages compares DB with <prefix>_$SMALL: build it if absent (else migrate it) and give it
    # care data too, so that the two sizes differ only in size.
    run small_build 900 $PY -c "import sys; sys.path.insert(0, 'bench'); import bench_pages; \
bench_pages.build($SMALL, '$small_db', False)"
    run small_fill 600 env DATABASE_URL="$PG/$small_db" $PY bench/fill_care.py
fi
run pages 3600 $PY bench/bench_pages.py --prefix "$prefix" --sizes "$SMALL" "$size" --json "$OUT/pages.json"
run visits 1200 $PY bench/bench_visits.py --no-seed
run employment 900 $PY bench/bench_employment.py
run meetings 1200 $PY bench/bench_meetings.py --cases 6000
if [[ -f bench/bench_dashboards.py ]]; then
    run dashboards 1800 $PY bench/bench_dashboards.py --no-seed
fi
run load 900 $PY bench/bench_load.py --db "$DB" --users 10 50 --requests 1000 --seconds 60 --port "${PORT:-8734}"
run push 3600 $PY bench/bench_push.py --repeat 3
run rescreen 3600 $PY bench/bench_rescreen.py --change 0.05 --sample 10000 --repeat 3

echo
echo "round on $DB finished $(date -u +%H:%M:%S); outputs in $OUT/"
{ echo "| bench | exit | time |"; echo "|---|---|---|"; cat "$SUMMARY"; } | tee "$SUMMARY.md"
