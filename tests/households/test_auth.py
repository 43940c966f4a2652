"""Login, logout, password change, session timeout and failed-login throttling (django-axes)."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Secret-123"  # tests/factories.py


def log_in(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_login_page_is_in_chinese():
    response = Client().get("/accounts/login/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in page
    assert "登录关爱帮扶系统" in page and "用户名" in page and "密码" in page


def test_login_takes_the_user_to_the_dashboard(huayuan):
    client = Client()
    response = log_in(client, "huayuan")
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "工作台" in page and "花苑社区" in page


def test_login_returns_to_the_page_asked_for(huayuan, household):
    client = Client()
    target = f"/households/{household.pk}/"
    redirect = client.get(target)
    assert redirect["Location"] == f"/accounts/login/?next={target}"
    response = client.post("/accounts/login/", {"username": "huayuan", "password": PASSWORD, "next": target})
    assert response["Location"] == target


def test_wrong_password_shows_a_chinese_error(huayuan):
    response = log_in(Client(), "huayuan", "wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_logout_ends_the_session(huayuan, household):
    client = Client()
    log_in(client, "huayuan")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get(f"/households/{household.pk}/").status_code == 302
    assert not Session.objects.exists()


def test_password_change(huayuan):
    client = Client()
    log_in(client, "huayuan")
    page = client.get("/accounts/password/").content.decode()
    assert "修改密码" in page
    weak = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200
    assert "errorlist" in weak.content.decode()  # validators refuse an all-numeric password
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Zs-2026-newpass", "new_password2": "Zs-2026-newpass"},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    assert "密码已修改" in client.get("/accounts/password/done/").content.decode()
    assert client.get("/").status_code == 200  # still logged in after the change
    assert log_in(Client(), "huayuan").status_code == 200  # old password no longer works
    assert log_in(Client(), "huayuan", "Zs-2026-newpass").status_code == 302


def test_password_change_needs_the_old_password(huayuan):
    client = Client()
    log_in(client, "huayuan")
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "Zs-2026-newpass", "new_password2": "Zs-2026-newpass"},
    )
    assert response.status_code == 200
    huayuan.refresh_from_db()
    assert huayuan.check_password(PASSWORD)


def test_five_failed_logins_lock_the_account(huayuan):
    assert settings.AXES_FAILURE_LIMIT == 5
    client = Client()
    for _ in range(4):
        assert log_in(client, "huayuan", "wrong").status_code == 200
    locked = log_in(client, "huayuan", "wrong")
    assert locked.status_code == 429
    assert "账号已暂时锁定" in locked.content.decode()
    # Now even the right password is refused, and no session is created.
    again = log_in(client, "huayuan")
    assert again.status_code == 429
    assert client.get("/").status_code == 302
    assert AccessAttempt.objects.get(username="huayuan").failures_since_start >= 5


def test_api_token_endpoint_counts_failures_and_honours_the_lock(huayuan):
    """Otherwise /api/token/ would be a way round the login throttle."""
    client = Client()
    for _ in range(5):
        assert client.post("/api/token/", {"username": "huayuan", "password": "wrong"}).status_code == 400
    refused = client.post("/api/token/", {"username": "huayuan", "password": PASSWORD})
    assert refused.status_code in (400, 403, 429)
    assert "token" not in refused.json()
    assert log_in(client, "huayuan").status_code == 429  # the web login is locked too


def test_lockout_is_per_user_and_address(huayuan, dongqu):
    client = Client()
    for _ in range(5):
        log_in(client, "huayuan", "wrong")
    assert log_in(Client(), "dongqu").status_code == 302  # another user from the same address
    assert log_in(Client(), "huayuan", REMOTE_ADDR="10.1.2.3").status_code == 302  # same user elsewhere


def test_successful_login_resets_the_failure_count(huayuan):
    client = Client()
    for _ in range(4):
        log_in(client, "huayuan", "wrong")
    assert log_in(client, "huayuan").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert log_in(client, "huayuan", "wrong").status_code == 200  # counting starts again


def test_session_timeout_settings():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_idle_session_expires_and_activity_extends_it(huayuan):
    client = Client()
    log_in(client, "huayuan")
    session = Session.objects.get()
    # Activity slides the window: a request resets the expiry to now + SESSION_COOKIE_AGE.
    Session.objects.update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    assert client.get("/").status_code == 200
    remaining = Session.objects.get(pk=session.pk).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)
    # 30 idle minutes later the session is gone: the next page asks for a login.
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_inactive_user_cannot_log_in(huayuan):
    huayuan.is_active = False
    huayuan.save()
    assert log_in(Client(), "huayuan").status_code == 200
