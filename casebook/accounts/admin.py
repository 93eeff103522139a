from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken, User
from .tokens import token_revoke


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_active", "roles_display")
    list_filter = ("groups", "is_active", "is_staff", "is_superuser")

    @admin.display(description=_("Roles"))
    def roles_display(self, obj: User) -> str:
        # Role labels are lazy translations: joined, they must be strings in the active language.
        return ", ".join(sorted(str(role.label) for role in obj.roles)) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners (page or command); administrators see and revoke them.
    The key hash is not shown: it is of no use to a person."""

    list_display = ("name", "user", "prefix", "read_only", "created_at", "expires_at", "state")
    list_filter = ("read_only", "revoked_at")
    search_fields = ("name", "user__username", "prefix")
    fields = (
        "user",
        "name",
        "prefix",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["view"])
    def revoke(self, request, queryset) -> None:
        tokens = list(queryset.select_related("user"))
        for token in tokens:
            token_revoke(acting_user=request.user, token=token)
        messages.success(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
            % {"count": len(tokens)},
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")
