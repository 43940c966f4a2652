"""Chinese is the default language; English is a translation a user can switch to."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_chinese_is_the_default(login, huayuan):
    assert settings.LANGUAGE_CODE == "zh-hans"
    page = login(huayuan).get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "工作台" in page


def test_browser_preferring_chinese_gets_chinese(login, huayuan):
    page = login(huayuan).get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page


def test_switching_to_english(login, huayuan):
    client = login(huayuan)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/households/"})
    assert response.status_code == 302
    assert response["Location"] == "/households/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/households/").content.decode()
    assert '<html lang="en">' in page
    assert "Dashboard" in page  # the navigation is translated
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_language_switch_works_on_the_login_page_before_logging_in():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_unknown_language_is_ignored(login, huayuan):
    client = login(huayuan)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_language_switch_refuses_to_redirect_off_site(login, huayuan):
    response = login(huayuan).post("/i18n/setlang/", {"language": "en", "next": "https://example.com/"})
    assert response.status_code == 302
    assert not response["Location"].startswith("https://example.com")
