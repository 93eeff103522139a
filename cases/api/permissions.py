"""Who may call what. Which records they reach is decided by the querysets (cases.api.access)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from casebook.accounts.models import ApiToken
from casebook.accounts.roles import Role

from .access import is_editor


class TokenScope(BasePermission):
    """A read-only token may read, never write."""

    message = _("This API token is read-only.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return not (isinstance(request.auth, ApiToken) and request.auth.read_only)


class EditorOrReadOnly(BasePermission):
    """Reading is for any signed-in user (who sees what the gate allows); writing is for
    monitors and reviewers."""

    message = _("Only monitors and reviewers may change records.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_editor(request.user)


class HasRole(BasePermission):
    """Reference data (places, vocabularies, organizations) is for users holding any role."""

    message = _("Your account has no Casebook role.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_role(*Role))


class IsAdministrator(BasePermission):
    """Access grants and other settings of the organisation: administrators only."""

    message = _("Only administrators may do this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(
            request.user
            and request.user.is_authenticated
            and request.user.has_role(Role.ADMINISTRATOR)
        )
