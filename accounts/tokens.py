"""Writes about users' credentials: API tokens and ending every login of a user."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import ApiToken, User

# last_used_at is written at most this often per token (not a write per request).
LAST_USED_GRANULARITY = timedelta(minutes=5)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for the user and its clear key (shown once: only its hash is kept)."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=key[:8],
        key_hash=hash_key(key),
        marker=user.credentials_marker(),
        expires_at=timezone.now() + settings.API_TOKEN_TTL,
    )
    return token, key


def token_authenticate(*, key: str) -> ApiToken | None:
    """The usable token with this key, or None (unknown, expired, revoked, user inactive, or the
    user's password / login generation changed since it was made)."""
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
    if token is None or not token.user.is_active or not token.is_usable:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, token: ApiToken, reason: str = ApiToken.RevokedReason.USER) -> ApiToken:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )
    token.refresh_from_db()
    return token


def tokens_revoke_all(*, user: User, reason: str) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


@transaction.atomic
def user_logout_everywhere(*, user: User) -> None:
    """End every session and token of the user: the session hash and every token marker include
    auth_generation, so raising it invalidates them all at once (the current session too)."""
    User.objects.filter(pk=user.pk).update(auth_generation=F("auth_generation") + 1)
    user.refresh_from_db(fields=["auth_generation"])
    tokens_revoke_all(user=user, reason=ApiToken.RevokedReason.LOGOUT_EVERYWHERE)
