"""Exports streamed from the list endpoints: `?format=` or `Accept:` picks the format.

    GET /api/v1/detentions/?format=csv&profile=partner&recipient=un&detained=2014
    GET /api/v1/cases/   Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet

1. The profile (`?profile=`, default **public** for everyone: the safe choice, since a file
   that holds less than its reader may see is harmless and one that holds more is a leak;
   internal and partner files must be asked for) is checked against the role by
   `require_profile`: asking for more than the role allows is a 403, never a quiet downgrade.
2. The rows come from `visible_cases(user, PURPOSES[profile])` narrowed by the list's own
   filters, through the export row models (cases.exports.rows), which apply the profile's
   redaction; `cases.exports.formats.stream` turns them into bytes as they arrive.
3. The answer is a StreamingHttpResponse: constant memory whatever the size, sent as an
   attachment that a browser will not sniff or render. On PostgreSQL the detention list is
   written by the database in one COPY statement (cases.exports.sql); elsewhere, and for the
   case list, rows are read through a server-side cursor in chunks.

`export_response` is the hook for large exports run as background jobs: it takes the request
and a function from profile to queryset, and `export_request` parses and checks the
parameters on their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from cases.exports import sql as sql_exports
from cases.exports.formats import FORMATS, stream
from cases.exports.profiles import (
    PARTNER_RECIPIENTS,
    PURPOSES,
    Profile,
    recipient_for,
    require_profile,
)
from cases.exports.rows import CASE_COLUMNS, DETENTION_COLUMNS, case_rows, detention_rows
from cases.models import Recipient
from cases.queries import visible_cases

from .renderers import ExportRenderer

logger = logging.getLogger(__name__)

DEFAULT_PROFILE = Profile.PUBLIC
EXPORT_KINDS = ("cases", "detentions")
TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class ExportRequest:
    format: str
    profile: Profile
    recipient: Recipient | None
    bom: bool


def is_export(request: Any) -> bool:
    return isinstance(getattr(request, "accepted_renderer", None), ExportRenderer)


def export_request(request: Any) -> ExportRequest:
    """The export parameters of `request`: 400 when malformed, 403 when the role may not."""
    fmt = request.accepted_renderer.export_format
    params = request.query_params
    raw_profile = params.get("profile", DEFAULT_PROFILE.value)
    if raw_profile not in Profile.values:
        raise ValidationError(
            {"profile": [_("Use one of: %(values)s.") % {"values": ", ".join(Profile.values)}]}
        )
    profile = require_profile(request.user, raw_profile)
    raw_recipient = params.get("recipient") or None
    if raw_recipient is not None:
        if profile != Profile.PARTNER:
            raise ValidationError(
                {"recipient": [_("A recipient is chosen for partner exports only.")]}
            )
        choices = [recipient.value for recipient in PARTNER_RECIPIENTS]
        if raw_recipient not in choices:
            raise ValidationError(
                {"recipient": [_("Use one of: %(values)s.") % {"values": ", ".join(choices)}]}
            )
    raw_bom = params.get("bom", "").strip().lower()
    if raw_bom not in TRUE_VALUES | FALSE_VALUES:
        raise ValidationError({"bom": [_("Use 1 or 0.")]})
    return ExportRequest(
        format=fmt,
        profile=profile,
        recipient=recipient_for(profile, raw_recipient),
        bom=raw_bom in TRUE_VALUES,
    )


def export_job_response(request: Any, kind: str, export: ExportRequest) -> JsonResponse:
    """Hand a large export to a background job: 202 with where to follow its progress."""
    from cases.exports.jobs import export_job_start

    job = export_job_start(
        acting_user=request.user,
        kind=kind,
        fmt=export.format,
        profile=export.profile.value,
        recipient=export.recipient.value
        if export.profile == Profile.PARTNER and export.recipient
        else None,
        params=request.query_params,
        bom=export.bom,
        base_url=request.build_absolute_uri("/"),
    )
    page = request.build_absolute_uri(reverse("cases:export-job-detail", args=[job.public_id]))
    # A plain JsonResponse: the request asked for a file format, whose renderer must not
    # render this answer.
    response = JsonResponse(
        {
            "detail": _(
                "This export is large: it runs in the background. Follow it at status_url."
            ),
            "job": str(job.public_id),
            "state": job.state,
            "rows": job.total,
            "status_url": page,
        },
        status=202,
        headers={"Location": page, "Cache-Control": "no-store, private"},
    )
    return response


def export_filename(kind: str, fmt: str) -> str:
    return f"casebook-{kind}-{timezone.localdate():%Y-%m-%d}.{FORMATS[fmt].extension}"


def export_response(
    request: Any, kind: str, queryset_for_profile: Callable[[Profile], QuerySet]
) -> StreamingHttpResponse | JsonResponse:
    """Stream the `kind` ("cases" or "detentions") list of `request` as a file.

    `queryset_for_profile(profile)` must start from visible_cases(user, PURPOSES[profile]) and
    apply the list's filters (raising their 400 before anything streams).
    """
    if kind not in EXPORT_KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    export = export_request(request)
    queryset = queryset_for_profile(export.profile)
    limit = settings.EXPORT_SYNC_LIMIT
    # Counting at most limit + 1 rows keeps this check cheap however broad the filter is.
    if limit and queryset[: limit + 1].count() > limit:
        return export_job_response(request, kind, export)

    def case_url(reference: str) -> str:
        return request.build_absolute_uri(reverse("cases:case-detail", args=[reference]))

    bom = export.bom and export.format == "csv"
    if kind == "detentions" and sql_exports.available():
        body = sql_exports.detention_stream(
            export.format,
            queryset,
            profile=export.profile,
            recipient=export.recipient,
            case_url=case_url,
            bom=bom,
        )
    elif kind == "detentions":
        rows = detention_rows(
            queryset, profile=export.profile, recipient=export.recipient, case_url=case_url
        )
        body = stream(export.format, rows, DETENTION_COLUMNS, bom=bom)
    else:
        rows = case_rows(
            queryset,
            profile=export.profile,
            case_url=case_url,
            related_visible=visible_cases(request.user, PURPOSES[export.profile]),
        )
        body = stream(export.format, rows, CASE_COLUMNS, bom=bom)
    response = StreamingHttpResponse(body, content_type=FORMATS[export.format].media_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{export_filename(kind, export.format)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["X-Casebook-Export-Profile"] = export.profile.value
    patch_vary_headers(response, ["Accept", "Authorization", "Cookie"])
    logger.info(
        "export streamed: user=%s kind=%s format=%s profile=%s",
        getattr(request.user, "pk", None),
        kind,
        export.format,
        export.profile.value,
    )
    return response
