"""Editing a case's facts, with optimistic locking and a conflict page that loses nothing.

1. GET: the form, holding in a hidden field the version it was loaded from.
2. POST: the form is validated on a copy of the case; `case_update` gets the typed values and
   that version. Invalid input re-renders the form with the errors (nothing written).
3. If someone saved since the form was loaded, `case_update` raises EditConflict: the typed
   values are kept (stale_edit_keep) and the conflict page (409) shows them beside the current
   version, field by field, with a form holding the user's text and the current version number,
   to merge and save again. Fields only the other person changed take their text in that form:
   the user's copy of them is stale, and saving it back would quietly undo the other's work.
"""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..dates import describe
from ..forms import CASE_EDIT_FIELDS, CASE_SCALAR_FIELDS, CaseEditForm
from ..kept_text import with_kept_text
from ..models import Case, CaseState
from ..services.cases import case_update
from ..services.common import EditConflict
from ..services.confidentiality import case_set_confidentiality, may_lower
from ..services.history import stale_edit_keep
from .common import add_service_errors, visible_case_or_404
from .history import snapshot_accessors
from .workspace import editable_case_or_403


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_edit(request: HttpRequest, reference: str) -> HttpResponse:
    case = editable_case_or_403(request.user, reference)
    lowers = may_lower(request.user)
    if request.method != "POST":
        # Kept text put back carries the version it was typed on: saving it over a newer one
        # shows the conflict page, never overwrites.
        form = CaseEditForm(
            instance=copy.copy(case), initial=with_kept_text(request, {}), may_lower=lowers
        )
        return render(request, "cases/case_edit.html", {"case": case, "form": form})

    form = CaseEditForm(request.POST, instance=copy.copy(case), may_lower=lowers)
    if not form.is_valid():
        return render(request, "cases/case_edit.html", {"case": case, "form": form}, status=400)
    state_before = case.state
    case.version = form.cleaned_data["version"]
    try:
        # The level is a decision recorded as its own step; it and the facts stand or fall
        # together.
        with transaction.atomic():
            case_set_confidentiality(
                acting_user=request.user,
                case=case,
                level=form.cleaned_data["confidentiality"],
                reason=form.cleaned_data.get("confidentiality_reason", ""),
            )
            saved = case_update(
                acting_user=request.user,
                case=case,
                changes=form.changes(),
                violation_types=form.cleaned_data["violation_types"],
            )
    except EditConflict as conflict:
        return _conflict_page(request, form, conflict)
    except ValidationError as error:
        add_service_errors(form, error)
        fresh = visible_case_or_404(request.user, reference)
        return render(request, "cases/case_edit.html", {"case": fresh, "form": form}, status=400)

    if saved.version == form.cleaned_data["version"]:
        messages.info(request, _("Nothing was changed."))
    elif state_before == CaseState.VERIFIED and saved.state == CaseState.SUBMITTED:
        messages.warning(
            request,
            _(
                "Saved. The case was verified; because its facts changed it is back with the "
                "reviewers, and advocates no longer see it until it is verified again."
            ),
        )
    else:
        messages.success(request, _("Saved."))
    return redirect("cases:case-detail", reference=saved.reference)


# --- The conflict page -----------------------------------------------------------------------


class Who(enum.Enum):
    """Who changed a field since the version the form was loaded from."""

    NOBODY = "nobody"
    YOU = "you"
    THEY = "they"
    BOTH = "both"


@dataclass(frozen=True)
class FieldComparison:
    label: str
    yours: str
    current: str
    changed_by: Who
    long: bool

    @property
    def differs(self) -> bool:
        return self.changed_by is not Who.NOBODY


def _shown(form: CaseEditForm, name: str, value: Any) -> str:
    """A value as a reader sees it: labels for choices and records, dates with uncertainty."""
    field = form.fields[name]
    if name == "violation_types":
        return "; ".join(sorted(str(term) for term in value)) if value else "—"
    if name == "place" and value is not None:
        return field.label_from_instance(value)
    if name == "occurred":
        return f"{describe(value)} ({value})" if value else describe(value)
    if name == "occurred_inferred":
        return _("yes") if value else _("no")
    if name == "confidentiality":
        return str(dict(field.choices).get(value, value))
    if value is None or value == "":
        return "—"
    return str(value)


def _comparable(name: str, value: Any) -> Any:
    """Related records by id, many-to-many as a sorted list of ids."""
    if name == "violation_types":
        return sorted(getattr(term, "pk", term) for term in value)
    return getattr(value, "pk", value)


def _current_values(current: Case) -> dict[str, Any]:
    values = {name: getattr(current, name) for name in CASE_SCALAR_FIELDS}
    values["violation_types"] = list(current.violation_types.all())
    return values


def _base_values(current: Case, base_version: int) -> dict[str, Any] | None:
    """The facts as they were when the form was loaded (comparable form), from the version
    history; None if that version is not found."""
    record = (
        current.history.filter(version=base_version)
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None:
        return None
    values = {
        name: getattr(record, Case._meta.get_field(name).attname) for name in CASE_SCALAR_FIELDS
    }
    accessor, target = snapshot_accessors(Case)["violation_types"]
    values["violation_types"] = sorted(
        getattr(row, f"{target}_id") for row in getattr(record, accessor).all()
    )
    return values


def _who_changed(yours: Any, current: Any, base: Any, *, known_base: bool) -> Who:
    if yours == current:
        return Who.NOBODY
    if not known_base:
        return Who.BOTH
    if yours == base:
        return Who.THEY
    return Who.YOU if current == base else Who.BOTH


def _conflict_page(
    request: HttpRequest, form: CaseEditForm, conflict: EditConflict
) -> HttpResponse:
    """Three-way: what the user typed, the case now, and the version the form came from.

    A field only the user changed keeps their text; one only the other person changed takes
    theirs (the user did not touch it, so their stale copy must not undo it); one both changed
    keeps the user's text and is marked for merging by hand.
    """
    current: Case = conflict.current
    yours = form.cleaned_data
    stale_edit_keep(
        acting_user=request.user,
        record=current,
        base_version=conflict.expected_version,
        data=form.submitted_data(),
    )
    theirs = _current_values(current)
    base = _base_values(current, conflict.expected_version)
    comparisons = []
    initial: dict[str, Any] = {
        "version": current.version,
        "confidentiality_reason": yours.get("confidentiality_reason", ""),
    }
    for name in CASE_EDIT_FIELDS:
        mine, now = _comparable(name, yours[name]), _comparable(name, theirs[name])
        changed_by = _who_changed(
            mine, now, base[name] if base else None, known_base=base is not None
        )
        initial[name] = now if changed_by is Who.THEY else mine
        comparisons.append(
            FieldComparison(
                label=str(form.fields[name].label),
                yours=_shown(form, name, yours[name]),
                current=_shown(form, name, theirs[name]),
                changed_by=changed_by,
                long=name in {"summary", "narrative"},
            )
        )
    latest = (
        current.history.select_related("history_user")
        .order_by("-history_date", "-history_id")
        .first()
    )
    context = {
        "case": current,
        "form": CaseEditForm(
            instance=copy.copy(current), initial=initial, may_lower=may_lower(request.user)
        ),
        "comparisons": comparisons,
        "latest": latest,
        "both_changed": any(row.changed_by is Who.BOTH for row in comparisons),
    }
    return render(request, "cases/case_conflict.html", context, status=409)
