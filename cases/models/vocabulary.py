from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import SUMMARY_LIMIT, TimeStampedModel, text_limit


class Vocabulary(TimeStampedModel):
    """A controlled vocabulary (a HURIDOCS micro-thesaurus): violation types, charges, …"""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, **text_limit(SUMMARY_LIMIT))

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("vocabulary")
        verbose_name_plural = _("vocabularies")

    def __str__(self) -> str:
        return self.name


class DetentionStatus(models.TextChoices):
    DETAINED = "detained", _("detained")
    SENTENCED = "sentenced", _("sentenced")
    RELEASED = "released", _("released")
    DECEASED = "deceased", _("deceased")
    DISAPPEARED = "disappeared", _("disappeared")
    UNKNOWN = "unknown", _("unknown")


class Term(TimeStampedModel):
    """One entry of a vocabulary, with labels in several languages.

    `labels` maps a language tag to a label, e.g.
    {"en": "Inciting separatism", "zh-Hans": "煽动分裂国家罪"}; English is required so that every
    term can be shown somewhere.
    """

    vocabulary = models.ForeignKey(
        Vocabulary, on_delete=models.PROTECT, related_name="terms", verbose_name=_("vocabulary")
    )
    code = models.SlugField(_("code"), max_length=64)
    labels = models.JSONField(_("labels"), default=dict)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("broader term"),
    )
    description = models.TextField(_("description"), blank=True, **text_limit(SUMMARY_LIMIT))
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive terms stay on old records but are not offered."),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    implies_status = models.CharField(
        _("implies detention status"),
        max_length=16,
        choices=DetentionStatus.choices,
        blank=True,
        help_text=_("Legal-process events only: the status a person has after this event."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["vocabulary__key", "sort_order", "code"]
        verbose_name = _("term")
        constraints = [
            models.UniqueConstraint(
                fields=["vocabulary", "code"], name="term_code_unique_in_vocabulary"
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="term_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        language = translation.get_language() or "en"
        for tag in (language, language.split("-")[0], "en"):
            for key, value in self.labels.items():
                if key.lower() == tag.lower() and value:
                    return value
        return self.code

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not isinstance(self.labels, dict) or not str(self.labels.get("en", "")).strip():
            raise ValidationError({"labels": _('An English label is required, e.g. {"en": "…"}.')})
        if self.parent_id and self.parent and self.parent.vocabulary_id != self.vocabulary_id:
            raise ValidationError({"parent": _("The broader term must be in the same vocabulary.")})


class VocabularyKey(models.TextChoices):
    """The vocabularies the domain models point into (seeded by a data migration)."""

    VIOLATION_TYPE = "violation-type", _("Violation types")
    LEGAL_PROCESS_EVENT = "legal-process-event", _("Legal-process events")
    CHARGE = "charge", _("Charges")
    DETENTION_TYPE = "detention-type", _("Detention types")
    TREATMENT_CONCERN = "treatment-concern", _("Treatment concerns")
    SOURCE_KIND = "source-kind", _("Source kinds")
    SOURCE_CONNECTION = "source-connection", _("Source connection to the information")
    ETHNICITY = "ethnicity", _("Ethnicities")
    RELIGION = "religion", _("Religions")
    OCCUPATION = "occupation", _("Occupations")
    ORGANIZATION_KIND = "organization-kind", _("Organization kinds")
    AFFILIATION_ROLE = "affiliation-role", _("Affiliation roles")
    TRADITIONAL_REGION = "traditional-region", _("Traditional regions")
    INTERVENTION_KIND = "intervention-kind", _("Intervention kinds")


def term_choices(vocabulary: VocabularyKey) -> dict[str, str]:
    """limit_choices_to for a foreign key that must point into one vocabulary.

    Inactive terms stay valid on existing records (re-saving an old record must not fail), so
    only the vocabulary is enforced here; forms offer active terms only.
    """
    return {"vocabulary__key": vocabulary.value}
