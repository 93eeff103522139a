"""The export job pages: who may open them, what they show, and how files leave."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.exports.jobs import export_job_start
from cases.models import ExportJob, ExportJobState

from .helpers import download, files_in, sha256

pytestmark = pytest.mark.django_db

LIST_URL = reverse("cases:export-job-list")
NEW_URL = reverse("cases:export-job-new")


def job_urls(job) -> dict[str, str]:
    return {
        name: reverse(f"cases:export-job-{name}", args=[job.public_id])
        for name in ("detail", "download", "manifest")
    }


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def done_job(monitor, export_cases, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_job_start(
            acting_user=monitor,
            kind="detentions",
            fmt="csv",
            profile="internal",
            params={"occurred": "2014"},
        )
    job.refresh_from_db()
    assert job.state == ExportJobState.DONE
    return job


def running_job(user, *, progress=1234, total=5000) -> ExportJob:
    return ExportJob.objects.create(
        requested_by=user,
        kind="detentions",
        format="csv",
        profile="internal",
        state=ExportJobState.RUNNING,
        progress=progress,
        total=total,
        started_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=72),
    )


# --- Who may open the pages --------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login_from_every_page(client, done_job):
    for url in [LIST_URL, NEW_URL, *job_urls(done_job).values()]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    response = client.post(NEW_URL, {"kind": "detentions", "format": "csv", "profile": "public"})
    assert response.status_code == 302
    assert ExportJob.objects.count() == 1


@pytest.mark.parametrize("other", ["monitor2", "administrator", "advocate", "outsider"])
def test_someone_elses_job_is_not_found_on_every_page(client, request, done_job, other):
    client.force_login(request.getfixturevalue(other))

    for url in job_urls(done_job).values():
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Tashi Early" not in response.content
    listing = client.get(LIST_URL)
    assert str(done_job.public_id) not in html(listing)


def test_owner_opens_every_page_of_their_job(client, monitor, done_job):
    client.force_login(monitor)

    for url in job_urls(done_job).values():
        assert client.get(url).status_code == 200, url
    assert str(done_job.public_id) in html(client.get(LIST_URL))


def test_unknown_job_id_is_not_found(client, monitor):
    client.force_login(monitor)
    response = client.get(
        reverse("cases:export-job-detail", args=["00000000-0000-4000-8000-000000000000"])
    )
    assert response.status_code == 404
    assert client.get("/exports/not-a-uuid/").status_code == 404


# --- The list and the job page ----------------------------------------------------------------


def test_list_shows_progress_in_words_and_as_a_progress_element_and_refreshes(client, monitor):
    running_job(monitor)
    client.force_login(monitor)

    response = client.get(LIST_URL)

    page = html(response)
    assert "1,234 of 5,000 rows" in page
    assert '<progress value="1234" max="5000"' in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "Download" not in page


def test_running_job_page_refreshes_itself_and_offers_no_download(client, monitor):
    job = running_job(monitor, progress=10, total=20)
    client.force_login(monitor)

    response = client.get(job_urls(job)["detail"])

    page = html(response)
    assert '<meta http-equiv="refresh" content="3">' in page
    assert response["Refresh"] == "3"
    assert "10 of 20 rows" in page
    assert job_urls(job)["download"] not in page
    assert client.get(job_urls(job)["download"]).status_code == 404
    assert client.get(job_urls(job)["manifest"]).status_code == 404


def test_done_job_page_links_the_download_and_stops_refreshing(client, monitor, done_job):
    client.force_login(monitor)

    response = client.get(job_urls(done_job)["detail"])

    page = html(response)
    assert job_urls(done_job)["download"] in page
    assert job_urls(done_job)["manifest"] in page
    assert done_job.sha256 in page
    assert "2 of 2 rows" in page
    assert "http-equiv" not in page
    assert "Refresh" not in response
    assert job_urls(done_job)["download"] in html(client.get(LIST_URL))


def test_failed_job_page_shows_the_generic_error(client, monitor):
    job = running_job(monitor)
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJobState.FAILED, error="The export failed."
    )
    client.force_login(monitor)

    page = html(client.get(job_urls(job)["detail"]))

    assert "The export failed." in page
    assert "http-equiv" not in page


def test_administrator_lists_only_their_own_jobs(client, administrator, monitor):
    mine = running_job(administrator)
    theirs = running_job(monitor)
    client.force_login(administrator)

    page = html(client.get(LIST_URL))

    assert str(mine.public_id) in page
    assert str(theirs.public_id) not in page


# --- Download and manifest ----------------------------------------------------------------------


def test_download_is_an_attachment_with_the_media_type_and_nosniff(client, monitor, done_job):
    client.force_login(monitor)

    response, body = download(client, done_job)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert done_job.download_name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert sha256(body) == done_job.manifest["files"][0]["sha256"]


def test_manifest_page_returns_the_manifest_json(client, monitor, done_job):
    client.force_login(monitor)

    response = client.get(job_urls(done_job)["manifest"])

    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    manifest = json.loads(response.content)
    assert manifest == done_job.manifest
    assert manifest["requested_by"]["username"] == "monitor"
    assert manifest["filters"] == {"occurred": "2014"}


def test_file_changed_on_disk_is_not_served(client, monitor, done_job, export_root):
    (export_root / f"{done_job.public_id}.csv").write_bytes(b"name\r\nsomeone else\r\n")
    client.force_login(monitor)

    response, _body = download(client, done_job)

    assert response.status_code == 404


def test_file_missing_from_disk_is_not_found(client, monitor, done_job, export_root):
    (export_root / f"{done_job.public_id}.csv").unlink()
    client.force_login(monitor)

    assert download(client, done_job)[0].status_code == 404


def test_expired_job_download_is_gone_with_a_clear_message(client, monitor, done_job):
    ExportJob.objects.filter(pk=done_job.pk).update(state=ExportJobState.EXPIRED)
    client.force_login(monitor)

    response, _body = download(client, done_job)

    assert response.status_code == 410
    assert "This export has expired" in html(response)
    # The manifest remains: the record of what left and when.
    assert client.get(job_urls(done_job)["manifest"]).status_code == 200
    assert "expired" in html(client.get(job_urls(done_job)["detail"]))


# --- Starting a job from the form -----------------------------------------------------------------


def test_monitor_starts_a_job_from_the_form_and_lands_on_its_page(
    client, monitor, export_cases, django_capture_on_commit_callbacks
):
    client.force_login(monitor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            NEW_URL,
            {"kind": "cases", "format": "jsonl", "profile": "internal", "occurred": "2016"},
        )

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_urls(job)["detail"]
    job.refresh_from_db()
    assert job.state == ExportJobState.DONE
    assert job.requested_by == monitor
    assert job.filters == {"occurred": "2016"}
    assert job.manifest["row_count"] == 1
    assert job.base_url == "http://testserver/"


def offered_profiles(client) -> list[str]:
    select = re.search(r'<select name="profile".*?</select>', html(client.get(NEW_URL)), re.S)
    return re.findall(r'<option value="([^"]*)"', select.group(0))


def test_form_offers_only_the_profiles_the_role_allows(client, advocate, monitor):
    client.force_login(advocate)
    assert offered_profiles(client) == ["public", "partner"]

    client.force_login(monitor)
    assert offered_profiles(client) == ["public", "partner", "internal"]


def test_form_is_prefilled_from_the_query_string(client, monitor):
    client.force_login(monitor)

    page = html(client.get(NEW_URL, {"kind": "cases", "occurred": "2014-03"}))

    assert 'value="2014-03"' in page
    assert '<option value="cases" selected>' in page


def test_advocate_posting_the_internal_profile_starts_nothing(client, advocate, export_cases):
    client.force_login(advocate)

    response = client.post(NEW_URL, {"kind": "detentions", "format": "csv", "profile": "internal"})

    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_invalid_filter_in_the_form_is_shown_and_starts_nothing(client, monitor, export_cases):
    client.force_login(monitor)

    response = client.post(
        NEW_URL,
        {"kind": "detentions", "format": "csv", "profile": "internal", "occurred": "spring"},
    )

    assert response.status_code == 400
    assert 'class="field__error"' in html(response)
    assert not ExportJob.objects.exists()


def test_user_without_a_role_may_not_open_the_form(client, outsider):
    client.force_login(outsider)

    assert client.get(NEW_URL).status_code == 403
    assert client.post(NEW_URL, {"kind": "cases", "format": "csv"}).status_code == 403
    assert client.get(LIST_URL).status_code == 200


# --- Where the files are ----------------------------------------------------------------------


def test_job_file_lives_outside_every_served_directory(settings, done_job, export_root):
    import casebook.settings as configured

    (path,) = files_in(export_root)
    served = [settings.STATIC_ROOT, *settings.STATICFILES_DIRS, settings.MEDIA_ROOT]
    for root in served:
        assert not path.resolve().is_relative_to(type(path)(str(root)).resolve())
    # The configured default too, not only the test's temporary directory.
    default = configured.EXPORT_ROOT.resolve()
    for root in [configured.STATIC_ROOT, *configured.STATICFILES_DIRS]:
        assert not default.is_relative_to(type(default)(str(root)).resolve())
    assert default.parts[-2:] == ("var", "exports")


def test_job_file_is_reachable_by_no_url_but_the_download_view(client, monitor, done_job):
    client.force_login(monitor)
    name = f"{done_job.public_id}.csv"
    for url in [
        f"/static/{name}",
        f"/media/{name}",
        f"/exports/{name}",
        f"/var/exports/{name}",
        f"/{name}",
        f"/static/../var/exports/{name}",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Tashi Early" not in b"".join(getattr(response, "streaming_content", [b""]))
        assert b"Tashi Early" not in getattr(response, "content", b"")
    assert download(client, done_job)[0].status_code == 200


def test_a_user_who_lost_the_role_cannot_download_an_internal_file(client, monitor, done_job):
    from django.contrib.auth.models import Group

    from casebook.accounts.roles import Role

    monitor.groups.remove(Group.objects.get(name=Role.MONITOR.value))
    monitor.groups.add(Group.objects.get(name=Role.ADVOCATE.value))
    client.force_login(monitor)
    response = client.get(f"/exports/{done_job.public_id}/download/")
    assert response.status_code == 403
