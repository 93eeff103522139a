"""Citing a source from the case page, for the case as a whole, for a detention or for an event
of a detention's timeline; changing and removing a citation; correcting a source.

"Cite a source" is one form: pick a source already cited on this case, or one found by a
search of the sources the user may see (by title or outlet), or describe a new one; then say
what it supports. One POST, one service call: a new source and its citation are written
together (`cite_new_source`), so a refused citation never leaves an uncited source behind.

Every source offered or accepted comes from the gate (`visible_sources`): a source cited only
on cases hidden from the user is never listed, and an id typed into the request by hand is
refused like a wrong choice.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, Model, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms_sources import (
    NEW,
    SOURCE_FIELDS,
    CitationForm,
    SourceChoiceForm,
    SourceEditForm,
    SourceForm,
)
from ..models import Case, Citation, Source
from ..queries import (
    Reader,
    visible_cases,
    visible_citations,
    visible_detentions,
    visible_events,
    visible_sources,
)
from ..services.common import EditConflict
from ..services.sources import (
    citation_create,
    citation_delete,
    citation_update,
    cite_new_source,
    source_update,
)
from .common import add_service_errors
from .detentions import conflict_page
from .workspace import (
    SECTIONS,
    case_section_url,
    editable_case_or_403,
    is_htmx,
    render_workspace_form,
    section_saved,
)

MAX_FOUND = 20
CITED_KINDS = ("case", "detention", "event")


@dataclass(frozen=True)
class Target:
    """What a citation supports, on the case page: the case, a detention or an event."""

    cited: str
    record: Model
    case: Case
    label: str

    @property
    def key(self) -> str:
        """The id of the slot the form opens in, and the stem of every HTML id of the form."""
        return f"cite-{self.cited}-{self.record.pk}"

    @property
    def section(self) -> str:
        """The section of the case page that shows citations of this kind."""
        return "sources" if self.cited == "case" else "people"

    @property
    def fields(self) -> dict[str, Model]:
        name = {"case": "case", "detention": "detention", "event": "detention_event"}[self.cited]
        return {name: self.record}

    @property
    def anchor(self) -> str:
        if self.cited == "case":
            return "sources"
        detention = self.record if self.cited == "detention" else self.record.detention
        return f"detention-{detention.public_id}"


def _detention_label(reader: Reader, detention: Any) -> str:
    return _("the detention of %(who)s") % {"who": reader.person_label(detention.person)}


def _event_label(reader: Reader, event: Any) -> str:
    return _("“%(event)s” (%(when)s) in the detention of %(who)s") % {
        "event": event.event_type.label,
        "when": event.occurred_display,
        "who": reader.person_label(event.detention.person),
    }


def _as_pk(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise Http404(_("Nothing to cite a source for.")) from None


def target_of_request(request: HttpRequest, case: Case) -> Target:
    """The record named by `?cited=…&id=…`, if it belongs to `case` (404 otherwise)."""
    reader = Reader.of(request.user)
    cited = request.GET.get("cited") or "case"
    if cited == "case":
        if request.GET.get("id") not in (None, "", str(case.pk)):
            raise Http404(_("Nothing to cite a source for."))
        return Target("case", case, case, _("the case as a whole"))
    pk = _as_pk(request.GET.get("id"))
    if cited == "detention":
        detention = (
            visible_detentions(reader).filter(case=case, pk=pk).select_related("person").first()
        )
        if detention is not None:
            return Target("detention", detention, case, _detention_label(reader, detention))
    elif cited == "event":
        event = (
            visible_events(reader)
            .filter(detention__case=case, pk=pk)
            .select_related("event_type", "detention__person")
            .first()
        )
        if event is not None:
            return Target("event", event, case, _event_label(reader, event))
    raise Http404(_("Nothing to cite a source for."))


def target_of_citation(reader: Reader, citation: Citation) -> Target:
    """What a stored citation supports. A person's citations are not the case page's."""
    if citation.case_id:
        return Target("case", citation.case, citation.case, _("the case as a whole"))
    if citation.detention_id:
        detention = citation.detention
        return Target("detention", detention, detention.case, _detention_label(reader, detention))
    if citation.detention_event_id:
        event = citation.detention_event
        return Target("event", event, event.detention.case, _event_label(reader, event))
    raise Http404(_("No citation found."))


def sources_cited_on(reader: Reader, case: Case) -> list[Source]:
    """The sources cited anywhere on `case` (the case, its detentions, their events), among
    those the reader may see."""
    here = Citation.objects.filter(
        Q(case=case) | Q(detention__case=case) | Q(detention_event__detention__case=case)
    )
    return list(
        visible_sources(reader)
        .filter(Exists(here.filter(source=OuterRef("pk"))))
        .select_related("kind")
        .order_by("title", "pk")
    )


def found_sources(reader: Reader, query: str, *, besides: list[Source]) -> list[Source]:
    """The sources the reader may see whose title or outlet holds `query`, leaving out
    `besides` (already listed)."""
    query = query.strip()
    if not query:
        return []
    return list(
        visible_sources(reader)
        .filter(Q(title__icontains=query) | Q(outlet__icontains=query))
        .exclude(pk__in=[source.pk for source in besides])
        .select_related("kind")
        .order_by("title", "pk")[:MAX_FOUND]
    )


@dataclass
class Entry:
    """The parts of the "Cite a source" form, bound or not."""

    choice: SourceChoiceForm
    source: SourceForm
    citation: CitationForm

    @property
    def chosen(self) -> str:
        return str(self.choice["source"].value() or NEW)

    @property
    def checked(self) -> list[forms.Form]:
        """The parts that were checked: the new source's only when a new one was chosen."""
        parts: list[forms.Form] = [self.choice, self.citation]
        return [*parts, self.source] if self.chosen == NEW else parts


def _entry(reader: Reader, target: Target, data: Any = None) -> Entry:
    ids = f"{target.key}-%s"
    choice = SourceChoiceForm(
        data, sources=visible_sources(reader), initial={"source": NEW}, auto_id=ids
    )
    if data is not None and choice["source"].value() != NEW:
        # A source was picked: what was typed about a new one is shown back as it was,
        # neither checked nor marked as wrong.
        typed = {
            name: data.get(f"source-{name}") for name in SOURCE_FIELDS if f"source-{name}" in data
        }
        source = SourceForm(instance=Source(), prefix="source", auto_id=ids, initial=typed)
    else:
        source = SourceForm(data, instance=Source(), prefix="source", auto_id=ids)
    return Entry(
        choice=choice,
        source=source,
        citation=CitationForm(data, instance=Citation(), prefix="citation", auto_id=ids),
    )


def _distribute(entry: Entry, error: ValidationError) -> None:
    """A service's refusal, on the part of the form whose field it names."""
    if not hasattr(error, "error_dict"):
        entry.choice.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        if name in entry.citation.fields:
            entry.citation.add_error(name, errors)
        elif name in entry.source.fields and entry.chosen == NEW:
            entry.source.add_error(name, errors)
        else:
            entry.choice.add_error(None, errors)


def _new_url(target: Target) -> str:
    url = reverse("cases:citation-new", args=[target.case.reference])
    return f"{url}?{urlencode({'cited': target.cited, 'id': target.record.pk})}"


def _render_new(
    request: HttpRequest,
    target: Target,
    entry: Entry,
    *,
    query: str,
    status: int = 200,
) -> HttpResponse:
    reader = Reader.of(request.user)
    on_case = sources_cited_on(reader, target.case)
    found = found_sources(reader, query, besides=on_case)
    picked = entry.choice.cleaned_data.get("source") if entry.choice.is_bound else None
    if isinstance(picked, Source) and all(source.pk != picked.pk for source in on_case + found):
        # The source picked stays on offer when the page comes back, whatever the search.
        found.append(picked)
    context = {
        "case": target.case,
        "target": target,
        "entry": entry,
        "query": query,
        "on_case": on_case,
        "found": found,
        "chosen": entry.chosen,
        "NEW": NEW,
        "form_url": _new_url(target),
        "any_errors": entry.choice.is_bound and any(form.errors for form in entry.checked),
    }
    return render_workspace_form(
        request, "cases/citations/citation_new.html", context, status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def citation_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = editable_case_or_403(request.user, reference)
    reader = Reader.of(request.user)
    target = target_of_request(request, case)
    if request.method != "POST":
        query = request.GET.get("q", "")[:200]
        if is_htmx(request) and request.headers.get("HX-Target") == f"{target.key}-results":
            on_case = sources_cited_on(reader, case)
            context = {
                "target": target,
                "query": query,
                "found": found_sources(reader, query, besides=on_case),
                "chosen": "",
            }
            return render(request, "cases/citations/_source_results.html", context)
        return _render_new(request, target, _entry(reader, target), query=query)

    query = request.POST.get("q", "")[:200]
    entry = _entry(reader, target, request.POST)
    # Every part is checked, so that the page names every mistake at once.
    checks = [form.is_valid() for form in entry.checked]
    if not all(checks):
        return _render_new(request, target, entry, query=query, status=400)
    picked = entry.choice.cleaned_data["source"]
    citation = {**target.fields, **entry.citation.values()}
    try:
        if picked == NEW:
            cite_new_source(
                acting_user=request.user, source=entry.source.values(), citation=citation
            )
        else:
            citation_create(acting_user=request.user, source=picked, **citation)
    except ValidationError as error:
        _distribute(entry, error)
        return _render_new(request, target, entry, query=query, status=400)
    return section_saved(request, case, target.section, _("The source was cited."))


def citation_or_404(user: Any, pk: int) -> tuple[Citation, Target]:
    """A citation the user may see, with what it supports on the case page (404 otherwise),
    on a case the user may change (403 otherwise)."""
    reader = Reader.of(user)
    citation = (
        visible_citations(reader)
        .select_related(
            "source",
            "case",
            "detention__case",
            "detention__person",
            "detention_event__event_type",
            "detention_event__detention__case",
            "detention_event__detention__person",
        )
        .filter(pk=pk)
        .first()
    )
    if citation is None:
        raise Http404(_("No citation found."))
    target = target_of_citation(reader, citation)
    case = editable_case_or_403(user, target.case.reference)
    return citation, Target(target.cited, target.record, case, target.label)


def _citation_context(citation: Citation, target: Target) -> dict[str, Any]:
    return {"case": target.case, "target": target, "citation": citation}


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def citation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    citation, target = citation_or_404(request.user, pk)
    stem = f"citation-{citation.pk}"
    context = {**_citation_context(citation, target), "stem": stem}
    template = "cases/citations/citation_edit.html"
    ids = f"{stem}-%s"
    if request.method != "POST":
        form = CitationForm(instance=copy.copy(citation), prefix="citation", auto_id=ids)
        return render_workspace_form(request, template, {**context, "form": form})
    form = CitationForm(request.POST, instance=copy.copy(citation), prefix="citation", auto_id=ids)
    if form.is_valid():
        try:
            citation_update(acting_user=request.user, citation=citation, changes=form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return section_saved(
                request, target.case, target.section, _("The citation was changed.")
            )
    return render_workspace_form(request, template, {**context, "form": form}, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def citation_remove(request: HttpRequest, pk: int) -> HttpResponse:
    citation, target = citation_or_404(request.user, pk)
    if request.method != "POST":
        context = _citation_context(citation, target)
        return render_workspace_form(request, "cases/citations/citation_remove.html", context)
    citation_delete(acting_user=request.user, citation=citation)
    return section_saved(
        request,
        target.case,
        target.section,
        _("The citation was removed; the source stays, and the versions stay in the history."),
    )


def _editable_source_or_404(user: Any, public_id: uuid.UUID) -> Source:
    reader = Reader.of(user)
    source = visible_sources(reader).select_related("kind").filter(public_id=public_id).first()
    if source is None:
        raise Http404(_("No source found."))
    if not reader.is_editor:
        raise PermissionDenied(_("Only monitors and reviewers change sources."))
    return source


def _back_to(request: HttpRequest) -> tuple[Case | None, str]:
    """The case page the editor came from, if they may change it, and its section."""
    reference = (request.POST.get("case") or request.GET.get("case") or "")[:40]
    section = request.POST.get("section") or request.GET.get("section") or "sources"
    if section not in SECTIONS:
        section = "sources"
    if not reference:
        return None, section
    return visible_cases(request.user).filter(reference=reference).first(), section


def _source_edit_url(source: Source, case: Case | None, section: str) -> str:
    url = reverse("cases:source-edit", args=[source.public_id])
    if case is None:
        return url
    return f"{url}?{urlencode({'case': case.reference, 'section': section})}"


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def source_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    source = _editable_source_or_404(request.user, public_id)
    case, section = _back_to(request)
    template = "cases/citations/source_edit.html"
    context = {
        "source": source,
        "case": case,
        "section": section,
        "form_url": _source_edit_url(source, case, section),
        "stem": f"source-{source.public_id}",
    }
    ids = f"{context['stem']}-%s"
    if request.method != "POST":
        form = SourceEditForm(instance=copy.copy(source), prefix="source", auto_id=ids)
        return render_workspace_form(request, template, {**context, "form": form})

    form = SourceEditForm(request.POST, instance=copy.copy(source), prefix="source", auto_id=ids)
    if not form.is_valid():
        return render_workspace_form(request, template, {**context, "form": form}, status=400)
    source.version = form.cleaned_data["version"]
    try:
        source_update(acting_user=request.user, source=source, changes=form.values())
    except EditConflict as conflict:
        return conflict_page(
            request,
            form=form,
            conflict=conflict,
            fields=SOURCE_FIELDS,
            form_class=SourceEditForm,
            prefix="source",
            context={
                "source": conflict.current,
                "case": case,
                "record_label": _("source"),
                "action_url": context["form_url"],
                "discard_url": case_section_url(case, section) if case is not None else None,
            },
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return render_workspace_form(request, template, {**context, "form": form}, status=400)
    message = _("The source was changed.")
    if case is not None:
        return section_saved(request, case, section, message)
    messages.success(request, message)
    return redirect(_source_edit_url(source, None, section))
