"""`Authorization: Token <key>`: personal API tokens (casebook.accounts.tokens)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from casebook.accounts.tokens import token_for_key, token_touch

KEYWORD = "Token"


class ApiTokenAuthentication(BaseAuthentication):
    """Authenticate by a personal token; an unknown, revoked or expired one is a 401.

    A request without a Token header falls through to the next class (the session), so the
    browser and the docs page keep working.
    """

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Token <key>”, with no spaces in the key.")
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        if token.expires_at is not None and token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is deactivated."))
        token_touch(token)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return f'{KEYWORD} realm="api"'
