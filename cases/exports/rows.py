"""The row models of the exports: one dict per detained person (the prisoner list) or per case.

Rows are built from plain column values read in chunks through a server-side cursor, with the
names, charges, affiliations, consents and source counts of each chunk fetched in one query
each: a fixed number of queries per chunk, memory bounded by the chunk, whatever the total.
Every format (CSV, XLSX, GeoJSON, JSON Lines) writes these same rows.

Outside the organisation the free text of a row (`MASKED_DETENTION_TEXT`, `MASKED_CASE_TEXT`)
names no withheld person: each is passed through the mask of its case (cases.redaction), built
for a chunk's cases in two queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Sum

from ..models import (
    Affiliation,
    Case,
    Citation,
    ConsentDecision,
    Detention,
    LanguageTag,
    PersonName,
    Place,
    Term,
)
from ..models.person import Consent
from ..redaction import NO_MASK, NameMask, withheld_masks
from .profiles import PLACEHOLDER, Profile, identity_shown

CHUNK_SIZE = 2000

# The free text of each row model that may name a person: whoever wrote it may have named a
# withheld detainee of the case, in the description of another one too.
MASKED_DETENTION_TEXT = ("case_title", "description", "alleged_reason", "authority")
MASKED_CASE_TEXT = ("title", "summary")


def text_masks(profile: Profile, case_ids: Iterable[int]) -> dict[int, NameMask]:
    """The name mask of each case for a file of `profile`: none inside the organisation,
    whose files show identities as recorded."""
    if profile == Profile.INTERNAL:
        return {}
    return withheld_masks(case_ids)


def masked(row: dict[str, Any], keys: Iterable[str], mask: NameMask) -> dict[str, Any]:
    """`row` with the text under `keys` passed through `mask`."""
    if mask:
        for key in keys:
            if isinstance(row[key], str):
                row[key] = mask.apply(row[key])
    return row


@dataclass(frozen=True)
class Column:
    key: str
    label: str


NAME_COLUMNS = {
    LanguageTag.TIBETAN: "name_bo",
    LanguageTag.TIBETAN_LATIN: "name_bo_latn",
    LanguageTag.CHINESE_SIMPLIFIED: "name_zh_hans",
    LanguageTag.CHINESE_TRADITIONAL: "name_zh_hant",
    LanguageTag.PINYIN: "name_pinyin",
    LanguageTag.ENGLISH: "name_en",
}

DETENTION_COLUMNS = [
    Column("case_reference", "Case reference"),
    Column("case_title", "Case title"),
    Column("detention_id", "Detention id"),
    Column("person_id", "Person id"),
    Column("name", "Name"),
    Column("name_bo", "Name (Tibetan script)"),
    Column("name_bo_latn", "Name (Tibetan, phonetic/Wylie)"),
    Column("name_zh_hans", "Name (Chinese, simplified)"),
    Column("name_zh_hant", "Name (Chinese, traditional)"),
    Column("name_pinyin", "Name (pinyin)"),
    Column("name_en", "Name (English)"),
    Column("name_other", "Other names"),
    Column("description", "Description"),
    Column("identity_withheld", "Identity withheld"),
    Column("head_count", "Head count"),
    Column("gender", "Gender"),
    Column("ethnicity", "Ethnicity"),
    Column("religion", "Religion"),
    Column("occupation", "Occupation"),
    Column("affiliation", "Affiliation"),
    Column("age_at_detention", "Age at detention"),
    Column("detained_on", "Detained on (EDTF)"),
    Column("detained_on_earliest", "Detained on, earliest"),
    Column("detained_on_latest", "Detained on, latest"),
    Column("place", "Place"),
    Column("traditional_region", "Traditional region"),
    Column("latitude", "Latitude"),
    Column("longitude", "Longitude"),
    Column("authority", "Detaining authority"),
    Column("held_at", "Place of detention"),
    Column("alleged_reason", "Alleged reason"),
    Column("charges", "Charges"),
    Column("detention_type", "Type of detention"),
    Column("status", "Status"),
    Column("status_certainty", "Known or believed"),
    Column("status_as_of", "Status as of"),
    Column("sentence", "Sentence"),
    Column("expected_release", "Expected release"),
    Column("wgad_category", "WGAD category"),
    Column("case_state", "Case state"),
    Column("sources_count", "Sources"),
    Column("case_url", "Case URL"),
]

_DETENTION_VALUES = (
    "id",
    "public_id",
    "case_id",
    "case__reference",
    "case__title",
    "case__state",
    "case__place_id",
    "person_id",
    "person__public_id",
    "person__name",
    "person__description",
    "person__identity_withheld",
    "person__head_count",
    "person__sex",
    "person__ethnicity_id",
    "person__religion_id",
    "person__occupation_id",
    "age_at_detention",
    "age_is_approximate",
    "detained_on",
    "detained_on_earliest",
    "detained_on_latest",
    "detaining_authority__name",
    "authority_description",
    "held_at__name",
    "held_in_place_id",
    "alleged_reason",
    "detention_type_id",
    "status",
    "status_certainty",
    "status_as_of",
    "sentence_kind",
    "sentence_years",
    "sentence_months",
    "expected_release",
    "wgad_category",
)


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Lookups:
    """Caches shared by every chunk of one export: term labels and places (a few thousand)."""

    def __init__(self) -> None:
        self.term_labels = {
            pk: (labels or {}).get("en", code)
            for pk, code, labels in Term.objects.values_list("pk", "code", "labels")
        }
        self._places: dict[int, dict[str, Any]] = {}

    def term(self, pk: int | None) -> str:
        return self.term_labels.get(pk, "") if pk else ""

    def places(self, ids: Iterable[int | None]) -> None:
        """Load the places with these ids and all their ancestors (one query per chunk)."""
        wanted = {pk for pk in ids if pk and pk not in self._places}
        if not wanted:
            return
        paths = Place.objects.filter(pk__in=wanted).values_list("path", flat=True)
        ancestor_ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
        missing = ancestor_ids - set(self._places)
        for place in Place.objects.filter(pk__in=missing).values(
            "pk", "name", "path", "latitude", "longitude", "traditional_region_id"
        ):
            self._places[place["pk"]] = place

    def _chain(self, pk: int) -> list[dict[str, Any]]:
        place = self._places.get(pk)
        if place is None:
            return []
        ids = [int(part) for part in place["path"].strip("/").split("/") if part]
        return [self._places[i] for i in reversed(ids) if i in self._places]

    def place_label(self, pk: int | None) -> str:
        return " › ".join(place["name"] for place in self._chain(pk)) if pk else ""

    def region(self, pk: int | None) -> str:
        for place in self._chain(pk) if pk else []:
            if place["traditional_region_id"]:
                return self.term(place["traditional_region_id"])
        return ""

    def coordinates(self, pk: int | None) -> tuple[float, float] | None:
        """(longitude, latitude) of the place or its nearest ancestor that has them."""
        for place in self._chain(pk) if pk else []:
            if place["latitude"] is not None:
                return float(place["longitude"]), float(place["latitude"])
        return None


def _sentence(row: dict[str, Any]) -> str:
    kind = row["sentence_kind"]
    if kind != "term":
        return {
            "": "",
            "unknown-term": "sentenced, term unknown",
            "life": "life imprisonment",
            "suspended-death": "death, suspended",
            "death": "death",
        }.get(kind, kind)
    parts = []
    if row["sentence_years"]:
        parts.append(f"{row['sentence_years']} years")
    if row["sentence_months"]:
        parts.append(f"{row['sentence_months']} months")
    return ", ".join(parts)


def sources_per_case(case_ids: Iterable[int]) -> dict[int, int]:
    """Distinct sources cited on each case, its detentions or their events (three queries)."""
    sources: dict[int, set[int]] = defaultdict(set)
    ids = list(case_ids)
    for path in ("case_id", "detention__case_id", "detention_event__detention__case_id"):
        for case_id, source_id in Citation.objects.filter(**{f"{path}__in": ids}).values_list(
            path, "source_id"
        ):
            sources[case_id].add(source_id)
    return {case_id: len(found) for case_id, found in sources.items()}


def detention_rows(
    detentions: QuerySet[Detention],
    *,
    profile: Profile,
    recipient: Any = None,
    case_url: Any = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[dict[str, Any]]:
    """The prisoner list as dicts keyed by DETENTION_COLUMNS, plus "_coordinates" for maps.

    `detentions` must already be limited to visible_cases(user, purpose of the profile).
    `case_url(reference)` makes the link back to the case; public files carry none, since a
    link would name the organisation's server.
    """
    lookups = _Lookups()
    values = detentions.order_by("id").values(*_DETENTION_VALUES).iterator(chunk_size=chunk_size)
    for chunk in _chunks(values, chunk_size):
        yield from _detention_chunk(chunk, lookups, profile, recipient, case_url)


def _detention_chunk(chunk, lookups, profile, recipient, case_url):
    person_ids = {row["person_id"] for row in chunk}
    detention_ids = [row["id"] for row in chunk]
    lookups.places(
        [row["case__place_id"] for row in chunk] + [row["held_in_place_id"] for row in chunk]
    )

    names: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for person_id, language, name in (
        PersonName.objects.filter(person_id__in=person_ids)
        .order_by("person_id", "kind", "name")
        .values_list("person_id", "language", "name")
    ):
        names[person_id][language].append(name)

    charges: dict[int, list[str]] = defaultdict(list)
    for detention_id, term_id in (
        Detention.charges.through.objects.filter(detention_id__in=detention_ids)
        .order_by("id")
        .values_list("detention_id", "term_id")
    ):
        charges[detention_id].append(lookups.term(term_id))

    affiliations: dict[int, list[str]] = defaultdict(list)
    for person_id, organization, role_id in (
        Affiliation.objects.filter(person_id__in=person_ids)
        .order_by("organization__name", "id")
        .values_list("person_id", "organization__name", "role_id")
    ):
        role = lookups.term(role_id)
        affiliations[person_id].append(f"{role}, {organization}" if role else organization)

    consented: dict[int, set[str]] = defaultdict(set)
    if profile != Profile.INTERNAL:
        for person_id, who in Consent.objects.filter(
            person_id__in=person_ids, decision=ConsentDecision.GRANTED
        ).values_list("person_id", "recipient"):
            consented[person_id].add(who)

    sources = sources_per_case({row["case_id"] for row in chunk})
    masks = text_masks(profile, {row["case_id"] for row in chunk})

    for row in chunk:
        person_id = row["person_id"]
        shown = identity_shown(
            profile=profile,
            withheld=row["person__identity_withheld"],
            consented=consented[person_id],
            recipient=recipient,
        )
        by_language = names[person_id]
        name_fields = {
            column: "; ".join(by_language.get(tag, [])) for tag, column in NAME_COLUMNS.items()
        }
        other = [
            f"{name} [{tag}]"
            for tag in sorted(by_language)
            if tag not in NAME_COLUMNS
            for name in by_language[tag]
        ]
        if not shown:
            name_fields = dict.fromkeys(name_fields, "")
            other = []
        place_id = row["case__place_id"]
        coordinates = lookups.coordinates(place_id)
        age = row["age_at_detention"]
        values = {
            "case_reference": row["case__reference"],
            "case_title": row["case__title"],
            "detention_id": str(row["public_id"]),
            "person_id": str(row["person__public_id"]) if profile == Profile.INTERNAL else "",
            # A placeholder stands for a name that is kept back; an unknown name stays empty.
            "name": (row["person__name"] or "")
            if shown
            else (PLACEHOLDER if row["person__name"] or by_language else ""),
            **name_fields,
            "name_other": "; ".join(other),
            "description": row["person__description"] if shown else "",
            "identity_withheld": not shown,
            "head_count": row["person__head_count"],
            "gender": row["person__sex"],
            "ethnicity": lookups.term(row["person__ethnicity_id"]),
            "religion": lookups.term(row["person__religion_id"]),
            "occupation": lookups.term(row["person__occupation_id"]),
            "affiliation": "; ".join(affiliations[person_id]) if shown else "",
            "age_at_detention": (f"about {age}" if row["age_is_approximate"] else age)
            if age is not None
            else "",
            "detained_on": row["detained_on"],
            "detained_on_earliest": row["detained_on_earliest"],
            "detained_on_latest": row["detained_on_latest"],
            "place": lookups.place_label(place_id),
            "traditional_region": lookups.region(place_id),
            "latitude": coordinates[1] if coordinates else None,
            "longitude": coordinates[0] if coordinates else None,
            "authority": row["detaining_authority__name"] or row["authority_description"],
            "held_at": row["held_at__name"] or lookups.place_label(row["held_in_place_id"]),
            "alleged_reason": row["alleged_reason"],
            "charges": "; ".join(charges[row["id"]]),
            "detention_type": lookups.term(row["detention_type_id"]),
            "status": row["status"],
            "status_certainty": row["status_certainty"],
            "status_as_of": row["status_as_of"],
            "sentence": _sentence(row),
            "expected_release": row["expected_release"],
            "wgad_category": row["wgad_category"],
            "case_state": row["case__state"],
            "sources_count": sources.get(row["case_id"], 0),
            "case_url": case_url(row["case__reference"])
            if case_url and profile != Profile.PUBLIC
            else "",
            "_coordinates": coordinates,
        }
        yield masked(values, MASKED_DETENTION_TEXT, masks.get(row["case_id"], NO_MASK))


CASE_COLUMNS = [
    Column("reference", "Reference"),
    Column("title", "Title"),
    Column("summary", "Summary"),
    Column("occurred", "Occurred (EDTF)"),
    Column("occurred_earliest", "Occurred, earliest"),
    Column("occurred_latest", "Occurred, latest"),
    Column("occurred_inferred", "Date inferred"),
    Column("place", "Place"),
    Column("traditional_region", "Traditional region"),
    Column("latitude", "Latitude"),
    Column("longitude", "Longitude"),
    Column("violation_types", "Violation types"),
    Column("people_detained", "People detained (heads)"),
    Column("state", "State"),
    Column("confidentiality", "Confidentiality"),
    Column("sources_count", "Sources"),
    Column("related_cases", "Related cases"),
    Column("updated_at", "Last updated"),
    Column("case_url", "Case URL"),
]


def case_rows(
    cases: QuerySet[Case],
    *,
    profile: Profile,
    case_url: Any = None,
    related_visible: QuerySet[Case] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[dict[str, Any]]:
    """One dict per case, keyed by CASE_COLUMNS, plus "_coordinates".

    `related_cases` lists `kind:reference` items (duplicate-of:CB-2014-0002; duplicated-by,
    includes when the relation was recorded on the other case) for the related cases in
    `related_visible`: visible_cases(user, purpose of the profile), so a file never names a
    case its reader may not see. Without it, only relations among the exported cases show.
    """
    from ..relations import relations_among

    visible_ends = cases if related_visible is None else related_visible
    lookups = _Lookups()
    values = (
        cases.order_by("id")
        .values(
            "id",
            "reference",
            "title",
            "summary",
            "occurred",
            "occurred_earliest",
            "occurred_latest",
            "occurred_inferred",
            "place_id",
            "state",
            "confidentiality",
            "updated_at",
        )
        .iterator(chunk_size=chunk_size)
    )
    for chunk in _chunks(values, chunk_size):
        ids = [row["id"] for row in chunk]
        lookups.places(row["place_id"] for row in chunk)
        types: dict[int, list[str]] = defaultdict(list)
        for case_id, term_id in Case.violation_types.through.objects.filter(
            case_id__in=ids
        ).values_list("case_id", "term_id"):
            types[case_id].append(lookups.term(term_id))
        # Statistics count heads, not rows: a group of three unnamed Tibetans counts three.
        heads = dict(
            Detention.objects.filter(case_id__in=ids)
            .values("case_id")
            .annotate(total=Sum("person__head_count"))
            .values_list("case_id", "total")
        )
        sources = sources_per_case(ids)
        relations = relations_among(ids, visible_ends)
        masks = text_masks(profile, ids)
        for row in chunk:
            coordinates = lookups.coordinates(row["place_id"])
            values = {
                "reference": row["reference"],
                "title": row["title"],
                "summary": row["summary"],
                "occurred": row["occurred"],
                "occurred_earliest": row["occurred_earliest"],
                "occurred_latest": row["occurred_latest"],
                "occurred_inferred": row["occurred_inferred"],
                "place": lookups.place_label(row["place_id"]),
                "traditional_region": lookups.region(row["place_id"]),
                "latitude": coordinates[1] if coordinates else None,
                "longitude": coordinates[0] if coordinates else None,
                "violation_types": "; ".join(types[row["id"]]),
                "people_detained": heads.get(row["id"], 0),
                "state": row["state"],
                "confidentiality": row["confidentiality"],
                "sources_count": sources.get(row["id"], 0),
                "related_cases": "; ".join(
                    relation.item for relation in relations.get(row["id"], [])
                ),
                "updated_at": row["updated_at"],
                "case_url": case_url(row["reference"])
                if case_url and profile != Profile.PUBLIC
                else "",
                "_coordinates": coordinates,
            }
            yield masked(values, MASKED_CASE_TEXT, masks.get(row["id"], NO_MASK))
