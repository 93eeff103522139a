"""Recording interventions from the case page's "Interventions" section: add one, change it
(mark it sent, record the reply), remove one entered by mistake.

Interventions are advocacy, not facts of the case: monitors, reviewers and advocates record
them in any state of the case (`intervening_case_or_403`), and writing one never sends a
verified case back to review (cases.services.interventions). An intervention is found through
the gate (`visible_interventions`): one on a case the user may not see answers 404 like a
missing one.

An intervention has no version number. A change therefore sends the service only the fields
the writer changed, and the form carries the intervention's latest history entry when it was
opened (`seen`): if someone else has since changed one of the same fields, nothing is written
and the form comes back (409) with the typed text beside the current values. A change of other
fields meanwhile is kept without asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms_interventions import (
    INTERVENTION_FIELDS,
    MASKED_FIELDS,
    InterventionForm,
    initial_of,
)
from ..models import Case, Intervention
from ..queries import visible_interventions
from ..redaction import NO_MASK, NameMask
from ..services.interventions import (
    intervention_create,
    intervention_delete,
    intervention_update,
)
from .common import add_service_errors
from .masks import page_masks
from .workspace import intervening_case_or_403, render_workspace_form, section_saved

FORM_TEMPLATE = "cases/interventions/intervention_form.html"


@dataclass(frozen=True)
class Clash:
    """A field both writers changed: what this one typed, what is stored now."""

    label: str
    yours: str
    current: str


def _mask_for(user: Any, case: Case) -> NameMask:
    """The mask of the case's withheld names for a reader who may not see them."""
    return page_masks(user, [case.pk]).get(case.pk, NO_MASK)


def _intervention_or_404(user: Any, pk: int) -> Intervention:
    found = visible_interventions(user).select_related("case", "kind").filter(pk=pk).first()
    if found is None:
        raise Http404(_("No intervention found."))
    return found


def _latest_entry(intervention: Intervention) -> int:
    entry = intervention.history.order_by("-history_date", "-history_id").first()
    return entry.history_id if entry is not None else 0


def _render_form(
    request: HttpRequest,
    case: Case,
    form: InterventionForm,
    *,
    intervention: Intervention | None = None,
    seen: int = 0,
    clashes: list[Clash] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "case": case,
        "form": form,
        "intervention": intervention,
        "seen": seen,
        "clashes": clashes or [],
    }
    return render_workspace_form(request, FORM_TEMPLATE, context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def intervention_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = intervening_case_or_403(request.user, reference)
    if request.method != "POST":
        return _render_form(request, case, InterventionForm(prefix="intervention"))
    form = InterventionForm(request.POST, prefix="intervention")
    if not form.is_valid():
        return _render_form(request, case, form, status=400)
    values = form.values()
    try:
        intervention_create(
            acting_user=request.user,
            case=case,
            kind=values.pop("kind"),
            reply_due=values.pop("reply_due"),
            **values,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_form(request, case, form, status=400)
    return section_saved(request, case, "interventions", _("The intervention was recorded."))


def _shown(form: InterventionForm, name: str, value: Any, mask: NameMask) -> str:
    field = form.fields[name]
    if name == "kind":
        term = field.queryset.filter(pk=getattr(value, "pk", value)).first()
        return term.label if term is not None else "—"
    if name == "status":
        return str(dict(field.choices).get(value, value))
    if value in (None, ""):
        return "—"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return mask.apply(text) if name in MASKED_FIELDS else text


def _entry(intervention: Intervention, seen: int) -> Any:
    """The history entry of `intervention` the form was opened on, if it is one of its own."""
    if not seen:
        return None
    return intervention.history.filter(history_id=seen).first()


def _clashes(
    form: InterventionForm,
    intervention: Intervention,
    base: Any,
    changes: dict[str, Any],
    mask: NameMask,
) -> list[Clash]:
    """The fields this writer changed that someone else also changed since `base`, the
    version the form was opened on."""
    clashes = []
    for name in INTERVENTION_FIELDS:
        if name not in changes:
            continue
        attribute = "kind_id" if name == "kind" else name
        current = getattr(intervention, attribute)
        typed = getattr(changes[name], "pk", changes[name])
        # Without the version the form was opened on, any stored value other than the typed
        # one may be someone else's: ask rather than overwrite it.
        changed_since = base is None or getattr(base, attribute) != current
        if changed_since and current != typed:
            clashes.append(
                Clash(
                    label=str(form.fields[name].label),
                    yours=_shown(form, name, changes[name], NO_MASK),
                    current=_shown(form, name, current, mask),
                )
            )
    return clashes


def _seen_of(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("seen", ""))
    except ValueError:
        return 0


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def intervention_edit(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = _intervention_or_404(request.user, pk)
    case = intervening_case_or_403(request.user, intervention.case.reference)
    mask = _mask_for(request.user, case)
    latest = _latest_entry(intervention)
    if request.method != "POST":
        form = InterventionForm(prefix="intervention", intervention=intervention, mask=mask)
        return _render_form(request, case, form, intervention=intervention, seen=latest)

    # What the writer changed is read against the version they opened, not the stored one:
    # a field someone else changed meanwhile and this writer left alone is not reverted.
    seen = _seen_of(request)
    base = _entry(intervention, seen)
    form = InterventionForm(
        request.POST,
        prefix="intervention",
        intervention=intervention,
        initial=initial_of(base if base is not None else intervention),
        mask=mask,
    )
    if not form.is_valid():
        return _render_form(request, case, form, intervention=intervention, seen=seen, status=400)
    changes = form.changes()
    clashes = [] if seen == latest else _clashes(form, intervention, base, changes, mask)
    if clashes:
        # The form comes back with the typed text, now based on the current version: saving
        # again writes it over the other change, knowingly.
        return _render_form(
            request, case, form, intervention=intervention, seen=latest, clashes=clashes, status=409
        )
    try:
        intervention_update(acting_user=request.user, intervention=intervention, changes=changes)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_form(request, case, form, intervention=intervention, seen=seen, status=400)
    return section_saved(request, case, "interventions", _("The intervention was changed."))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def intervention_remove(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = _intervention_or_404(request.user, pk)
    case = intervening_case_or_403(request.user, intervention.case.reference)
    if request.method != "POST":
        context = {
            "case": case,
            "intervention": intervention,
            "mask": _mask_for(request.user, case),
        }
        return render_workspace_form(
            request, "cases/interventions/intervention_remove.html", context
        )
    intervention_delete(acting_user=request.user, intervention=intervention)
    return section_saved(
        request,
        case,
        "interventions",
        _("The intervention was removed; its versions stay in the history."),
    )
