"""A finished export leaves only while its requester may still see every case in it.

The file is written once; access changes after. Each download rechecks the cases the job
recorded against visible_cases for the job's profile, and a job that fails is withdrawn: 403,
its file deleted, its page saying so in words.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.exports.jobs import export_job_recheck, export_job_start, export_jobs_expire
from cases.models import Case, CaseState, Confidentiality, ExportJob, ExportJobState
from cases.services.workflow import access_grant, access_revoke

from .helpers import download, files_in

pytestmark = pytest.mark.django_db


def run_job(capture, user, *, profile="internal", params=None, kind="detentions") -> ExportJob:
    with capture(execute=True):
        job = export_job_start(
            acting_user=user, kind=kind, fmt="csv", profile=profile, params=params or {}
        )
    job.refresh_from_db()
    assert job.state == ExportJobState.DONE
    return job


def detail_page(client, job) -> str:
    response = client.get(reverse("cases:export-job-detail", args=[job.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def assert_withdrawn(client, job, export_root) -> None:
    response, body = download(client, job)
    assert response.status_code == 403
    assert "This export has been withdrawn" in response.content.decode()
    assert body == b""
    job.refresh_from_db()
    assert job.state == ExportJobState.WITHDRAWN
    assert files_in(export_root) == []
    page = detail_page(client, job)
    assert "withdrawn" in page
    assert reverse("cases:export-job-download", args=[job.public_id]) not in page


@pytest.fixture
def granted_job(administrator, monitor, export_cases, django_capture_on_commit_callbacks):
    """An internal job of the monitor's that holds the restricted case through a grant."""
    grant = access_grant(acting_user=administrator, case=export_cases["hidden"], user=monitor)
    job = run_job(django_capture_on_commit_callbacks, monitor)
    return job, grant


def test_job_records_the_cases_in_its_file(granted_job, export_cases):
    job, _grant = granted_job

    assert sorted(job.case_ids) == sorted(case.pk for case in export_cases.values())


def test_case_list_job_records_its_cases_and_is_refused_after_a_revoked_grant(
    client, administrator, monitor, export_cases, export_root, django_capture_on_commit_callbacks
):
    grant = access_grant(acting_user=administrator, case=export_cases["hidden"], user=monitor)
    job = run_job(django_capture_on_commit_callbacks, monitor, kind="cases")
    assert sorted(job.case_ids) == sorted(case.pk for case in export_cases.values())

    access_revoke(acting_user=administrator, grant=grant)
    client.force_login(monitor)

    assert_withdrawn(client, job, export_root)


def test_revoked_grant_refuses_the_download_withdraws_the_job_and_deletes_the_file(
    client, administrator, monitor, granted_job, export_root
):
    job, grant = granted_job
    client.force_login(monitor)
    assert download(client, job)[0].status_code == 200

    access_revoke(acting_user=administrator, grant=grant)

    assert_withdrawn(client, job, export_root)


def test_case_made_restricted_after_the_build_refuses_the_download(
    client, monitor, export_cases, export_root, django_capture_on_commit_callbacks
):
    job = run_job(django_capture_on_commit_callbacks, monitor)
    Case.objects.filter(pk=export_cases["early"].pk).update(
        confidentiality=Confidentiality.RESTRICTED
    )
    client.force_login(monitor)

    assert_withdrawn(client, job, export_root)


def test_case_sent_back_from_verified_after_the_build_refuses_a_partner_download(
    client, advocate, export_cases, export_root, django_capture_on_commit_callbacks
):
    job = run_job(django_capture_on_commit_callbacks, advocate, profile="partner")
    assert export_cases["late"].pk in job.case_ids
    Case.objects.filter(pk=export_cases["late"].pk).update(state=CaseState.SUBMITTED)
    client.force_login(advocate)

    assert_withdrawn(client, job, export_root)


def test_job_whose_cases_are_all_still_visible_downloads(
    client, administrator, monitor, granted_job, export_cases
):
    job, _grant = granted_job
    # A change to a case that is not in the file does not withdraw it.
    other = Case.objects.exclude(pk__in=job.case_ids)
    other.update(confidentiality=Confidentiality.RESTRICTED)
    client.force_login(monitor)

    response, body = download(client, job)

    assert response.status_code == 200
    assert b"Sonam Restricted" in body
    assert b"Tashi Early" in body
    job.refresh_from_db()
    assert job.state == ExportJobState.DONE


def test_job_page_withdraws_the_job_before_offering_its_file(
    client, administrator, monitor, granted_job, export_root
):
    job, grant = granted_job
    access_revoke(acting_user=administrator, grant=grant)
    client.force_login(monitor)

    page = detail_page(client, job)

    assert "withdrawn" in page
    assert reverse("cases:export-job-download", args=[job.public_id]) not in page
    assert files_in(export_root) == []


def test_job_started_through_the_api_is_refused_after_a_revoked_grant(
    client,
    administrator,
    monitor,
    export_cases,
    export_root,
    settings,
    django_capture_on_commit_callbacks,
):
    grant = access_grant(acting_user=administrator, case=export_cases["hidden"], user=monitor)
    settings.EXPORT_SYNC_LIMIT = 1
    api = APIClient()
    api.force_login(monitor)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.get("/api/v1/detentions/?format=csv&profile=internal")
    assert response.status_code == 202
    job = ExportJob.objects.get(public_id=response.json()["job"])
    assert export_cases["hidden"].pk in job.case_ids

    access_revoke(acting_user=administrator, grant=grant)

    # The API points at the job page; its download is the one that rechecks.
    assert api.get(response.json()["status_url"]).status_code == 200
    response, _body = download(api, job)
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.state == ExportJobState.WITHDRAWN
    assert files_in(export_root) == []


def test_the_recheck_is_one_query(monitor, granted_job, django_assert_num_queries):
    job, _grant = granted_job
    job.requested_by  # noqa: B018 (loaded before counting: the view has the user already)

    with django_assert_num_queries(1):
        assert export_job_recheck(job, monitor) is True


def test_job_written_before_cases_were_recorded_is_withdrawn(
    client, monitor, export_cases, export_root, django_capture_on_commit_callbacks
):
    job = run_job(django_capture_on_commit_callbacks, monitor)
    ExportJob.objects.filter(pk=job.pk).update(case_ids=[])
    job.refresh_from_db()
    client.force_login(monitor)

    assert_withdrawn(client, job, export_root)


@pytest.mark.parametrize("kind", ["detentions", "cases"])
def test_empty_export_downloads(
    client, monitor, export_cases, django_capture_on_commit_callbacks, kind
):
    job = run_job(
        django_capture_on_commit_callbacks, monitor, params={"occurred": "1990"}, kind=kind
    )
    client.force_login(monitor)

    response, body = download(client, job)

    assert job.case_ids == []
    assert response.status_code == 200
    assert b"Tashi" not in body


def test_withdrawn_job_stays_withdrawn_after_the_expiry_sweep(
    client, administrator, monitor, granted_job
):
    job, grant = granted_job
    access_revoke(acting_user=administrator, grant=grant)
    assert export_job_recheck(job, monitor) is False

    export_jobs_expire(now=job.expires_at + datetime.timedelta(hours=1))

    job.refresh_from_db()
    assert job.state == ExportJobState.WITHDRAWN
    client.force_login(monitor)
    assert download(client, job)[0].status_code == 403


def test_someone_elses_job_is_not_found_and_not_withdrawn(
    client, monitor2, granted_job, administrator
):
    job, grant = granted_job
    access_revoke(acting_user=administrator, grant=grant)
    client.force_login(monitor2)

    assert download(client, job)[0].status_code == 404
    job.refresh_from_db()
    assert job.state == ExportJobState.DONE


def test_case_that_becomes_visible_while_the_file_is_written_stays_out_of_it(
    client, administrator, monitor, export_cases, monkeypatch, django_capture_on_commit_callbacks
):
    """The file holds only the cases its job recorded, so the recheck covers all of it."""
    from cases.exports import jobs

    monkeypatch.setattr(jobs.sql_exports, "available", lambda using="default": False)
    real_rows = jobs.detention_rows

    def rows_granted_meanwhile(queryset, **kwargs):
        access_grant(acting_user=administrator, case=export_cases["hidden"], user=monitor)
        yield from real_rows(queryset, **kwargs)

    monkeypatch.setattr(jobs, "detention_rows", rows_granted_meanwhile)
    job = run_job(django_capture_on_commit_callbacks, monitor)
    client.force_login(monitor)

    response, body = download(client, job)

    assert export_cases["hidden"].pk not in job.case_ids
    assert response.status_code == 200
    assert b"Sonam Restricted" not in body
    assert b"Tashi Early" in body
