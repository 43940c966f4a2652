#!/usr/bin/env bash
# Fault drill (issue 10), bounded, loopback only: PostgreSQL + Redis must be running.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/zc_drill CELERY_BROKER_URL=redis://127.0.0.1:6379/2 bench/drill_faults.sh
# Runs each fault with real processes (tests/integration/test_crash_recovery.py: a Celery worker
# process SIGKILLed during an import commit and during a full sweep; a redis-server of its own
# stopped during an edit and an upload) plus the double-commit race, and prints what survived.
set -uo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database of its own}"
: "${CELERY_BROKER_URL:?set CELERY_BROKER_URL to redis://127.0.0.1:6379/<db>}"
export CI=true
declare -A faults=(
  [test_worker_killed_during_an_import_commit]="worker SIGKILL during an import commit -> job resumed, 6000 people exactly, none duplicated"
  [test_worker_killed_during_a_full_sweep]="worker SIGKILL during a full sweep -> job resumed, sweep recorded, states exact, no duplicate decisions"
  [test_broker_stopped_during_an_edit_and_an_upload]="broker stopped during an edit and an upload -> edit saved, upload 201, outbox sent when back, nothing lost"
  [test_a_worker_running_a_task_survives_a_broker_restart]="broker restarted while a (prefork) worker runs a full sweep -> worker still up, job finished, new work taken"
  [test_two_commits_of_one_batch_one_wins_the_other_is_409]="double commit of one batch -> one wins, the other 409, summary right"
  [test_recover_fails_a_job_that_keeps_dying_and_its_batch_becomes_retryable]="a job that keeps dying -> failed with a clear message, batch retryable"
  [test_a_batch_left_busy_by_a_crashed_request_becomes_retryable]="web server crash during an in-request commit -> batch retryable"
  [test_an_interrupted_full_sweep_makes_the_next_sweep_full]="interrupted full sweep -> the next sweep is full"
)
started=$(date +%s)
log=$(mktemp)
timeout 900 .venv/bin/python -m pytest -q -p no:cacheprovider -rA \
  tests/integration/test_crash_recovery.py tests/core/test_jobs.py \
  -k "$(echo "${!faults[@]}" | sed 's/ / or /g')" >"$log" 2>&1
echo "fault drill $(date -u +%Y-%m-%dT%H:%MZ), $(( $(date +%s) - started )) s"
for name in "${!faults[@]}"; do
  if grep -q "PASSED .*::$name" "$log"; then verdict=SURVIVED; else verdict=LOST; fi
  printf '%-9s %s\n' "$verdict" "${faults[$name]}"
done
grep -E "passed|failed" "$log" | tail -1
