"""The legal-process timeline of a detention, from the case page: add a step, change it,
remove it, and see the status it would give before saving.

The detention is found through the gate (`detention_or_404`): one in a case the user may not
see answers 404 like a missing one; writing needs the right to edit its case (403).

The form says, as the monitor fills it, what the timeline WOULD give with this event — status,
the day it rests on, the expected release (`timeline_preview`, nothing written): without
JavaScript through a "Preview" button that re-renders the form, with HTMX on every change.

Several unnamed people detained alike share one card on the case page; an event added from
that card may be for one of them or for all, written to each in one transaction.
"""

from __future__ import annotations

import copy
import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..forms_timeline import EVENT_FIELDS, SENTENCE_FORM_FIELDS, EventForm, is_sentencing
from ..models import Case, Certainty, Detention, DetentionEvent, DetentionStatus
from ..models.detention import describe_status_as_of
from ..queries import Reader, visible_detentions
from ..services.common import EditConflict
from ..services.detentions import (
    DERIVED_FIELDS,
    detention_add_event_with_sentence,
    detention_event_delete,
    detention_event_update_with_sentence,
    detention_event_version,
    timeline_preview,
)
from ..services.history import stale_edit_keep
from ..templatetags.detention_cards import detention_cards
from .common import add_service_errors, case_page_case_or_404
from .detentions import Compared, detention_or_404, shown
from .workspace import editable_case_or_403, is_htmx, render_workspace_form, section_saved

FORM_TEMPLATE = "cases/timeline/event_form.html"


@dataclass(frozen=True)
class Outlook:
    """The derived fields of a detention (`derived_values`), as the preview shows them."""

    status: str
    status_certainty: str
    as_of: str
    expected_release: datetime.date | None
    status_rests_on_undated: bool

    @property
    def status_label(self) -> str:
        return str(DetentionStatus(self.status).label)

    @property
    def certainty_label(self) -> str:
        return str(Certainty(self.status_certainty).label)


def _outlook(values: dict[str, Any]) -> Outlook:
    return Outlook(
        status=values["status"],
        status_certainty=values["status_certainty"],
        as_of=describe_status_as_of(values["status_as_of"], values["status_as_of_text"]),
        expected_release=values["expected_release"],
        status_rests_on_undated=values["status_rests_on_undated"],
    )


def _event_or_404(detention: Detention, pk: int) -> DetentionEvent:
    try:
        return DetentionEvent.objects.select_related("event_type", "place", "organization").get(
            detention=detention, pk=pk
        )
    except DetentionEvent.DoesNotExist:
        raise Http404(_("No event found.")) from None


def _card_members(user: Any, case: Case, detention: Detention) -> list[Detention]:
    """The detentions of the card `detention` stands on, as the case page groups them: itself
    first, then the others of a grouped card of unnamed people detained alike."""
    page_case = case_page_case_or_404(user, case.reference)
    reader = Reader.of(user)
    detentions = list(page_case.detentions.all())
    for item in detentions:
        item.identity_hidden = not reader.sees_identity_of(item.person)
    for card in detention_cards(detentions):
        ids = [item.pk for item in card.detentions]
        if detention.pk in ids:
            others = [pk for pk in ids if pk != detention.pk]
            found = {
                item.pk: item
                for item in visible_detentions(user)
                .select_related("case", "person")
                .filter(pk__in=others)
            }
            return [detention, *(found[pk] for pk in others if pk in found)]
    return [detention]


def _preview(form: EventForm, detention: Detention, event: DetentionEvent | None) -> Any:
    """What the timeline would give with the event as typed so far, or None when its type is
    not chosen yet. Each readable part counts; an unreadable one is left out."""
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    event_type = cleaned.get("event_type")
    if event_type is None:
        return None
    sentence = None
    if is_sentencing(event_type) and not any(name in form.errors for name in SENTENCE_FORM_FIELDS):
        sentence = form.sentence()
    return timeline_preview(
        detention,
        event_type=event_type,
        occurred=cleaned.get("occurred", ""),
        certainty=cleaned.get("certainty") or Certainty.KNOWN,
        replacing=event,
        sentence=sentence,
    )


def _context(
    request: HttpRequest,
    case: Case,
    detention: Detention,
    form: EventForm,
    *,
    event: DetentionEvent | None = None,
    preview: Any = None,
    quiet: bool = False,
) -> dict[str, Any]:
    return {
        "case": case,
        "detention": detention,
        "person": detention.person,
        "event": event,
        "form": form,
        "quiet": quiet,
        "preview": _outlook(preview) if preview is not None else None,
        "current": _outlook({name: getattr(detention, name) for name in DERIVED_FIELDS}),
    }


def _render_form(
    request: HttpRequest, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    return render_workspace_form(request, FORM_TEMPLATE, context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def event_new(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    detention = detention_or_404(request.user, public_id)
    case = editable_case_or_403(request.user, detention.case.reference)
    members = _card_members(request.user, case, detention)
    if request.method != "POST":
        form = EventForm(instance=DetentionEvent(), detention=detention, members=len(members))
        return _render_form(request, _context(request, case, detention, form))

    form = EventForm(
        request.POST, instance=DetentionEvent(), detention=detention, members=len(members)
    )
    if "preview" in request.POST:
        preview = _preview(form, detention, None)
        return _render_form(
            request, _context(request, case, detention, form, preview=preview, quiet=True)
        )
    if not form.is_valid():
        return _render_form(request, _context(request, case, detention, form), status=400)
    chosen = members if form.for_all_members else [detention]
    values = form.event_values()
    try:
        detention_add_event_with_sentence(
            acting_user=request.user,
            detentions=chosen,
            event_type=values.pop("event_type"),
            occurred=values.pop("occurred"),
            sentence=form.sentence(),
            detention_version=form.cleaned_data["detention_version"],
            **values,
        )
    except EditConflict as conflict:
        return _conflict(request, case, detention, form, conflict, event=None)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_form(request, _context(request, case, detention, form), status=400)
    if len(chosen) > 1:
        message = _("The event was added for each of the %(n)d people.") % {"n": len(chosen)}
    else:
        message = _("The event was added to the timeline.")
    return section_saved(request, case, "people", message)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def event_edit(request: HttpRequest, public_id: uuid.UUID, pk: int) -> HttpResponse:
    detention = detention_or_404(request.user, public_id)
    case = editable_case_or_403(request.user, detention.case.reference)
    event = _event_or_404(detention, pk)
    if request.method != "POST":
        form = EventForm(
            instance=copy.copy(event),
            detention=detention,
            event_version=detention_event_version(event),
        )
        return _render_form(request, _context(request, case, detention, form, event=event))

    form = EventForm(request.POST, instance=copy.copy(event), detention=detention)
    if "preview" in request.POST:
        preview = _preview(form, detention, event)
        return _render_form(
            request,
            _context(request, case, detention, form, event=event, preview=preview, quiet=True),
        )
    if not form.is_valid():
        return _render_form(
            request, _context(request, case, detention, form, event=event), status=400
        )
    try:
        detention_event_update_with_sentence(
            acting_user=request.user,
            event=event,
            changes=form.event_values(),
            sentence=form.sentence(),
            expected_version=form.cleaned_data["version"],
            detention_version=form.cleaned_data["detention_version"],
        )
    except EditConflict as conflict:
        return _conflict(request, case, detention, form, conflict, event=event)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_form(
            request, _context(request, case, detention, form, event=event), status=400
        )
    return section_saved(request, case, "people", _("The event was changed."))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def event_remove(request: HttpRequest, public_id: uuid.UUID, pk: int) -> HttpResponse:
    detention = detention_or_404(request.user, public_id)
    case = editable_case_or_403(request.user, detention.case.reference)
    event = _event_or_404(detention, pk)
    if request.method != "POST":
        context = {"case": case, "detention": detention, "person": detention.person}
        return render_workspace_form(
            request, "cases/timeline/event_remove.html", {**context, "event": event}
        )
    detention_event_delete(acting_user=request.user, event=event)
    return section_saved(
        request,
        case,
        "people",
        _("The event was removed; its versions stay in the history."),
    )


@require_POST
@login_required
def event_preview(
    request: HttpRequest, public_id: uuid.UUID, pk: int | None = None
) -> HttpResponse:
    """The preview area alone, for HTMX to replace as the form changes."""
    detention = detention_or_404(request.user, public_id)
    case = editable_case_or_403(request.user, detention.case.reference)
    event = _event_or_404(detention, pk) if pk is not None else None
    form = EventForm(
        request.POST,
        instance=copy.copy(event) if event is not None else DetentionEvent(),
        detention=detention,
    )
    preview = _preview(form, detention, event)
    context = _context(request, case, detention, form, event=event, preview=preview)
    context["previewed"] = True
    template = "cases/timeline/_preview.html" if is_htmx(request) else FORM_TEMPLATE
    return render(request, template, {**context, "base_template": "base.html"})


def _conflict(
    request: HttpRequest,
    case: Case,
    detention: Detention,
    form: EventForm,
    conflict: EditConflict,
    *,
    event: DetentionEvent | None,
) -> HttpResponse:
    """Someone changed the event (or the sentence) since the form was opened: keep what was
    typed, show it beside the current version, and offer the form again holding the typed
    text and the current versions, to merge and save."""
    current = conflict.current
    stale_edit_keep(
        acting_user=request.user,
        record=current,
        base_version=conflict.expected_version,
        data=form.submitted_data(),
    )
    yours = form.cleaned_data
    # The event's fields when the event moved on; the sentence's when the detention did.
    names = EVENT_FIELDS if isinstance(current, DetentionEvent) else SENTENCE_FORM_FIELDS
    rows = [
        Compared(
            label=str(form.fields[name].label),
            yours=shown(form, current, name, yours.get(name)),
            current=shown(form, current, name, getattr(current, name)),
        )
        for name in names
    ]
    fresh = Detention.objects.select_related("case", "person").get(pk=detention.pk)
    data = request.POST.copy()
    data["event-detention_version"] = str(fresh.version)
    if event is not None:
        data["event-version"] = str(detention_event_version(event))
    merge = EventForm(
        data,
        instance=copy.copy(event) if event is not None else DetentionEvent(),
        detention=fresh,
        members=form.members,
    )
    context = _context(request, case, fresh, merge, event=event, quiet=True)
    context.update({"comparisons": rows, "conflict": True})
    return render_workspace_form(request, "cases/timeline/conflict.html", context, status=409)
