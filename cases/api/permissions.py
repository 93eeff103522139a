"""Who may call what. Which records they reach is decided by the querysets (cases.queries)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from casebook.accounts.models import ApiToken
from casebook.accounts.roles import Role
from cases.queries import Reader


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
        return request.method in SAFE_METHODS or Reader.of(request.user).is_editor


class HasRole(BasePermission):
    """Reference data (places, vocabularies, organizations) is for users holding any role."""

    message = _("Your account has no Casebook role.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_role(*Role))


class GazetteerPermission(BasePermission):
    """Places and organizations: read by anyone holding a role; added and changed by holders of
    the Django permissions `cases.add_<model>` and `cases.change_<model>` (the Monitor, Reviewer
    and Administrator groups by default)."""

    message = _("You may not add or change places and organizations.")

    def has_permission(self, request: Any, view: Any) -> bool:
        # Listed after HasRole, which refuses users without a role with its own message.
        user = request.user
        if request.method in SAFE_METHODS:
            return True
        model = view.gazetteer_model._meta.model_name
        verb = "add" if request.method == "POST" and not view.kwargs else "change"
        return user.has_perm(f"cases.{verb}_{model}")


class InterventionWriters(BasePermission):
    """Interventions are written by monitors and reviewers, and by advocates, who record the
    organisation's advocacy (WORKFLOW.md, Roles) but change no facts. Which cases they reach is
    the gate's: an intervention on a case the user may not see is not found."""

    message = _("Only monitors, reviewers and advocates may record interventions.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS or Reader.of(request.user).records_interventions


class IsAdministrator(BasePermission):
    """Access grants and other settings of the organisation: administrators only."""

    message = _("Only administrators may do this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(
            request.user
            and request.user.is_authenticated
            and request.user.has_role(Role.ADMINISTRATOR)
        )
