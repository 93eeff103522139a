"""The careful first version of the detention export, to measure Casebook's against.

What a careful Django developer writes first: a DRF ModelSerializer with the related fields
(case, person and names, charges, place, authority, sources), over a Detention queryset with
select_related and prefetch_related so that there is no query per row, written out with
csv.writer. Place labels and source counts are looked up once (a careful version knows that
`Place.hierarchy_label` costs a query per place). The same rows and columns as the export.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from typing import Any

from django.db.models import Prefetch, QuerySet
from rest_framework import serializers

from cases.exports.profiles import PLACEHOLDER
from cases.models import Affiliation, Citation, Detention, Place, Term

from .sql import FLOOR_COLUMNS, NAME_LANGUAGES

NAMED_LANGUAGES = {language.value for _column, language in NAME_LANGUAGES}


class PlaceLookup:
    """Every place once: label from the place up, region and coordinates of the nearest place
    that has them."""

    def __init__(self) -> None:
        self.places = {
            place["pk"]: place
            for place in Place.objects.values(
                "pk", "name", "path", "latitude", "longitude", "traditional_region_id"
            )
        }
        self.regions = {
            term.pk: (term.labels or {}).get("en", term.code)
            for term in Term.objects.filter(vocabulary__key="traditional-region")
        }

    def chain(self, pk: int | None) -> list[dict[str, Any]]:
        place = self.places.get(pk) if pk else None
        if place is None:
            return []
        ids = [int(part) for part in place["path"].strip("/").split("/") if part]
        return [self.places[i] for i in reversed(ids) if i in self.places]

    def label(self, pk: int | None) -> str:
        return " › ".join(place["name"] for place in self.chain(pk))

    def region(self, pk: int | None) -> str:
        for place in self.chain(pk):
            if place["traditional_region_id"]:
                return self.regions.get(place["traditional_region_id"], "")
        return ""

    def coordinates(self, pk: int | None) -> tuple[float, float] | None:
        for place in self.chain(pk):
            if place["latitude"] is not None:
                return float(place["latitude"]), float(place["longitude"])
        return None


def sources_per_case(case_ids: QuerySet) -> dict[int, int]:
    found: dict[int, set[int]] = defaultdict(set)
    for path in ("case_id", "detention__case_id", "detention_event__detention__case_id"):
        for case_id, source_id in Citation.objects.filter(**{f"{path}__in": case_ids}).values_list(
            path, "source_id"
        ):
            found[case_id].add(source_id)
    return {case_id: len(sources) for case_id, sources in found.items()}


def _label(term: Term | None) -> str:
    return (term.labels or {}).get("en", term.code) if term is not None else ""


class DetentionExportSerializer(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="case.reference")
    case_title = serializers.CharField(source="case.title")
    detention_id = serializers.UUIDField(source="public_id")
    person_id = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    name_bo = serializers.SerializerMethodField()
    name_bo_latn = serializers.SerializerMethodField()
    name_zh_hans = serializers.SerializerMethodField()
    name_zh_hant = serializers.SerializerMethodField()
    name_pinyin = serializers.SerializerMethodField()
    name_en = serializers.SerializerMethodField()
    name_other = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    identity_withheld = serializers.SerializerMethodField()
    head_count = serializers.IntegerField(source="person.head_count")
    gender = serializers.CharField(source="person.sex")
    ethnicity = serializers.SerializerMethodField()
    religion = serializers.SerializerMethodField()
    occupation = serializers.SerializerMethodField()
    affiliation = serializers.SerializerMethodField()
    age_at_detention = serializers.SerializerMethodField()
    place = serializers.SerializerMethodField()
    traditional_region = serializers.SerializerMethodField()
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()
    authority = serializers.SerializerMethodField()
    held_at = serializers.SerializerMethodField()
    charges = serializers.SerializerMethodField()
    detention_type = serializers.SerializerMethodField()
    sentence = serializers.SerializerMethodField()
    case_state = serializers.CharField(source="case.state")
    sources_count = serializers.SerializerMethodField()
    case_url = serializers.SerializerMethodField()

    class Meta:
        model = Detention
        fields = [key for key, _label in FLOOR_COLUMNS]

    # The internal profile shows every identity; kept as a method so the shape is the usual one.
    def shown(self, detention: Detention) -> bool:
        return self.context.get("profile", "internal") == "internal"

    def _names(self, detention: Detention, language: str) -> str:
        if not self.shown(detention):
            return ""
        return "; ".join(
            name.name
            for name in sorted(detention.person.names.all(), key=lambda n: (n.kind, n.name))
            if name.language == language
        )

    def get_person_id(self, detention: Detention) -> str:
        return str(detention.person.public_id) if self.shown(detention) else ""

    def get_name(self, detention: Detention) -> str:
        person = detention.person
        if self.shown(detention):
            return person.name
        return PLACEHOLDER if person.name or person.names.all() else ""

    def get_name_bo(self, detention: Detention) -> str:
        return self._names(detention, "bo")

    def get_name_bo_latn(self, detention: Detention) -> str:
        return self._names(detention, "bo-Latn")

    def get_name_zh_hans(self, detention: Detention) -> str:
        return self._names(detention, "zh-Hans")

    def get_name_zh_hant(self, detention: Detention) -> str:
        return self._names(detention, "zh-Hant")

    def get_name_pinyin(self, detention: Detention) -> str:
        return self._names(detention, "zh-Latn-pinyin")

    def get_name_en(self, detention: Detention) -> str:
        return self._names(detention, "en")

    def get_name_other(self, detention: Detention) -> str:
        if not self.shown(detention):
            return ""
        return "; ".join(
            f"{name.name} [{name.language}]"
            for name in sorted(detention.person.names.all(), key=lambda n: (n.kind, n.name))
            if name.language not in NAMED_LANGUAGES
        )

    def get_description(self, detention: Detention) -> str:
        return detention.person.description if self.shown(detention) else ""

    def get_identity_withheld(self, detention: Detention) -> str:
        return "no" if self.shown(detention) else "yes"

    def get_ethnicity(self, detention: Detention) -> str:
        return _label(detention.person.ethnicity)

    def get_religion(self, detention: Detention) -> str:
        return _label(detention.person.religion)

    def get_occupation(self, detention: Detention) -> str:
        return _label(detention.person.occupation)

    def get_affiliation(self, detention: Detention) -> str:
        if not self.shown(detention):
            return ""
        parts = []
        for affiliation in detention.person.affiliations.all():
            role = _label(affiliation.role)
            name = affiliation.organization.name
            parts.append(f"{role}, {name}" if role else name)
        return "; ".join(parts)

    def get_age_at_detention(self, detention: Detention) -> str:
        age = detention.age_at_detention
        if age is None:
            return ""
        return f"about {age}" if detention.age_is_approximate else str(age)

    def get_place(self, detention: Detention) -> str:
        return self.context["places"].label(detention.case.place_id)

    def get_traditional_region(self, detention: Detention) -> str:
        return self.context["places"].region(detention.case.place_id)

    def get_latitude(self, detention: Detention) -> float | None:
        found = self.context["places"].coordinates(detention.case.place_id)
        return found[0] if found else None

    def get_longitude(self, detention: Detention) -> float | None:
        found = self.context["places"].coordinates(detention.case.place_id)
        return found[1] if found else None

    def get_authority(self, detention: Detention) -> str:
        if detention.detaining_authority is not None and detention.detaining_authority.name:
            return detention.detaining_authority.name
        return detention.authority_description

    def get_held_at(self, detention: Detention) -> str:
        if detention.held_at is not None and detention.held_at.name:
            return detention.held_at.name
        return self.context["places"].label(detention.held_in_place_id)

    def get_charges(self, detention: Detention) -> str:
        return "; ".join(_label(term) for term in detention.charges.all())

    def get_detention_type(self, detention: Detention) -> str:
        return _label(detention.detention_type)

    def get_sentence(self, detention: Detention) -> str:
        return str(detention.sentence_display) if detention.sentence_kind else ""

    def get_sources_count(self, detention: Detention) -> int:
        return self.context["sources"].get(detention.case_id, 0)

    def get_case_url(self, detention: Detention) -> str:
        base = self.context.get("base_url", "")
        return f"{base}/cases/{detention.case.reference}/" if self.shown(detention) else ""


def baseline_queryset(detentions: QuerySet[Detention]) -> QuerySet[Detention]:
    return (
        detentions.select_related(
            "case",
            "person",
            "person__ethnicity",
            "person__religion",
            "person__occupation",
            "detaining_authority",
            "held_at",
            "detention_type",
        )
        .prefetch_related(
            "charges",
            "person__names",
            Prefetch(
                "person__affiliations",
                queryset=Affiliation.objects.select_related("organization", "role"),
            ),
        )
        .order_by("id")
    )


def write_baseline_csv(
    detentions: QuerySet[Detention], sink: Any, *, base_url: str = "http://testserver"
) -> int:
    """Write the export of `detentions` (already limited to what the user may see) as CSV to
    `sink`; the number of rows."""
    queryset = baseline_queryset(detentions)
    context = {
        "places": PlaceLookup(),
        "sources": sources_per_case(detentions.values("case_id")),
        "base_url": base_url,
        "profile": "internal",
    }
    writer = csv.writer(sink, lineterminator="\r\n")
    writer.writerow([label for _key, label in FLOOR_COLUMNS])
    rows = 0
    for row in DetentionExportSerializer(queryset, many=True, context=context).data:
        writer.writerow(["" if value is None else value for value in row.values()])
        rows += 1
    return rows
