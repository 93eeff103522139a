"""Workflow steps and watching, posted from the case page.

The state machine (cases.workflow) decides; these views only carry the request to
`case_transition` and the answer back. A refused step re-renders the case page with the reason
beside the step and the comment still in its box; nothing is written then. Verify, return and
reject carry the version of the case the page showed (a hidden field): if the case changed
since, the page comes back with what changed, for the reviewer to read before deciding again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import COMMENT_MAX_LENGTH, TransitionForm
from ..services.workflow import case_transition, case_unwatch, case_watch
from ..workflow import TransitionRefused
from .case_page import render_case_page
from .common import case_page_case_or_404, visible_case_or_404

# A refusal because of what was typed is a bad request; one because of the case's state, the
# user's role or a guard (four eyes, corroboration) conflicts with the case as it is.
BAD_INPUT_RULES = frozenset({"comment", "unknown"})


# A reviewer's judgement is about the case as they read it: these steps carry its version.
VERSIONED_STEPS = frozenset({"verify", "return", "reject"})


@require_POST
@login_required
def case_transition_view(request: HttpRequest, reference: str) -> HttpResponse:
    case = visible_case_or_404(request.user, reference)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        problem = (
            _("The comment is too long: keep it under %(n)d characters.")
            % {"n": COMMENT_MAX_LENGTH}
            if "comment" in form.errors
            else _("Choose a step.")
        )
        return _refused(request, reference, 400, request.POST, problem)
    action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
    version = form.cleaned_data["version"]
    if action in VERSIONED_STEPS and version is None:
        return _refused(
            request,
            reference,
            400,
            form.cleaned_data,
            _("This page did not say which version of the case you read. Read it again below."),
        )
    try:
        step = case_transition(
            acting_user=request.user, case=case, action=action, comment=comment, version=version
        )
    except TransitionRefused as refusal:
        status = 400 if refusal.rule in BAD_INPUT_RULES else 409
        return _refused(
            request, reference, status, form.cleaned_data, refusal.message, refusal.changes
        )
    messages.success(
        request,
        _("Done: %(action)s. The case is now %(state)s.")
        % {"action": step.get_action_display(), "state": step.get_to_state_display()},
    )
    # From the review page, the reviewer goes back to the queue for the next case.
    if request.POST.get("then") == "queue":
        return redirect("cases:dashboard")
    return redirect("cases:case-detail", reference=case.reference)


def _refused(
    request: HttpRequest,
    reference: str,
    status: int,
    typed: Any,
    message: str,
    changes: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    """The case page again (nothing was written), saying why, with the comment kept and, for a
    case that changed since the page was read, what changed and who changed it."""
    case = case_page_case_or_404(request.user, reference)
    return render_case_page(
        request,
        case,
        status=status,
        refused_action=str(typed.get("action", ""))[:20],
        refusal=message,
        typed_comment=str(typed.get("comment", "")),
        refusal_changes=changes,
    )


@require_POST
@login_required
def case_watch_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Start (watch=on) or stop (watch=off) hearing when this case is disputed."""
    case = visible_case_or_404(request.user, reference)
    if request.POST.get("watch") == "off":
        case_unwatch(acting_user=request.user, case=case)
        messages.success(request, _("You no longer watch this case."))
    else:
        case_watch(acting_user=request.user, case=case)
        messages.success(request, _("You are watching this case: you will hear if it is disputed."))
    return redirect("cases:case-detail", reference=case.reference)
