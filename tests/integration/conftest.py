"""Tests using it need ``django_db(transaction=True, serialized_rollback=True)``: the worker
threads must see committed rows, and the migrated divisions must survive the flush.

A real Celery worker on the configured broker (Redis in CI), running in a thread of the test process.

Locally, without CELERY_BROKER_URL=redis://..., these tests skip; under CI=true they fail instead.
"""

import os
import socket
from urllib.parse import urlparse

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection

from tests.conftest import require_service
from zhongshan_care.celery import app


def _redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1
        ) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def celery_worker_on_redis(settings):
    url = os.environ.get("CELERY_BROKER_URL", "")
    require_service(
        url.startswith("redis://") and _redis_reachable(url), "a Celery broker on Redis (CELERY_BROKER_URL)"
    )
    # Worker threads open their own DB connections; close them after each task so the test
    # database can be dropped at the end of the session.
    task_postrun.connect(_close_thread_connection)
    previous = app.conf.task_always_eager
    previous_queue = app.conf.task_default_queue
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # One queue per pytest-xdist process: two test workers on one broker must not run each
    # other's tasks against the wrong test database.
    queue = f"tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    app.conf.task_default_queue = queue
    try:
        with start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30, queues=[queue]
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = previous
        app.conf.task_default_queue = previous_queue
        task_postrun.disconnect(_close_thread_connection)


def _close_thread_connection(**kwargs):
    connection.close()
