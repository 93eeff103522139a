"""What the API may show of records that hang off cases, derived from `visible_cases`.

The gate stays `cases.queries.visible_cases`: each function here starts from it, so a case the
user may not see takes its people, detentions, events, citations, sources and interventions
out of every list, detail, count and export with it. (These belong in cases/queries.py; they
live here until that module's owner moves them.)
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from casebook.accounts.roles import Role
from cases.models import (
    Case,
    Citation,
    Detention,
    DetentionEvent,
    Intervention,
    Person,
    Source,
)
from cases.queries import Purpose, visible_case_condition, visible_cases


def is_editor(user: Any) -> bool:
    """Monitors and reviewers change records; administrators see everything but do not edit."""
    return bool(user and user.is_authenticated and user.has_role(Role.MONITOR, Role.REVIEWER))


def records_interventions(user: Any) -> bool:
    """Monitors, reviewers and advocates record interventions (advocacy, not facts)."""
    return bool(
        user and user.is_authenticated and user.has_role(Role.MONITOR, Role.REVIEWER, Role.ADVOCATE)
    )


def sees_identities(user: Any) -> bool:
    """Whether withheld identities are shown: to those who may also export internally."""
    return bool(
        user
        and user.is_authenticated
        and user.has_role(Role.MONITOR, Role.REVIEWER, Role.ADMINISTRATOR)
    )


def _works_inside(user: Any) -> bool:
    """Monitors, reviewers and administrators also see records not yet tied to any case (a
    person or source just entered), so that they can go on to attach them."""
    return sees_identities(user)


def visible_detentions(user: Any, purpose: Purpose = Purpose.BROWSE) -> QuerySet[Detention]:
    return Detention.objects.filter(visible_case_condition(user, purpose, via="case__"))


def visible_events(user: Any) -> QuerySet[DetentionEvent]:
    return DetentionEvent.objects.filter(detention__case__in=visible_cases(user))


def visible_interventions(user: Any) -> QuerySet[Intervention]:
    return Intervention.objects.filter(case__in=visible_cases(user))


def visible_people(user: Any) -> QuerySet[Person]:
    """People detained in a case the user may see (plus, for those working inside, people not
    yet detained in any case)."""
    cases = visible_cases(user)
    in_visible_case = Exists(Detention.objects.filter(person=OuterRef("pk"), case__in=cases))
    if not _works_inside(user):
        return Person.objects.filter(in_visible_case)
    unattached = ~Exists(Detention.objects.filter(person=OuterRef("pk")))
    return Person.objects.filter(in_visible_case | unattached)


def _people_wholly_visible(user: Any, cases: QuerySet[Case]) -> QuerySet[Person]:
    """People none of whose detentions is in a case hidden from the user.

    A citation on a person supports every case the person is detained in, so its claim and
    excerpt may speak of a hidden case: it is shown only when no such case exists.
    """
    in_hidden_case = Exists(Detention.objects.filter(person=OuterRef("pk")).exclude(case__in=cases))
    return visible_people(user).filter(~in_hidden_case)


def visible_citations(user: Any) -> QuerySet[Citation]:
    cases = visible_cases(user)
    detentions = Detention.objects.filter(case__in=cases).values("pk")
    events = DetentionEvent.objects.filter(detention__case__in=cases).values("pk")
    people = _people_wholly_visible(user, cases).values("pk")
    return Citation.objects.filter(
        Q(case_id__in=cases.values("pk"))
        | Q(detention_id__in=detentions)
        | Q(detention_event_id__in=events)
        | Q(person_id__in=people)
    )


def visible_sources(user: Any) -> QuerySet[Source]:
    """Sources cited on what the user may see (plus, for those working inside, sources not yet
    cited anywhere). A source cited only on hidden cases stays hidden."""
    cited_visibly = Exists(visible_citations(user).filter(source=OuterRef("pk")))
    if not _works_inside(user):
        return Source.objects.filter(cited_visibly)
    uncited = ~Exists(Citation.objects.filter(source=OuterRef("pk")))
    return Source.objects.filter(cited_visibly | uncited)
