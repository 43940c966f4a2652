from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .tokens import token_authenticate


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` against ApiToken (hashed keys, expiry, revocation)."""

    def authenticate_credentials(self, key):
        token = token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效、已过期或已撤销，请重新获取。"))
        return (token.user, token)
