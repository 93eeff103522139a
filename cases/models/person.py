from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField
from simple_history.models import HistoricalRecords

from ..dates import describe
from ..fields import SearchTextField, UncertainDateField
from .base import NOTES_LIMIT, LanguageTag, PublicIdModel, text_limit
from .vocabulary import VocabularyKey, term_choices


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")
    UNKNOWN = "unknown", _("unknown")


class Person(PublicIdModel):
    """A victim, or an unnamed group counted by heads ("three other Tibetans").

    An unknown name is normal, not an error: `name` may be blank and `description` then tells
    people apart ("monk of Drilda monastery"). Statistics count `head_count`, not rows.
    """

    name = models.CharField(
        _("name"),
        max_length=300,
        blank=True,
        help_text=_("The name to show; leave blank when unknown. Add spellings under names."),
    )
    description = models.CharField(
        _("description"),
        max_length=300,
        blank=True,
        help_text=_("Tells an unnamed person apart, e.g. “monk of Drilda monastery”."),
    )
    identity_withheld = models.BooleanField(
        _("identity withheld"),
        default=False,
        help_text=_("Exports outside the organisation show a placeholder instead of any name."),
    )
    is_group = models.BooleanField(
        _("unnamed group"),
        default=False,
        help_text=_("One record for several people who are not told apart."),
    )
    head_count = models.PositiveIntegerField(_("head count"), default=1)
    sex = models.CharField(
        _("sex / gender"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN
    )
    birth_date = UncertainDateField(
        _("birth date"), earliest_field="birth_date_earliest", latest_field="birth_date_latest"
    )
    birth_date_earliest = models.DateField(null=True, blank=True, editable=False)
    birth_date_latest = models.DateField(null=True, blank=True, editable=False)
    ethnicity = models.ForeignKey(
        "cases.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.ETHNICITY),
        verbose_name=_("ethnicity"),
    )
    religion = models.ForeignKey(
        "cases.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.RELIGION),
        verbose_name=_("religion"),
    )
    occupation = models.ForeignKey(
        "cases.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.OCCUPATION),
        verbose_name=_("occupation"),
    )
    home_place = models.ForeignKey(
        "cases.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("home place"),
    )
    # Sensitive: encrypted at rest, never in any export outside the organisation.
    contact_details = EncryptedTextField(
        _("contact details"), blank=True, null=True, **text_limit(NOTES_LIMIT)
    )
    family_details = EncryptedTextField(
        _("family details"), blank=True, null=True, **text_limit(NOTES_LIMIT)
    )
    internal_notes = EncryptedTextField(
        _("internal notes"), blank=True, null=True, **text_limit(NOTES_LIMIT)
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        # The API's sort key (name, then the public id), so a page is read in index order.
        indexes = [models.Index(fields=["name", "public_id"], name="person_name_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(head_count__gte=1), name="person_head_count_positive"
            ),
            models.CheckConstraint(
                condition=Q(is_group=True) | Q(head_count=1),
                name="person_individual_counts_one",
            ),
            models.CheckConstraint(
                condition=Q(birth_date_earliest__isnull=True)
                | Q(birth_date_earliest__lte=models.F("birth_date_latest")),
                name="person_birth_date_ordered",
            ),
        ]

    def __str__(self) -> str:
        if self.name:
            return self.name
        label = self.description or (_("unnamed group") if self.is_group else _("name unknown"))
        if self.is_group:
            return f"{label} ({self.head_count})"
        return str(label)

    @property
    def birth_date_display(self) -> str:
        return describe(self.birth_date)


class NameKind(models.TextChoices):
    BIRTH = "birth", _("birth name")
    RELIGIOUS = "religious", _("religious name")
    ALIAS = "alias", _("alias or nickname")
    OFFICIAL = "official", _("official / ID-card name")
    OTHER = "other", _("other")


class PersonName(models.Model):
    """One spelling of a person's name in one script: search finds a person by any of them."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=300)
    language = models.CharField(_("language / script"), max_length=20, choices=LanguageTag.choices)
    kind = models.CharField(
        _("kind"), max_length=12, choices=NameKind.choices, default=NameKind.BIRTH
    )
    # Also holds the Wylie spelling, the phonetic reading and the sound key of a Tibetan name
    # (cases.text.name_search_key), so a phonetic spelling finds a name written in Tibetan.
    search_text = SearchTextField(source="name", derive="name_search_key", max_length=900)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "language", "name"]
        verbose_name = _("person name")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "language", "kind", "name"], name="person_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"


class Affiliation(models.Model):
    """A person's tie to an organization, e.g. monk of Drilda monastery."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(
        "cases.Organization", on_delete=models.PROTECT, related_name="affiliations"
    )
    role = models.ForeignKey(
        "cases.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.AFFILIATION_ROLE),
        verbose_name=_("role"),
    )
    started_on = UncertainDateField(
        _("from"),
        earliest_field="started_on_earliest",
        latest_field="started_on_latest",
        help_text=_("When the tie began, if known (EDTF: 2005, 2005-03, ../2005 before 2005)."),
    )
    started_on_earliest = models.DateField(null=True, blank=True, editable=False)
    started_on_latest = models.DateField(null=True, blank=True, editable=False)
    ended_on = UncertainDateField(
        _("to"),
        earliest_field="ended_on_earliest",
        latest_field="ended_on_latest",
        help_text=_("When it ended (expulsion, graduation); blank while it lasts or if unknown."),
    )
    ended_on_earliest = models.DateField(null=True, blank=True, editable=False)
    ended_on_latest = models.DateField(null=True, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "started_on_earliest", "id"]
        verbose_name = _("affiliation")
        constraints = [
            # The same role again from another date is a second stint (a monk expelled and
            # readmitted), not a duplicate.
            models.UniqueConstraint(
                fields=["person", "organization", "role", "started_on"],
                name="affiliation_unique",
            ),
            models.CheckConstraint(
                condition=Q(started_on_earliest__isnull=True)
                | Q(ended_on_latest__isnull=True)
                | Q(started_on_earliest__lte=models.F("ended_on_latest")),
                name="affiliation_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        role = self.role.label if self.role_id else _("affiliated with")
        return f"{role}, {self.organization}"

    def clean(self) -> None:
        # The bounds are derived when saving; compare the dates as entered, so an end before
        # the start is a message on the field rather than a database error.
        from django.core.exceptions import ValidationError

        from ..dates import parse_uncertain_date

        try:
            started = parse_uncertain_date(self.started_on)
            ended = parse_uncertain_date(self.ended_on)
        except ValidationError:
            return  # the field's own validation names the unreadable date
        if started.earliest and ended.latest and started.earliest > ended.latest:
            raise ValidationError(
                {"ended_on": _("The affiliation cannot end before it began.")},
                code="ended_before_started",
            )

    @property
    def started_on_display(self) -> str:
        return describe(self.started_on)

    @property
    def ended_on_display(self) -> str:
        return describe(self.ended_on)


class Recipient(models.TextChoices):
    """Who an export is meant for; consent is recorded per recipient."""

    UN = "un", _("UN mechanisms")
    PARTNER = "partner", _("partner NGOs")
    MEDIA = "media", _("media")
    PUBLIC = "public", _("the public")


class ConsentDecision(models.TextChoices):
    GRANTED = "granted", _("granted")
    REFUSED = "refused", _("refused")


class Consent(models.Model):
    """What the person (or family) agreed to share with one kind of recipient.

    No record means no consent: exports to that recipient leave the identity out.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    recipient = models.CharField(_("recipient"), max_length=10, choices=Recipient.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=ConsentDecision.choices)
    given_by = models.CharField(
        _("given by"), max_length=200, blank=True, help_text=_("e.g. the person, a relative")
    )
    recorded_on = models.DateField(_("recorded on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    note = models.TextField(_("note"), blank=True, **text_limit(NOTES_LIMIT))

    history = HistoricalRecords()

    class Meta:
        ordering = ["recipient"]
        verbose_name = _("consent")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "recipient"], name="consent_one_per_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_recipient_display()}: {self.get_decision_display()}"
