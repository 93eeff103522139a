"""Export jobs: a large export written by a background task, with progress and a download.

The job row is the record of what left: who asked, for which profile and recipient, with which
filters, and (once done) the manifest with the SHA-256 of the file. The file itself lives under
settings.EXPORT_ROOT, outside anything the web server serves, named by the job's public id; it
is only ever handed out by the download view, and deleted when the job expires.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class ExportKind(models.TextChoices):
    DETENTIONS = "detentions", _("prisoner list (one row per detained person)")
    CASES = "cases", _("cases (one row per case)")


class ExportJobState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")
    # A case in the file is no longer visible to its requester: the file was deleted unsent.
    WITHDRAWN = "withdrawn", _("withdrawn")


ACTIVE_EXPORT_STATES = (ExportJobState.QUEUED, ExportJobState.RUNNING)


class ExportJob(models.Model):
    """One requested export. Written only by cases.exports.jobs; never changes hands."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    # PROTECT: the job is the record that someone took data out; deleting the user must not
    # silently erase it (deactivate users instead).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ExportKind.choices)
    # Format, profile and recipient are keys of cases.exports (FORMATS, Profile, Recipient);
    # the service validates them, since those modules import the models.
    format = models.CharField(_("format"), max_length=12)
    profile = models.CharField(_("profile"), max_length=12)
    recipient = models.CharField(_("recipient"), max_length=20, blank=True)
    bom = models.BooleanField(_("byte order mark"), default=False)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    # Where case links in the file point ("https://casebook.example.org"); empty: paths only.
    base_url = models.CharField(_("base URL"), max_length=200, blank=True)

    state = models.CharField(
        _("state"), max_length=10, choices=ExportJobState.choices, default=ExportJobState.QUEUED
    )
    progress = models.PositiveBigIntegerField(_("rows written"), default=0)
    total = models.PositiveBigIntegerField(_("rows expected"), null=True, blank=True)
    # Incremented each time a worker takes the job up: only the latest run may finish it, so a
    # redelivered task and a slow first run can never mix their files and manifests.
    attempt = models.PositiveIntegerField(_("attempt"), default=0)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    # Shown to the user: generic, never case content.
    error = models.CharField(_("error"), max_length=300, blank=True)
    manifest = models.JSONField(_("manifest"), null=True, blank=True)
    # The cases whose data is in the file, recorded as it is written: a download first checks
    # that its requester may still see every one of them for the job's profile.
    case_ids = models.JSONField(_("cases in the file"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export job")
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="export_job_by_user")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ExportJobState.values), name="export_job_state_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ExportKind.values), name="export_job_kind_known"
            ),
            models.CheckConstraint(
                condition=~Q(state=ExportJobState.DONE)
                | Q(finished_at__isnull=False, manifest__isnull=False),
                name="export_job_done_has_manifest",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.public_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_EXPORT_STATES

    @property
    def sha256(self) -> str:
        files = (self.manifest or {}).get("files") or [{}]
        return files[0].get("sha256", "")

    @property
    def download_name(self) -> str:
        files = (self.manifest or {}).get("files") or [{}]
        return files[0].get("name", "")

    def progress_text(self) -> str:
        """ "1,234 of 5,000 rows", or "1,234 rows" while the total is not known."""
        done = number_format(self.progress, force_grouping=True)
        if self.total is None:
            return ngettext("%(done)s row", "%(done)s rows", self.progress) % {"done": done}
        total = number_format(self.total, force_grouping=True)
        return ngettext("%(done)s of %(total)s row", "%(done)s of %(total)s rows", self.total) % {
            "done": done,
            "total": total,
        }
