"""Redaction profiles: what leaves, for whom (WORKFLOW.md, Confidentiality).

| profile  | cases                                   | identities                           |
|----------|-----------------------------------------|--------------------------------------|
| public   | verified, public                        | only with consent to publication     |
| partner  | verified, public or internal            | only with consent for that recipient |
| internal | all the user may see                    | as recorded                          |

Identity-withheld people are shown as a placeholder in public and partner files. Sensitive
fields (contact and family details, internal notes, testimony originators) are in no profile's
columns at all.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from casebook.accounts.roles import Role

from ..models import Recipient

# The one placeholder (cases.queries), re-exported for the export modules.
from ..queries import PLACEHOLDER as PLACEHOLDER
from ..queries import Purpose


class Profile(models.TextChoices):
    PUBLIC = "public", _("public")
    PARTNER = "partner", _("partner")
    INTERNAL = "internal", _("internal")


PURPOSES = {
    Profile.PUBLIC: Purpose.EXPORT_PUBLIC,
    Profile.PARTNER: Purpose.EXPORT_PARTNER,
    Profile.INTERNAL: Purpose.EXPORT_INTERNAL,
}

# Whose consent a profile needs by default; a partner export may name another recipient (UN).
DEFAULT_RECIPIENT = {Profile.PUBLIC: Recipient.PUBLIC, Profile.PARTNER: Recipient.PARTNER}
PARTNER_RECIPIENTS = (Recipient.PARTNER, Recipient.UN, Recipient.MEDIA)


def allowed_profiles(user: Any) -> list[Profile]:
    """Advocates share outward; monitors, reviewers and administrators also internally."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.has_role(Role.MONITOR, Role.REVIEWER, Role.ADMINISTRATOR):
        return [Profile.PUBLIC, Profile.PARTNER, Profile.INTERNAL]
    if user.has_role(Role.ADVOCATE):
        return [Profile.PUBLIC, Profile.PARTNER]
    return []


def require_profile(user: Any, profile: str) -> Profile:
    """The profile asked for, or PermissionDenied: a request for more than the role allows is
    refused, never quietly downgraded, so nobody believes a file holds what it does not."""
    try:
        chosen = Profile(profile)
    except ValueError:
        raise PermissionDenied(
            f"Unknown profile “{profile}”: use one of {', '.join(Profile.values)}."
        ) from None
    if chosen not in allowed_profiles(user):
        allowed = ", ".join(allowed_profiles(user)) or "none"
        raise PermissionDenied(
            f"Your role may not export with the {chosen} profile (allowed: {allowed})."
        )
    return chosen


def recipient_for(profile: Profile, recipient: str | None = None) -> Recipient | None:
    """Whose consent decides whether a name is shown; None for internal files."""
    if profile == Profile.INTERNAL:
        return None
    if profile == Profile.PARTNER and recipient:
        try:
            chosen = Recipient(recipient)
        except ValueError:
            chosen = None
        if chosen not in PARTNER_RECIPIENTS:
            raise PermissionDenied(
                f"Unknown recipient “{recipient}” for a partner export: use one of "
                f"{', '.join(r.value for r in PARTNER_RECIPIENTS)}."
            )
        return chosen
    return DEFAULT_RECIPIENT[profile]


def identity_shown(
    *, profile: Profile, withheld: bool, consented: set[str], recipient: Recipient | None
) -> bool:
    """Whether a person's names may appear in a file for `profile` and `recipient`."""
    if profile == Profile.INTERNAL:
        return True
    if withheld:
        return False
    return recipient is not None and recipient.value in consented
