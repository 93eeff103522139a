"""Celery tasks: thin wrappers that load by id and call a service. Safe to retry."""

from __future__ import annotations

from celery import shared_task

from .models import CaseTransition
from .services import notifications


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def notify_transition(transition_id: int) -> int:
    transition = CaseTransition.objects.select_related("case", "user").filter(pk=transition_id).first()
    if transition is None:
        return 0
    return notifications.notify_transition(transition)
