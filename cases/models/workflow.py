from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedJSONField
from simple_history.models import HistoricalRecords

from .base import SUMMARY_LIMIT, text_limit
from .case import CaseState


class Transition(models.TextChoices):
    """The verification actions of WORKFLOW.md."""

    SUBMIT = "submit", _("submit for review")
    VERIFY = "verify", _("verify")
    RETURN = "return", _("return to the monitor")
    REJECT = "reject", _("reject")
    DISPUTE = "dispute", _("dispute")
    RESUBMIT = "resubmit", _("resubmit for review")
    REOPEN = "reopen", _("reopen as a draft")
    # Not chosen by anyone: recorded when the facts of a verified case change.
    EDITED_AFTER_VERIFICATION = "edited", _("facts edited after verification")
    # Decisions about who may see the case (cases.services.confidentiality). The state stays
    # what it was; the comment holds the old and new level and the reason.
    RAISE_CONFIDENTIALITY = "raise-confidentiality", _("confidentiality raised")
    LOWER_CONFIDENTIALITY = "lower-confidentiality", _("confidentiality lowered")


# Steps that record a decision without moving the case to another state.
STATE_KEEPING_ACTIONS = (Transition.RAISE_CONFIDENTIALITY, Transition.LOWER_CONFIDENTIALITY)


class CaseTransition(models.Model):
    """One step of a case through verification: from, to, who, when, why. Never changed."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("action"), max_length=24, choices=Transition.choices)
    from_state = models.CharField(_("from"), max_length=12, choices=CaseState.choices)
    to_state = models.CharField(_("to"), max_length=12, choices=CaseState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    comment = models.TextField(_("comment"), blank=True, **text_limit(SUMMARY_LIMIT))

    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case transition")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_state=models.F("to_state"))
                | Q(action__in=[action.value for action in STATE_KEEPING_ACTIONS]),
                name="transition_changes_state",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state} → {self.to_state}"


class AccessGrant(models.Model):
    """Lets one user see one restricted case. Revoking keeps the record: who had access, when."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("access grant")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_grant_per_user_and_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.case_id}"


class CaseWatch(models.Model):
    """A user who wants to hear when a verified case is disputed."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="watch_once")]

    def __str__(self) -> str:
        return f"{self.user} watches {self.case_id}"


class CaseFactEditor(models.Model):
    """Someone who changed a case's facts since it was last verified (four eyes).

    Nobody in this set may verify the case; verifying it empties the set. Kept as rows rather
    than read from the version history so that the guard is one indexed query.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="fact_editors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_changed_at = models.DateTimeField(_("first changed at"))
    last_changed_at = models.DateTimeField(_("last changed at"))

    class Meta:
        verbose_name = _("fact editor")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="fact_editor_once_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} changed {self.case_id}"


class Notification(models.Model):
    """An in-app message; the same text goes out by e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    transition = models.ForeignKey(CaseTransition, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once the e-mail went out, so that a retried task sends what failed and nothing twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A retried task must not notify twice.
            models.UniqueConstraint(
                fields=["user", "transition"], name="notification_once_per_transition"
            ),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.message


class StaleEdit(models.Model):
    """What a user typed into a form that someone else had saved in the meantime.

    Kept so that a conflict never costs anyone their words: the conflict page shows it beside
    the current version, and it stays here until the user has dealt with it.
    """

    class Reason(models.TextChoices):
        CONFLICT = "conflict", _("someone else saved first")
        EXPIRED = "expired", _("your session had ended")
        CSRF = "csrf", _("the form had expired")

    # Empty only while it waits, under `anonymous_key`, for the visitor whose session ended to
    # sign in again.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stale_edits",
    )
    reason = models.CharField(
        _("why it was kept"), max_length=20, choices=Reason.choices, default=Reason.CONFLICT
    )
    # The address the form was posted to, so that opening it again offers the text back.
    path = models.CharField(_("form address"), max_length=500, blank=True)
    # A random key held by the anonymous session that posted; never the text itself.
    anonymous_key = models.CharField(max_length=64, blank=True, db_index=True)
    record_type = models.CharField(max_length=100, blank=True)
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    base_version = models.PositiveIntegerField(null=True, blank=True)
    current_version = models.PositiveIntegerField(null=True, blank=True)
    # Encrypted like the sensitive fields it may hold copies of (narratives, contact details).
    data = EncryptedJSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Resolving keeps the row (never a word lost); it only stops being offered to the user.
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["record_type", "record_id"], name="stale_edit_record"),
            models.Index(fields=["user", "resolved_at"], name="stale_edit_open"),
            models.Index(fields=["user", "path"], name="stale_edit_path"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True)
                | Q(resolved_at__isnull=False),
                name="stale_edit_resolved_with_date",
            ),
        ]

    def __str__(self) -> str:
        where = (
            f"{self.record_type} {self.record_id} v{self.base_version}"
            if self.record_type
            else self.path
        )
        return f"{where} by {self.user_id}"


class HistoryChainHead(models.Model):
    """The single row every new chain entry locks, so entries form one line, never a fork."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    length = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="history_chain_head_singleton")
        ]

    def __str__(self) -> str:
        return f"{self.length} entries, head {self.last_hash[:12]}"


class HistoryChainEntry(models.Model):
    """One link of the tamper-evident chain over every version record.

    `entry_hash` = HMAC(content_hash + previous_hash) with a key derived from HISTORY_KEY (a
    secret of its own, rotated by re-anchoring: HistoryKeyAnchor): someone who can write to the
    database but does not hold the key can neither alter a version nor rebuild the chain after
    altering one. `manage.py verify_history` checks it.
    """

    seq = models.BigAutoField(primary_key=True)
    history_model = models.CharField(max_length=100)
    history_id = models.PositiveBigIntegerField()
    content_hash = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["history_model", "history_id"], name="one_chain_entry_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.history_model}:{self.history_id}"
