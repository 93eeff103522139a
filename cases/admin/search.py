"""Admin search that finds a record by any of its name variants, accents and case folded.

Each word typed must match (as in Django's own admin search). A word matches a person, place or
organization when its folded form (`cases.text.fold`) occurs in the `search_text` of one of the
record's name variants, or when it occurs in the record's own name or description. Variants are
matched through a subquery on the owner's id, so a record with several matching variants still
comes back once, with no DISTINCT.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model, Q
from django.utils.text import smart_split, unescape_string_literal

from ..models import Organization, OrganizationName, Person, PersonName, Place, PlaceName
from ..text import fold


def search_words(search_term: str) -> list[str]:
    """The words of a search, with "quoted phrases" kept together, as the admin splits them."""
    words = []
    for word in smart_split(search_term or ""):
        if len(word) > 1 and word[0] in "\"'" and word[0] == word[-1]:
            word = unescape_string_literal(word)
        if word.strip():
            words.append(word.strip())
    return words


def text_matches(fields: Iterable[str], word: str) -> Q:
    """`word` as typed, or folded, occurs in one of the plain text `fields`."""
    forms = {word, fold(word)}
    query = Q()
    for field in fields:
        for form in forms:
            query |= Q(**{f"{field}__icontains": form})
    return query


@dataclass(frozen=True)
class NameVariantSearch:
    """How to find the owners of name variants: PersonName → Person, and so on."""

    owner: type[Model]
    variants: type[Model]
    owner_field: str
    text_fields: tuple[str, ...]

    def matches(self, word: str) -> Q:
        """A Q on the owner model: `word` is in one of its variants, its name or description."""
        folded = fold(word)
        variant_owners = self.variants.objects.filter(search_text__contains=folded).values(
            f"{self.owner_field}_id"
        )
        return Q(pk__in=variant_owners) | text_matches(self.text_fields, word)

    def matches_through(self, foreign_key: str, word: str) -> Q:
        """A Q on a model with a foreign key to the owner: the owner matches `word`."""
        owners = self.owner.objects.filter(self.matches(word)).values("pk")
        return Q(**{f"{foreign_key}__in": owners})


PEOPLE = NameVariantSearch(Person, PersonName, "person", ("name", "description"))
PLACES = NameVariantSearch(Place, PlaceName, "place", ("name", "external_id"))
ORGANIZATIONS = NameVariantSearch(Organization, OrganizationName, "organization", ("name",))


def variant_matches(word: str) -> Q:
    """A Q on a name-variant model (PersonName, PlaceName, …): its folded text holds `word`."""
    return Q(search_text__contains=fold(word))
