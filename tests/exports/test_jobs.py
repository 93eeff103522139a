"""Export jobs: starting, running, failing, expiring; what ends up in the file.

Properties are asserted on the bytes a user downloads, not on the job's fields alone.
"""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casebook.accounts.roles import Role
from cases.exports import jobs
from cases.exports.jobs import export_job_run, export_job_start, export_jobs_expire
from cases.models import ExportJob, ExportJobState
from cases.services.workflow import access_grant, access_revoke

from .helpers import download, files_in, sha256

pytestmark = pytest.mark.django_db


def start(user, *, kind="detentions", fmt="csv", profile="internal", params=None, **kwargs):
    return export_job_start(
        acting_user=user, kind=kind, fmt=fmt, profile=profile, params=params or {}, **kwargs
    )


def run_started(capture, user, **kwargs) -> ExportJob:
    """Start a job and run its task as the commit would (Celery is eager in tests)."""
    with capture(execute=True):
        job = start(user, **kwargs)
    job.refresh_from_db()
    return job


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


# --- A job from start to download ----------------------------------------------------------


def test_monitor_job_with_filters_is_done_with_progress_equal_to_rows(
    monitor, export_cases, django_capture_on_commit_callbacks
):
    job = run_started(django_capture_on_commit_callbacks, monitor, params={"occurred": "2014"})

    assert job.state == ExportJobState.DONE
    assert job.total == 2
    assert job.progress == 2
    assert job.manifest["row_count"] == 2
    assert job.error == ""
    assert job.started_at <= job.finished_at


@pytest.fixture
def python_rows(monkeypatch):
    """The row-by-row writer (the one used on SQLite), whose rows these tests watch; on
    PostgreSQL the detention file is otherwise written by one COPY statement."""
    monkeypatch.setattr(jobs.sql_exports, "available", lambda using="default": False)


def test_progress_is_recorded_while_the_file_is_written(
    monitor, export_cases, monkeypatch, django_capture_on_commit_callbacks, python_rows
):
    real_rows = jobs.detention_rows
    seen = []

    def watched_rows(*args, **kwargs):
        for row in real_rows(*args, **kwargs):
            seen.append(ExportJob.objects.values_list("state", "progress", "total").get())
            yield row

    monkeypatch.setattr(jobs, "detention_rows", watched_rows)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 1)
    job = run_started(django_capture_on_commit_callbacks, monitor)

    assert seen == [("running", 0, 3), ("running", 1, 3), ("running", 2, 3)]
    assert (job.state, job.progress, job.total) == ("done", 3, 3)


def test_downloaded_bytes_match_the_manifest_sha256_and_size(
    client, monitor, export_cases, django_capture_on_commit_callbacks
):
    job = run_started(django_capture_on_commit_callbacks, monitor, params={"occurred": "2014"})
    client.force_login(monitor)

    response, body = download(client, job)

    assert response.status_code == 200
    (entry,) = job.manifest["files"]
    assert sha256(body) == entry["sha256"]
    assert len(body) == entry["size"]
    names = {row["Name"] for row in csv_rows(body)}
    assert names == {"Tashi Early", "Lhamo Early"}  # the 2016 detention is filtered out


def test_manifest_records_who_when_what_and_filters(
    monitor, export_cases, django_capture_on_commit_callbacks
):
    job = run_started(
        django_capture_on_commit_callbacks,
        monitor,
        params={"occurred": "2014", "ordering": "id", "page": "3", "q": ""},
    )
    manifest = job.manifest

    assert manifest["requested_by"] == {"id": monitor.pk, "username": "monitor"}
    assert manifest["job"] == str(job.public_id)
    for moment in ("requested_at", "started_at", "finished_at"):
        assert datetime.datetime.fromisoformat(manifest[moment]) <= timezone.now()
    assert manifest["requested_at"] <= manifest["started_at"] <= manifest["finished_at"]
    assert manifest["kind"] == "detentions"
    assert manifest["format"] == "csv"
    assert manifest["profile"] == "internal"
    assert manifest["recipient"] is None
    # Only real filters, without empty values or paging.
    assert manifest["filters"] == {"occurred": "2014"}
    assert manifest["row_count"] == 2
    assert manifest["casebook_version"] not in ("", "unknown")
    assert manifest["files"][0]["name"].endswith(".csv")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "jsonl"])
def test_every_format_downloads_exactly_what_the_manifest_describes(
    client, monitor, export_cases, django_capture_on_commit_callbacks, fmt
):
    job = run_started(django_capture_on_commit_callbacks, monitor, fmt=fmt, kind="cases")
    client.force_login(monitor)

    response, body = download(client, job)

    assert job.state == ExportJobState.DONE
    assert job.manifest["row_count"] == 2  # the restricted case is not the monitor's to see
    assert sha256(body) == job.manifest["files"][0]["sha256"]
    assert response["Content-Type"] == job.manifest["files"][0]["media_type"]


def test_repeated_filter_values_are_kept_as_a_list(
    monitor, export_cases, django_capture_on_commit_callbacks
):
    from django.http import QueryDict

    params = QueryDict("occurred=2014&gender=male&gender=female")
    job = run_started(django_capture_on_commit_callbacks, monitor, params=params)

    assert job.filters == {"occurred": "2014", "gender": ["male", "female"]}


# --- Refused before anything is recorded -----------------------------------------------------


def test_advocate_asking_for_internal_profile_is_refused_and_no_job_is_recorded(
    advocate, export_cases, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PermissionDenied):
        start(advocate, profile="internal")

    assert not ExportJob.objects.exists()
    assert callbacks == []


def test_outsider_without_role_may_not_start_any_export(outsider):
    with pytest.raises(PermissionDenied):
        start(outsider, profile="public")
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"occurred": "sometime in spring"}, "occurred"),
        ({"place": "999999"}, "place"),
        ({"status": "on-holiday"}, "status"),
        ({"authority": "not-a-uuid"}, "authority"),
    ],
)
def test_invalid_filter_is_refused_with_the_field_message_and_no_job(
    monitor, django_capture_on_commit_callbacks, params, field
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError) as raised,
    ):
        start(monitor, params=params)

    assert field in raised.value.message_dict
    assert raised.value.message_dict[field]
    assert not ExportJob.objects.exists()
    assert callbacks == []


@pytest.mark.parametrize(("kind", "fmt"), [("people", "csv"), ("cases", "pdf")])
def test_unknown_kind_or_format_is_refused(monitor, kind, fmt):
    with pytest.raises(ValidationError):
        start(monitor, kind=kind, fmt=fmt)
    assert not ExportJob.objects.exists()


def test_job_is_queued_only_when_the_transaction_commits(monitor, export_cases):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        start(monitor)
        raise RuntimeError("rolled back")

    assert not ExportJob.objects.exists()


# --- Failure leaves nothing to download ------------------------------------------------------


def test_job_that_raises_half_way_is_failed_and_leaves_no_file(
    client,
    monitor,
    export_cases,
    export_root,
    monkeypatch,
    django_capture_on_commit_callbacks,
    python_rows,
):
    real_rows = jobs.detention_rows
    seen_partial = []

    def rows_then_crash(*args, **kwargs):
        for number, row in enumerate(real_rows(*args, **kwargs), start=1):
            yield row
            if number == 2:
                seen_partial.extend(export_root.iterdir())
                raise RuntimeError("Tashi Early: disk on fire")

    monkeypatch.setattr(jobs, "detention_rows", rows_then_crash)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 1)
    job = run_started(django_capture_on_commit_callbacks, monitor)
    client.force_login(monitor)

    assert seen_partial, "the file was being written when the task failed"
    assert job.state == ExportJobState.FAILED
    assert job.manifest is None
    assert "Tashi" not in job.error and "disk" not in job.error
    assert files_in(export_root) == []
    response, _body = download(client, job)
    assert response.status_code == 404


def test_job_killed_mid_write_is_redone_by_the_redelivered_task(
    client, monitor, export_cases, export_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job = start(monitor)
    # A worker took the job up, wrote part of a file and died (no exception, no clean-up).
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJobState.RUNNING, attempt=1)
    export_root.mkdir(parents=True, exist_ok=True)
    (export_root / f"{job.public_id}.1.part").write_bytes(b"case_reference,half a row")
    client.force_login(monitor)
    assert download(client, job)[0].status_code == 404

    assert export_job_run(job_id=job.pk) == ExportJobState.DONE

    job.refresh_from_db()
    assert job.attempt == 2
    assert [path.suffix for path in export_root.iterdir()] == [".csv"]
    _response, body = download(client, job)
    assert sha256(body) == job.sha256
    assert b"half a row" not in body


def test_running_a_done_job_again_changes_nothing(
    monitor, export_cases, export_root, django_capture_on_commit_callbacks
):
    job = run_started(django_capture_on_commit_callbacks, monitor)
    before = (export_root / f"{job.public_id}.csv").read_bytes()

    assert export_job_run(job_id=job.pk) == "skipped"

    job.refresh_from_db()
    assert job.state == ExportJobState.DONE
    assert job.attempt == 1
    assert (export_root / f"{job.public_id}.csv").read_bytes() == before


def test_a_superseded_attempt_never_mixes_its_file_with_the_newer_manifest(
    client,
    monitor,
    export_cases,
    export_root,
    monkeypatch,
    django_capture_on_commit_callbacks,
    python_rows,
):
    """A redelivered task starts while the first run is still writing: the newer attempt's file
    and manifest win, and what is served matches the manifest."""
    real_rows = jobs.detention_rows
    state = {"nested": False}

    def rows_with_redelivery(queryset, **kwargs):
        if not state["nested"]:
            state["nested"] = True
            assert export_job_run(job_id=job_id) == ExportJobState.DONE
        yield from real_rows(queryset, **kwargs)

    monkeypatch.setattr(jobs, "detention_rows", rows_with_redelivery)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start(monitor)
    job_id = job.pk
    callbacks[0]()

    job.refresh_from_db()
    assert job.state == ExportJobState.DONE
    assert job.attempt == 2
    assert sorted(path.name for path in export_root.iterdir()) == [f"{job.public_id}.csv"]
    client.force_login(monitor)
    response, body = download(client, job)
    assert response.status_code == 200
    assert sha256(body) == job.sha256


# --- Expiry ------------------------------------------------------------------------------------


def test_expired_job_file_is_deleted_and_download_is_gone(
    client, monitor, export_cases, export_root, django_capture_on_commit_callbacks
):
    job = run_started(django_capture_on_commit_callbacks, monitor)
    assert list(export_root.iterdir())

    assert export_jobs_expire(now=job.expires_at - datetime.timedelta(seconds=1)) == 0
    assert export_jobs_expire(now=job.expires_at + datetime.timedelta(seconds=1)) == 1

    job.refresh_from_db()
    assert job.state == ExportJobState.EXPIRED
    assert files_in(export_root) == []
    client.force_login(monitor)
    response, _body = download(client, job)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_job_past_its_expiry_is_gone_even_before_the_sweep(
    client, monitor, export_cases, django_capture_on_commit_callbacks
):
    job = run_started(django_capture_on_commit_callbacks, monitor)
    ExportJob.objects.filter(pk=job.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client.force_login(monitor)

    response, _body = download(client, job)

    assert response.status_code == 410


def test_expiry_defaults_to_the_setting_after_the_file_is_written(
    settings, monitor, export_cases, django_capture_on_commit_callbacks
):
    settings.EXPORT_JOB_EXPIRY_HOURS = 5
    job = run_started(django_capture_on_commit_callbacks, monitor)

    assert job.expires_at - job.finished_at == datetime.timedelta(hours=5)


def test_expiry_sweeps_orphaned_files_but_not_fresh_ones(export_root, settings):
    import os
    import uuid

    export_root.mkdir(parents=True)
    old = export_root / f"{uuid.uuid4()}.3.part"
    fresh = export_root / f"{uuid.uuid4()}.csv"
    stranger = export_root / "README.txt"
    for path in (old, fresh, stranger):
        path.write_bytes(b"x")
    long_ago = timezone.now().timestamp() - (settings.EXPORT_JOB_EXPIRY_HOURS + 2) * 3600
    os.utime(old, (long_ago, long_ago))
    os.utime(stranger, (long_ago, long_ago))

    export_jobs_expire()

    assert sorted(export_root.iterdir()) == sorted([fresh, stranger])


def test_beat_schedule_runs_the_expiry_hourly(settings):
    from cases.tasks import export_jobs_expire_task

    (entry,) = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == export_jobs_expire_task.name
    ]
    assert entry["schedule"] == 3600


# --- What the file holds: the gate, at run time --------------------------------------------


def test_restricted_case_never_appears_in_a_job_file_without_a_grant(
    client, monitor, export_cases, django_capture_on_commit_callbacks
):
    job = run_started(django_capture_on_commit_callbacks, monitor)
    client.force_login(monitor)

    _response, body = download(client, job)

    assert b"Sonam Restricted" not in body
    assert export_cases["hidden"].reference.encode() not in body
    assert b"Tashi Early" in body
    assert job.total == job.progress == 3


def test_granted_restricted_case_appears_in_an_internal_job_file(
    client, administrator, monitor, export_cases, django_capture_on_commit_callbacks
):
    access_grant(acting_user=administrator, case=export_cases["hidden"], user=monitor)
    job = run_started(django_capture_on_commit_callbacks, monitor)
    client.force_login(monitor)

    _response, body = download(client, job)

    assert b"Sonam Restricted" in body


@pytest.mark.parametrize("profile", ["partner", "public"])
def test_restricted_case_stays_out_of_outward_profiles_even_with_a_grant(
    client, administrator, monitor, export_cases, django_capture_on_commit_callbacks, profile
):
    access_grant(acting_user=administrator, case=export_cases["hidden"], user=monitor)
    job = run_started(django_capture_on_commit_callbacks, monitor, profile=profile)
    client.force_login(monitor)

    _response, body = download(client, job)

    assert job.state == ExportJobState.DONE
    assert job.manifest["row_count"] == {"partner": 3, "public": 1}[profile]
    assert export_cases["hidden"].reference.encode() not in body


def test_case_whose_grant_is_revoked_before_the_run_is_not_exported(
    client, administrator, monitor, export_cases, django_capture_on_commit_callbacks
):
    grant = access_grant(acting_user=administrator, case=export_cases["hidden"], user=monitor)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start(monitor)
    assert job.total == 4  # counted when the job was started, with the grant

    access_revoke(acting_user=administrator, grant=grant)
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    client.force_login(monitor)
    _response, body = download(client, job)

    assert job.state == ExportJobState.DONE
    assert b"Sonam Restricted" not in body
    assert job.manifest["row_count"] == job.total == 3


def test_user_who_lost_the_role_before_the_run_gets_a_failed_job_and_no_file(
    monitor, export_cases, export_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start(monitor)
    monitor.groups.remove(Group.objects.get(name=Role.MONITOR.value))

    for callback in callbacks:
        callback()

    job.refresh_from_db()
    assert job.state == ExportJobState.FAILED
    assert "no longer" in job.error
    assert files_in(export_root) == []


def test_partner_job_names_only_people_who_consented(
    client, advocate, export_cases, django_capture_on_commit_callbacks
):
    job = run_started(
        django_capture_on_commit_callbacks, advocate, profile="partner", recipient="un"
    )
    client.force_login(advocate)

    _response, body = download(client, job)

    assert job.recipient == "un"
    assert job.manifest["recipient"] == "un"
    assert b"Tashi Early" not in body
    assert "[identity withheld]" in body.decode()


def test_case_links_in_the_file_use_the_base_url(
    client, monitor, export_cases, django_capture_on_commit_callbacks
):
    job = run_started(
        django_capture_on_commit_callbacks,
        monitor,
        params={"occurred": "2014"},
        base_url="https://casebook.example.org/",
    )
    client.force_login(monitor)

    _response, body = download(client, job)

    reference = export_cases["early"].reference
    urls = {row["Case URL"] for row in csv_rows(body)}
    assert urls == {f"https://casebook.example.org/cases/{reference}/"}


def test_jsonl_rows_count_matches_the_manifest(
    client, monitor, export_cases, django_capture_on_commit_callbacks
):
    job = run_started(django_capture_on_commit_callbacks, monitor, fmt="jsonl")
    client.force_login(monitor)

    _response, body = download(client, job)

    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert len(lines) == job.manifest["row_count"] == job.progress
