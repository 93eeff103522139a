"""The named user the application writes as when no person does.

Migrations that write data, the demo loader, management commands and Celery tasks still leave
versions that say who made them: this user. It cannot log in (inactive, unusable password) and
holds no role, so it can neither be impersonated nor take a workflow step.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

SYSTEM_USERNAME = "casebook-system"


def system_user() -> Any:
    """The system user, created on first use."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": False, "first_name": "Casebook", "last_name": "(system)"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system_user(user: Any) -> bool:
    """Whether `user` is the application itself: it sees every case and may file a place at the
    top of the gazetteer, as migrations and the demo do. An account that merely took the name
    but can sign in is not it."""
    return (
        user is not None
        and getattr(user, "username", None) == SYSTEM_USERNAME
        and not user.is_active
        and not user.has_usable_password()
    )
