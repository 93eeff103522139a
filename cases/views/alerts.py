"""The alerts page (`/alerts/`): every release due, detention without news and reply overdue,
a page of each list at a time, and the switch of the weekly e-mail digest.

The lists come from cases/alerts.py, through the access gate; the dashboard shows the first
few of each (cases/views/dashboard.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from casebook.accounts.preferences import alert_digest_set

from .. import alerts
from ..queries import Reader
from .workspace import is_htmx

# One page of one list on its own; all three lists together show their first page each.
ALERTS_PER_PAGE = 50


@dataclass
class ShownList:
    kind: str
    count: int
    items: list[alerts.Alert]
    page: Page | None = None

    @property
    def more(self) -> bool:
        return self.count > len(self.items)


def _reader_with_role(request: HttpRequest) -> Reader:
    reader = Reader.of(request.user)
    if not reader.roles:
        raise PermissionDenied
    return reader


DIGEST_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def digest_context(request: HttpRequest) -> dict[str, Any]:
    """The digest switch's state, and the day it is sent in the reader's language."""
    weekday = DIGEST_WEEKDAYS.index(settings.CASEBOOK_ALERT_DIGEST_WEEKDAY)
    return {"digest_on": request.user.alert_digest, "digest_weekday": WEEKDAYS[weekday]}


def list_context() -> dict[str, Any]:
    """What the alert list templates read besides the lists (dashboard and alerts page)."""
    return {
        "release_days": alerts.release_days(),
        "no_news_days": alerts.no_news_days(),
        "today": timezone.localdate(),
    }


def _one_list(reader: Reader, kind: str, page_number: Any, today: Any) -> ShownList:
    paginator = Paginator(alerts.query_of(kind, reader, today), ALERTS_PER_PAGE)
    page = paginator.get_page(page_number)
    items = alerts.alerts_of(kind, reader, list(page.object_list), today=today)
    return ShownList(kind, paginator.count, items, page)


@require_safe
@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    """All three lists, their first page each; `?list=<kind>&page=<n>` one list, paged."""
    reader = _reader_with_role(request)
    context = list_context()
    today = context["today"]
    kind = request.GET.get("list", "")
    if kind:
        if kind not in alerts.KINDS:
            raise Http404
        lists = [_one_list(reader, kind, request.GET.get("page"), today)]
    else:
        lists = [
            ShownList(found.kind, found.count, found.items)
            for found in alerts.alerts_for(reader, limit=ALERTS_PER_PAGE, today=today).lists
        ]
    context.update({"lists": lists, "shown": kind, **digest_context(request)})
    return render(request, "cases/alerts.html", context)


@require_POST
@login_required
def alert_digest(request: HttpRequest) -> HttpResponse:
    """Turn the weekly digest on (the box ticked) or off (the box left empty)."""
    _reader_with_role(request)
    enabled = request.POST.get("digest") == "on"
    alert_digest_set(acting_user=request.user, enabled=enabled)
    if is_htmx(request):
        context = {**digest_context(request), "digest_saved": True}
        return render(request, "cases/_alert_digest_form.html", context)
    messages.success(
        request,
        _("You will receive the weekly digest of alerts.")
        if enabled
        else _("You will no longer receive the weekly digest of alerts."),
    )
    return redirect(f"{reverse('cases:alerts')}#digest")
