"""gunicorn settings, read automatically from the working directory (``gunicorn zhongshan_care.wsgi``).

Sized for the bureau's machine from its CPU count: (cores + 1) worker processes with a few
threads each. Requests spend much of their time waiting on PostgreSQL, so threads let one
process serve several while each keeps its own reused database connection (CONN_MAX_AGE);
processes give the CPU-bound part (templates) both cores. Every value can be set from the
environment (GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_BIND).
Connections to PostgreSQL: workers x threads (3 x 4 = 12 on two cores), well under its 100.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    number = int(value)  # a typo fails at start, not as a silent default
    if number < 1:
        raise ValueError(f"{name} must be >= 1")
    return number


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 120)  # large exports run as jobs; 120 s is a stuck request
graceful_timeout = 30
keepalive = 5
# A slow leak in one process does not grow forever: each restarts after a few thousand requests.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = 500
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
