from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..fields import SearchTextField
from .base import NOTES_LIMIT, LanguageTag, PublicIdModel, text_limit
from .vocabulary import VocabularyKey, term_choices


class Organization(PublicIdModel):
    """Monasteries, schools, police and state-security units, courts, prisons, NGOs."""

    name = models.CharField(_("name"), max_length=300)
    kind = models.ForeignKey(
        "cases.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.ORGANIZATION_KIND),
        verbose_name=_("kind"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("part of"),
    )
    place = models.ForeignKey(
        "cases.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("place"),
    )
    notes = models.TextField(_("notes"), blank=True, **text_limit(NOTES_LIMIT))

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="organization_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrganizationName(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=300)
    language = models.CharField(_("language / script"), max_length=20, choices=LanguageTag.choices)
    search_text = SearchTextField(source="name", max_length=900)

    history = HistoricalRecords()

    class Meta:
        ordering = ["language", "name"]
        verbose_name = _("organization name")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "language", "name"], name="organization_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"
