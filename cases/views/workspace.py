"""What the forms of the case workspace share (docs/pages.md, The case workspace).

Each section of the case page — people and their detentions, the timeline of each detention,
sources and citations, interventions — has "Add" and "Change" forms, one form for one record
and one service call. The same URL serves two ways of working:

- without JavaScript, GET renders the form as a page of its own and a successful POST
  redirects back to the case page, at the section it changed;
- with HTMX (the request carries `HX-Request`), GET renders only the form, which the link
  places in the section's slot, and a successful POST answers with the section re-rendered
  (`HX-Retarget` names it), so the monitor never leaves the page.

A refused POST answers 400 with the form, the typed input and an error summary, both ways;
htmx is configured in base.html to swap 400 and 409 answers like successes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from casebook.accounts.roles import Role

from ..models import Case, CaseState
from ..permissions import may
from ..queries import Reader
from .common import case_page_case_or_404, visible_case_or_404

# The sections of the case page a form can re-render, each a template under sections/.
SECTIONS = ("people", "sources", "interventions")


def is_htmx(request: HttpRequest) -> bool:
    """Whether the request asks for a fragment to place in the page (not a history restore,
    which wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def editable_case_or_403(user: Any, reference: str) -> Case:
    """The case, if `user` may see it (404 otherwise) and change its facts (403 otherwise)."""
    case = visible_case_or_404(user, reference)
    if not may(user, "edit", case):
        if case.state == CaseState.REJECTED and user.has_role(Role.MONITOR, Role.REVIEWER):
            raise PermissionDenied(
                _("This case was rejected: a reviewer must reopen it before its facts can change.")
            )
        raise PermissionDenied(_("Your role does not let you edit cases."))
    return case


def intervening_case_or_403(user: Any, reference: str) -> Case:
    """The case, if `user` may see it (404) and record interventions on it (403)."""
    case = visible_case_or_404(user, reference)
    if not Reader.of(user).records_interventions:
        raise PermissionDenied(_("Only monitors, reviewers and advocates record interventions."))
    return case


def case_section_url(case: Case, section: str) -> str:
    return f"{reverse('cases:case-detail', args=[case.reference])}#{section}"


def render_workspace_form(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A workspace form: a page of its own, or only the form for HTMX to place in the page.

    `template` extends `base_template`, and puts the form in `{% block content %}`.
    """
    fragment = is_htmx(request)
    context = {
        **context,
        "base_template": "cases/_fragment.html" if fragment else "base.html",
        "in_place": fragment,
    }
    return render(request, template, context, status=status)


def section_saved(request: HttpRequest, case: Case, section: str, message: str) -> HttpResponse:
    """After a successful write: back to the case page at `section`, or, for HTMX, that
    section re-rendered from the stored records, saying what was saved."""
    if section not in SECTIONS:
        raise ValueError(f"Unknown section of the case page: {section}")
    if not is_htmx(request):
        messages.success(request, message)
        return redirect(case_section_url(case, section))
    from .case_page import case_page_context

    fresh = case_page_case_or_404(request.user, case.reference)
    context = {
        **case_page_context(request, fresh),
        "saved_message": message,
        "saved_section": section,
    }
    response = render(request, f"cases/sections/_{section}.html", context)
    if fresh.state != case.state:
        # A fact changed on a verified case sends it back to review: the verification panel
        # at the top of the page must not go on saying "verified" and offering its steps.
        panel = render_to_string(
            "cases/_workflow_panel.html", {**context, "out_of_band": True}, request=request
        )
        response.content += panel.encode(response.charset)
    response["HX-Retarget"] = f"#{section}"
    response["HX-Reswap"] = "outerHTML"
    return response
