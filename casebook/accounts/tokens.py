"""Personal API tokens: issuing, revoking and checking them.

A key reads `cb_<prefix>_<secret>`. The prefix (12 hex characters) is stored as is and finds
the token's row; the whole key is stored only as its SHA-256. The secret carries 256 random
bits, so a plain (unsalted, fast) hash is enough: there is nothing to guess, unlike a password.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken
from .roles import Role

logger = logging.getLogger(__name__)

KEY_PREFIX = "cb_"
MAX_EXPIRY_DAYS = 3650
# Writing last_used_at on every request would turn each read into a write; once a minute is
# precise enough to tell a forgotten token from a live one.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _split(key: str) -> str | None:
    """The prefix of a well-formed key, or None."""
    if not key.startswith(KEY_PREFIX):
        return None
    prefix, _sep, secret = key[len(KEY_PREFIX) :].partition("_")
    if len(prefix) != 12 or not secret:
        return None
    return prefix


@transaction.atomic
def token_issue(
    *,
    user: Any,
    name: str,
    expires_in_days: int | None = None,
    read_only: bool = False,
) -> tuple[ApiToken, str]:
    """Make a token for `user`; return it and its key. The key cannot be recovered later."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the script that uses it.")})
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ValidationError(
            {
                "expires_in_days": _("Expiry must be between 1 and %(max)d days.")
                % {"max": MAX_EXPIRY_DAYS}
            }
        )
    expires_at = (
        timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
    )
    for _attempt in range(5):
        prefix = secrets.token_hex(6)
        key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken(
            user=user,
            name=name[:100],
            prefix=prefix,
            key_hash=hash_key(key),
            expires_at=expires_at,
            read_only=read_only,
        )
        token.full_clean()
        try:
            with transaction.atomic():
                token.save()
        except IntegrityError:  # a prefix collision: vanishingly rare, try another
            continue
        logger.info("api token %s issued for user %s", token.pk, user.pk)
        return token, key
    raise RuntimeError("could not find a free token prefix")


def token_revoke(*, acting_user: Any, token: ApiToken) -> ApiToken:
    """Revoke a token: one's own, or any as an administrator (a lost laptop, a leaver). The row
    stays, so the token's use remains on record."""
    if token.user_id != acting_user.pk and not acting_user.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        logger.info("api token %s revoked", token.pk)
    return token


def token_for_key(key: str) -> ApiToken | None:
    """The token a key belongs to, whatever its state; None for an unknown or malformed key."""
    prefix = _split(key.strip())
    if prefix is None:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, hash_key(key.strip())):
        return None
    return token


def token_touch(token: ApiToken) -> None:
    """Note that the token was used (at most once per LAST_USED_PRECISION)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
