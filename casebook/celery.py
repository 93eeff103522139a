"""The Celery application. Without CELERY_BROKER_URL tasks run eagerly in-process."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")

app = Celery("casebook")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def schedule_history_checkpoints(sender: Celery, **kwargs: Any) -> None:
    """A checkpoint of the history chain's head at a fixed interval, written outside the
    database, so a head rolled back between workflow steps still shows (cases/history.py)."""
    from django.conf import settings

    sender.add_periodic_task(
        settings.HISTORY_CHECKPOINT_INTERVAL,
        sender.signature("cases.tasks.history_checkpoint_task"),
        name="history-checkpoint",
    )
