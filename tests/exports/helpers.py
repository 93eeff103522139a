"""Reading an export job's file back the way a user gets it."""

from __future__ import annotations

import hashlib

from django.urls import reverse


def download(client, job):
    """The bytes of the job's file as the download view sends them, and the response."""
    response = client.get(reverse("cases:export-job-download", args=[job.public_id]))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_in(root) -> list:
    """The files under EXPORT_ROOT (which a job that never wrote does not create)."""
    return sorted(root.iterdir()) if root.exists() else []
