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


def _notification_once(
    user: Any, transition: CaseTransition, message: str
) -> tuple[Notification, bool]:
    """The user's in-app notification of this step (made by the first run of the task only),
    and whether this run made it."""
    try:
        with transaction.atomic():
            created = Notification.objects.create(
                user=user, case=transition.case, transition=transition, message=message
            )
    except IntegrityError:
        return Notification.objects.get(user=user, transition=transition), False
    return created, True


def notify_transition(transition: CaseTransition) -> int:
    """Create the in-app notifications and send the e-mails for one step; safe to run again.

    Every in-app notification is made first, then the e-mails go out. An e-mail that fails
    (SMTP or connection error) is not skipped: the first failure is raised once the others
    have been tried, so the task is retried, and the retry sends only the e-mails that have
    not gone out yet (`emailed_at`). Returns how many in-app notifications this run made.
    """
    message = _message(transition)
    notified = 0
    pending = []
    for user in recipients_of(transition):
        notification, created = _notification_once(user, transition, message)
        if notification.emailed_at is None and user.email:
            pending.append((user, notification))
        notified += created
    failure: OSError | None = None
    for user, notification in pending:
        try:
            # The e-mail names the case by reference only: mail leaves the building.
            send_mail(
                subject=message,
                message=_("Open Casebook to see case %(reference)s.")
                % {"reference": transition.case.reference},
                from_email=None,
                recipient_list=[user.email],
            )
        except OSError as error:  # smtplib.SMTPException and ConnectionError are OSErrors
            logger.warning("transition %s: e-mail to user %s failed", transition.pk, user.pk)
            failure = failure or error
            continue
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    logger.info("transition %s notified %s users", transition.pk, notified)
    if failure is not None:
        raise failure
    return notified


def notifications_mark_read(*, acting_user: Any, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=acting_user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
