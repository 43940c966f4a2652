"""Settings read from the environment: the embedded default and clear errors for bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def engine_for(database_url: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    env["DJANGO_SETTINGS_MODULE"] = "zhongshan_care.settings"
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)


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
