"""Helpers for the race tests (PostgreSQL): run writers in threads, hold each inside a function
until the other has arrived too (or already waits for a lock)."""

import threading
import time

from django.db import connection


def run_together(*jobs) -> None:
    """Run each job in its own thread (and connection); fail with the errors any of them raised."""
    errors = []

    def run(job):
        try:
            job()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors


def hold_until_both(monkeypatch, module, name: str) -> list[str]:
    """Each caller of ``module.<name>`` waits there until a second caller arrives, or until one is
    seen waiting for a lock. The list returned tells, per call, "both", "waits" or "alone"."""
    real = getattr(module, name)
    arrived, seen = [], []

    def held(*args, **kwargs):
        arrived.append(threading.get_ident())
        deadline = time.monotonic() + 20
        while len(arrived) < 2 and time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    seen.append("waits")
                    break
            time.sleep(0.05)
        else:
            seen.append("both" if len(arrived) == 2 else "alone")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, held)
    return seen
