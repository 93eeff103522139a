"""Celery tasks: thin wrappers that load by id and call a service. Safe to retry."""

from __future__ import annotations

from celery import shared_task

from .models import CaseTransition
from .services import notifications


@shared_task(
    acks_late=True,
    # SMTP and connection errors (smtplib.SMTPException is an OSError): the in-app
    # notifications are already made, the retry sends the e-mails that did not go out.
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=10,
)
def notify_transition(transition_id: int) -> int:
    transition = (
        CaseTransition.objects.select_related("case", "user").filter(pk=transition_id).first()
    )
    if transition is None:
        return 0
    return notifications.notify_transition(transition)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
)
def export_job_run(job_id: int) -> str:
    """Write a queued export job's file (cases.exports.jobs). A redelivered or repeated run
    starts a new attempt, and only the latest attempt may finish the job."""
    from .exports import jobs

    return str(jobs.export_job_run(job_id=job_id))


@shared_task(acks_late=True)
def export_jobs_expire_task() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): expire old export jobs and delete their files."""
    from .exports import jobs

    return jobs.export_jobs_expire()


@shared_task(acks_late=True)
def history_checkpoint_task() -> int:
    """Every HISTORY_CHECKPOINT_INTERVAL seconds (casebook/celery.py): a signed checkpoint of the
    history chain's head, written outside the database. Returns the entry it names."""
    from .history import write_checkpoint

    return write_checkpoint()["entry"]


@shared_task(acks_late=True)
def alert_digest_task() -> int:
    """Weekly (CELERY_BEAT_SCHEDULE, CASEBOOK_ALERT_DIGEST_WEEKDAY and _HOUR): one task per
    recipient, so a failed e-mail is retried alone and never sends the others twice."""
    from .services.digest import digest_recipient_ids

    user_ids = digest_recipient_ids()
    for user_id in user_ids:
        alert_digest_user_task.delay(user_id)
    return len(user_ids)


@shared_task(
    acks_late=True,
    # SMTP and connection errors (smtplib.SMTPException is an OSError).
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=10,
)
def alert_digest_user_task(user_id: int) -> bool:
    from .services.digest import alert_digest_send

    return alert_digest_send(user_id=user_id)
