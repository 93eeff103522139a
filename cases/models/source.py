from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField
from simple_history.models import HistoricalRecords

from ..dates import describe
from ..fields import UncertainDateField
from .base import NOTES_LIMIT, LanguageTag, PublicIdModel, TimeStampedModel, text_limit
from .vocabulary import VocabularyKey, term_choices


class Reliability(models.TextChoices):
    """Admiralty scale for the reliability of a source."""

    A = "A", _("A – completely reliable")
    B = "B", _("B – usually reliable")
    C = "C", _("C – fairly reliable")
    D = "D", _("D – not usually reliable")
    E = "E", _("E – unreliable")
    F = "F", _("F – reliability cannot be judged")


class Credibility(models.IntegerChoices):
    """Admiralty scale for the credibility of one piece of information."""

    CONFIRMED = 1, _("1 – confirmed by other sources")
    PROBABLY_TRUE = 2, _("2 – probably true")
    POSSIBLY_TRUE = 3, _("3 – possibly true")
    DOUBTFUL = 4, _("4 – doubtful")
    IMPROBABLE = 5, _("5 – improbable")
    CANNOT_JUDGE = 6, _("6 – truth cannot be judged")


class Hand(models.TextChoices):
    FIRST = "first", _("first-hand")
    SECOND = "second", _("second-hand")
    UNKNOWN = "unknown", _("unknown")


class Source(PublicIdModel):
    """Where information comes from (ESF Information): an article, a report, a testimony, …"""

    kind = models.ForeignKey(
        "cases.Term",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.SOURCE_KIND),
        verbose_name=_("kind"),
    )
    title = models.CharField(_("title"), max_length=500)
    outlet = models.CharField(_("outlet / publisher"), max_length=300, blank=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    published_on = UncertainDateField(
        _("published on"),
        earliest_field="published_on_earliest",
        latest_field="published_on_latest",
    )
    published_on_earliest = models.DateField(null=True, blank=True, editable=False)
    published_on_latest = models.DateField(null=True, blank=True, editable=False)
    collected_on = models.DateField(_("collected on"), null=True, blank=True)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    language = models.CharField(
        _("language"), max_length=20, choices=LanguageTag.choices, default=LanguageTag.ENGLISH
    )
    reliability = models.CharField(
        _("reliability"), max_length=1, choices=Reliability.choices, default=Reliability.F
    )
    connection = models.ForeignKey(
        "cases.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.SOURCE_CONNECTION),
        verbose_name=_("connection to the information"),
        help_text=_("victim, witness, relative, reporter, lawyer, NGO, official"),
    )
    hand = models.CharField(
        _("first- or second-hand"), max_length=8, choices=Hand.choices, default=Hand.UNKNOWN
    )
    repeats = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeated_by",
        verbose_name=_("repeats"),
        help_text=_("The upstream report this one repeats: the two are not independent."),
    )
    # Testimony: who spoke is the most dangerous fact in the database. Encrypted at rest,
    # never exported outside the organisation.
    originator = EncryptedTextField(
        _("originator (testimony)"), blank=True, null=True, **text_limit(NOTES_LIMIT)
    )
    originator_relation = models.CharField(
        _("originator's relation to the victim"), max_length=200, blank=True
    )
    how_obtained = EncryptedTextField(
        _("how obtained"), blank=True, null=True, **text_limit(NOTES_LIMIT)
    )
    notes = models.TextField(_("notes"), blank=True, **text_limit(NOTES_LIMIT))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on_earliest", "title"]
        verbose_name = _("source")
        # The API's sort key (title, then the public id), so a page is read in index order.
        indexes = [models.Index(fields=["title", "public_id"], name="source_title_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(published_on_earliest__isnull=True)
                | Q(published_on_earliest__lte=models.F("published_on_latest")),
                name="source_published_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(repeats=models.F("id")), name="source_not_repeating_itself"
            ),
            models.CheckConstraint(
                condition=Q(reliability__in=Reliability.values), name="source_reliability_valid"
            ),
        ]

    def __str__(self) -> str:
        parts = [self.title]
        if self.outlet:
            parts.append(self.outlet)
        if self.published_on:
            parts.append(describe(self.published_on))
        return ", ".join(parts)

    @property
    def published_on_display(self) -> str:
        return describe(self.published_on)


class Citation(TimeStampedModel):
    """A source supporting one fact: about a case, a detention, a legal-process event or a person.

    Exactly one target is set; the database enforces it.
    """

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    detention = models.ForeignKey(
        "cases.Detention", on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    detention_event = models.ForeignKey(
        "cases.DetentionEvent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )
    person = models.ForeignKey(
        "cases.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    claim = models.CharField(
        _("claim supported"), max_length=500, blank=True, help_text=_("e.g. date of arrest, charge")
    )
    excerpt = models.TextField(_("excerpt"), blank=True, **text_limit(NOTES_LIMIT))
    locator = models.CharField(_("page or location"), max_length=100, blank=True)
    credibility = models.PositiveSmallIntegerField(
        _("credibility"),
        choices=Credibility.choices,
        default=Credibility.CANNOT_JUDGE,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )

    TARGET_FIELDS = ("case", "detention", "detention_event", "person")

    history = HistoricalRecords()

    class Meta:
        ordering = ["source__title", "id"]
        verbose_name = _("citation")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        case__isnull=False,
                        detention__isnull=True,
                        detention_event__isnull=True,
                        person__isnull=True,
                    )
                    | Q(
                        case__isnull=True,
                        detention__isnull=False,
                        detention_event__isnull=True,
                        person__isnull=True,
                    )
                    | Q(
                        case__isnull=True,
                        detention__isnull=True,
                        detention_event__isnull=False,
                        person__isnull=True,
                    )
                    | Q(
                        case__isnull=True,
                        detention__isnull=True,
                        detention_event__isnull=True,
                        person__isnull=False,
                    )
                ),
                name="citation_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=Q(credibility__gte=1, credibility__lte=6),
                name="citation_credibility_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.title} → {self.target}"

    @property
    def target(self) -> models.Model | None:
        for name in self.TARGET_FIELDS:
            value = getattr(self, name)
            if value is not None:
                return value
        return None

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        chosen = [name for name in self.TARGET_FIELDS if getattr(self, f"{name}_id") is not None]
        if len(chosen) != 1:
            raise ValidationError(
                _(
                    "A citation supports exactly one thing: "
                    "a case, a detention, an event or a person."
                )
            )


class EvidenceKind(models.TextChoices):
    FILE = "file", _("uploaded file")
    SNAPSHOT = "snapshot", _("archived web page")


class EvidenceFile(PublicIdModel):
    """A file or web snapshot backing a source, stored under its SHA-256 (content address)."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(
        _("kind"), max_length=10, choices=EvidenceKind.choices, default=EvidenceKind.FILE
    )
    file = models.FileField(_("file"), upload_to="evidence/", max_length=300, editable=False)
    original_name = models.CharField(_("original file name"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), editable=False)
    media_type = models.CharField(_("media type"), max_length=150, editable=False)
    retrieved_from = models.URLField(_("retrieved from"), max_length=2000, blank=True)
    retrieved_at = models.DateTimeField(_("retrieved at"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        null=True,
    )
    description = models.CharField(_("description"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("evidence file")
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="evidence_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or self.sha256[:12]
