"""API tokens expire, die with a password change, "logout everywhere" and deactivation, and a user
sees and revokes only their own."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.tokens import token_create

pytestmark = pytest.mark.django_db


def _token_client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def _works(key: str) -> bool:
    return _token_client(key).get("/api/households/").status_code == 200


def test_obtained_token_works_and_says_when_it_expires(huayuan, settings):
    settings.API_TOKEN_TTL = dt.timedelta(hours=8)
    response = Client().post("/api/token/", {"username": "huayuan", "password": "pw-Secret-123"})
    assert response.status_code == 200
    body = response.json()
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(hours=7, minutes=59) < expires - timezone.now() <= dt.timedelta(hours=8)
    assert _works(body["token"])
    # Only a hash of the key is stored.
    assert not ApiToken.objects.filter(key_hash=body["token"]).exists()


def test_expired_token_is_refused_with_a_clear_message(huayuan):
    token, key = token_create(user=huayuan)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = _token_client(key).get("/api/households/")
    assert response.status_code == 401
    assert "过期" in response.json()["detail"]


def test_password_change_revokes_tokens(huayuan):
    token, key = token_create(user=huayuan)
    client = Client()
    client.force_login(huayuan)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "pw-Secret-123",
            "new_password1": "N3w-Secret-456",
            "new_password2": "N3w-Secret-456",
        },
    )
    assert response.status_code == 302
    assert not _works(key)
    token.refresh_from_db()
    assert token.revoked_reason == ApiToken.RevokedReason.PASSWORD_CHANGED


def test_password_changed_by_raw_update_still_kills_the_token(huayuan):
    """No signal runs for a queryset update: the token's marker of the password still does."""
    _token, key = token_create(user=huayuan)
    User.objects.filter(pk=huayuan.pk).update(password="md5$x$y")
    assert not _works(key)


def test_deactivating_a_user_by_a_plain_save_revokes_tokens(huayuan):
    token, key = token_create(user=huayuan)
    huayuan.is_active = False
    huayuan.save()
    token.refresh_from_db()
    assert token.revoked_reason == ApiToken.RevokedReason.DEACTIVATED
    User.objects.filter(pk=huayuan.pk).update(is_active=True)  # re-activation does not revive it
    assert not _works(key)


def test_logout_everywhere_ends_tokens_and_other_sessions(huayuan):
    _token, key = token_create(user=huayuan)
    elsewhere = Client()
    elsewhere.force_login(huayuan)
    here = Client()
    here.force_login(huayuan)
    assert elsewhere.get("/api/households/").status_code == 200
    response = here.post("/accounts/logout-everywhere/")
    assert response.status_code == 302
    assert not _works(key)
    assert elsewhere.get("/api/households/").status_code == 401
    assert elsewhere.get("/").status_code == 302  # back to the login page


def test_logout_everywhere_by_api(huayuan):
    _token, key = token_create(user=huayuan)
    _other, other_key = token_create(user=huayuan)
    assert _token_client(key).post("/api/tokens/logout-everywhere/").status_code == 204
    assert not _works(key)
    assert not _works(other_key)


def test_user_lists_and_revokes_only_own_tokens(huayuan, dongqu):
    mine, key = token_create(user=huayuan, name="脚本")
    theirs, their_key = token_create(user=dongqu)
    client = _token_client(key)
    rows = client.get("/api/tokens/").json()["results"]
    assert [(r["id"], r["name"], r["status"]) for r in rows] == [(mine.pk, "脚本", "active")]
    assert client.post(f"/api/tokens/{theirs.pk}/revoke/").status_code == 404
    assert _works(their_key)
    assert client.post(f"/api/tokens/{mine.pk}/revoke/").json()["status"] == "revoked"
    assert not _works(key)


def test_token_page_shows_and_revokes_own_tokens(huayuan, dongqu):
    mine, key = token_create(user=huayuan, name="报表脚本")
    theirs, their_key = token_create(user=dongqu, name="别人的")
    client = Client()
    client.force_login(huayuan)
    page = client.get("/accounts/tokens/").content.decode()
    assert mine.prefix in page and "报表脚本" in page
    assert theirs.prefix not in page and "别人的" not in page
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/tokens/{mine.pk}/revoke/").status_code == 302
    assert not _works(key)
    assert _works(their_key)


def test_admin_lists_tokens_without_keys_and_revokes_them(admin_user, huayuan):
    token, key = token_create(user=huayuan, name="导出脚本")
    client = Client()
    client.force_login(admin_user)
    page = client.get("/admin/accounts/apitoken/").content.decode()
    assert token.prefix in page and key not in page and token.key_hash not in page
    response = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not _works(key)
