"""The review page: each claim of a case beside the sources and grades that support it, what
four eyes and corroboration say now, and the reviewer's steps tied to the version read.

It is read from the same prefetched case as the case page (`case_detail_for`), so it costs a
fixed number of queries however many detentions and citations the case holds. Steps post to
the workflow view like the case page's, with the version shown here; a case changed since is
refused there with what changed. After a step the reviewer returns to the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from casebook.accounts.roles import Role

from ..models import Case, CaseFactEditor, Citation, Transition
from ..redaction import NO_MASK
from ..workflow import case_citations, corroboration_problem, count_independent
from .case_page import step_offers
from .cases import place_hierarchy_labels
from .common import case_page_case_or_404
from .masks import withheld_name_occurrences

REVIEW_STEPS = ("verify", "return", "reject", "dispute")


@dataclass
class Claim:
    """What the case says in one place, and what supports it."""

    heading: str
    facts: list[tuple[str, str]]
    citations: list[Citation] = field(default_factory=list)
    level: int = 2


def _labels(terms: Any) -> str:
    return "; ".join(term.label for term in terms) or _("none recorded")


def _claims(case: Case, person_citations: dict[int, list[Citation]]) -> list[Claim]:
    detentions = list(case.detentions.all())
    places = [case.place] if case.place_id else []
    places += [d.held_in_place for d in detentions if d.held_in_place_id]
    places += [e.place for d in detentions for e in d.events.all() if e.place_id]
    labels = place_hierarchy_labels(places)
    claims = [
        Claim(
            _("What happened"),
            [
                (_("Title"), case.title),
                (_("Occurred"), case.occurred_display),
                (_("Place"), labels.get(case.place_id, "") or _("unknown")),
                (_("Violation types"), _labels(case.violation_types.all())),
                (_("Summary"), case.summary),
            ],
            list(case.citations.all()),
        )
    ]
    for detention in detentions:
        person = detention.person
        authority = (
            detention.detaining_authority.name
            if detention.detaining_authority_id
            else detention.authority_description or _("unidentified")
        )
        claims.append(
            Claim(
                _("Detention of %(person)s") % {"person": person},
                [
                    (_("Detained"), detention.detained_on_display),
                    (_("By"), authority),
                    (_("Held in"), labels.get(detention.held_in_place_id, "") or _("unknown")),
                    (_("Charges"), _labels(detention.charges.all())),
                ],
                list(detention.citations.all()) + person_citations.get(person.pk, []),
            )
        )
        for event in detention.events.all():
            claims.append(
                Claim(
                    f"{event.event_type.label}: {event.occurred_display}",
                    [
                        (_("Place"), labels.get(event.place_id, "")),
                        (_("Note"), event.note),
                    ],
                    list(event.citations.all()),
                    level=3,
                )
            )
    for claim in claims:
        claim.facts = [(label, value) for label, value in claim.facts if value]
    return claims


@require_safe
@login_required
def case_review(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_page_case_or_404(request.user, reference)
    if not request.user.has_role(Role.REVIEWER):
        raise PermissionDenied(_("Only reviewers review cases."))
    people = [detention.person_id for detention in case.detentions.all()]
    person_citations: dict[int, list[Citation]] = {}
    for citation in Citation.objects.filter(person_id__in=people).select_related("source"):
        person_citations.setdefault(citation.person_id, []).append(citation)
    sources = {
        citation.source_id: citation.source
        for citation in Citation.objects.filter(case_citations(case)).select_related("source")
    }
    offers = [offer for offer in step_offers(request.user, case) if offer.action in REVIEW_STEPS]
    context = {
        "case": case,
        "claims": _claims(case, person_citations),
        "independent_sources": count_independent(list(sources.values())),
        "corroboration_problem": corroboration_problem(case),
        "four_eyes": CaseFactEditor.objects.filter(case=case, user=request.user).exists(),
        # A case back after a return is not a first review: the reviewer checks the comment
        # was dealt with.
        "last_return": case.transitions.filter(action=Transition.RETURN)
        .select_related("user")
        .order_by("-at", "-id")
        .first(),
        "offers": offers,
        # Reviewers read identities: the citations' free text goes through no mask.
        "mask": NO_MASK,
        "withheld_names": (
            withheld_name_occurrences(case)
            if any(offer.action == "verify" for offer in offers)
            else []
        ),
    }
    return render(request, "cases/case_review.html", context)
