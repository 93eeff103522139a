"""The case dossier: one case, or a selection of cases, as HTML or as a PDF download.

    /cases/<reference>/dossier/?profile=public|partner|internal&recipient=un|partner|media
                               &format=html|pdf
    /dossier/?cases=CB-2014-0001&cases=CB-2014-0002&…   (same parameters, at most 50 cases)

Defaults, when a parameter is absent:
- profile: `internal` for monitors, reviewers and administrators; `partner` for advocates,
  whose role exports outward only (the UN urgent-appeal use case);
- recipient: `un` with the partner profile, since the dossier is made for UN mechanisms
  (urgent appeals, WGAD communications). The recipient only matters to the partner profile:
  the public profile always checks consent for the public, the internal profile checks none;
- format: `html`.

Refusals, in this order: anonymous → login; a user with no export role → 404 (they see no
case at all); a profile the role may not use → 403 saying so, never a quietly weaker file; an
unknown recipient → 403; any requested case not in visible_cases(user, purpose of the profile)
→ 404, the same answer whether it is hidden or missing and without saying which one.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..exports.dossier import (
    MAX_CASES,
    PdfUnavailable,
    build_dossier,
    dossier_cases,
    render_dossier_html,
    render_dossier_pdf,
)
from ..exports.profiles import Profile, allowed_profiles, recipient_for, require_profile
from ..models import Recipient

logger = logging.getLogger(__name__)

FORMATS = ("html", "pdf")

# The HTML dossier is our own escaped template, but it carries text typed from sources: let it
# load nothing but its own stylesheet, run no script and sit in no frame.
HTML_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def _not_found() -> Http404:
    # One answer for a hidden case and a missing one; never echo what was asked for.
    return Http404(_("No case found."))


def _profile_and_recipient(request: HttpRequest) -> tuple[Profile, Recipient | None]:
    allowed = allowed_profiles(request.user)
    if not allowed:
        raise _not_found()
    asked = request.GET.get("profile", "")
    if asked:
        profile = require_profile(request.user, asked)
    else:
        profile = Profile.INTERNAL if Profile.INTERNAL in allowed else Profile.PARTNER
    recipient = request.GET.get("recipient", "")
    if profile == Profile.PARTNER and not recipient:
        recipient = Recipient.UN.value
    return profile, recipient_for(profile, recipient or None)


def dossier_response_for(
    request: HttpRequest, references: list[str], *, default_format: str = "html"
) -> HttpResponse:
    """The dossier of `references` for `request.user`; also serves the API's token clients."""
    return _dossier_response(request, references, default_format=default_format)


def _dossier_response(
    request: HttpRequest, references: list[str], *, default_format: str = "html"
) -> HttpResponse:
    output = request.GET.get("format", default_format)
    if output not in FORMATS:
        return HttpResponseBadRequest(
            _("Unknown format: use html or pdf."), content_type="text/plain; charset=utf-8"
        )
    profile, recipient = _profile_and_recipient(request)
    cases = dossier_cases(request.user, references, profile)
    if cases is None:
        raise _not_found()
    dossier = build_dossier(cases, user=request.user, profile=profile, recipient=recipient)
    logger.info(
        "dossier user=%s profile=%s format=%s cases=%d",
        request.user.pk,
        profile.value,
        output,
        len(cases),
    )

    if output == "html":
        response = HttpResponse(
            render_dossier_html(dossier), content_type="text/html; charset=utf-8"
        )
        response["Content-Security-Policy"] = HTML_CSP
    else:
        try:
            pdf = render_dossier_pdf(dossier)
        except PdfUnavailable as exc:
            return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
        response = HttpResponse(pdf, content_type="application/pdf")
        # A download, never rendered inline by the browser's viewer from our origin.
        response["Content-Disposition"] = f'attachment; filename="{dossier.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


@require_safe
@login_required
def case_dossier(request: HttpRequest, reference: str) -> HttpResponse:
    return _dossier_response(request, [reference])


@require_safe
@login_required
def selection_dossier(request: HttpRequest) -> HttpResponse:
    references = list(dict.fromkeys(ref.strip() for ref in request.GET.getlist("cases")))
    references = [ref for ref in references if ref]
    if not references:
        return HttpResponseBadRequest(
            _("Name the cases: ?cases=CB-2014-0001&cases=CB-2014-0002"),
            content_type="text/plain; charset=utf-8",
        )
    if len(references) > MAX_CASES:
        return HttpResponseBadRequest(
            _("A dossier holds at most %(max)d cases.") % {"max": MAX_CASES},
            content_type="text/plain; charset=utf-8",
        )
    return _dossier_response(request, references)
