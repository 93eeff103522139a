"""What the admin shows of records that hang off a case, built on the one gate `visible_cases`.

A detention, event, citation, intervention or relation is visible when the case it belongs to is;
so a restricted case cannot leak through the admin of its parts, its autocompletes or the
choices of a foreign key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, Q, QuerySet

from ..models import Case, CaseRelation, Citation, Detention, DetentionEvent, Intervention
from ..queries import visible_cases


def visible_detentions(user: Any) -> QuerySet[Detention]:
    return Detention.objects.filter(case__in=visible_cases(user))


def visible_detention_events(user: Any) -> QuerySet[DetentionEvent]:
    return DetentionEvent.objects.filter(detention__case__in=visible_cases(user))


def visible_interventions(user: Any) -> QuerySet[Intervention]:
    return Intervention.objects.filter(case__in=visible_cases(user))


def visible_case_relations(user: Any) -> QuerySet[CaseRelation]:
    """Relations whose both ends are visible: the far end's reference is itself a fact."""
    cases = visible_cases(user)
    return CaseRelation.objects.filter(from_case__in=cases, to_case__in=cases)


def visible_citations(user: Any) -> QuerySet[Citation]:
    """Citations of a visible case, detention or event; and citations about a person, unless
    that person is detained in a case the user may not see (the citation could reveal it).
    """
    cases = visible_cases(user)
    people_in_hidden_cases = Detention.objects.exclude(case__in=cases).values("person_id")
    return Citation.objects.filter(
        Q(case__in=cases)
        | Q(detention__case__in=cases)
        | Q(detention_event__detention__case__in=cases)
        | (Q(person__isnull=False) & ~Q(person__in=people_in_hidden_cases))
    )


# The querysets a foreign key to these models may choose from, for the requesting user.
RELATED_GATES: dict[type[Model], Callable[[Any], QuerySet]] = {
    Case: visible_cases,
    Detention: visible_detentions,
    DetentionEvent: visible_detention_events,
}
