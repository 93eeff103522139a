"""Large exports as background jobs: start, run, open for download, expire.

1. `export_job_start` (in the request): checks the profile and the filters against what the user
   may see now, records the job with the number of rows expected, and queues the task once the
   transaction commits.
2. `export_job_run` (in the task): claims the job as a new attempt, re-derives the rows for the
   requesting user at run time (someone who lost a grant or a role since gets nothing they may
   no longer see), streams them through `formats.stream` into a private `.part` file in
   EXPORT_ROOT while hashing, writes the manifest, and only then — under a row lock, and only if
   this run is still the job's latest attempt — moves the file into place (`os.replace`, atomic)
   and marks the job done. The ids of the cases in the file are recorded first and the rows
   narrowed to them, so the file never holds a case its job does not name. The file is
   encrypted as it is written (cases.exports.storage), bound to the job's public id.
3. An exception marks the job failed and deletes the partial file. A killed worker leaves only a
   `.part` file, which no view serves; the redelivered task (acks_late) starts a new attempt and
   removes it, and expiry sweeps anything left.
4. `export_jobs_expire` (hourly, Celery beat) marks jobs past `expires_at` expired and deletes
   their files.

The download view serves a file only for a done job whose requester may still see every case in
it for the job's profile (`export_job_recheck`; otherwise the job is withdrawn and its file
deleted), and whose file is present, decrypts, and still matches the manifest's SHA-256
(`export_job_open`).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import importlib.metadata
import logging
import os
import re
import tomllib
import traceback
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..filters import CaseFilter, DetentionFilter
from ..models import (
    ACTIVE_EXPORT_STATES,
    Detention,
    ExportJob,
    ExportJobState,
    ExportKind,
)
from ..queries import Reader, visible_case_condition, visible_cases
from . import sql as sql_exports
from .formats import FORMATS, stream
from .profiles import PURPOSES, Profile, recipient_for, require_profile
from .rows import CASE_COLUMNS, DETENTION_COLUMNS, case_rows, detention_rows
from .storage import EncryptingWriter, ExportFileError, decrypted_chunks

logger = logging.getLogger(__name__)

# Rows between two progress updates: one cheap UPDATE of the job row each time.
PROGRESS_EVERY = 500
MANIFEST_VERSION = 1
# Query parameters that are not filters (ordering is meaningless for a file: rows go by id).
NOT_FILTERS = frozenset({"ordering"})
_JOB_FILE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.")


# --- Files ---------------------------------------------------------------------------------------


def export_root() -> Path:
    """EXPORT_ROOT, created private to the service's user on first use."""
    root = Path(settings.EXPORT_ROOT)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def export_file_path(job: ExportJob) -> Path:
    """Where a done job's file lives: named by the job's public id, nothing else."""
    return Path(settings.EXPORT_ROOT) / f"{job.public_id}.{FORMATS[job.format].extension}"


def _partial_path(job: ExportJob, attempt: int) -> Path:
    return Path(settings.EXPORT_ROOT) / f"{job.public_id}.{attempt}.part"


def _delete_files(job: ExportJob) -> None:
    """The job's file and any partial file of any attempt."""
    root = Path(settings.EXPORT_ROOT)
    if not root.is_dir():
        return
    for path in root.glob(f"{job.public_id}.*"):
        path.unlink(missing_ok=True)


def _download_name(job: ExportJob, finished: datetime.datetime) -> str:
    extension = FORMATS[job.format].extension
    stamp = finished.strftime("%Y%m%d-%H%M%S")
    return f"casebook-{job.kind}-{job.profile}-{stamp}-{job.public_id.hex[:8]}.{extension}"


@functools.cache
def casebook_version() -> str:
    try:
        return importlib.metadata.version("casebook")
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as pyproject:
            return str(tomllib.load(pyproject)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


# --- Rows ----------------------------------------------------------------------------------------


def _filterset_class(kind: str) -> type[CaseFilter] | type[DetentionFilter]:
    return DetentionFilter if kind == ExportKind.DETENTIONS else CaseFilter


def filter_params(kind: str, params: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """The filters among `params` (a QueryDict or a plain dict), as stored on the job: one
    string per filter, or a list when repeated; empty values and other parameters dropped, so
    the API can pass its whole query string."""
    names = set(_filterset_class(kind).base_filters) - NOT_FILTERS
    cleaned: dict[str, str | list[str]] = {}
    for name in sorted(names):
        if hasattr(params, "getlist"):
            values = params.getlist(name)
        else:
            raw = params.get(name)
            values = list(raw) if isinstance(raw, list | tuple) else [raw]
        values = [str(value) for value in values if value is not None and str(value) != ""]
        if values:
            cleaned[name] = values[0] if len(values) == 1 else values
    return cleaned


def _as_querydict(filters: Mapping[str, Any]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in filters.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


def export_queryset(
    *, user: Any, kind: str, profile: Profile, filters: Mapping[str, Any]
) -> QuerySet:
    """The detentions or cases an export of `kind` for `user` and `profile` holds.

    One reader — the user, for the profile's purpose — decides both where the rows start
    (visible_cases, the one gate) and what the shared filters may match: a job runs without
    a request, and its `q=` must not find a withheld name the same export through the API
    would not. Invalid filters raise ValidationError with each field's messages: an export
    never silently drops a filter it could not read.
    """
    reader = Reader.of(user, PURPOSES[profile])
    if kind == ExportKind.DETENTIONS:
        base = Detention.objects.filter(visible_case_condition(reader, via="case__"))
    else:
        base = visible_cases(reader)
    filterset = _filterset_class(kind)(data=_as_querydict(filters), queryset=base, reader=reader)
    if not filterset.is_valid():
        raise ValidationError(
            {
                name: [str(message) for message in messages]
                for name, messages in filterset.errors.items()
            }
        )
    return filterset.qs


def _case_url(job: ExportJob) -> Any:
    base_url = job.base_url.rstrip("/")

    def case_url(reference: str) -> str:
        return base_url + reverse("cases:case-detail", args=[reference])

    return case_url


def _rows(job: ExportJob, queryset: QuerySet, profile: Profile, recipient: Any):
    case_url = _case_url(job)
    if job.kind == ExportKind.DETENTIONS:
        rows = detention_rows(queryset, profile=profile, recipient=recipient, case_url=case_url)
        return rows, DETENTION_COLUMNS
    related_visible = visible_cases(job.requested_by, PURPOSES[profile])
    rows = case_rows(queryset, profile=profile, case_url=case_url, related_visible=related_visible)
    return rows, CASE_COLUMNS


class _Progress:
    """Counts rows as the writer takes them, and records the count every PROGRESS_EVERY rows."""

    def __init__(self, job: ExportJob, attempt: int) -> None:
        self.job_id = job.pk
        self.attempt = attempt
        self.rows = 0

    def seen(self, rows: int) -> None:
        self.rows = rows

    def count(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for row in rows:
            yield row
            self.rows += 1
            if self.rows % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=self.job_id, attempt=self.attempt).update(
                    progress=self.rows
                )


# --- Start ---------------------------------------------------------------------------------------


@transaction.atomic
def export_job_start(
    *,
    acting_user: Any,
    kind: str,
    fmt: str,
    profile: str,
    recipient: str | None = None,
    params: Mapping[str, Any],
    bom: bool = False,
    base_url: str = "",
) -> ExportJob:
    """Record an export job for `acting_user` and queue it; returns the job (state queued).

    - `kind`: "detentions" (the prisoner list) or "cases"; `fmt`: a key of formats.FORMATS;
    - `profile`: public, partner or internal — more than the role allows raises
      PermissionDenied (never a quiet downgrade); `recipient`: for partner files, whose consent
      decides whether names are shown (partner, un, media);
    - `params`: the query parameters (QueryDict or dict); the filters among them are checked on
      what the user may see now — invalid ones raise ValidationError with the field messages —
      and stored on the job; other keys are ignored;
    - `bom`: a byte order mark for CSV opened in Excel; `base_url`: e.g.
      request.build_absolute_uri("/"), so the case links in the file are absolute.

    Nothing is recorded or queued when it raises. The task runs once the transaction commits.
    """
    chosen = require_profile(acting_user, profile)
    chosen_recipient = recipient_for(chosen, recipient)
    if kind not in ExportKind.values:
        raise ValidationError(
            {"kind": _("Unknown export kind: use one of %s.") % ", ".join(ExportKind.values)}
        )
    if fmt not in FORMATS:
        raise ValidationError(
            {"format": _("Unknown export format: use one of %s.") % ", ".join(FORMATS)}
        )
    filters = filter_params(kind, params)
    total = export_queryset(user=acting_user, kind=kind, profile=chosen, filters=filters).count()
    job = ExportJob.objects.create(
        requested_by=acting_user,
        kind=kind,
        format=fmt,
        profile=chosen.value,
        recipient=chosen_recipient.value if chosen_recipient else "",
        bom=bool(bom) and fmt == "csv",
        filters=filters,
        base_url=base_url[:200],
        total=total,
        expires_at=timezone.now() + datetime.timedelta(hours=settings.EXPORT_JOB_EXPIRY_HOURS),
    )
    logger.info("export job %s queued by user %s", job.public_id, acting_user.pk)

    from ..tasks import export_job_run as task

    transaction.on_commit(lambda: task.delay(job.pk))
    return job


# --- Run -----------------------------------------------------------------------------------------


def _claim(job_id: int) -> tuple[ExportJob, int] | None:
    """Take the job up as a new attempt, or None when there is nothing (left) to do."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state not in ACTIVE_EXPORT_STATES:
            return None
        job.attempt += 1
        job.state = ExportJobState.RUNNING
        job.started_at = timezone.now()
        job.progress = 0
        job.error = ""
        job.save(update_fields=["attempt", "state", "started_at", "progress", "error"])
    # Files of an earlier attempt (a worker killed mid-write) are never served; drop them.
    _delete_files(job)
    return job, job.attempt


def export_job_run(*, job_id: int) -> str:
    """Run the job with id `job_id` (see the module docstring); returns the state it ends in,
    or "skipped" when the job was not queued or running. Safe to call again at any time."""
    claimed = _claim(job_id)
    if claimed is None:
        return "skipped"
    job, attempt = claimed
    partial = _partial_path(job, attempt)
    try:
        return _write(job, attempt, partial)
    except Exception as exc:
        _fail(job, attempt, partial, exc)
        return ExportJobState.FAILED


def _write(job: ExportJob, attempt: int, partial: Path) -> str:
    user = get_user_model().objects.get(pk=job.requested_by_id)
    profile = require_profile(user, job.profile)
    recipient = recipient_for(profile, job.recipient or None)
    queryset = export_queryset(user=user, kind=job.kind, profile=profile, filters=job.filters)
    case_ids, queryset = _recorded_cases(job, queryset)
    ExportJob.objects.filter(pk=job.pk, attempt=attempt).update(total=queryset.count())

    progress = _Progress(job, attempt)
    if job.kind == ExportKind.DETENTIONS and sql_exports.available():
        # Written by the database in one statement; the connection is busy with it until the
        # end, so the count is recorded then (the statement runs at ~100,000 rows a second).
        blocks = sql_exports.detention_stream(
            job.format,
            queryset,
            profile=profile,
            recipient=recipient,
            case_url=_case_url(job),
            bom=job.bom,
            on_rows=progress.seen,
        )
    else:
        rows, columns = _rows(job, queryset, profile, recipient)
        blocks = stream(job.format, progress.count(rows), columns, bom=job.bom)
    digest = hashlib.sha256()
    size = 0
    export_root()
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        writer = EncryptingWriter(out, job_id=str(job.public_id))
        for block in blocks:
            writer.write(block)
            digest.update(block)
            size += len(block)
        writer.close()
        out.flush()
        os.fsync(out.fileno())
    if partial.stat().st_size != writer.written:
        raise OSError(f"export job {job.public_id}: file size differs from bytes written")

    finished = timezone.now()
    name = _download_name(job, finished)
    manifest = _manifest(
        job,
        user,
        finished=finished,
        rows=progress.rows,
        file={
            "name": name,
            "media_type": FORMATS[job.format].media_type,
            "size": size,
            "sha256": digest.hexdigest(),
        },
    )
    with transaction.atomic():
        current = (
            ExportJob.objects.select_for_update()
            .filter(pk=job.pk, attempt=attempt, state=ExportJobState.RUNNING)
            .first()
        )
        if current is None:
            # A newer attempt took the job over, or it expired meanwhile: not ours to finish.
            partial.unlink(missing_ok=True)
            return "superseded"
        os.replace(partial, export_file_path(job))
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportJobState.DONE,
            progress=progress.rows,
            finished_at=finished,
            expires_at=finished + datetime.timedelta(hours=settings.EXPORT_JOB_EXPIRY_HOURS),
            manifest=manifest,
            case_ids=case_ids,
            error="",
        )
    logger.info("export job %s done: %d rows, %d bytes", job.public_id, progress.rows, size)
    return ExportJobState.DONE


def _recorded_cases(job: ExportJob, queryset: QuerySet) -> tuple[list[int], QuerySet]:
    """The ids of the cases the export holds, and its rows narrowed to exactly those cases.

    Read once, before the file is written: a case that becomes visible while the file is being
    written stays out of it rather than slip in unrecorded, so the recheck at download time
    covers every case in the file."""
    case_field = "case_id" if job.kind == ExportKind.DETENTIONS else "pk"
    case_ids = sorted(set(queryset.order_by().values_list(case_field, flat=True)))
    if not case_ids:
        # No case has a null id: the file stays empty. An empty IN cannot be written as SQL,
        # which the database-written export needs.
        return case_ids, queryset.filter(**{f"{case_field}__isnull": True})
    return case_ids, queryset.filter(**{f"{case_field}__in": case_ids})


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _manifest(
    job: ExportJob,
    user: Any,
    *,
    finished: datetime.datetime,
    rows: int,
    file: dict[str, Any],
) -> dict[str, Any]:
    """Who, when, what and with which filters; the row count; the file's size and SHA-256."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "casebook_version": casebook_version(),
        "job": str(job.public_id),
        "requested_by": {"id": user.pk, "username": user.get_username()},
        "requested_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(finished),
        "kind": job.kind,
        "format": job.format,
        "profile": job.profile,
        "recipient": job.recipient or None,
        "byte_order_mark": job.bom,
        "filters": job.filters,
        "row_count": rows,
        "files": [file],
    }


def _fail(job: ExportJob, attempt: int, partial: Path, exc: Exception) -> None:
    """Record the failure with a message that names no case, and leave no file behind."""
    partial.unlink(missing_ok=True)
    if isinstance(exc, PermissionDenied):
        message = _("You may no longer export with this profile.")
    elif isinstance(exc, ValidationError):
        message = _("The filters of this export are no longer valid. Start a new export.")
    else:
        message = _("The export failed. Try again, or tell an administrator if it fails again.")
    # Logs leave the building: the exception's class and where it happened, not its message
    # (which may quote data).
    logger.error(
        "export job %s attempt %d failed: %s\n%s",
        job.public_id,
        attempt,
        type(exc).__name__,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    failed = ExportJob.objects.filter(
        pk=job.pk, attempt=attempt, state=ExportJobState.RUNNING
    ).update(state=ExportJobState.FAILED, finished_at=timezone.now(), error=message)
    if failed:
        export_file_path(job).unlink(missing_ok=True)


# --- Read ----------------------------------------------------------------------------------------


def export_jobs_for(user: Any) -> QuerySet[ExportJob]:
    """A user's own jobs. Nobody, administrators included, lists anyone else's."""
    if user is None or not user.is_authenticated:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=user)


def export_job_for(user: Any, public_id: uuid.UUID | str) -> ExportJob:
    """One of the user's own jobs; ExportJob.DoesNotExist for anyone else's or a missing one."""
    return export_jobs_for(user).get(public_id=public_id)


def export_job_expired(job: ExportJob, now: datetime.datetime | None = None) -> bool:
    """Expired, or past its expiry time and waiting for the hourly sweep."""
    return job.state == ExportJobState.EXPIRED or job.expires_at <= (now or timezone.now())


def export_job_recheck(job: ExportJob, user: Any) -> bool:
    """Whether `user` may still see, for the job's profile, every case in the job's file (one
    query). When not — a grant revoked, a case made restricted or sent back from verified, a
    role taken away — the job is withdrawn and its file deleted, and this returns False.

    A done job that recorded no cases although it has rows (written before cases were
    recorded) is withdrawn too: what it holds cannot be checked."""
    if job.state == ExportJobState.WITHDRAWN:
        return False
    if job.state != ExportJobState.DONE:
        return True
    case_ids = set(job.case_ids or [])
    if not case_ids and not (job.manifest or {}).get("row_count"):
        return True
    if case_ids:
        reader = Reader.of(user, PURPOSES[Profile(job.profile)])
        if visible_cases(reader).filter(pk__in=case_ids).count() == len(case_ids):
            return True
    export_job_withdraw(job)
    return False


def export_job_withdraw(job: ExportJob) -> None:
    """Withdraw a done job whose file may no longer be handed out, and delete the file."""
    withdrawn = ExportJob.objects.filter(pk=job.pk, state=ExportJobState.DONE).update(
        state=ExportJobState.WITHDRAWN
    )
    job.state = ExportJobState.WITHDRAWN
    _delete_files(job)
    if withdrawn:
        logger.warning(
            "export job %s withdrawn: a case in it is no longer visible to user %s",
            job.public_id,
            job.requested_by_id,
        )


def export_job_open(job: ExportJob) -> Iterator[bytes] | None:
    """The done job's file, decrypted a chunk at a time, if it is there, decrypts, and its
    SHA-256 still matches the manifest; otherwise None.

    The whole file is decrypted and hashed once before anything is sent, so an altered file is
    refused with an error page instead of breaking off mid-download. It is opened before
    checking, so a sweep that deletes it meanwhile cannot swap what is checked for what is
    sent."""
    if job.state != ExportJobState.DONE or not job.sha256:
        return None
    try:
        handle = open(export_file_path(job), "rb")  # noqa: SIM115 (closed by the iterator)
    except FileNotFoundError:
        logger.warning("export job %s is done but its file is missing", job.public_id)
        return None
    digest = hashlib.sha256()
    try:
        for chunk in decrypted_chunks(handle, job_id=str(job.public_id)):
            digest.update(chunk)
    except ExportFileError as error:
        handle.close()
        logger.error("export job %s: %s; not served", job.public_id, error)
        return None
    if digest.hexdigest() != job.sha256:
        handle.close()
        logger.error("export job %s: file does not match its manifest; not served", job.public_id)
        return None
    handle.seek(0)
    return _streamed(handle, str(job.public_id))


def _streamed(handle: Any, job_id: str) -> Iterator[bytes]:
    with handle:
        yield from decrypted_chunks(handle, job_id=job_id)


# --- Expire --------------------------------------------------------------------------------------


def export_jobs_expire(*, now: datetime.datetime | None = None) -> int:
    """Mark jobs past `expires_at` expired and delete their files; returns how many expired.

    Jobs are marked first, so the download answers 410 before the file goes. Files in
    EXPORT_ROOT named like a job's and older than the expiry period (left by a job deleted
    since, or by a killed worker) are removed too."""
    now = now or timezone.now()
    expired = 0
    # A withdrawn job keeps its state (its file went when it was withdrawn): the page says why.
    settled = (ExportJobState.EXPIRED, ExportJobState.WITHDRAWN)
    due = ExportJob.objects.filter(expires_at__lte=now).exclude(state__in=settled)
    for job in due.only("pk", "public_id", "format").iterator():
        expired += (
            ExportJob.objects.filter(pk=job.pk)
            .exclude(state__in=settled)
            .update(state=ExportJobState.EXPIRED)
        )
        _delete_files(job)
        logger.info("export job %s expired", job.public_id)
    _sweep_orphans(now)
    return expired


def _sweep_orphans(now: datetime.datetime) -> None:
    root = Path(settings.EXPORT_ROOT)
    if not root.is_dir():
        return
    # Any job's file is gone by `expires_at`; an hour's grace covers a running job's last write.
    cutoff = now.timestamp() - (settings.EXPORT_JOB_EXPIRY_HOURS + 1) * 3600
    for path in root.iterdir():
        if _JOB_FILE.match(path.name) and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


__all__ = [
    "casebook_version",
    "export_file_path",
    "export_job_expired",
    "export_job_for",
    "export_job_open",
    "export_job_recheck",
    "export_job_run",
    "export_job_start",
    "export_job_withdraw",
    "export_jobs_expire",
    "export_jobs_for",
    "export_queryset",
    "export_root",
    "filter_params",
]
