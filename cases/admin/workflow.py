"""Access grants to restricted cases, and the read-only record of workflow transitions.

Grants are made and revoked through the workflow services, which only administrators may call;
a grant is never edited or deleted, so the record shows who could see what, and when.
Transitions are written by the workflow services alone and are shown here read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from casebook.accounts.roles import Role

from ..models import AccessGrant, CaseTransition, Confidentiality
from ..queries import visible_cases
from ..services.workflow import access_grant, access_revoke
from .base import CasebookAdmin, adopt


class GrantState(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("active", _("active")), ("revoked", _("revoked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AccessGrant]) -> Any:
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(AccessGrant)
class AccessGrantAdmin(CasebookAdmin):
    gated = True
    list_display = (
        "case",
        "user",
        "granted_by",
        "granted_at",
        "revoked_at",
        "revoked_by",
        "reason",
    )
    list_filter = (GrantState,)
    date_hierarchy = "granted_at"
    search_fields = ("case__reference", "user__username", "reason")
    autocomplete_fields = ("case", "user")
    fields = ("case", "user", "reason", "granted_by", "granted_at", "revoked_at", "revoked_by")
    readonly_fields = ("granted_by", "granted_at", "revoked_at", "revoked_by")
    actions = ("revoke",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccessGrant]:
        return AccessGrant.objects.filter(case__in=visible_cases(request.user)).select_related(
            "case", "user", "granted_by", "revoked_by"
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "case":
            kwargs["queryset"] = visible_cases(request.user).filter(
                confidentiality=Confidentiality.RESTRICTED
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The grant service admits administrators only; others would be refused on saving.
        return super().has_add_permission(request) and request.user.has_role(Role.ADMINISTRATOR)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not request.user.has_role(Role.ADMINISTRATOR):
            actions.pop("revoke", None)
        return actions

    def save_model(self, request: HttpRequest, obj: AccessGrant, form: Any, change: bool) -> None:
        grant = access_grant(
            acting_user=request.user, case=obj.case, user=obj.user, reason=obj.reason
        )
        adopt(obj, grant)

    @admin.action(description=_("Revoke the selected grants"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[AccessGrant]) -> None:
        active = list(queryset.filter(revoked_at__isnull=True))
        for grant in active:
            access_revoke(acting_user=request.user, grant=grant)
        self.message_user(
            request,
            ngettext("Revoked %(n)d grant.", "Revoked %(n)d grants.", len(active))
            % {"n": len(active)},
            messages.SUCCESS,
        )


@admin.register(CaseTransition)
class CaseTransitionAdmin(CasebookAdmin):
    """Read-only: transitions are written by the workflow services and never changed."""

    gated = True
    list_display = ("case", "action", "from_state", "to_state", "user", "at")
    list_filter = ("action", "to_state")
    date_hierarchy = "at"
    search_fields = ("case__reference", "comment")
    fields = ("case", "action", "from_state", "to_state", "user", "at", "comment")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseTransition]:
        return CaseTransition.objects.filter(case__in=visible_cases(request.user)).select_related(
            "case", "user"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
