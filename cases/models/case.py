from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..dates import describe
from ..fields import UncertainDateField
from .base import NARRATIVE_LIMIT, NOTES_LIMIT, SUMMARY_LIMIT, TimeStampedModel, text_limit
from .vocabulary import VocabularyKey, term_choices


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("public")
    INTERNAL = "internal", _("internal")
    RESTRICTED = "restricted", _("restricted")


class CaseState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for review")
    VERIFIED = "verified", _("verified")
    DISPUTED = "disputed", _("disputed")
    REJECTED = "rejected", _("rejected")


class Case(TimeStampedModel):
    """An incident or situation (ESF Event): who was detained, when, where, by whom, says whom."""

    reference = models.CharField(
        _("reference"), max_length=32, unique=True, editable=False, help_text=_("e.g. CB-2014-0001")
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True, **text_limit(SUMMARY_LIMIT))
    narrative = models.TextField(_("narrative"), blank=True, **text_limit(NARRATIVE_LIMIT))
    occurred = UncertainDateField(
        _("occurred"), earliest_field="occurred_earliest", latest_field="occurred_latest"
    )
    occurred_earliest = models.DateField(
        _("occurred, earliest"), null=True, blank=True, editable=False
    )
    occurred_latest = models.DateField(_("occurred, latest"), null=True, blank=True, editable=False)
    occurred_inferred = models.BooleanField(
        _("date inferred"),
        default=False,
        help_text=_(
            "The source does not state the date in full, e.g. the year comes from the article date."
        ),
    )
    place = models.ForeignKey(
        "cases.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("place"),
    )
    violation_types = models.ManyToManyField(
        "cases.Term",
        blank=True,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.VIOLATION_TYPE),
        verbose_name=_("violation types"),
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=12,
        choices=Confidentiality.choices,
        default=Confidentiality.INTERNAL,
    )
    state = models.CharField(
        _("verification state"),
        max_length=12,
        choices=CaseState.choices,
        default=CaseState.DRAFT,
        editable=False,
    )
    assigned_monitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned monitor"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("updated by"),
    )
    # Four eyes: whoever last changed the facts (the case, its detentions, events or citations)
    # may not verify it.
    facts_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("facts last changed by"),
    )
    facts_changed_at = models.DateTimeField(_("facts last changed at"), null=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords(m2m_fields=[violation_types])

    class Meta:
        ordering = ["-occurred_earliest", "reference"]
        verbose_name = _("case")
        indexes = [
            models.Index(
                fields=["occurred_earliest", "occurred_latest"], name="case_occurred_range"
            ),
            models.Index(fields=["state", "confidentiality"], name="case_state_confidentiality"),
            models.Index(fields=["place", "state"], name="case_place_state"),
            # The API's sort keys (cases/api/pagination.py), so a page is read in index order.
            models.Index(
                Coalesce("occurred_earliest", Value(datetime.date.min)).desc(),
                "reference",
                name="case_occurred_desc",
            ),
            models.Index(
                Coalesce("occurred_earliest", Value(datetime.date.max)),
                "reference",
                name="case_occurred_asc",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(occurred_earliest__isnull=True)
                | Q(occurred_earliest__lte=models.F("occurred_latest")),
                name="case_occurred_ordered",
            ),
            models.CheckConstraint(
                condition=Q(confidentiality__in=Confidentiality.values),
                name="case_confidentiality_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=CaseState.values), name="case_state_valid"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="case_title_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def occurred_display(self) -> str:
        shown = describe(self.occurred)
        return f"{shown} ({_('inferred')})" if self.occurred and self.occurred_inferred else shown


class ReferenceCounter(models.Model):
    """The last case number handed out for a year: references never repeat, even after deletes."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class CaseRelationKind(models.TextChoices):
    """How the case a relation is recorded on (`from_case`) stands to `to_case`."""

    DUPLICATE_OF = "duplicate-of", _("duplicate of")
    PART_OF = "part-of", _("part of")
    RELATED_TO = "related-to", _("related to")


class CaseRelation(TimeStampedModel):
    """A link between two cases, recorded on `from_case` and shown on both.

    A relation is a fact of both cases (a duplicate-of link decides whether advocates count
    the people of a case twice): the relation services record it as a change of both cases'
    facts, and a relation is shown only where both cases may be seen.
    """

    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="relations_from")
    to_case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="relations_to", verbose_name=_("related case")
    )
    kind = models.CharField(_("relation"), max_length=16, choices=CaseRelationKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("case relation")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CaseRelationKind.values), name="case_relation_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["from_case", "to_case", "kind"], name="case_relation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_case=models.F("to_case")), name="case_relation_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_case.reference} {self.get_kind_display()} {self.to_case.reference}"


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    SENT = "sent", _("sent")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    REPLIED = "replied", _("reply received")
    CLOSED = "closed", _("closed")


class Intervention(TimeStampedModel):
    """Advocacy on a case (ESF Intervention): UN urgent appeal, WGAD communication, letter, …"""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="interventions")
    kind = models.ForeignKey(
        "cases.Term",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.INTERVENTION_KIND),
        verbose_name=_("kind"),
    )
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    sent_by = models.CharField(_("by"), max_length=300, blank=True)
    addressed_to = models.CharField(_("to"), max_length=300, blank=True)
    external_reference = models.CharField(_("their reference"), max_length=100, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InterventionStatus.choices,
        default=InterventionStatus.PLANNED,
    )
    reply_due = models.DateField(
        _("reply due"),
        null=True,
        blank=True,
        help_text=_(
            "The WGAD gives governments 60 days; follows from the kind and the sent date unless "
            "set by hand."
        ),
    )
    reply_due_set_by_hand = models.BooleanField(
        _("reply deadline set by hand"),
        default=False,
        editable=False,
        help_text=_("Set by hand: no longer follows the kind and the sent date."),
    )
    response = models.TextField(_("response"), blank=True, **text_limit(NOTES_LIMIT))
    notes = models.TextField(_("notes"), blank=True, **text_limit(NOTES_LIMIT))

    # Left out of the versions, like Detention.status_rests_on_undated: a column added to the
    # history table would change the hashed content of every older version (cases/history.py).
    # The deadline itself is versioned.
    history = HistoricalRecords(excluded_fields=["reply_due_set_by_hand"])

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name = _("intervention")
        constraints = [
            models.CheckConstraint(
                condition=Q(reply_due__isnull=True)
                | Q(sent_on__isnull=True)
                | Q(reply_due__gte=models.F("sent_on")),
                name="intervention_reply_after_sending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.get_status_display()})"
