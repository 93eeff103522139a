"""Adding a missing place or organization without leaving the form that needs it.

The link beside a place or organization field (templates/cases/widgets/add_missing.html)
opens these pages:

- without JavaScript, in a new tab, so that the form being filled in keeps what was typed; the
  page is a form of its own and, once saved, goes back to the address in `?next=` (a page of
  this site only), where the new record is in the list;
- with HTMX, in a dialog over the form; the saved record comes back in an `HX-Trigger`
  header, `casebook:record-added` with its id, label and the id of the field that asked, and
  static/js/casebook.js picks it in that field.

Who may add, and what (only administrators add countries), is the services' rule; their
refusal is shown on the form with everything typed kept.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms_lookup import OrganizationChoiceField
from ..forms_records import (
    PREFIX,
    OrganizationRecordForm,
    PlaceRecordForm,
    typed_variants,
    variant_formset,
)
from ..services.organizations import organization_create
from ..services.places import check_place_parent, place_create
from .cases import place_hierarchy_labels
from .common import add_service_errors
from .workspace import is_htmx, render_workspace_form

# The id of the field that asked: an HTML id as Django writes them, never anything else, since
# it goes back into the page and into a header.
FIELD_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,99}$")
EVENT = "casebook:record-added"


def _asking_field(request: HttpRequest) -> str:
    value = (request.POST.get("field") or request.GET.get("field") or "").strip()
    return value if FIELD_ID.match(value) else ""


def _next_url(request: HttpRequest) -> str:
    value = (request.POST.get("next") or request.GET.get("next") or "").strip()
    if value.startswith("/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _may_add_or_403(user: Any, permission: str) -> None:
    # The service checks again on save; refusing the page spares typing a record for nothing.
    if not user.has_perm(permission):
        raise PermissionDenied(_("You may not add places and organizations."))


def _page(
    request: HttpRequest,
    *,
    kind: str,
    form: forms.Form,
    variants: forms.BaseFormSet,
    status: int = 200,
) -> HttpResponse:
    titles = {"place": _("Add a missing place"), "organization": _("Add a missing organization")}
    context = {
        "kind": kind,
        "title": titles[kind],
        "form": form,
        "variants": variants,
        "all_forms": [form, *variants.forms],
        "any_errors": bool(form.errors) or any(row.errors for row in variants.forms),
        "action_url": reverse(f"cases:{kind}-new"),
        "field": _asking_field(request),
        "next": _next_url(request),
    }
    return render_workspace_form(request, "cases/records/record_new.html", context, status=status)


def _saved(request: HttpRequest, *, kind: str, record_id: int, label: str) -> HttpResponse:
    message = (
        _("The place “%(label)s” was added.")
        if kind == "place"
        else _("The organization “%(label)s” was added.")
    ) % {"label": label}
    field = _asking_field(request)
    if not is_htmx(request):
        next_url = _next_url(request)
        messages.success(request, message)
        return redirect(next_url or reverse(f"cases:{kind}-new"))
    response = render(
        request,
        "cases/records/record_added.html",
        {"message": message, "field": field, "kind": kind},
    )
    # ASCII-only JSON: a header carries no raw Tibetan or Chinese, htmx reads the escapes back.
    response["HX-Trigger"] = json.dumps(
        {
            EVENT: {
                "id": record_id,
                "label": label,
                "field": field,
                "kind": kind,
                "message": f"{message} {_('It is chosen in the form.')}",
            }
        }
    )
    return response


def _initial_name(request: HttpRequest) -> dict[str, str]:
    # What was typed in the autocomplete before asking to add it, so it is not typed twice.
    name = " ".join(request.GET.get("name", "")[:200].split())
    return {"name": name} if name else {}


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def place_new(request: HttpRequest) -> HttpResponse:
    _may_add_or_403(request.user, "cases.add_place")
    if request.method != "POST":
        form = PlaceRecordForm(prefix=PREFIX, initial=_initial_name(request))
        return _page(request, kind="place", form=form, variants=variant_formset())

    form = PlaceRecordForm(request.POST, prefix=PREFIX)
    variants = variant_formset(request.POST)
    if form.is_valid() & variants.is_valid():
        try:
            # The rule the API applies too: a place added at the top must come from an
            # administrator (place_create leaves it to its callers, for imports).
            check_place_parent(request.user, form.cleaned_data["parent"])
            place = place_create(
                acting_user=request.user, names=typed_variants(variants), **form.values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            label = place_hierarchy_labels([place]).get(place.pk, place.name)
            return _saved(request, kind="place", record_id=place.pk, label=label)
    return _page(request, kind="place", form=form, variants=variants, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def organization_new(request: HttpRequest) -> HttpResponse:
    _may_add_or_403(request.user, "cases.add_organization")
    if request.method != "POST":
        form = OrganizationRecordForm(prefix=PREFIX, initial=_initial_name(request))
        return _page(request, kind="organization", form=form, variants=variant_formset())

    form = OrganizationRecordForm(request.POST, prefix=PREFIX)
    variants = variant_formset(request.POST)
    if form.is_valid() & variants.is_valid():
        try:
            organization = organization_create(
                acting_user=request.user, names=typed_variants(variants), **form.values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            label = OrganizationChoiceField().label_from_instance(organization)
            return _saved(request, kind="organization", record_id=organization.pk, label=label)
    return _page(request, kind="organization", form=form, variants=variants, status=400)
