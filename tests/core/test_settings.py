"""Settings read from the environment: the embedded default and clear errors for bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def setting(expression: str, **variables: str | None) -> subprocess.CompletedProcess:
    """Evaluate ``expression`` on django.conf.settings in a fresh process with ``variables`` set
    (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k not in variables}
    env.update({k: v for k, v in variables.items() if v is not None})
    env["DJANGO_SETTINGS_MODULE"] = "zhongshan_care.settings"
    code = f"from django.conf import settings; print({expression})"
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)


def engine_for(database_url: str | None) -> subprocess.CompletedProcess:
    return setting("settings.DATABASES['default']['ENGINE']", DATABASE_URL=database_url)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_unset_or_empty_database_url_means_the_embedded_sqlite(value):
    result = engine_for(value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_postgres_url_selects_postgresql():
    result = engine_for("postgres://postgres@127.0.0.1:5432/anything")
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_an_unusable_database_url_is_a_clear_configuration_error():
    result = engine_for("foo://somewhere")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL is not a database URL Django can use" in result.stderr


@pytest.mark.parametrize("value", [None, ""])
def test_unset_or_empty_broker_means_the_filesystem_transport(value):
    result = setting("settings.CELERY_BROKER_URL", CELERY_BROKER_URL=value)
    assert result.stdout.strip() == "filesystem://", result.stderr
