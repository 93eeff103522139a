"""Withheld identities in API answers: one rule for every serializer that shows a person.

A reader who may not see a withheld identity (cases.queries.Reader.sees_identities) reads the
placeholder for the name and nothing of what would tell the person apart — description, birth
date, name variants, affiliations, consents. The view puts its reader in the serializer
context; a serializer used without one masks (fail closed).
"""

from __future__ import annotations

from typing import Any

from cases.models import Person
from cases.queries import PLACEHOLDER, Reader

# Fields emptied besides the name, with the empty value each reads.
MASKED_FIELDS: dict[str, Any] = {
    "description": "",
    "birth_date": "",
    "birth_date_earliest": None,
    "birth_date_latest": None,
    "names": [],
    "affiliations": [],
    "consents": [],
}


def shows_identity(serializer: Any, person: Person) -> bool:
    """Whether the serializer's reader may see `person` as recorded."""
    if not person.identity_withheld:
        return True
    context = getattr(serializer, "context", {}) or {}
    reader = context.get("reader")
    if isinstance(reader, Reader):
        return reader.sees_identity_of(person)
    return bool(context.get("full_identity", False))


def masked(data: dict) -> dict:
    """`data` (a person's representation) with the identity replaced by the placeholder."""
    data["name"] = PLACEHOLDER
    for key, empty in MASKED_FIELDS.items():
        if key in data:
            data[key] = empty
    return data


class IdentityMaskingMixin:
    """For a serializer of Person: masks the withheld identities its reader may not see."""

    def to_representation(self, instance: Person) -> dict:
        data = super().to_representation(instance)  # type: ignore[misc]
        return data if shows_identity(self, instance) else masked(data)
