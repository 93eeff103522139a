"""Every read that depends on who is asking starts here.

`visible_cases(user, purpose)` is the one gate: pages, the admin, counts, related-object paths
and exports take their cases from it, so a rule about who may see what is written once.
"""

from __future__ import annotations

import enum
from typing import Any

from django.db.models import Prefetch, QuerySet

from casebook.accounts.roles import Role

from .models import (
    Case,
    CaseState,
    Citation,
    Confidentiality,
    Detention,
    DetentionEvent,
    Person,
    Place,
)


class Purpose(enum.Enum):
    """Why cases are read. Advocates and exports see verified cases only."""

    BROWSE = "browse"
    EXPORT = "export"


def visible_cases(user: Any, purpose: Purpose = Purpose.BROWSE) -> QuerySet[Case]:
    """The cases `user` may see for `purpose`.

    - administrators: every case;
    - monitors and reviewers: public and internal cases (restricted ones need a grant);
    - advocates: verified public and internal cases;
    - anyone else, including anonymous visitors: none.
    """
    cases = Case.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return cases.none()
    if user.has_role(Role.ADMINISTRATOR):
        return cases
    open_levels = [Confidentiality.PUBLIC, Confidentiality.INTERNAL]
    if user.has_role(Role.MONITOR, Role.REVIEWER) and purpose is Purpose.BROWSE:
        return cases.filter(confidentiality__in=open_levels)
    if user.has_role(Role.MONITOR, Role.REVIEWER, Role.ADVOCATE):
        return cases.filter(confidentiality__in=open_levels, state=CaseState.VERIFIED)
    return cases.none()


def case_list_for(user: Any) -> QuerySet[Case]:
    return visible_cases(user).select_related("place").prefetch_related("violation_types")


def case_detail_for(user: Any, reference: str) -> Case:
    """One case with everything its page shows, in a fixed number of queries.

    Raises Case.DoesNotExist both when the case does not exist and when the user may not see
    it, so a page cannot tell a hidden case from a missing one.
    """
    events = DetentionEvent.objects.select_related(
        "event_type", "place", "organization"
    ).prefetch_related(Prefetch("citations", queryset=Citation.objects.select_related("source")))
    detentions = (
        Detention.objects.select_related(
            "person",
            "person__ethnicity",
            "person__religion",
            "person__occupation",
            "detaining_authority",
            "held_at",
            "held_in_place",
            "detention_type",
        )
        .prefetch_related(
            "charges",
            "treatment_concerns",
            "person__names",
            "person__affiliations__organization",
            "person__affiliations__role",
            Prefetch("events", queryset=events),
            Prefetch("citations", queryset=Citation.objects.select_related("source")),
        )
        .order_by("id")
    )
    return (
        case_list_for(user)
        .select_related("assigned_monitor", "created_by", "updated_by")
        .prefetch_related(
            Prefetch("detentions", queryset=detentions),
            Prefetch(
                "citations", queryset=Citation.objects.select_related("source", "source__kind")
            ),
            "interventions__kind",
        )
        .get(reference=reference)
    )


def people_of_visible_cases(user: Any) -> QuerySet[Person]:
    return Person.objects.filter(detentions__case__in=visible_cases(user)).distinct()


def cases_in_place(cases: QuerySet[Case], place: Place) -> QuerySet[Case]:
    """Cases at `place` or anywhere below it: one prefix match on the materialized path."""
    return cases.filter(place__path__startswith=place.path)
