"""Who hears about a workflow step, in the app and by e-mail."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casebook.accounts.roles import Role

from ..models import CaseTransition, Notification, Transition
from ..queries import visible_cases

logger = logging.getLogger(__name__)


def recipients_of(transition: CaseTransition) -> list[Any]:
    """Reviewers hear of submissions; the case's monitor of returns, rejections and
    verifications; watchers (and the monitor) of disputes and of a lowered confidentiality.
    Nobody hears of their own step, and nobody hears of a case they may not see."""
    case = transition.case
    User = get_user_model()
    action = transition.action
    if action in {Transition.SUBMIT, Transition.RESUBMIT, Transition.EDITED_AFTER_VERIFICATION}:
        candidates = User.objects.filter(groups__name=Role.REVIEWER.value, is_active=True)
    elif action in {Transition.RETURN, Transition.REJECT, Transition.VERIFY}:
        monitor_id = case.assigned_monitor_id or case.created_by_id
        candidates = User.objects.filter(pk=monitor_id, is_active=True)
    elif action == Transition.LOWER_CONFIDENTIALITY:
        # Those who answer for the case hear that more people may now read it.
        monitor_id = case.assigned_monitor_id or case.created_by_id
        candidates = User.objects.filter(watches__case=case, is_active=True) | User.objects.filter(
            pk=monitor_id, is_active=True
        )
    elif action == Transition.DISPUTE:
        candidates = User.objects.filter(watches__case=case, is_active=True) | User.objects.filter(
            pk=case.assigned_monitor_id, is_active=True
        )
    else:
        return []
    return [
        user
        for user in candidates.distinct().exclude(pk=transition.user_id)
        if visible_cases(user).filter(pk=case.pk).exists()
    ]


def _message(transition: CaseTransition) -> str:
    who = transition.user.get_username() if transition.user else _("Casebook")
    return _("%(reference)s: %(who)s – %(action)s (now %(state)s)") % {
        "reference": transition.case.reference,
        "who": who,
        "action": transition.get_action_display(),
        "state": transition.get_to_state_display(),
    }


def notify_transition(transition: CaseTransition) -> int:
    """Create the in-app notifications and send the e-mails for one step; safe to run twice."""
    message = _message(transition)
    sent = 0
    for user in recipients_of(transition):
        try:
            with transaction.atomic():
                Notification.objects.create(
                    user=user, case=transition.case, transition=transition, message=message
                )
        except IntegrityError:
            continue  # already notified by an earlier run of this task
        if user.email:
            # The e-mail names the case by reference only: mail leaves the building.
            send_mail(
                subject=message,
                message=_("Open Casebook to see case %(reference)s.")
                % {"reference": transition.case.reference},
                from_email=None,
                recipient_list=[user.email],
            )
        sent += 1
    logger.info("transition %s notified %s users", transition.pk, sent)
    return sent


def notifications_mark_read(*, acting_user: Any, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=acting_user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
