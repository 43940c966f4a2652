"""Deployment hardening (issue 9, item 18): check --deploy is clean with production settings,
HTTPS settings follow secure cookies, a Content-Security-Policy without 'unsafe-inline' that our
templates satisfy, and no-store on answers that carry personal data."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .test_settings import ROOT, setting

PRODUCTION = {
    "DJANGO_SECRET_KEY": "x" * 30 + "Production-Secret-Key-0123456789-abcdefghij",
    "DJANGO_SECURE_COOKIES": "true",
    "DJANGO_ALLOWED_HOSTS": "care.example.gov.cn",
    "DJANGO_DEBUG": "false",
}


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    environment = {
        k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }  # browser tests set it
    env = {
        **environment,
        **PRODUCTION,
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "zhongshan_care.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_settings_follow_secure_cookies_and_can_be_turned_off():
    expression = "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS > 0"
    assert setting(expression, DJANGO_SECURE_COOKIES="true").stdout.strip() == "True True"
    assert setting(expression, DJANGO_SECURE_COOKIES="false").stdout.strip() == "False False"
    off = setting(
        expression, DJANGO_SECURE_COOKIES="true", DJANGO_SSL_REDIRECT="false", DJANGO_HSTS_SECONDS="0"
    )
    assert off.stdout.strip() == "False False", off.stderr


@pytest.mark.django_db
def test_pages_carry_a_csp_without_unsafe_inline(login, huayuan, household):
    response = login(huayuan).get(f"/households/{household.pk}/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\bhx-on", re.I), "hx-on (evaluated script)"),
]


def test_no_template_of_ours_needs_unsafe_inline():
    found = []
    for path in sorted(Path(ROOT, "templates").rglob("*.html")):
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_api_docs_load_their_init_script_as_a_file(login, admin_user):
    client = login(admin_user)
    page = client.get("/api/docs/").content.decode()
    src = re.search(r'<script src="([^"]*script=[^"]*)"', page).group(1)
    script = client.get(src.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")


@pytest.mark.django_db
def test_reveal_and_api_answers_are_not_stored(login, dongqu, household):
    client = login(dongqu)
    person = household.head
    api = client.post(f"/api/persons/{person.pk}/reveal/", {"field": "id_number"})
    page = client.post(f"/persons/{person.pk}/reveal/id_number/")
    listing = client.get("/api/persons/")
    for response in (api, page, listing):
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"]


def test_cache_url_selects_a_shared_redis_cache_and_rejects_other_schemes():
    backend = "settings.CACHES['default']['BACKEND']"
    assert setting(backend, CACHE_URL=None).stdout.strip().endswith("LocMemCache")
    assert setting(backend, CACHE_URL="redis://127.0.0.1:6379/1").stdout.strip().endswith("RedisCache")
    wrong = setting(backend, CACHE_URL="memcached://x")
    assert wrong.returncode != 0 and "CACHE_URL must be a redis:// URL" in wrong.stderr
