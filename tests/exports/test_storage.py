"""Export files at rest: encrypted, bound to their job, refused when altered; expiry."""

from __future__ import annotations

import base64
import datetime
import io
import os

import pytest
from django.utils import timezone

from cases.exports.jobs import export_file_path, export_job_start
from cases.exports.storage import (
    CHUNK_SIZE,
    EncryptingWriter,
    ExportFileError,
    decrypted_chunks,
)
from cases.models import ExportJobState

from .helpers import download, sha256

JOB_ID = "6f1c2a0e-0000-4000-8000-000000000001"


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def encrypt(plaintext: bytes, *, job_id: str = JOB_ID, pieces: int = 7) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, job_id=job_id)
    step = max(1, len(plaintext) // pieces)
    for start in range(0, len(plaintext), step):
        writer.write(plaintext[start : start + step])
    writer.close()
    assert writer.written == len(out.getvalue())
    return out.getvalue()


def decrypt(sealed: bytes, *, job_id: str = JOB_ID) -> bytes:
    return b"".join(decrypted_chunks(io.BytesIO(sealed), job_id=job_id))


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 17]
)
def test_round_trip_gives_back_every_byte(size):
    plaintext = os.urandom(size)

    assert decrypt(encrypt(plaintext)) == plaintext


def test_each_file_has_its_own_nonce():
    plaintext = b"Tashi Early" * 100

    assert encrypt(plaintext) != encrypt(plaintext)


@pytest.mark.parametrize("position", [0, 10, 20, CHUNK_SIZE + 40, -1])
def test_a_tampered_byte_is_an_error_not_garbage(position):
    sealed = bytearray(encrypt(os.urandom(2 * CHUNK_SIZE + 100)))
    sealed[position] ^= 0x01

    with pytest.raises(ExportFileError):
        decrypt(bytes(sealed))


@pytest.mark.parametrize(
    "cut", [1, CHUNK_SIZE + 16, "last chunk"], ids=["a byte", "a chunk", "last chunk"]
)
def test_a_file_cut_short_is_an_error(cut):
    sealed = encrypt(os.urandom(2 * CHUNK_SIZE + 100))
    keep = len(sealed) - (100 + 16) if cut == "last chunk" else len(sealed) - cut

    with pytest.raises(ExportFileError):
        decrypt(sealed[:keep])


def test_bytes_after_the_last_chunk_are_an_error():
    with pytest.raises(ExportFileError):
        decrypt(encrypt(b"rows") + b"more")


def test_a_wrong_key_is_an_error(settings):
    sealed = encrypt(b"Tashi Early")
    settings.EXPORT_ENCRYPTION_KEYS = [new_key()]

    with pytest.raises(ExportFileError, match="key"):
        decrypt(sealed)


def test_rotation_new_key_encrypts_and_the_old_one_still_decrypts(settings):
    old, new = new_key(), new_key()
    settings.EXPORT_ENCRYPTION_KEYS = [old]
    written_before = encrypt(b"before the rotation")

    settings.EXPORT_ENCRYPTION_KEYS = [new, old]
    written_after = encrypt(b"after the rotation")

    assert decrypt(written_before) == b"before the rotation"
    assert decrypt(written_after) == b"after the rotation"
    settings.EXPORT_ENCRYPTION_KEYS = [new]
    with pytest.raises(ExportFileError):
        decrypt(written_before)
    assert decrypt(written_after) == b"after the rotation"


def test_a_file_under_another_job_id_is_refused():
    sealed = encrypt(b"Tashi Early")

    with pytest.raises(ExportFileError):
        decrypt(sealed, job_id="6f1c2a0e-0000-4000-8000-000000000002")


# --- Job files on disk -------------------------------------------------------------------------


def run_job(capture, user, **params):
    with capture(execute=True):
        job = export_job_start(
            acting_user=user, kind="detentions", fmt="csv", profile="internal", params=params
        )
    job.refresh_from_db()
    assert job.state == ExportJobState.DONE
    return job


@pytest.mark.django_db
def test_file_on_disk_holds_no_plaintext_and_downloads_decrypted(
    client, monitor, export_cases, django_capture_on_commit_callbacks
):
    job = run_job(django_capture_on_commit_callbacks, monitor)
    on_disk = export_file_path(job).read_bytes()
    client.force_login(monitor)

    response, body = download(client, job)

    for name in ("Tashi Early", "Lhamo Early", "Early protest", export_cases["early"].reference):
        assert name.encode() not in on_disk
        assert name.encode("utf-16-le") not in on_disk
    assert b"Tashi Early" in body
    assert sha256(body) == job.sha256
    assert int(response["Content-Length"]) == len(body)
    assert oct(export_file_path(job).stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db
def test_tampered_job_file_is_refused_not_served(
    client, monitor, export_cases, django_capture_on_commit_callbacks
):
    job = run_job(django_capture_on_commit_callbacks, monitor)
    path = export_file_path(job)
    sealed = bytearray(path.read_bytes())
    sealed[-5] ^= 0x20
    path.write_bytes(bytes(sealed))
    client.force_login(monitor)

    response, body = download(client, job)

    assert response.status_code == 404
    assert b"Tashi" not in response.content + body


@pytest.mark.django_db
def test_job_files_swapped_on_disk_are_refused(
    client, monitor, export_cases, django_capture_on_commit_callbacks
):
    first = run_job(django_capture_on_commit_callbacks, monitor, occurred="2014")
    second = run_job(django_capture_on_commit_callbacks, monitor, occurred="2016")
    first_bytes = export_file_path(first).read_bytes()
    export_file_path(first).write_bytes(export_file_path(second).read_bytes())
    export_file_path(second).write_bytes(first_bytes)
    client.force_login(monitor)

    assert download(client, first)[0].status_code == 404
    assert download(client, second)[0].status_code == 404


@pytest.mark.django_db
def test_job_file_under_a_key_no_longer_configured_is_not_served(
    client, monitor, export_cases, settings, django_capture_on_commit_callbacks
):
    job = run_job(django_capture_on_commit_callbacks, monitor)
    settings.EXPORT_ENCRYPTION_KEYS = [new_key()]
    client.force_login(monitor)

    assert download(client, job)[0].status_code == 404


# --- Expiry ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_expires_a_day_after_its_file_is_written_by_default(
    monitor, export_cases, django_capture_on_commit_callbacks
):
    from casebook import settings as configured

    if "EXPORT_JOB_EXPIRY_HOURS" in os.environ:
        pytest.skip("the expiry comes from the environment in this run")
    job = run_job(django_capture_on_commit_callbacks, monitor)

    assert configured.EXPORT_JOB_EXPIRY_HOURS == 24
    assert job.expires_at - job.finished_at == datetime.timedelta(hours=24)
    assert job.expires_at <= timezone.now() + datetime.timedelta(hours=24)


@pytest.mark.django_db
def test_the_expiry_follows_the_setting(
    settings, monitor, export_cases, django_capture_on_commit_callbacks
):
    settings.EXPORT_JOB_EXPIRY_HOURS = 2
    job = run_job(django_capture_on_commit_callbacks, monitor)

    assert job.expires_at - job.finished_at == datetime.timedelta(hours=2)
