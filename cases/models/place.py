from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..fields import SearchTextField
from .base import LanguageTag, TimeStampedModel
from .vocabulary import VocabularyKey, term_choices


class PlaceKind(models.TextChoices):
    COUNTRY = "country", _("country")
    REGION = "region", _("province or region")
    PREFECTURE = "prefecture", _("prefecture")
    COUNTY = "county", _("county")
    TOWNSHIP = "township", _("township or town")
    VILLAGE = "village", _("village")
    MONASTERY = "monastery", _("monastery or nunnery")
    PRISON = "prison", _("prison")
    DETENTION_CENTRE = "detention-centre", _("detention centre")
    OTHER = "other", _("other")


class PlaceQuerySet(models.QuerySet):
    def subtree(self, place: Place) -> PlaceQuerySet:
        """The place and everything below it: one indexed prefix scan on the path."""
        return self.filter(path__startswith=place.path)


class Place(TimeStampedModel):
    """A gazetteer entry. `path` is a materialized path of ids ("/1/7/42/") kept by the place
    services, so "everything under Nagchu" is a prefix match on an index, not a recursive query.
    """

    name = models.CharField(_("name"), max_length=200, help_text=_("The name shown by default."))
    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    path = models.CharField(_("path"), max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    traditional_region = models.ForeignKey(
        "cases.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=term_choices(VocabularyKey.TRADITIONAL_REGION),
        verbose_name=_("traditional region"),
        help_text=_("e.g. Kham, Amdo, Ü-Tsang: regions that cut across today's borders."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, help_text=_("e.g. geonames:1280737")
    )

    objects = PlaceQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["path"]
        verbose_name = _("place")
        indexes = [
            # varchar_pattern_ops lets PostgreSQL serve LIKE 'prefix%' from the index under any
            # collation; other databases ignore the operator class.
            models.Index(
                fields=["path"], name="place_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="place_coordinates_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="place_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="place_longitude_range",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="place_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both latitude and longitude, or neither."))
        if self.pk and self.parent_id:
            parent = self.parent
            if parent.pk == self.pk or (self.path and parent.path.startswith(self.path)):
                raise ValidationError({"parent": _("A place cannot lie inside itself.")})

    def ancestors(self) -> list[Place]:
        """From the country down to the parent, in one query."""
        ids = [int(part) for part in self.path.strip("/").split("/") if part][:-1]
        by_id = {place.pk: place for place in Place.objects.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]

    @property
    def hierarchy_label(self) -> str:
        """ "Drilda monastery › Sog County › Nagchu › Tibet Autonomous Region › China"."""
        chain = [self, *reversed(self.ancestors())]
        return " › ".join(place.name for place in chain)


class PlaceName(models.Model):
    """A name of a place in one script or romanisation."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language / script"), max_length=20, choices=LanguageTag.choices)
    search_text = SearchTextField(source="name")

    history = HistoricalRecords()

    class Meta:
        ordering = ["language", "name"]
        verbose_name = _("place name")
        constraints = [
            models.UniqueConstraint(fields=["place", "language", "name"], name="place_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"
