"""The cards of the case page's "People detained" section.

Several people whose names are unknown, described alike and detained alike ("five Tibetans
arrested with the monks") would each get a full card of identical facts. They show as one card
listing each of them with their own links. Only what case_detail_for prefetched is read, so
the page's number of queries stays fixed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import template

from ..models import Detention

register = template.Library()

# Bookkeeping and the record's own identity: not facts two detentions could share.
_NOT_FACTS = {"id", "public_id", "case", "person", "version", "created_at", "updated_at"}


@dataclass
class Card:
    detentions: list[Detention] = field(default_factory=list)
    start: int = 0

    @property
    def first(self) -> Detention:
        return self.detentions[0]

    @property
    def grouped(self) -> bool:
        return len(self.detentions) > 1

    @property
    def end(self) -> int:
        return self.start + len(self.detentions) - 1


def _groupable(detention: Detention) -> bool:
    person = detention.person
    return bool(
        not person.name
        and not person.identity_withheld
        and not getattr(detention, "identity_hidden", False)
        and not person.is_group
        and person.description.strip()
        and not list(person.names.all())
    )


def _facts(detention: Detention) -> tuple[Any, ...]:
    """Everything the card shows about the person and the detention, comparable."""
    person = detention.person
    return (
        person.description.strip().casefold(),
        person.sex,
        person.birth_date,
        person.ethnicity_id,
        person.religion_id,
        person.occupation_id,
        person.home_place_id,
        tuple(
            (a.organization_id, a.role_id, a.started_on, a.ended_on, a.note)
            for a in person.affiliations.all()
        ),
        tuple(
            getattr(detention, f.attname)
            for f in Detention._meta.concrete_fields
            if f.name not in _NOT_FACTS
        ),
        tuple(sorted(term.pk for term in detention.charges.all())),
        tuple(sorted(term.pk for term in detention.treatment_concerns.all())),
        tuple(
            (e.event_type_id, e.occurred, e.certainty, e.place_id, e.organization_id, e.note)
            for e in detention.events.all()
        ),
        tuple((c.source_id, c.excerpt) for c in detention.citations.all()),
    )


@register.filter
def detention_cards(detentions: Iterable[Detention]) -> list[Card]:
    """One card per detention, except that unnamed people described and detained alike share
    one, placed where the first of them stands."""
    cards: list[Card] = []
    alike: dict[tuple[Any, ...], Card] = {}
    for detention in detentions:
        if _groupable(detention):
            key = _facts(detention)
            if key in alike:
                alike[key].detentions.append(detention)
                continue
            card = alike[key] = Card([detention])
        else:
            card = Card([detention])
        cards.append(card)
    number = 1
    for card in cards:
        card.start = number
        number += len(card.detentions)
    return cards
