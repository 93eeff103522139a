"""Every read that depends on who is asking starts here.

`visible_cases(user, purpose)` is the one gate: pages, the admin, counts, related-object paths
and exports take their cases from it, so a rule about who may see what is written once.
"""

from __future__ import annotations

import enum
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from casebook.accounts.roles import Role

from .models import (
    AccessGrant,
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
    """Why cases are read. Each export purpose matches a redaction profile (WORKFLOW.md)."""

    BROWSE = "browse"  # pages, the API, search, counts, notifications
    EXPORT_INTERNAL = "internal"  # files that stay inside the organisation
    EXPORT_PARTNER = "partner"  # files for partner NGOs and UN mechanisms
    EXPORT_PUBLIC = "public"  # files for publication


def visible_cases(user: Any, purpose: Purpose = Purpose.BROWSE) -> QuerySet[Case]:
    """The cases `user` may see for `purpose` (WORKFLOW.md, Confidentiality):

    - administrators: every case;
    - monitors and reviewers: public and internal cases, and restricted ones they are granted;
    - advocates: the same, once verified;
    - anyone else, anonymous visitors and deactivated users included: none.

    Exports narrow this further: partner and public exports carry verified cases only — public
    ones only public cases, partner ones public and internal cases, neither ever a restricted
    one; internal exports carry what the user may browse.
    """
    return Case.objects.filter(visible_case_condition(user, purpose))


def visible_case_condition(user: Any, purpose: Purpose = Purpose.BROWSE, *, via: str = "") -> Q:
    """visible_cases as a condition, on Case or on a model that reaches Case through `via`
    ("case__" on Detention).

    On a record that hangs off a case, the condition joins that case and tests its own
    columns; `case__in=visible_cases(…)` would make the planner gather every visible case
    first, which costs more than the page once there are 100,000 of them.
    """
    nothing = Q(**{f"{via}pk__in": []})
    if user is None or not user.is_authenticated or not user.is_active:
        return nothing
    if user.has_role(Role.ADMINISTRATOR):
        allowed = Q()
    elif user.has_role(Role.MONITOR, Role.REVIEWER, Role.ADVOCATE):
        granted = AccessGrant.objects.filter(user=user, revoked_at__isnull=True).values("case")
        allowed = Q(
            **{f"{via}confidentiality__in": [Confidentiality.PUBLIC, Confidentiality.INTERNAL]}
        ) | Q(**{f"{via}confidentiality": Confidentiality.RESTRICTED, f"{via}pk__in": granted})
        if not user.has_role(Role.MONITOR, Role.REVIEWER):
            allowed &= Q(**{f"{via}state": CaseState.VERIFIED})
    else:
        return nothing
    if purpose is Purpose.EXPORT_PARTNER:
        allowed &= Q(
            **{
                f"{via}state": CaseState.VERIFIED,
                f"{via}confidentiality__in": [Confidentiality.PUBLIC, Confidentiality.INTERNAL],
            }
        )
    elif purpose is Purpose.EXPORT_PUBLIC:
        allowed &= Q(
            **{f"{via}state": CaseState.VERIFIED, f"{via}confidentiality": Confidentiality.PUBLIC}
        )
    return allowed


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
