"""gunicorn.conf.py: threads per process sized from the CPU count, overridable, nonsense refused."""

import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_defaults_follow_the_cpu_count(monkeypatch):
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 2)
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (3, 4, "gthread")


def test_environment_overrides_and_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "5")
    assert runpy.run_path(str(CONF))["workers"] == 5
    monkeypatch.setenv("GUNICORN_THREADS", "0")
    with pytest.raises(ValueError):
        runpy.run_path(str(CONF))
