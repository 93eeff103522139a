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

    # A preference, not a right: left out of the account records (records.user_state).
    alert_digest = models.BooleanField(
        _("weekly e-mail digest of alerts"),
        default=True,
        help_text=_(
            "Once a week, an e-mail listing releases due, people without news and replies "
            "overdue, when there are any."
        ),
    )

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


class AccountRecord(models.Model):
    """One recorded state of an account or an API token, linked into the history chain.

    What decides who may do what is kept here on every change through the application
    (casebook/accounts/records.py): group memberships, direct permissions, the superuser, staff
    and active flags, and digests of the password hash and of the token's key hash, never the
    hashes themselves. `manage.py verify_history` compares every account and token with its
    latest record, so a change made by SQL matches no recorded state and is reported.
    `state` is empty when the account or token was deleted.
    """

    class Kind(models.TextChoices):
        USER = "user", _("account")
        TOKEN = "token", _("API token")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    state = models.JSONField(null=True)
    recorded_at = models.DateTimeField()
    # Who made the change, when it was made in a request; kept as a number so the record
    # outlives the account.
    actor_id = models.PositiveBigIntegerField(null=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "object_id", "id"], name="account_record_latest")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} at {self.recorded_at:%Y-%m-%d %H:%M}"
