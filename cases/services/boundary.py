"""No write crosses what the writer may see (WORKFLOW.md, One gate).

Sources, people, places and organizations are shared: one source may be cited on a public case
and on a restricted one. Changing it changes what the restricted case rests on — downgrading a
source sends a verified case back to review and makes the writer its last fact editor — so a
write to a shared record is refused when the record is attached to a case the writer may not
see. The refusal is generic: it must not confirm that a hidden case exists, nor say which.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from casebook.accounts.system import is_system_user

from ..models import Case, Citation, Organization, Person, Place, Source
from ..queries import visible_cases


class WriteCrossesBoundary(PermissionDenied):
    """The record belongs, through some case, to what the writer may not see."""


def ensure_writer_sees(acting_user: Any, cases: QuerySet[Case]) -> None:
    """Refuse (PermissionDenied) unless `acting_user` may see every case in `cases`.

    The system user is Casebook itself (migrations, imports, the demo): it sees everything.
    """
    if is_system_user(acting_user):
        return
    if cases.exclude(pk__in=visible_cases(acting_user).values("pk")).exists():
        raise WriteCrossesBoundary(
            _(
                "This record is used where your account may not see it, so you may not change "
                "it. Ask an administrator."
            )
        )


def cases_citing_source(source: Source) -> QuerySet[Case]:
    return Case.objects.filter(
        Q(citations__source=source)
        | Q(detentions__citations__source=source)
        | Q(detentions__events__citations__source=source)
        | Q(detentions__person__citations__source=source)
    )


def cases_of_person(person: Person) -> QuerySet[Case]:
    return Case.objects.filter(detentions__person=person)


def cases_at_place(place: Place, *, subtree: bool = False) -> QuerySet[Case]:
    """Cases that name `place` (or, with `subtree`, any place below it: a move changes where
    all of them lie)."""
    if subtree and place.path:
        places = Place.objects.filter(path__startswith=place.path).values("pk")
        at = Q(place__in=places)
        at |= Q(detentions__held_in_place__in=places) | Q(detentions__events__place__in=places)
        at |= Q(detentions__person__home_place__in=places)
        return Case.objects.filter(at)
    return Case.objects.filter(
        Q(place=place)
        | Q(detentions__held_in_place=place)
        | Q(detentions__events__place=place)
        | Q(detentions__person__home_place=place)
    )


def cases_of_organization(organization: Organization) -> QuerySet[Case]:
    return Case.objects.filter(
        Q(detentions__detaining_authority=organization)
        | Q(detentions__held_at=organization)
        | Q(detentions__events__organization=organization)
        | Q(detentions__person__affiliations__organization=organization)
    )


def cases_of_citation(citation: Citation) -> QuerySet[Case]:
    """The cases a citation supports: its case, its detention's or event's case, or every case
    its person is detained in (so a citation on a person reaches into each of them)."""
    if citation.case_id:
        return Case.objects.filter(pk=citation.case_id)
    if citation.detention_id:
        return Case.objects.filter(detentions=citation.detention_id)
    if citation.detention_event_id:
        return Case.objects.filter(detentions__events=citation.detention_event_id)
    return cases_of_person(citation.person)
