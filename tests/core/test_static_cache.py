"""Static files after collectstatic have content-hashed names and a year-long immutable cache;
without collectstatic (make run) the plain names still work."""

import re

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "core.staticfiles.StaticStorage"},
}


@pytest.mark.django_db
def test_collected_files_are_hashed_and_cached_for_a_year(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = STORAGES
    call_command("collectstatic", "--noinput", verbosity=0)
    url = static("css/app.css")
    assert re.search(r"/css/app\.[0-9a-f]{12}\.css$", url), url
    response = Client().get(url)
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]


def test_without_collectstatic_the_plain_name_is_used(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path / "empty"
    settings.STORAGES = STORAGES
    assert static("css/app.css") == "/static/css/app.css"
