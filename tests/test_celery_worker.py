"""Background work on a real broker: one Celery worker, started here, delivers a notification.

Runs when CASEBOOK_TEST_BROKER_URL names a broker (CI sets Redis) and the database is
PostgreSQL, which the worker process can share with the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from casebook.accounts.roles import Role
from casebook.celery import app
from cases.models import CaseState, Notification
from cases.services.workflow import case_transition

from .factories import CaseFactory, UserFactory

BROKER_URL = os.environ.get("CASEBOOK_TEST_BROKER_URL", "")
ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not BROKER_URL, reason="CASEBOOK_TEST_BROKER_URL is not set"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker must share the database"
    ),
]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"


def forget_broker_connections() -> None:
    """Celery keeps the publisher's connection pool from its first use, pointed at whatever
    broker was configured then; drop it so the next publish connects to the broker set now."""
    app.amqp._producer_pool = None
    app._pool = None


@pytest.fixture
def worker_queue():
    """A queue of this test's own, a worker consuming it, and the app publishing to it."""
    queue = f"casebook-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
    }
    worker = subprocess.Popen(  # noqa: S603 - our own worker with fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "casebook",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    saved = {
        key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")
    }
    app.conf.update(task_always_eager=False, broker_url=BROKER_URL, task_default_queue=queue)
    forget_broker_connections()
    try:
        yield worker
    finally:
        app.conf.update(saved)
        forget_broker_connections()
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_notifies_reviewers_of_a_submission(worker_queue):
    monitor = UserFactory(roles=[Role.MONITOR])
    reviewer = UserFactory(roles=[Role.REVIEWER])
    case = CaseFactory(state=CaseState.DRAFT)

    case_transition(acting_user=monitor, case=case, action="submit")

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Notification.objects.filter(user=reviewer).exists():
        assert worker_queue.poll() is None, worker_queue.stdout.read()
        time.sleep(0.5)
    assert Notification.objects.filter(user=reviewer, case=case).count() == 1
