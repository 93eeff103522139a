"""Template context for every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def notifications(request: HttpRequest) -> dict[str, Any]:
    """`unread_notification_count` for the header: one COUNT query, made only if a template
    shows it (redirects and JSON answers pay nothing)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from .models import Notification

        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    return {"unread_notification_count": SimpleLazyObject(count)}
