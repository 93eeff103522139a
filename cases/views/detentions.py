"""Changing and removing a detention from the case page, and the conflict page that a stale
save of a detention or a person shows (yours beside the current version, field by field).

The detention is found through the gate (`visible_detentions`): one in a case the user may not
see answers 404 like a missing one; changing it needs the right to edit its case (403).
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..dates import describe
from ..fields import UncertainDateField
from ..forms_people import DETENTION_FIELDS, DetentionEditForm, as_json
from ..models import Detention
from ..queries import visible_detentions
from ..services.common import EditConflict
from ..services.detentions import detention_delete, detention_update
from ..services.history import stale_edit_keep
from .common import add_service_errors
from .workspace import editable_case_or_403, render_workspace_form, section_saved


@dataclass(frozen=True)
class Compared:
    label: str
    yours: str
    current: str

    @property
    def differs(self) -> bool:
        return self.yours != self.current


def shown(form: forms.Form, record: Model, name: str, value: Any) -> str:
    """A value as a reader sees it: labels of records and choices, dates as described."""
    field = form.fields[name]
    if isinstance(field, forms.ModelMultipleChoiceField):
        labels = sorted(field.label_from_instance(item) for item in value or [])
        return "; ".join(labels) or "—"
    if isinstance(field, forms.ModelChoiceField):
        return field.label_from_instance(value) if value is not None else "—"
    if isinstance(field, forms.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value)) if value else "—"
    model_field = record._meta.get_field(name)
    if isinstance(model_field, UncertainDateField):
        return f"{describe(value)} ({value})" if value else "—"
    return "—" if value in (None, "") else str(value)


def current_value(record: Model, name: str) -> Any:
    value = getattr(record, name)
    return list(value.all()) if hasattr(value, "all") else value


def conflict_page(
    request: HttpRequest,
    *,
    form: forms.ModelForm,
    conflict: EditConflict,
    fields: tuple[str, ...],
    form_class: type[forms.ModelForm],
    prefix: str,
    context: dict[str, Any],
) -> HttpResponse:
    """Someone saved the record since the form was loaded: keep what was typed
    (stale_edit_keep), show it beside the current version field by field, and offer the form
    again holding the typed text and the current version number, to merge and save."""
    current = conflict.current
    yours = form.cleaned_data
    stale_edit_keep(
        acting_user=request.user,
        record=current,
        base_version=conflict.expected_version,
        data=form.submitted_data(),
    )
    rows = [
        Compared(
            label=str(form.fields[name].label),
            yours=shown(form, current, name, yours.get(name)),
            current=shown(form, current, name, current_value(current, name)),
        )
        for name in fields
    ]
    initial = {name: as_json(yours.get(name)) for name in fields}
    initial["version"] = current.version
    merge = form_class(instance=copy.copy(current), initial=initial, prefix=prefix)
    return render_workspace_form(
        request,
        "cases/people/conflict.html",
        {**context, "comparisons": rows, "form": merge},
        status=409,
    )


def detention_or_404(user: Any, public_id: uuid.UUID) -> Detention:
    try:
        return visible_detentions(user).select_related("case", "person").get(public_id=public_id)
    except Detention.DoesNotExist:
        raise Http404(_("No detention found.")) from None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def detention_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    detention = detention_or_404(request.user, public_id)
    case = editable_case_or_403(request.user, detention.case.reference)
    context = {"case": case, "detention": detention, "person": detention.person}
    template = "cases/people/detention_edit.html"
    if request.method != "POST":
        form = DetentionEditForm(instance=copy.copy(detention), prefix="detention")
        return render_workspace_form(request, template, {**context, "form": form})

    form = DetentionEditForm(request.POST, instance=copy.copy(detention), prefix="detention")
    if not form.is_valid():
        return render_workspace_form(request, template, {**context, "form": form}, status=400)
    detention.version = form.cleaned_data["version"]
    try:
        detention_update(
            acting_user=request.user,
            detention=detention,
            changes=form.values(),
            charges=form.cleaned_data["charges"],
        )
    except EditConflict as conflict:
        return conflict_page(
            request,
            form=form,
            conflict=conflict,
            fields=DETENTION_FIELDS,
            form_class=DetentionEditForm,
            prefix="detention",
            context={
                **context,
                "record_label": _("detention"),
                "action_url": request.path,
            },
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return render_workspace_form(request, template, {**context, "form": form}, status=400)
    return section_saved(request, case, "people", _("The detention was changed."))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def detention_remove(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    detention = detention_or_404(request.user, public_id)
    case = editable_case_or_403(request.user, detention.case.reference)
    if request.method != "POST":
        context = {"case": case, "detention": detention, "person": detention.person}
        return render_workspace_form(request, "cases/people/detention_remove.html", context)
    detention_delete(acting_user=request.user, detention=detention)
    return section_saved(
        request,
        case,
        "people",
        _("The detention was removed; its versions stay in the history."),
    )
