"""Typed text that survives a session that ended or a form that expired (docs/pages.md, Kept
edits).

- A POST refused by the CSRF check (`csrf_failure`, settings.CSRF_FAILURE_VIEW) from a
  signed-in user keeps the submitted fields as a kept edit of that user for the address posted
  to, and answers 403 with the typed text to copy and a link back to the form.
- A POST to a workspace page (the `cases` URL namespace) from a visitor whose session ended
  (`KeptTextMiddleware`) keeps the fields encrypted in a kept edit without a user, under a
  random key held by the new anonymous session (never the text itself), and sends the visitor
  to sign in with next= the form. Signing in (`user_logged_in`) gives the kept edit to whoever
  signed in and says where it is.
- Opening a form address again offers the newest unresolved kept edit for it: the middleware
  sets `request.kept_for_this_page`, which base.html shows above the page.

Fields whose names look secret (passwords, tokens, secrets) and the CSRF token are never kept.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render, resolve_url
from django.urls import Resolver404, resolve
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .models import StaleEdit

SESSION_KEY = "kept_text_key"
# Paths of this session's open kept edits, so that a page asks the database only when one
# may be waiting for it.
SESSION_PATHS = "kept_text_paths"
_SECRET_NAME = re.compile(r"password|passwd|token|secret|csrf", re.IGNORECASE)
MAX_FIELDS = 200
# `?restore=<kept edit id>` on the form's own address puts the kept text back in its fields.
RESTORE_PARAMETER = "restore"
MAX_VALUE = 100_000
MAX_KEPT_PER_VISITOR = 20


def kept_fields(post: QueryDict) -> dict[str, Any]:
    """The submitted fields worth keeping: one string per field, a list when repeated; never
    the CSRF token or a field named like a password, token or secret."""
    kept: dict[str, Any] = {}
    for name in list(post)[:MAX_FIELDS]:
        if _SECRET_NAME.search(name):
            continue
        values = [value[:MAX_VALUE] for value in post.getlist(name)]
        if not any(value.strip() for value in values):
            continue
        kept[name] = values[0] if len(values) == 1 else values
    return kept


def _remember_path(request: HttpRequest, path: str) -> None:
    paths = list(request.session.get(SESSION_PATHS, []))
    if path not in paths:
        request.session[SESSION_PATHS] = [*paths, path][-20:]


def forget_path(request: HttpRequest, path: str) -> None:
    paths = [kept for kept in request.session.get(SESSION_PATHS, []) if kept != path]
    request.session[SESSION_PATHS] = paths


def _is_workspace_post(request: HttpRequest) -> bool:
    if request.method != "POST":
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    # The API answers for itself (401/403 as JSON); login and logout are not in `cases`.
    return "cases" in match.namespaces and not request.path_info.startswith("/api/")


def _login_redirect(request: HttpRequest) -> HttpResponse:
    login_url = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request") == "true":
        # A login page swapped into the form would be a page inside a page.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
        return response
    response = HttpResponse(status=302)
    response["Location"] = login_url
    return response


class KeptTextMiddleware:
    """Keeps a workspace POST of a visitor whose session ended, and offers kept text back."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    @staticmethod
    def _may_keep_for_visitor(request: HttpRequest) -> bool:
        """Only a browser that had a session (its cookie is still sent after the session
        ended) gets its text kept, and only so many texts per browser until someone signs in:
        a visitor who never signed in must not be able to fill the database."""
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        key = request.session.get(SESSION_KEY)
        return not key or (
            StaleEdit.objects.filter(user=None, anonymous_key=key).count() < MAX_KEPT_PER_VISITOR
        )

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> Any:
        from .services.history import kept_text_keep

        user = getattr(request, "user", None)
        if user is None:
            return None
        if not user.is_authenticated:
            if not _is_workspace_post(request):
                return None
            data = kept_fields(request.POST)
            if data and self._may_keep_for_visitor(request):
                key = request.session.get(SESSION_KEY) or secrets.token_urlsafe(32)
                request.session[SESSION_KEY] = key
                kept_text_keep(
                    acting_user=None,
                    path=request.path,
                    reason=StaleEdit.Reason.EXPIRED,
                    data=data,
                    anonymous_key=key,
                )
            return _login_redirect(request)
        if request.method in ("GET", "HEAD") and request.path in request.session.get(
            SESSION_PATHS, []
        ):
            kept = (
                StaleEdit.objects.filter(user=user, path=request.path, resolved_at__isnull=True)
                .order_by("-created_at", "-id")
                .first()
            )
            request.kept_for_this_page = kept
            if kept is not None and request.GET.get(RESTORE_PARAMETER) == str(kept.pk):
                request.kept_restored = kept.data
        return None


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The CSRF check refused a POST: keep what a signed-in user typed, and show it."""
    from .services.history import kept_text_keep

    user = getattr(request, "user", None)
    data: dict[str, Any] = {}
    kept = None
    if request.method == "POST":
        data = kept_fields(request.POST)
    if data and user is not None and user.is_authenticated:
        kept = kept_text_keep(
            acting_user=user, path=request.path, reason=StaleEdit.Reason.CSRF, data=data
        )
        _remember_path(request, request.path)
    context = {
        "values": list(data.items()),
        "form_url": request.path,
        "kept": kept,
    }
    return render(request, "cases/kept_text_failure.html", context, status=403)


@receiver(user_logged_in, dispatch_uid="cases.kept_text.claim")
def _claim_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from .services.history import kept_text_claim

    if request is None or not hasattr(request, "session"):
        return
    key = request.session.pop(SESSION_KEY, None)
    if not key:
        return
    claimed = kept_text_claim(acting_user=user, anonymous_key=key)
    for edit in claimed:
        _remember_path(request, edit.path)
    if claimed:
        messages.info(
            request, _("What you typed before your session ended is kept: see Kept edits.")
        )


def with_kept_text(request: HttpRequest, initial: dict[str, Any]) -> dict[str, Any]:
    """`initial` for an unbound form, with the kept text put back when the user asked for it
    (the notice above the form links to `?restore=<id>`). Field names are those posted, so
    this serves forms without a prefix; the text stays kept until the user resolves it."""
    restored = getattr(request, "kept_restored", None)
    return {**initial, **restored} if restored else initial
