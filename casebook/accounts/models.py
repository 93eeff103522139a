from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """A Casebook user. Roles are group memberships; a user may hold several."""

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username

    @cached_property
    def roles(self) -> frozenset[Role]:
        names = {group.name for group in self.groups.all()}
        held = {role for role in Role if role.value in names}
        if self.is_superuser:
            held.add(Role.ADMINISTRATOR)
        return frozenset(held)

    def has_role(self, *roles: Role) -> bool:
        return self.is_active and any(role in self.roles for role in roles)


class ApiToken(models.Model):
    """A personal API token: `Authorization: Token <key>` acts as its user.

    Only a SHA-256 of the key is stored, so a copy of the database does not hand out working
    keys; the key is shown once, when the token is made. `prefix` is the first, non-secret part
    of the key: it finds the row without a scan and lets the owner tell tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("key hash (SHA-256)"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    read_only = models.BooleanField(
        _("read only"), default=False, help_text=_("A read-only token can read but never write.")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(key_hash__regex=r"^[0-9a-f]{64}$"), name="api_token_hash_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"
