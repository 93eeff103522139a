"""The case page with its verification panel, shared by the page itself and by the workflow
view that re-renders it when a step is refused.

Everything here costs a fixed number of queries, however long the case's history: the
transitions come in one query with their users, the steps on offer from cases.workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from casebook.accounts.roles import Role

from .. import workflow
from ..models import Case, CaseState, CaseTransition, CaseWatch, Transition
from ..models.workflow import STATE_KEEPING_ACTIONS
from ..permissions import may
from ..queries import PLACEHOLDER, Reader, visible_cases
from ..redaction import NO_MASK
from ..relations import RelationSeen, relations_of
from .masks import joined, page_masks, withheld_name_occurrences

STATE_EXPLANATIONS = {
    CaseState.DRAFT: _("Being written. Nobody has reviewed it yet."),
    CaseState.SUBMITTED: _("Waiting for a reviewer to verify it, return it or reject it."),
    CaseState.VERIFIED: _("Checked by a reviewer. Advocates can see it and it can be exported."),
    CaseState.DISPUTED: _("Verified once, now disputed. It must be resubmitted for review."),
    CaseState.REJECTED: _("Rejected by a reviewer. A reviewer can reopen it as a draft."),
}


RETURNED_EXPLANATION = _(
    "Returned to the monitor by a reviewer: see the reviewer's comment, then resubmit it."
)


REOPENED_EXPLANATION = _(
    "Rejected by a reviewer, then reopened as a draft: see the verification history for why, "
    "then resubmit it."
)


def decisive_step(transitions: list[CaseTransition]) -> CaseTransition | None:
    """The last step that moved the case to another state: a confidentiality decision taken
    since keeps the state, and must not hide why the case stands where it is."""
    for transition in reversed(transitions):
        if transition.action not in STATE_KEEPING_ACTIONS:
            return transition
    return None


def _state_explanation(case: Case, decisive: CaseTransition | None) -> str:
    # A draft that was returned or reopened is being written again, but it has been reviewed.
    if case.state == CaseState.DRAFT and decisive is not None:
        if decisive.action == Transition.RETURN:
            return RETURNED_EXPLANATION
        if decisive.action == Transition.REOPEN:
            return REOPENED_EXPLANATION
    return STATE_EXPLANATIONS.get(case.state, "")


# What the comment box of each step asks for.
COMMENT_PROMPTS = {
    "submit": _("Note for the reviewer"),
    "verify": _("Note on the verification"),
    "return": _("What must the monitor check or add?"),
    "reject": _("Why reject it?"),
    "dispute": _("What is disputed, and says who?"),
    "resubmit": _("What changed since the dispute?"),
    "reopen": _("Why reopen it?"),
}


@dataclass(frozen=True)
class StepOffer:
    """A step shown on the case page: a button with a comment box, or the reason it is not."""

    action: str
    label: str
    comment_required: bool
    refused_because: str | None
    comment: str = ""
    error: str = ""

    @property
    def prompt(self) -> str:
        return str(COMMENT_PROMPTS.get(self.action, _("Comment")))

    @property
    def is_primary(self) -> bool:
        return self.action in {"submit", "verify", "resubmit"}

    @property
    def is_danger(self) -> bool:
        return self.action in {"reject", "dispute"}


def step_offers(
    user: Any, case: Case, *, refused_action: str = "", refusal: str = "", typed_comment: str = ""
) -> list[StepOffer]:
    """The steps `user` may take from the case's state (cases.workflow.offers), each with the
    comment the user typed when that very step was just refused, so no word is lost."""
    found = []
    for offer in workflow.offers(user, case):
        action = offer.step.action.value
        again = action == refused_action
        found.append(
            StepOffer(
                action=action,
                label=capfirst(str(offer.step.action.label)),
                comment_required=offer.step.comment_required,
                refused_because=offer.refused_because,
                comment=typed_comment if again else "",
                error=refusal if again else "",
            )
        )
    return found


def render_case_page(
    request: HttpRequest,
    case: Case,
    *,
    status: int = 200,
    refused_action: str = "",
    refusal: str = "",
    typed_comment: str = "",
    refusal_changes: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    """Render `case` (from case_detail_for) for `request.user`.

    With `refusal`, the page says why a step was refused, beside the step, keeping the comment;
    with `refusal_changes`, what changed since the version the user decided on.
    """
    context = case_page_context(
        request,
        case,
        refused_action=refused_action,
        refusal=refusal,
        typed_comment=typed_comment,
        refusal_changes=refusal_changes,
    )
    return render(request, "cases/case_detail.html", context, status=status)


def case_page_context(
    request: HttpRequest,
    case: Case,
    *,
    refused_action: str = "",
    refusal: str = "",
    typed_comment: str = "",
    refusal_changes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """What the case page and each of its sections (templates/cases/sections/) render from."""
    from .cases import place_names_in_scripts

    user = request.user
    reader = Reader.of(user)
    transitions = list(case.transitions.select_related("user"))
    offers = step_offers(
        user, case, refused_action=refused_action, refusal=refusal, typed_comment=typed_comment
    )
    decisive = decisive_step(transitions)
    detentions = list(case.detentions.all())
    for detention in detentions:
        # As the API shows them: no name, description, birth date, names or affiliations.
        detention.identity_hidden = not reader.sees_identity_of(detention.person)
    # One query for all of them; only relations to cases the user may see.
    relations = relations_of(user, case)
    masks, relation_rows = _masks_of_page(user, case, relations)
    context = {
        "case": case,
        "mask": masks.get(case.pk, NO_MASK),
        "placeholder": PLACEHOLDER,
        "place_names": place_names_in_scripts(case.place),
        "detentions": detentions,
        "case_citations": list(case.citations.all()),
        "interventions": list(case.interventions.all()),
        "relations": relation_rows,
        # Before verifying, the reviewer is shown where withheld names stand in the text.
        "withheld_names": (
            withheld_name_occurrences(case)
            if any(offer.action == "verify" for offer in offers)
            else []
        ),
        "transitions": transitions,
        "last_transition": transitions[-1] if transitions else None,
        "offers": offers,
        "refusal": refusal,
        # A refusal beside a step's form keeps the comment in that form's box. Any other (a
        # guard now blocks the step, a stale page, a crafted request) shows at the top, with
        # the comment in a box to copy from.
        "refusal_elsewhere": refusal
        and not any(offer.error and not offer.refused_because for offer in offers),
        "typed_comment": typed_comment,
        "refusal_changes": refusal_changes or [],
        "state_explanation": _state_explanation(case, decisive),
        # Named beside the explanation when a later step (a confidentiality decision) stands
        # as the last step: who returned or reopened the draft, when, and their comment.
        "decisive_step": (
            decisive
            if case.state == CaseState.DRAFT
            and decisive is not None
            and decisive is not (transitions[-1] if transitions else None)
            else None
        ),
        "may_edit": may(user, "edit", case),
        "may_review": case.state == CaseState.SUBMITTED and user.has_role(Role.REVIEWER),
        # Interventions are advocacy, not facts: advocates record them too, in any state.
        "may_intervene": reader.records_interventions,
        "watching": CaseWatch.objects.filter(case=case, user=user).exists(),
    }
    return context


def _masks_of_page(
    user: Any, case: Case, relations: list[RelationSeen]
) -> tuple[dict[int, Any], list[tuple[RelationSeen, Any]]]:
    """The masks of the case and of the related cases whose titles the page shows, for a
    reader who may not see identities: a related case's title and the note between the two
    may name the people of either. No query for a reader who sees identities."""
    if Reader.of(user).sees_identities:
        return {}, [(relation, NO_MASK) for relation in relations]
    far_ids = dict(
        visible_cases(user)
        .filter(reference__in=[relation.reference for relation in relations])
        .values_list("reference", "pk")
        if relations
        else ()
    )
    masks = page_masks(user, [case.pk, *far_ids.values()])
    own = masks.get(case.pk, NO_MASK)
    rows = [
        (relation, joined([own, masks.get(far_ids.get(relation.reference, 0), NO_MASK)]))
        for relation in relations
    ]
    return masks, rows
