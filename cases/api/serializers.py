"""What the API shows of each record, and what it accepts.

Serializers validate and represent; they never save. The views hand `validated_data` to the
services in cases.services, which validate again, lock, version and record who did what.

Never serialized, in either direction: Person.contact_details, family_details,
internal_notes and Source.originator, how_obtained (encrypted at rest; the pages are their
only door). Related records are named by public identifiers: cases by reference, people,
detentions, sources and organizations by public id, places and terms by id and code. A
related record offered as input must itself be visible to the user (see `Scoped`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from casebook.accounts.roles import Role
from cases import queries as access
from cases import workflow
from cases.api.masking import IdentityMaskingMixin
from cases.models import (
    AccessGrant,
    Affiliation,
    Case,
    CaseRelation,
    CaseRelationKind,
    CaseTransition,
    Citation,
    Confidentiality,
    Consent,
    Detention,
    DetentionEvent,
    Intervention,
    Organization,
    OrganizationName,
    Person,
    PersonName,
    Place,
    PlaceName,
    Source,
    Term,
    Transition,
    Vocabulary,
    VocabularyKey,
)
from cases.queries import visible_cases
from cases.relations import RELATION_KINDS_SEEN, relations_of

# --- Fields ----------------------------------------------------------------------------------


class SlugLookup(serializers.SlugRelatedField):
    """A related record named by a code, reference or public id. A NUL character is refused in
    words, as in any text field: PostgreSQL cannot even compare it, and would otherwise leave
    only "Invalid value."."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            raise serializers.ValidationError(_("Null characters are not allowed."))
        return super().to_internal_value(data)


def _user_of(field: serializers.Field) -> Any:
    request = field.context.get("request")
    return getattr(request, "user", None)


class Scoped(SlugLookup):
    """A related record named by a public identifier, looked up only among those the requesting
    user may see: naming a hidden record reads exactly like naming a missing one."""

    default_error_messages = {
        "does_not_exist": _("No such record: “{value}”."),
        "invalid": _("Invalid value."),
    }

    def __init__(self, *, scope: Callable[[Any], QuerySet], **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.scope(_user_of(self))

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except DjangoValidationError:  # a malformed UUID, say
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:100])


class ScopedId(serializers.PrimaryKeyRelatedField):
    def __init__(self, *, scope: Callable[[Any], QuerySet], **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.scope(_user_of(self))


def term_field(vocabulary: VocabularyKey, **kwargs: Any) -> SlugLookup:
    """A term of one vocabulary, by its code (GET /api/v1/vocabularies/{key}/ lists them)."""
    kwargs.setdefault("help_text", f"Term code in the “{vocabulary.value}” vocabulary.")
    return SlugLookup(
        slug_field="code",
        queryset=Term.objects.filter(vocabulary__key=vocabulary.value),
        **kwargs,
    )


def organization_field(**kwargs: Any) -> SlugLookup:
    return SlugLookup(
        slug_field="public_id",
        queryset=Organization.objects.all(),
        allow_null=True,
        required=False,
        **kwargs,
    )


def place_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.all(), allow_null=True, required=False, **kwargs
    )


VERSION_HELP = (
    "The version the edit started from. Required on update: if someone saved since, the "
    "answer is 409 with the current record and nothing is written."
)


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, required=False, help_text=VERSION_HELP)


class ServiceSerializer(serializers.ModelSerializer):
    """Validation only: the model's own checks run in the services (full_clean), whose errors
    come back as 400 with the same field names."""

    def create(self, validated_data: dict) -> Any:  # pragma: no cover - views call services
        raise NotImplementedError("views call the services")

    def update(self, instance: Any, validated_data: dict) -> Any:  # pragma: no cover
        raise NotImplementedError("views call the services")


# --- Reference data --------------------------------------------------------------------------


class PlaceNameSerializer(ServiceSerializer):
    """A name of a place in one script or romanisation (BCP 47 tag in `language`)."""

    class Meta:
        model = PlaceName
        fields = ["id", "name", "language"]
        read_only_fields = ["id"]
        validators: list = []


PLACE_FIELDS = [
    "id",
    "name",
    "kind",
    "parent",
    "path",
    "depth",
    "traditional_region",
    "latitude",
    "longitude",
    "external_id",
    "names",
]


class CoordinateField(serializers.DecimalField):
    """Degrees kept to the micro-degree (about 10 cm): finer input is rounded to that, not
    refused, since a GPS reading often carries more digits than the place needs."""

    def validate_precision(self, value: Any) -> Any:
        if self.max_value is not None and abs(value) <= self.max_value:
            value = self.quantize(value)
        # Out of range: refused by the digit count here or by max_value, never rounded.
        return super().validate_precision(value)


def _coordinate(limit: int) -> serializers.DecimalField:
    return CoordinateField(
        max_digits=9,
        decimal_places=6,
        coerce_to_string=False,
        allow_null=True,
        required=False,
        min_value=-limit,
        max_value=limit,
    )


class PlaceSerializer(ServiceSerializer):
    """A gazetteer entry. `parent` is the id of the place it lies in (only administrators add
    a place without one, a country); `path` and `depth` follow from it. Coordinates are
    optional, both or neither. `names` are given when creating; afterwards they are changed at
    /api/v1/places/{id}/names/."""

    parent = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.all(),
        allow_null=True,
        required=False,
        help_text="Id of the place this one lies in.",
    )
    traditional_region = term_field(
        VocabularyKey.TRADITIONAL_REGION, allow_null=True, required=False
    )
    latitude = _coordinate(90)
    longitude = _coordinate(180)
    names = PlaceNameSerializer(many=True, required=False)

    class Meta:
        model = Place
        fields = PLACE_FIELDS
        read_only_fields = ["id", "path", "depth"]
        validators: list = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | QuerySet):
            self.fields["names"].read_only = True

    def validate(self, attrs: dict) -> dict:
        latitude = attrs.get("latitude", getattr(self.instance, "latitude", None))
        longitude = attrs.get("longitude", getattr(self.instance, "longitude", None))
        if (latitude is None) != (longitude is None):
            raise serializers.ValidationError(
                {"latitude": [_("Give both latitude and longitude, or neither.")]}
            )
        return attrs


class PlaceUpdateSerializer(PlaceSerializer):
    """What a PUT or PATCH of a place takes: its names are changed at their own routes."""

    names = PlaceNameSerializer(many=True, read_only=True)


class TermSerializer(serializers.ModelSerializer):
    vocabulary = SlugLookup(slug_field="key", read_only=True)
    label = serializers.CharField(read_only=True)
    labels = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Term
        fields = [
            "id",
            "vocabulary",
            "code",
            "label",
            "labels",
            "parent",
            "description",
            "active",
            "sort_order",
            "implies_status",
        ]
        read_only_fields = fields


class VocabularySerializer(serializers.ModelSerializer):
    class Meta:
        model = Vocabulary
        fields = ["key", "name", "description"]
        read_only_fields = fields


class VocabularyDetailSerializer(VocabularySerializer):
    terms = TermSerializer(many=True, read_only=True)

    class Meta(VocabularySerializer.Meta):
        fields = [*VocabularySerializer.Meta.fields, "terms"]
        read_only_fields = fields


class OrganizationNameSerializer(ServiceSerializer):
    class Meta:
        model = OrganizationName
        fields = ["id", "name", "language"]
        read_only_fields = ["id"]
        validators: list = []


class OrganizationSerializer(ServiceSerializer):
    """A monastery, police unit, court, prison or NGO. `parent` is the public id of the unit it
    belongs to, `place` a place id. `names` are given when creating; afterwards they are
    changed at /api/v1/organizations/{public_id}/names/."""

    kind = term_field(VocabularyKey.ORGANIZATION_KIND, allow_null=True, required=False)
    parent = SlugLookup(
        slug_field="public_id",
        queryset=Organization.objects.all(),
        allow_null=True,
        required=False,
        help_text="Public id of the organization this one is a unit of.",
    )
    place = place_field(help_text="Place id (GET /api/v1/places/).")
    names = OrganizationNameSerializer(many=True, required=False)

    class Meta:
        model = Organization
        fields = ["public_id", "name", "kind", "parent", "place", "notes", "names"]
        read_only_fields = ["public_id"]
        validators: list = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | QuerySet):
            self.fields["names"].read_only = True

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except DjangoValidationError as error:  # a malformed public id of the parent
            raise serializers.ValidationError({"parent": error.messages}) from None


# --- People ----------------------------------------------------------------------------------


PRIMARY_HELP = (
    "Spelled as the person's display name (`name`). Mark another variant primary with "
    "POST /api/v1/person-names/{id}/make-primary/."
)


class OrganizationUpdateSerializer(OrganizationSerializer):
    """What a PUT or PATCH of an organization takes: its names have their own routes."""

    names = OrganizationNameSerializer(many=True, read_only=True)


class PersonNameSerializer(serializers.ModelSerializer):
    """A spelling of a person's name, as given when creating the person and shown inside it."""

    primary = serializers.SerializerMethodField(help_text=PRIMARY_HELP)

    class Meta:
        model = PersonName
        fields = ["id", "name", "language", "kind", "primary"]
        read_only_fields = ["id"]
        validators: list = []

    @extend_schema_field(serializers.BooleanField())
    def get_primary(self, variant: PersonName) -> bool:
        return variant.name == variant.person.name


def _fix_person_once_saved(serializer: serializers.Serializer) -> None:
    """A record of a person stays that person's: `person` is given when creating only."""
    if serializer.instance is not None and not isinstance(serializer.instance, list | QuerySet):
        serializer.fields["person"].read_only = True


def person_field() -> Scoped:
    return Scoped(
        slug_field="public_id",
        scope=access.visible_people,
        help_text="Public id of the person; set when creating only.",
    )


class PersonNameRecordSerializer(PersonNameSerializer, ServiceSerializer):
    """A name variant on its own (GET/POST /api/v1/person-names/)."""

    person = person_field()

    class Meta(PersonNameSerializer.Meta):
        fields = ["id", "person", "name", "language", "kind", "primary"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _fix_person_once_saved(self)


class AffiliationSerializer(serializers.ModelSerializer):
    """A person's tie to an organization, with its own dates (EDTF, like every date here)."""

    organization = SlugLookup(
        slug_field="public_id",
        queryset=Organization.objects.all(),
        help_text="Public id of the organization (GET /api/v1/organizations/).",
    )
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    role = term_field(VocabularyKey.AFFILIATION_ROLE, allow_null=True, required=False)
    started_on_display = serializers.CharField(read_only=True)
    ended_on_display = serializers.CharField(read_only=True)

    class Meta:
        model = Affiliation
        fields = [
            "id",
            "organization",
            "organization_name",
            "role",
            "started_on",
            "started_on_earliest",
            "started_on_latest",
            "started_on_display",
            "ended_on",
            "ended_on_earliest",
            "ended_on_latest",
            "ended_on_display",
            "note",
        ]
        read_only_fields = [
            "id",
            "started_on_earliest",
            "started_on_latest",
            "ended_on_earliest",
            "ended_on_latest",
        ]
        validators: list = []


class AffiliationRecordSerializer(AffiliationSerializer, ServiceSerializer):
    """An affiliation on its own (GET/POST /api/v1/affiliations/)."""

    person = person_field()

    class Meta(AffiliationSerializer.Meta):
        fields = ["id", "person", *AffiliationSerializer.Meta.fields[1:]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _fix_person_once_saved(self)


class ConsentSerializer(serializers.ModelSerializer):
    """The person's decision for one kind of recipient. No record means no consent."""

    recorded_by = SlugLookup(slug_field="username", read_only=True, allow_null=True)
    recorded_on = serializers.DateField(
        required=False, help_text="When the decision was given; default today."
    )

    class Meta:
        model = Consent
        fields = ["id", "recipient", "decision", "given_by", "recorded_on", "recorded_by", "note"]
        read_only_fields = ["id"]
        validators: list = []


class ConsentRecordSerializer(ConsentSerializer, ServiceSerializer):
    """A consent on its own (GET/POST /api/v1/consents/)."""

    person = person_field()

    class Meta(ConsentSerializer.Meta):
        fields = ["id", "person", *ConsentSerializer.Meta.fields[1:]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _fix_person_once_saved(self)


class PersonSummarySerializer(IdentityMaskingMixin, serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["public_id", "name", "description", "is_group", "head_count", "identity_withheld"]
        read_only_fields = fields


class PersonDetentionSerializer(serializers.ModelSerializer):
    case = SlugLookup(slug_field="reference", read_only=True)

    class Meta:
        model = Detention
        fields = ["public_id", "case", "detained_on", "status"]
        read_only_fields = fields


PERSON_FIELDS = [
    "public_id",
    "name",
    "description",
    "identity_withheld",
    "is_group",
    "head_count",
    "sex",
    "birth_date",
    "birth_date_earliest",
    "birth_date_latest",
    "ethnicity",
    "religion",
    "occupation",
    "home_place",
    "names",
    "affiliations",
    "consents",
    "detentions",
    "version",
    "created_at",
    "updated_at",
]


class PersonSerializer(IdentityMaskingMixin, ServiceSerializer):
    """A person. `names` may be given when creating; afterwards name variants, affiliations
    and consents are records of their own (/api/v1/person-names/, /affiliations/,
    /consents/), read-only here."""

    ethnicity = term_field(VocabularyKey.ETHNICITY, allow_null=True, required=False)
    religion = term_field(VocabularyKey.RELIGION, allow_null=True, required=False)
    occupation = term_field(VocabularyKey.OCCUPATION, allow_null=True, required=False)
    home_place = place_field()
    names = PersonNameSerializer(
        many=True,
        required=False,
        help_text="Name variants. Given when creating; change them at /api/v1/person-names/.",
    )
    affiliations = AffiliationSerializer(many=True, read_only=True)
    consents = ConsentSerializer(many=True, read_only=True)
    detentions = PersonDetentionSerializer(
        many=True,
        read_only=True,
        source="visible_detentions",
        help_text="Detentions of this person in cases you may see.",
    )
    version = version_field()

    class Meta:
        model = Person
        fields = PERSON_FIELDS
        read_only_fields = [
            "public_id",
            "birth_date_earliest",
            "birth_date_latest",
            "created_at",
            "updated_at",
        ]
        validators: list = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["names"].read_only = True


# --- Sources and citations -------------------------------------------------------------------


CITATION_TARGETS = ("case", "detention", "detention_event", "person")


class CitationSerializer(ServiceSerializer):
    """A source supporting exactly one of: a case, a detention, an event or a person. On
    update, naming another target moves the citation there."""

    source = Scoped(slug_field="public_id", scope=access.visible_sources)
    case = Scoped(slug_field="reference", scope=visible_cases, required=False, allow_null=True)
    detention = Scoped(
        slug_field="public_id", scope=access.visible_detentions, required=False, allow_null=True
    )
    detention_event = ScopedId(scope=access.visible_events, required=False, allow_null=True)
    person = Scoped(
        slug_field="public_id", scope=access.visible_people, required=False, allow_null=True
    )

    class Meta:
        model = Citation
        fields = [
            "id",
            "source",
            *CITATION_TARGETS,
            "claim",
            "excerpt",
            "locator",
            "credibility",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []

    def validate(self, attrs: dict) -> dict:
        chosen = [name for name in CITATION_TARGETS if attrs.get(name) is not None]
        if self.instance is not None and len(chosen) == 1:
            # Naming a new target moves the citation there: the old one is let go.
            attrs.update({name: None for name in CITATION_TARGETS if name not in chosen})
        elif self.instance is not None and not chosen:
            chosen = [
                name
                for name in CITATION_TARGETS
                if name not in attrs and getattr(self.instance, f"{name}_id") is not None
            ]
        if len(chosen) != 1:
            raise serializers.ValidationError(
                _("Cite the source for exactly one of: case, detention, detention_event, person.")
            )
        return attrs


class SourceCitationSerializer(serializers.ModelSerializer):
    """A citation as shown inside its source or its case (read only)."""

    case = SlugLookup(slug_field="reference", read_only=True)
    detention = SlugLookup(slug_field="public_id", read_only=True)
    person = SlugLookup(slug_field="public_id", read_only=True)

    class Meta:
        model = Citation
        fields = ["id", *CITATION_TARGETS, "claim", "excerpt", "locator", "credibility"]
        read_only_fields = fields


SOURCE_FIELDS = [
    "public_id",
    "kind",
    "title",
    "outlet",
    "author",
    "published_on",
    "published_on_earliest",
    "published_on_latest",
    "collected_on",
    "url",
    "language",
    "reliability",
    "connection",
    "hand",
    "repeats",
    "notes",
    "citations",
    "version",
    "created_at",
    "updated_at",
]


class SourceSerializer(ServiceSerializer):
    """A source. Who gave a testimony, and how it was obtained, are never part of it here."""

    kind = term_field(VocabularyKey.SOURCE_KIND)
    connection = term_field(VocabularyKey.SOURCE_CONNECTION, allow_null=True, required=False)
    repeats = Scoped(
        slug_field="public_id",
        scope=access.visible_sources,
        required=False,
        allow_null=True,
        help_text="Public id of the upstream report this one repeats.",
    )
    citations = SourceCitationSerializer(
        many=True,
        read_only=True,
        source="visible_citations",
        help_text="Where this source is cited, among the records you may see.",
    )
    version = version_field()

    class Meta:
        model = Source
        fields = SOURCE_FIELDS
        read_only_fields = [
            "public_id",
            "published_on_earliest",
            "published_on_latest",
            "created_at",
            "updated_at",
        ]
        validators: list = []

    def to_representation(self, instance: Source) -> dict:
        data = super().to_representation(instance)
        # The upstream report is named only if the user may see it (annotated by the view).
        if not getattr(instance, "repeats_visible", False):
            data["repeats"] = None
        return data


# --- Detentions ------------------------------------------------------------------------------


class DetentionEventSerializer(serializers.ModelSerializer):
    """An event as listed inside its detention (read only: events are written at
    /api/v1/events/)."""

    event_type = SlugLookup(slug_field="code", read_only=True)
    organization = SlugLookup(slug_field="public_id", read_only=True, allow_null=True)
    occurred_display = serializers.CharField(read_only=True)

    class Meta:
        model = DetentionEvent
        fields = [
            "id",
            "event_type",
            "occurred",
            "occurred_earliest",
            "occurred_latest",
            "occurred_display",
            "certainty",
            "place",
            "organization",
            "note",
        ]
        read_only_fields = fields


EVENT_FIELDS = [
    "id",
    "detention",
    "event_type",
    "occurred",
    "occurred_earliest",
    "occurred_latest",
    "occurred_display",
    "certainty",
    "place",
    "organization",
    "note",
    "created_at",
    "updated_at",
]


class EventSerializer(ServiceSerializer):
    """A step of a detention's legal process, written on its own. The detention's status,
    certainty, as-of date and expected release follow at once; the detention is chosen when
    the event is created."""

    detention = Scoped(
        slug_field="public_id",
        scope=access.visible_detentions,
        help_text="Public id of the detention.",
    )
    event_type = term_field(VocabularyKey.LEGAL_PROCESS_EVENT)
    occurred_display = serializers.CharField(read_only=True)
    place = place_field()
    organization = organization_field(help_text="Public id of the court, prison or authority.")

    class Meta:
        model = DetentionEvent
        fields = EVENT_FIELDS
        read_only_fields = [
            "id",
            "occurred_earliest",
            "occurred_latest",
            "created_at",
            "updated_at",
        ]
        validators: list = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | QuerySet):
            self.fields["detention"].read_only = True


DETENTION_FIELDS = [
    "public_id",
    "case",
    "person",
    "person_detail",
    "detained_on",
    "detained_on_earliest",
    "detained_on_latest",
    "detained_on_display",
    "age_at_detention",
    "age_is_approximate",
    "detaining_authority",
    "authority_description",
    "held_at",
    "held_in_place",
    "alleged_reason",
    "charges",
    "detention_type",
    "whereabouts",
    "lawyer_access",
    "family_access",
    "wgad_category",
    "urgent_appeal",
    "treatment_concerns",
    "sentence_kind",
    "sentence_years",
    "sentence_months",
    "sentence_start",
    "expected_release",
    "status",
    "status_certainty",
    "status_as_of",
    "status_rests_on_undated",
    "events",
    "version",
    "created_at",
    "updated_at",
]


class DetentionSerializer(ServiceSerializer):
    """One person detained in one case, with the legal-process events of the detention.

    `status`, `status_certainty`, `status_as_of`, `status_rests_on_undated` and
    `expected_release` follow from the events and the sentence; they cannot be set. `case` and
    `person` are set when creating only. `events` are listed here and written at
    /api/v1/events/.
    """

    case = Scoped(slug_field="reference", scope=visible_cases, help_text="Case reference.")
    person = Scoped(
        slug_field="public_id", scope=access.visible_people, help_text="Public id of the person."
    )
    person_detail = PersonSummarySerializer(source="person", read_only=True)
    detained_on_display = serializers.CharField(read_only=True)
    detaining_authority = organization_field()
    held_at = organization_field()
    held_in_place = place_field()
    charges = term_field(VocabularyKey.CHARGE, many=True, required=False)
    detention_type = term_field(VocabularyKey.DETENTION_TYPE, allow_null=True, required=False)
    treatment_concerns = term_field(VocabularyKey.TREATMENT_CONCERN, many=True, required=False)
    events = DetentionEventSerializer(many=True, read_only=True)
    version = version_field()

    class Meta:
        model = Detention
        fields = DETENTION_FIELDS
        read_only_fields = [
            "public_id",
            "detained_on_earliest",
            "detained_on_latest",
            "expected_release",
            "status",
            "status_certainty",
            "status_as_of",
            "status_rests_on_undated",
            "created_at",
            "updated_at",
        ]
        validators: list = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | QuerySet):
            self.fields["case"].read_only = True
            self.fields["person"].read_only = True


class DetentionSummarySerializer(serializers.ModelSerializer):
    person = PersonSummarySerializer(read_only=True)

    class Meta:
        model = Detention
        fields = [
            "public_id",
            "person",
            "detained_on",
            "detained_on_display",
            "status",
            "status_certainty",
        ]
        read_only_fields = fields


# --- Cases -----------------------------------------------------------------------------------


def _assignable_users() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.MONITOR, Role.REVIEWER])
        .distinct()
    )


CASE_FIELDS = [
    "reference",
    "title",
    "summary",
    "narrative",
    "occurred",
    "occurred_earliest",
    "occurred_latest",
    "occurred_display",
    "occurred_inferred",
    "place",
    "place_name",
    "violation_types",
    "confidentiality",
    "state",
    "assigned_monitor",
    "version",
    "created_at",
    "updated_at",
]


class CaseSerializer(ServiceSerializer):
    place = place_field(help_text="Place id (GET /api/v1/places/).")
    place_name = serializers.SerializerMethodField()
    violation_types = term_field(VocabularyKey.VIOLATION_TYPE, many=True, required=False)
    assigned_monitor = SlugLookup(
        slug_field="username",
        queryset=_assignable_users(),
        allow_null=True,
        required=False,
        help_text="Username of a monitor or reviewer.",
    )
    occurred_display = serializers.CharField(read_only=True)
    version = version_field()

    class Meta:
        model = Case
        fields = CASE_FIELDS
        read_only_fields = [
            "reference",
            "occurred_earliest",
            "occurred_latest",
            "state",
            "created_at",
            "updated_at",
        ]
        validators: list = []

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_place_name(self, case: Case) -> str | None:
        return case.place.name if case.place_id else None


class CaseRelationSeenSerializer(serializers.Serializer):
    """A relation as seen from the case it is listed on."""

    id = serializers.IntegerField(read_only=True, help_text="Id at /api/v1/case-relations/.")
    kind = serializers.ChoiceField(
        choices=RELATION_KINDS_SEEN,
        read_only=True,
        help_text="From this case's side: duplicate-of, part-of, related-to; duplicated-by and "
        "includes when the relation was recorded on the other case.",
    )
    reference = serializers.CharField(read_only=True, help_text="The related case.")
    title = serializers.CharField(read_only=True)
    note = serializers.CharField(read_only=True)
    outgoing = serializers.BooleanField(
        read_only=True, help_text="Whether the relation was recorded on this case."
    )


class CaseDetailSerializer(CaseSerializer):
    detentions = DetentionSummarySerializer(many=True, read_only=True)
    citations = SourceCitationSerializer(
        many=True, read_only=True, help_text="Sources cited on the case itself."
    )
    relations = serializers.SerializerMethodField(
        help_text="Related cases you may see (change them at /api/v1/case-relations/)."
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CASE_FIELDS, "detentions", "citations", "relations"]

    @extend_schema_field(CaseRelationSeenSerializer(many=True, read_only=True))
    def get_relations(self, case: Case) -> list[dict]:
        seen = relations_of(_user_of(self), case)
        return CaseRelationSeenSerializer(seen, many=True).data


class CaseRelationSerializer(ServiceSerializer):
    """A relation recorded on `case`: it is `kind` the `related` case. Both are case
    references, and both cases must be ones you may see."""

    case = Scoped(
        slug_field="reference",
        scope=visible_cases,
        source="from_case",
        help_text="Reference of the case the relation is recorded on.",
    )
    related = Scoped(
        slug_field="reference",
        scope=visible_cases,
        source="to_case",
        help_text="Reference of the related case.",
    )
    kind = serializers.ChoiceField(
        choices=CaseRelationKind.choices,
        help_text="duplicate-of, part-of or related-to: what `case` is to `related`.",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)

    class Meta:
        model = CaseRelation
        fields = ["id", "case", "related", "kind", "note", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []


class TransitionSerializer(serializers.ModelSerializer):
    user = SlugLookup(slug_field="username", read_only=True)

    class Meta:
        model = CaseTransition
        fields = ["action", "from_state", "to_state", "user", "at", "comment"]
        read_only_fields = fields


class ConfidentialitySerializer(serializers.Serializer):
    # Named like the case's field, so the schema has one enum for both.
    confidentiality = serializers.ChoiceField(choices=Confidentiality.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Why the case may be seen more widely; required to lower the level.",
    )
    version = serializers.IntegerField(
        min_value=1, help_text="The version of the case the decision was taken on."
    )


class TransitionStepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[(value, label) for value, label in Transition.choices if value in workflow.STEPS]
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Why; required to return, reject or dispute.",
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The version of the case you read before deciding. Required to verify, return "
        "or reject; optional for the other steps. If the case changed since, the answer is 409 "
        "with what changed, and nothing is written.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["action"] in VERSIONED_STEPS and attrs.get("version") is None:
            raise serializers.ValidationError(
                {"version": ["Send the version of the case you read before deciding."]},
                code="required",
            )
        return attrs


# A reviewer's judgement is about the case as they read it: these steps say which version.
VERSIONED_STEPS = frozenset({Transition.VERIFY, Transition.RETURN, Transition.REJECT})


class CaseChangeSerializer(serializers.Serializer):
    """One write to a case, its detentions, their events or citations after a given version."""

    record = serializers.CharField(
        help_text="case, detention, detention event or citation", read_only=True
    )
    version = serializers.IntegerField(
        required=False, read_only=True, help_text="For the case: its version."
    )
    id = serializers.IntegerField(
        required=False, read_only=True, help_text="For other records: its id."
    )
    change = serializers.CharField(
        required=False, read_only=True, help_text="For other records: created, changed, deleted."
    )
    fields = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        read_only=True,
        help_text="For the case: the fields changed (`facts`: its detentions, events, "
        "citations or people).",
    )
    at = serializers.CharField(read_only=True)
    by = serializers.CharField(allow_null=True, read_only=True, help_text="Username.")


# --- Interventions ---------------------------------------------------------------------------


class InterventionSerializer(ServiceSerializer):
    """Advocacy on a case. Not a fact of the case: writing one does not send a verified case
    back to review. `reply_due` follows the kind and `sent_on` unless a deadline is given
    (`reply_due_set_by_hand`); sending null hands it back to the rule."""

    case = Scoped(
        slug_field="reference",
        scope=visible_cases,
        help_text="Case reference; set when creating only.",
    )
    kind = term_field(VocabularyKey.INTERVENTION_KIND)
    reply_due = serializers.DateField(
        allow_null=True,
        required=False,
        help_text="Left out: follows the kind and the sent date. A date of your own is kept "
        "when the sent date changes later; null hands it back to the rule.",
    )

    class Meta:
        model = Intervention
        fields = [
            "id",
            "case",
            "kind",
            "sent_on",
            "sent_by",
            "addressed_to",
            "external_reference",
            "status",
            "reply_due",
            "reply_due_set_by_hand",
            "response",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "reply_due_set_by_hand", "created_at", "updated_at"]
        extra_kwargs = {"sent_on": {"allow_null": True}}
        validators: list = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | QuerySet):
            self.fields["case"].read_only = True


# --- Errors and statistics (for the schema) --------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TransitionRefusedSerializer(ErrorSerializer):
    rule = serializers.CharField(
        help_text="The rule that refused the step: role, state, comment, four-eyes, "
        "corroboration, version or unknown."
    )
    changes = CaseChangeSerializer(
        many=True,
        required=False,
        read_only=True,
        help_text="With rule `version`: what changed since the version you sent, and who.",
    )


class TransitionForbiddenSerializer(ErrorSerializer):
    rule = serializers.CharField(
        required=False,
        help_text="role, when the role may not take this step; absent when the token is "
        "read-only or the user may not edit at all.",
    )


@functools.cache
def conflict_serializer(record: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The body of a 409 for a stale write: the message and the record as it is now."""
    name = record.__name__.replace("Serializer", "") + "Conflict"
    return type(
        f"{name}Serializer",
        (ErrorSerializer,),
        {
            "current": record(read_only=True),
            "__module__": __name__,
            "__doc__": "Someone saved since your version: nothing was written.",
        },
    )


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Head count (sum of person.head_count).")


class MonthCountSerializer(CountSerializer):
    month = serializers.CharField(help_text="YYYY-MM of the earliest possible detention date.")


class PlaceCountSerializer(CountSerializer):
    place = serializers.IntegerField(allow_null=True, help_text="Place id; null: no place.")
    name = serializers.CharField(allow_null=True)
    kind = serializers.CharField(allow_null=True)
    depth = serializers.IntegerField(allow_null=True)


class StatusCountSerializer(CountSerializer):
    status = serializers.CharField()


class ViolationCountSerializer(CountSerializer):
    code = serializers.CharField(allow_null=True, help_text="Term code; null: none recorded.")
    label = serializers.CharField(allow_null=True)


class ChargeCountSerializer(CountSerializer):
    code = serializers.CharField(allow_null=True, help_text="Term code; null: no charge recorded.")
    label = serializers.CharField(allow_null=True)


class GenderCountSerializer(CountSerializer):
    gender = serializers.CharField()


@extend_schema_serializer(many=False)
class StatisticsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Detained people (head counts).")
    place_level = serializers.IntegerField()
    by_month = MonthCountSerializer(many=True)
    by_place = PlaceCountSerializer(many=True)
    by_status = StatusCountSerializer(many=True)
    by_violation_type = ViolationCountSerializer(many=True)
    by_charge = ChargeCountSerializer(many=True)
    by_gender = GenderCountSerializer(many=True)


# --- Access grants ---------------------------------------------------------------------------


class AccessGrantSerializer(ServiceSerializer):
    """Who may see a restricted case besides administrators. A revoked grant is kept (who had
    access, until when); `active` says whether it still lets its user in."""

    case = Scoped(slug_field="reference", scope=visible_cases, help_text="Case reference.")
    user = SlugLookup(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="Username of the user to let in.",
    )
    granted_by = SlugLookup(slug_field="username", read_only=True, allow_null=True)
    revoked_by = SlugLookup(slug_field="username", read_only=True, allow_null=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = AccessGrant
        fields = [
            "id",
            "case",
            "user",
            "reason",
            "granted_by",
            "granted_at",
            "revoked_by",
            "revoked_at",
            "active",
        ]
        read_only_fields = ["id", "granted_by", "granted_at", "revoked_by", "revoked_at"]
        validators: list = []

    def get_active(self, grant: AccessGrant) -> bool:
        return grant.revoked_at is None
