from __future__ import annotations

import uuid
from typing import Any

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Per-field limits on free text (characters). A TextField's max_length alone is enforced by forms
# and serializers but not by full_clean, so the validator makes the services refuse too; and
# every version of a record copies its text, so an unbounded field is a way to fill the disk.
NARRATIVE_LIMIT = 100_000
NOTES_LIMIT = 20_000
SUMMARY_LIMIT = 5_000


def text_limit(limit: int) -> dict[str, Any]:
    """Field options that hold a TextField to `limit` characters everywhere it is written."""
    return {"max_length": limit, "validators": [MaxLengthValidator(limit)]}


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, editable=False)

    class Meta:
        abstract = True


class PublicIdModel(TimeStampedModel):
    """A record reached by URL: its public id is random, so ids reveal neither counts nor order."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class LanguageTag(models.TextChoices):
    """BCP 47 tags for the scripts and romanisations monitors record names in."""

    TIBETAN = "bo", _("Tibetan (script)")
    TIBETAN_LATIN = "bo-Latn", _("Tibetan (phonetic or Wylie)")
    CHINESE_SIMPLIFIED = "zh-Hans", _("Chinese (simplified)")
    CHINESE_TRADITIONAL = "zh-Hant", _("Chinese (traditional)")
    PINYIN = "zh-Latn-pinyin", _("Chinese (pinyin)")
    UYGHUR = "ug", _("Uyghur (script)")
    UYGHUR_LATIN = "ug-Latn", _("Uyghur (Latin)")
    MONGOLIAN = "mn", _("Mongolian")
    ENGLISH = "en", _("English")
    OTHER = "und", _("Other or undetermined")


class Certainty(models.TextChoices):
    """Whether a fact is confirmed or only believed (as the CECC database marks it)."""

    KNOWN = "known", _("known")
    BELIEVED = "believed", _("believed")
