from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..dates import MAX_LENGTH, describe
from ..fields import UncertainDateField
from .base import NOTES_LIMIT, Certainty, PublicIdModel, TimeStampedModel, text_limit
from .vocabulary import DetentionStatus, VocabularyKey, term_choices


class Whereabouts(models.TextChoices):
    UNKNOWN = "unknown", _("unknown")
    ACKNOWLEDGED_DISCLOSED = "disclosed", _("acknowledged, place disclosed")
    ACKNOWLEDGED_UNDISCLOSED = "undisclosed", _("acknowledged, place not disclosed")
    DENIED = "denied", _("detention denied by the authorities")


class Access(models.TextChoices):
    UNKNOWN = "unknown", _("unknown")
    YES = "yes", _("yes")
    NO = "no", _("no")


class WgadCategory(models.TextChoices):
    """Categories of arbitrary deprivation of liberty used by the UN Working Group (WGAD)."""

    I = "I", _("I – no legal basis")  # noqa: E741
    II = "II", _("II – exercise of rights and freedoms")
    III = "III", _("III – fair-trial violations")
    IV = "IV", _("IV – prolonged administrative custody of migrants")
    V = "V", _("V – discrimination")
    NONE = "none", _("none")


class SentenceKind(models.TextChoices):
    NONE = "", _("not sentenced / unknown")
    TERM = "term", _("fixed term")
    UNKNOWN_TERM = "unknown-term", _("sentenced, term unknown")
    LIFE = "life", _("life imprisonment")
    SUSPENDED_DEATH = "suspended-death", _("death, suspended")
    DEATH = "death", _("death")


def describe_status_as_of(as_of: datetime.date | None, written: str) -> str:
    """The date a status rests on, with the uncertainty it was written with ("about October
    2014"), else its day; "" when the status rests on no dated event."""
    if written:
        return describe(written)
    return formats.date_format(as_of, "j F Y") if as_of else ""


class Detention(PublicIdModel):
    """One person detained in one case (ESF Act of arrest with the victim's involvement).

    `status`, `status_certainty`, `status_as_of`, `status_as_of_text`,
    `status_rests_on_undated` and `expected_release` are derived: the detention services
    recompute them from the event timeline and the sentence whenever either changes.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="detentions")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="detentions")
    detained_on = UncertainDateField(
        _("detained on"), earliest_field="detained_on_earliest", latest_field="detained_on_latest"
    )
    detained_on_earliest = models.DateField(null=True, blank=True, editable=False)
    detained_on_latest = models.DateField(null=True, blank=True, editable=False)
    age_at_detention = models.PositiveSmallIntegerField(
        _("age at detention"), null=True, blank=True
    )
    age_is_approximate = models.BooleanField(_("age approximate"), default=False)
    detaining_authority = models.ForeignKey(
        "cases.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="detentions_made",
        verbose_name=_("detaining authority"),
        help_text=_("Leave blank when the source does not say who; that is normal."),
    )
    authority_description = models.CharField(
        _("authority as reported"),
        max_length=300,
        blank=True,
        help_text=_("The source's own words, e.g. “Chinese authorities”."),
    )
    held_at = models.ForeignKey(
        "cases.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="detainees_held",
        verbose_name=_("held at (facility)"),
    )
    held_in_place = models.ForeignKey(
        "cases.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="detentions_held",
        verbose_name=_("held in (place)"),
    )
    alleged_reason = models.TextField(_("alleged reason"), blank=True, **text_limit(NOTES_LIMIT))
    charges = models.ManyToManyField(
        "cases.Term",
        blank=True,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.CHARGE),
        verbose_name=_("charges"),
    )
    detention_type = models.ForeignKey(
        "cases.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.DETENTION_TYPE),
        verbose_name=_("type of detention"),
    )
    whereabouts = models.CharField(
        _("whereabouts"), max_length=12, choices=Whereabouts.choices, default=Whereabouts.UNKNOWN
    )
    lawyer_access = models.CharField(
        _("access to a lawyer of one's choosing"),
        max_length=8,
        choices=Access.choices,
        default=Access.UNKNOWN,
    )
    family_access = models.CharField(
        _("access to family"), max_length=8, choices=Access.choices, default=Access.UNKNOWN
    )
    wgad_category = models.CharField(
        _("WGAD category"), max_length=4, choices=WgadCategory.choices, blank=True
    )
    urgent_appeal = models.BooleanField(_("urgent appeal warranted"), default=False)
    treatment_concerns = models.ManyToManyField(
        "cases.Term",
        blank=True,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.TREATMENT_CONCERN),
        verbose_name=_("treatment concerns"),
    )
    sentence_kind = models.CharField(
        _("sentence"),
        max_length=16,
        choices=SentenceKind.choices,
        blank=True,
        default=SentenceKind.NONE,
    )
    sentence_years = models.PositiveSmallIntegerField(_("years"), null=True, blank=True)
    sentence_months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    sentence_start = models.DateField(
        _("sentence counted from"),
        null=True,
        blank=True,
        help_text=_("Blank: counted from the day of detention, when that day is known."),
    )
    expected_release = models.DateField(
        _("expected release"), null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("current status"),
        max_length=12,
        choices=DetentionStatus.choices,
        default=DetentionStatus.DETAINED,
        editable=False,
    )
    status_certainty = models.CharField(
        _("status is"),
        max_length=8,
        choices=Certainty.choices,
        default=Certainty.KNOWN,
        editable=False,
    )
    status_as_of = models.DateField(_("status as of"), null=True, blank=True, editable=False)
    # The date the status rests on as it was written ("2014-10~"): `status_as_of` is only its
    # latest possible day, and "as of 31 October 2014" would claim a precision the source
    # never gave.
    status_as_of_text = models.CharField(
        _("status as of (as written)"), max_length=MAX_LENGTH, blank=True, editable=False
    )
    status_rests_on_undated = models.BooleanField(
        _("status rests on undated events"),
        default=False,
        editable=False,
        help_text=_(
            "The status was taken from an undated event, or an undated event implies another "
            "status: dating it would settle the status."
        ),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    # The flag and the written as-of date are left out of the versions: the history chain
    # hashes every column of a version (cases/history.py), so a column added to the history
    # table would change the content of every older version. Both follow from the events,
    # which are versioned themselves.
    history = HistoricalRecords(
        m2m_fields=[charges, treatment_concerns],
        excluded_fields=["status_rests_on_undated", "status_as_of_text"],
    )

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("detention")
        indexes = [
            models.Index(
                fields=["detained_on_earliest", "detained_on_latest"], name="detention_date_range"
            ),
            models.Index(fields=["status"], name="detention_status"),
            models.Index(fields=["expected_release"], name="detention_expected_release"),
            # The API's sort keys (cases/api/pagination.py: unknown dates sort last either
            # way), so a page of the prisoner list is read in index order.
            models.Index(
                Coalesce("detained_on_earliest", Value(datetime.date.min)).desc(),
                "public_id",
                name="detention_detained_desc",
            ),
            models.Index(
                Coalesce("detained_on_earliest", Value(datetime.date.max)),
                "public_id",
                name="detention_detained_asc",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person"], name="detention_one_per_person_per_case"
            ),
            models.CheckConstraint(
                condition=Q(detained_on_earliest__isnull=True)
                | Q(detained_on_earliest__lte=models.F("detained_on_latest")),
                name="detention_date_ordered",
            ),
            models.CheckConstraint(
                condition=Q(sentence_months__isnull=True) | Q(sentence_months__lt=12),
                name="detention_sentence_months_under_twelve",
            ),
            models.CheckConstraint(
                condition=Q(sentence_kind=SentenceKind.TERM)
                | Q(sentence_years__isnull=True, sentence_months__isnull=True),
                name="detention_sentence_length_only_for_terms",
            ),
            models.CheckConstraint(
                condition=~Q(sentence_kind=SentenceKind.TERM)
                | Q(sentence_years__isnull=False)
                | Q(sentence_months__isnull=False),
                name="detention_term_has_length",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DetentionStatus.values), name="detention_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(age_at_detention__isnull=True) | Q(age_at_detention__lte=130),
                name="detention_age_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.case.reference}"

    @property
    def detained_on_display(self) -> str:
        return describe(self.detained_on)

    @property
    def status_as_of_display(self) -> str:
        return describe_status_as_of(self.status_as_of, self.status_as_of_text)

    @property
    def sentence_display(self) -> str:
        if self.sentence_kind != SentenceKind.TERM:
            return str(self.get_sentence_kind_display()) if self.sentence_kind else ""
        parts = []
        if self.sentence_years:
            parts.append(_("%(n)d years") % {"n": self.sentence_years})
        if self.sentence_months:
            parts.append(_("%(n)d months") % {"n": self.sentence_months})
        return ", ".join(parts) or _("0 months")


class DetentionEvent(TimeStampedModel):
    """One step of the legal process: custody, formal arrest, trial, sentencing, release, …"""

    detention = models.ForeignKey(Detention, on_delete=models.CASCADE, related_name="events")
    event_type = models.ForeignKey(
        "cases.Term",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.LEGAL_PROCESS_EVENT),
        verbose_name=_("event"),
    )
    occurred = UncertainDateField(
        _("date"), earliest_field="occurred_earliest", latest_field="occurred_latest"
    )
    occurred_earliest = models.DateField(null=True, blank=True, editable=False)
    occurred_latest = models.DateField(null=True, blank=True, editable=False)
    certainty = models.CharField(
        _("certainty"), max_length=8, choices=Certainty.choices, default=Certainty.KNOWN
    )
    place = models.ForeignKey(
        "cases.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "cases.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("court, prison or authority"),
    )
    note = models.TextField(_("note"), blank=True, **text_limit(NOTES_LIMIT))

    history = HistoricalRecords()

    class Meta:
        ordering = ["occurred_earliest", "id"]
        verbose_name = _("detention event")
        constraints = [
            models.CheckConstraint(
                condition=Q(occurred_earliest__isnull=True)
                | Q(occurred_earliest__lte=models.F("occurred_latest")),
                name="detention_event_date_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} ({describe(self.occurred)})"

    @property
    def occurred_display(self) -> str:
        return describe(self.occurred)
