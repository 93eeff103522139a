"""The scheduled backup (Celery beat, every BACKUP_INTERVAL_HOURS), which tells the
administrators when it fails: a backup that silently stopped is found only on the day it is
needed."""

from __future__ import annotations

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from casebook.accounts.roles import Role

from .archive import create_backup, prune_backups
from .keys import parse_recipients

logger = logging.getLogger(__name__)


def _administrators_with_email():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.ADMINISTRATOR.value)
        .exclude(email="")
        .distinct()
    )


def notify_backup_failure(error: Exception) -> int:
    """E-mail every active administrator that the backup failed; returns how many were told.

    The message names the error and the host's settings, never any case data.
    """
    sent = 0
    for administrator in _administrators_with_email():
        subject = _("Casebook backup failed")
        body = _(
            "The scheduled backup into %(directory)s failed:\n\n%(error)s\n\n"
            "Until a backup succeeds, the newest one is older than it should be. Run "
            "`manage.py backup` on the server to see the error, fix it, and check that a "
            "new file appears in the backup directory."
        ) % {"directory": settings.BACKUP_DIR, "error": error}
        send_mail(subject, body, None, [administrator.email])
        sent += 1
    return sent


@shared_task(acks_late=True)
def backup_task() -> str:
    try:
        result = create_backup(
            Path(settings.BACKUP_DIR), parse_recipients(settings.BACKUP_RECIPIENTS)
        )
        prune_backups(Path(settings.BACKUP_DIR), settings.BACKUP_KEEP)
    except Exception as error:
        logger.exception("Scheduled backup failed")
        try:
            notify_backup_failure(error)
        except OSError:
            logger.exception("Could not e-mail the administrators about the failed backup")
        raise
    logger.info("Backup written: %s (%d bytes)", result.path.name, result.size)
    return result.path.name
