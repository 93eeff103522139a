"""A user's own preferences: settings of their account that grant nothing.

They are written with an update, not `save()`, so that no account record is made: a record
holds what decides what a user may do (records.user_state), and a preference decides nothing.
"""

from __future__ import annotations

from typing import Any

from .models import User


def alert_digest_set(*, acting_user: Any, enabled: bool) -> bool:
    """Turn the weekly e-mail digest of alerts on or off for `acting_user` themself."""
    User.objects.filter(pk=acting_user.pk).update(alert_digest=enabled)
    acting_user.alert_digest = enabled
    return enabled
