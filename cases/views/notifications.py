"""A user's in-app notifications of workflow steps, and marking them read.

A notification names its case by reference only. The link to the case is shown only while the
user may still see it (a grant can be revoked after the notification was sent); otherwise the
reference stays as plain text, and nothing else about the case is read.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from ..models import Notification
from ..queries import visible_cases
from ..services.notifications import notifications_mark_read

NOTIFICATIONS_PER_PAGE = 50


@require_safe
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = (
        Notification.objects.filter(user=request.user)
        .annotate(case_reference=F("case__reference"))
        .order_by("-created_at", "-id")
    )
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    case_ids = {notification.case_id for notification in page}
    still_visible = set(
        visible_cases(request.user).filter(pk__in=case_ids).values_list("pk", flat=True)
    )
    rows = [(notification, notification.case_id in still_visible) for notification in page]
    has_unread = Notification.objects.filter(user=request.user, read_at__isnull=True).exists()
    context = {"page": page, "rows": rows, "has_unread": has_unread}
    return render(request, "cases/notifications.html", context)


@require_POST
@login_required
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = notifications_mark_read(acting_user=request.user)
    messages.success(
        request,
        ngettext(
            "Marked %(count)d notification as read.",
            "Marked %(count)d notifications as read.",
            marked,
        )
        % {"count": marked},
    )
    return redirect("cases:notifications")
