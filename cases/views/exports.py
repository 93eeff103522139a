"""The export job pages: start a job, follow it, download its file and manifest.

Every page shows only the signed-in user's own jobs — administrators included: an export holds
what its requester could see, so nobody else opens it. Someone else's job id is a 404, the same
answer as a job that does not exist.

A file leaves only while its requester may still see every case in it for the job's profile:
the job page and the download recheck (`export_job_recheck`), and a job that fails the check is
withdrawn — its file deleted, its page saying why, its download a 403.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from ..exports.formats import FORMATS
from ..exports.jobs import (
    export_job_expired,
    export_job_for,
    export_job_open,
    export_job_recheck,
    export_job_start,
    export_jobs_for,
)
from ..exports.profiles import PARTNER_RECIPIENTS, Profile, allowed_profiles, require_profile
from ..filters import CaseFilter, DetentionFilter, page_filter_form
from ..models import ExportJob, ExportJobState, ExportKind, Organization

logger = logging.getLogger(__name__)

JOBS_PER_PAGE = 50
REFRESH_SECONDS = 3
FORMAT_LABELS = {
    "csv": gettext_lazy("CSV (spreadsheet text)"),
    "xlsx": gettext_lazy("Excel workbook (XLSX)"),
    "geojson": gettext_lazy("GeoJSON (map)"),
    "jsonl": gettext_lazy("JSON Lines (one record per line)"),
}
PROFILE_LABELS = {
    Profile.PUBLIC: gettext_lazy("public — verified public cases, names only with consent"),
    Profile.PARTNER: gettext_lazy(
        "partner — verified public and internal cases, names only with the recipient's consent"
    ),
    Profile.INTERNAL: gettext_lazy("internal — everything you may see, stays in the organisation"),
}


class ExportJobForm(forms.Form):
    """What to export and for whom; the filters come from the shared filter form beside it."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Records"), choices=ExportKind.choices, initial=ExportKind.DETENTIONS
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[(key, FORMAT_LABELS.get(key, key)) for key in FORMATS],
        initial="csv",
    )
    profile = forms.ChoiceField(label=gettext_lazy("Redaction profile"))
    recipient = forms.ChoiceField(
        label=gettext_lazy("Recipient (partner profile)"),
        required=False,
        choices=[("", gettext_lazy("partner NGOs (default)"))]
        + [(recipient.value, recipient.label) for recipient in PARTNER_RECIPIENTS],
        help_text=gettext_lazy("Whose consent decides whether a person's name is shown."),
    )
    bom = forms.BooleanField(
        label=gettext_lazy("Add a byte order mark (for CSV opened in Excel)"), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [
            (profile.value, PROFILE_LABELS.get(profile, profile.label))
            for profile in allowed_profiles(user)
        ]


def _job_or_404(user: Any, public_id: uuid.UUID) -> ExportJob:
    try:
        return export_job_for(user, public_id)
    except ExportJob.DoesNotExist:
        raise Http404(_("No export found.")) from None


def _filter_form(kind: str, data: Any) -> forms.Form:
    """The shared filter fields (both lists offer the same), bound to `data` when given."""
    filterset_class = DetentionFilter if kind == ExportKind.DETENTIONS else CaseFilter
    return page_filter_form(filterset_class, data)


def described_filters(kind: str, filters: dict[str, Any]) -> list[tuple[str, str]]:
    """The job's filters as a reader knows them: each by its label, with the names of the
    records it stands for (a place's hierarchy, a term's label, an organization's name, a
    state's label), never an id or a code."""
    from ..forms_lookup import OrganizationChoiceField, PlaceChoiceField

    declared = (DetentionFilter if kind == ExportKind.DETENTIONS else CaseFilter).base_filters
    lines = []
    for name, value in filters.items():
        declaration = declared.get(name)
        if declaration is None:
            continue
        values = [value] if isinstance(value, str) else list(value)
        field = declaration.field
        if name == "place":
            places = PlaceChoiceField().queryset.filter(pk__in=_integers(values))
            names = list(PlaceChoiceField(queryset=places).labels.values())
        elif name in ("authority", "affiliation"):
            organizations = Organization.objects.select_related("place").filter(
                public_id__in=_uuids(values)
            )
            names = [OrganizationChoiceField().label_from_instance(o) for o in organizations]
        elif isinstance(field, forms.ModelMultipleChoiceField):
            names = [term.label for term in field.queryset.filter(code__in=values)]
        elif isinstance(field, forms.ChoiceField):
            choices = {str(key): label for key, label in field.choices}
            names = [str(choices.get(item, item)) for item in values]
        else:
            names = values
        lines.append((str(declaration.label), ", ".join(names) or _("a record that is gone")))
    return lines


def _integers(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


def _uuids(values: list[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return found


def _refreshing(response: HttpResponse, job_active: bool) -> HttpResponse:
    if job_active:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@require_safe
@login_required
def export_job_list(request: HttpRequest) -> HttpResponse:
    jobs = export_jobs_for(request.user).order_by("-created_at", "-id")
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    for job in page:
        expired = export_job_expired(job, now)
        rows.append((job, job.state == ExportJobState.DONE and not expired, expired))
    any_active = any(job.is_active for job, _downloadable, _expired in rows)
    context = {
        "page": page,
        "rows": rows,
        "refresh": REFRESH_SECONDS if any_active else None,
        "may_export": bool(allowed_profiles(request.user)),
    }
    return _refreshing(render(request, "exports/job_list.html", context), any_active)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def export_job_new(request: HttpRequest) -> HttpResponse:
    if not allowed_profiles(request.user):
        raise PermissionDenied(_("Your role may not export cases."))
    if request.method != "POST":
        job_form = ExportJobForm(initial=request.GET.dict(), user=request.user)
        kind = request.GET.get("kind", ExportKind.DETENTIONS)
        filter_data = request.GET if set(request.GET) - set(job_form.fields) else None
        context = {"job_form": job_form, "filter_form": _filter_form(kind, filter_data)}
        return render(request, "exports/job_new.html", context)

    job_form = ExportJobForm(request.POST, user=request.user)
    kind = request.POST.get("kind", ExportKind.DETENTIONS)
    filter_form = _filter_form(kind, request.POST)
    if job_form.is_valid():
        data = job_form.cleaned_data
        try:
            job = export_job_start(
                acting_user=request.user,
                kind=data["kind"],
                fmt=data["format"],
                profile=data["profile"],
                recipient=data["recipient"] or None,
                params=request.POST,
                bom=data["bom"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                if name in job_form.fields:
                    job_form.add_error(name, errors)
            filter_form.is_valid()  # the filter fields show their own messages
            if not job_form.errors and not filter_form.errors:
                job_form.add_error(None, error.messages)
        else:
            messages.success(request, _("Your export has started."))
            return redirect("cases:export-job-detail", public_id=job.public_id)
    context = {"job_form": job_form, "filter_form": filter_form}
    return render(request, "exports/job_new.html", context, status=400)


@require_safe
@login_required
def export_job_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    job = _job_or_404(request.user, public_id)
    # Withdrawn as soon as its requester opens it, so the page never offers a file that the
    # download would refuse.
    export_job_recheck(job, request.user)
    expired = export_job_expired(job)
    context = {
        "job": job,
        "expired": expired,
        "downloadable": job.state == ExportJobState.DONE and not expired,
        "refresh": REFRESH_SECONDS if job.is_active else None,
        "filters": described_filters(job.kind, job.filters),
    }
    return _refreshing(render(request, "exports/job_detail.html", context), job.is_active)


@require_safe
@login_required
def export_job_download(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    job = _job_or_404(request.user, public_id)
    if job.state != ExportJobState.WITHDRAWN and export_job_expired(job):
        return render(request, "exports/job_gone.html", {"job": job}, status=410)
    # A user whose role changed since the job ran may no longer take a file of this profile.
    require_profile(request.user, job.profile)
    if not export_job_recheck(job, request.user):
        return render(request, "exports/job_withdrawn.html", {"job": job}, status=403)
    chunks = export_job_open(job)
    if chunks is None:
        raise Http404(_("This export has no file to download."))
    logger.info("export job %s downloaded by user %s", job.public_id, request.user.pk)
    response = StreamingHttpResponse(chunks, content_type=FORMATS[job.format].media_type)
    response["Content-Disposition"] = f'attachment; filename="{job.download_name}"'
    response["Content-Length"] = str(job.manifest["files"][0]["size"])
    return _file_headers(response)


@require_safe
@login_required
def export_job_manifest(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The manifest stays available after the file expired: it records what left, and when."""
    job = _job_or_404(request.user, public_id)
    if not job.manifest:
        raise Http404(_("This export has no manifest yet."))
    response = JsonResponse(job.manifest, json_dumps_params={"indent": 2, "ensure_ascii": False})
    name = PurePath(job.download_name).stem or str(job.public_id)
    response["Content-Disposition"] = f'attachment; filename="{name}.manifest.json"'
    return _file_headers(response)


def _file_headers(response: HttpResponse) -> HttpResponse:
    # Files leave as downloads only: never sniffed, never rendered, never cached by a proxy.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
