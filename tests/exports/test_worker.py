"""An export job run by a real Celery worker (not eagerly): the worker writes the file into the
shared EXPORT_ROOT, and the download matches the manifest. Runs like tests/test_celery_worker.py:
with CASEBOOK_TEST_BROKER_URL set and on PostgreSQL."""

from __future__ import annotations

import time

import pytest

from casebook.accounts.roles import Role
from casebook.celery import app
from cases.exports.jobs import export_job_start
from cases.models import ExportJob, ExportJobState

from ..factories import DetentionFactory, UserFactory
from ..test_celery_worker import pytestmark as worker_marks
from ..test_celery_worker import worker_queue  # noqa: F401 - the fixture export_worker uses
from .helpers import download, sha256

pytestmark = worker_marks


def _forget_broker_connections() -> None:
    # Celery caches the publisher's connection pool on first use — even by an eager task, which
    # binds it to the default broker (amqp://localhost). Without this, a task sent after any
    # eager test goes there, not to the worker's broker.
    app.amqp._producer_pool = None
    app._pool = None


@pytest.fixture
def export_worker(monkeypatch, export_root, request):
    """A worker on a queue of its own, writing into this test's EXPORT_ROOT."""
    monkeypatch.setenv("EXPORT_ROOT", str(export_root))
    worker = request.getfixturevalue("worker_queue")
    _forget_broker_connections()
    yield worker
    _forget_broker_connections()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_writes_the_export_and_the_download_matches(client, export_worker):
    monitor = UserFactory(roles=[Role.MONITOR])
    for _ in range(3):
        DetentionFactory()

    job = export_job_start(
        acting_user=monitor, kind="detentions", fmt="csv", profile="internal", params={}
    )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state not in (ExportJobState.QUEUED, ExportJobState.RUNNING):
            break
        assert export_worker.poll() is None, export_worker.stdout.read()
        time.sleep(0.5)
    assert job.state == ExportJobState.DONE, job.error
    assert job.progress == job.total == job.manifest["row_count"] == 3
    client.force_login(monitor)
    response, body = download(client, job)
    assert response.status_code == 200
    assert sha256(body) == job.manifest["files"][0]["sha256"]
    assert ExportJob.objects.count() == 1
