"""The edits a user typed that came too late to be saved (kept by stale_edit_keep), listed
until the user marks each one resolved.

A kept edit names its record by id. The link to a case is shown only while the user may still
see it; otherwise only what the user typed is shown, which is theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ..models import Case, StaleEdit
from ..queries import visible_cases
from ..services.history import stale_edit_resolve

CASE_RECORD = Case._meta.label_lower
MAX_LISTED = 200


@dataclass(frozen=True)
class KeptValue:
    label: str
    value: str


@dataclass(frozen=True)
class KeptEdit:
    edit: StaleEdit
    record_label: str
    case_reference: str  # empty unless the record is a case the user may see now
    values: list[KeptValue]


def _label(record_type: str, name: str) -> str:
    try:
        model = apps.get_model(record_type)
        return capfirst(str(model._meta.get_field(name).verbose_name))
    except (LookupError, ValueError, FieldDoesNotExist):
        return name


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def open_stale_edits(user: Any) -> list[StaleEdit]:
    """The user's kept edits not yet marked resolved, newest first."""
    return list(
        StaleEdit.objects.filter(user=user, resolved_at__isnull=True).order_by(
            "-created_at", "-id"
        )[:MAX_LISTED]
    )


@require_safe
@login_required
def stale_edit_list(request: HttpRequest) -> HttpResponse:
    edits = open_stale_edits(request.user)
    case_ids = {edit.record_id for edit in edits if edit.record_type == CASE_RECORD}
    references = dict(
        visible_cases(request.user).filter(pk__in=case_ids).values_list("pk", "reference")
    )
    kept = []
    for edit in edits:
        record_type = edit.record_type or CASE_RECORD
        try:
            record_label = capfirst(str(apps.get_model(record_type)._meta.verbose_name))
        except (LookupError, ValueError):
            record_label = record_type
        data = edit.data if isinstance(edit.data, dict) else {}
        kept.append(
            KeptEdit(
                edit=edit,
                record_label=record_label,
                case_reference=references.get(edit.record_id, "")
                if record_type == CASE_RECORD
                else "",
                values=[
                    KeptValue(_label(record_type, name), _shown(value))
                    for name, value in data.items()
                ],
            )
        )
    return render(request, "cases/stale_edits.html", {"kept": kept})


@require_POST
@login_required
def stale_edit_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Another user's kept edit answers like a missing one: its existence is not theirs to learn.
    edit = StaleEdit.objects.filter(pk=pk, user=request.user).first()
    if edit is None:
        raise Http404(_("No such kept edit."))
    stale_edit_resolve(acting_user=request.user, stale_edit=edit)
    messages.success(request, _("Marked resolved. It is still kept, but no longer listed here."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("cases:stale-edits")
