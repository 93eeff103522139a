"""The weekly e-mail digest of alerts (cases/alerts.py), one e-mail per user who has any.

Who gets one: active users with a role and an e-mail address who have not turned the digest
off (`User.alert_digest`, on the alerts page). A user with no alert gets nothing.

What it holds: the same three lists as the dashboard, through the same access gate, cut at
DIGEST_LIMIT each with the full count, every link absolute (CASEBOOK_SITE_URL). Mail leaves the
building, so a withheld identity is the placeholder and case titles are masked for every
reader, including those who see identities on the pages.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from casebook.accounts.roles import Role

from ..alerts import Alerts, alerts_for, no_news_days, release_days

logger = logging.getLogger(__name__)

DIGEST_LIMIT = 20


def digest_recipients() -> QuerySet[Any]:
    """The users the digest is for, before their alerts are read."""
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, alert_digest=True)
        .exclude(email="")
        .filter(Q(groups__name__in=Role.values) | Q(is_superuser=True))
        .distinct()
        .order_by("pk")
    )


def _absolute(path: str) -> str:
    return f"{settings.CASEBOOK_SITE_URL}{path}"


def digest_message(
    user: Any, *, today: datetime.date | None = None
) -> EmailMultiAlternatives | None:
    """The user's digest e-mail, or None when there is nothing to tell them."""
    today = today or timezone.localdate()
    alerts: Alerts = alerts_for(user, limit=DIGEST_LIMIT, today=today, hide_identities=True)
    if not alerts.total:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "alerts": alerts,
            "today": today,
            "site_url": settings.CASEBOOK_SITE_URL,
            "alerts_url": _absolute(reverse("cases:alerts")),
            "digest_url": _absolute(f"{reverse('cases:alerts')}#digest"),
            "release_days": release_days(),
            "no_news_days": no_news_days(),
        }
        subject = ngettext(
            "Casebook: %(count)d alert this week",
            "Casebook: %(count)d alerts this week",
            alerts.total,
        ) % {"count": alerts.total}
        text = render_to_string("emails/alert_digest.txt", context)
        html = render_to_string("emails/alert_digest.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def alert_digest_send(*, user_id: int, today: datetime.date | None = None) -> bool:
    """Send one user their digest if they are still a recipient and have alerts; whether an
    e-mail went out. SMTP and connection errors are raised for the task to retry."""
    if not settings.CASEBOOK_SITE_URL:
        logger.warning("alert digest not sent: CASEBOOK_SITE_URL is not set")
        return False
    user = digest_recipients().filter(pk=user_id).first()
    if user is None:
        return False
    message = digest_message(user, today=today)
    if message is None:
        return False
    message.send()
    logger.info("alert digest sent to user %s", user.pk)
    return True


def digest_recipient_ids() -> list[int]:
    return list(digest_recipients().values_list("pk", flat=True))
