"""Adding a person detained to a case, from the case page's "People detained" section.

One page: find the person first (a search in any script, with what tells the matches apart and
which of them may be the same person), pick one or describe a new one (names in several
scripts, or "name unknown" with a description), then the detention. One POST, one service call
(`case_add_detained_person`): the person, if new, and the detention are written together.

Without JavaScript the search is a GET form that re-renders the page with the results, and
"More name rows" re-renders the form with every typed value; with HTMX the results refresh as
one types. Before a new person is created whose names read like someone already recorded, the
page shows them again and asks to confirm: never a block, since namesakes are common.
"""

from __future__ import annotations

import copy
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ..filters import people_named
from ..forms_people import (
    PERSON_FIELDS,
    AffiliationForm,
    DetentionForm,
    PersonEditForm,
    PersonForm,
    RequiredNameForm,
    name_formset,
    typed_names,
    with_more_rows,
)
from ..models import Affiliation, Case, Detention, Person, PersonName
from ..queries import Reader, visible_cases, visible_detentions, visible_named_people
from ..services.common import EditConflict
from ..services.detentions import case_add_detained_person
from ..services.people import (
    affiliation_delete,
    person_add_affiliation,
    person_add_name,
    person_name_delete,
    person_name_make_primary,
    person_name_update,
    person_update,
)
from ..text import fold, search_key
from .cases import place_hierarchy_labels
from .common import add_service_errors
from .detentions import conflict_page
from .workspace import editable_case_or_403, is_htmx, render_workspace_form, section_saved

MAX_MATCHES = 20
NEW, UNKNOWN = "new", "unknown"


@dataclass
class Match:
    """A person found, with what tells them apart from the others."""

    person: Person
    names: list[Any]
    birth_year: int | None
    home_place: str
    cases: list[str] = field(default_factory=list)
    on_this_case: bool = False
    same_name_as_typed: bool = False
    possibly_same_as: list[str] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        found = {search_key(variant.name) for variant in self.names}
        if self.person.name:
            found.add(search_key(self.person.name))
        return found


def _birth_year(person: Person) -> int | None:
    early, late = person.birth_date_earliest, person.birth_date_latest
    return early.year if early and late and early.year == late.year else None


def describe_matches(
    reader: Reader, people: list[Person], case: Case, typed: list[str]
) -> list[Match]:
    """Each person with their names, birth year, home place and the visible cases they are
    detained in, and the hints that one may be the same person as another found, or as the
    names typed: the same name once folded (and, between two found, the same birth year or
    home place). A fixed number of queries, whatever the number of people."""
    if not people:
        return []
    detained = defaultdict(list)
    for person_id, case_id, reference in (
        visible_detentions(reader)
        .filter(person_id__in=[person.pk for person in people])
        .order_by("case__reference")
        .values_list("person_id", "case_id", "case__reference")
    ):
        detained[person_id].append((case_id, reference))
    labels = place_hierarchy_labels([p.home_place for p in people if p.home_place_id])
    typed_keys = {search_key(text) for text in typed if fold(text)}
    matches = []
    for person in people:
        match = Match(
            person=person,
            names=list(person.names.all()),
            birth_year=_birth_year(person),
            home_place=labels.get(person.home_place_id, ""),
        )
        match.cases = [reference for _case_id, reference in detained[person.pk]]
        match.on_this_case = any(case_id == case.pk for case_id, _ref in detained[person.pk])
        match.same_name_as_typed = bool(match.keys & typed_keys)
        matches.append(match)
    for match in matches:
        for other in matches:
            if other is match or not (match.keys & other.keys):
                continue
            same_year = match.birth_year and match.birth_year == other.birth_year
            same_home = match.person.home_place_id and (
                match.person.home_place_id == other.person.home_place_id
            )
            if same_year or same_home:
                match.possibly_same_as.append(str(other.person))
    return matches


def _people(reader: Reader) -> Any:
    return visible_named_people(reader).select_related("home_place").prefetch_related("names")


def found_people(reader: Reader, texts: list[str]) -> list[Person]:
    """The people the reader may see and whose names they may read, named like any of
    `texts` (cases.filters.people_named: any script, folded, transliterated)."""
    texts = [text.strip() for text in texts if text and text.strip()]
    ids: set[int] = set()
    for text in texts[:10]:
        ids.update(next(iter(row.values())) for row in people_named(text, reader))
    if not ids:
        return []
    return list(_people(reader).filter(pk__in=ids).order_by("name", "pk")[:MAX_MATCHES])


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class ChoiceForm(forms.Form):
    """Who was detained: a person found, a new named person, or a person whose name is
    unknown. And, when the names typed read like someone recorded, that it is not them."""

    who = forms.CharField(
        label=gettext_lazy("Who was detained"),
        error_messages={"required": gettext_lazy("Pick a person found, or add a new one.")},
    )
    not_same_person = forms.BooleanField(
        label=gettext_lazy("None of them: this is a different person. Add a new one."),
        required=False,
    )


@dataclass
class Entry:
    """The parts of the form, bound or not."""

    choice: ChoiceForm
    person: PersonForm
    names: Any
    detention: DetentionForm

    @property
    def forms(self) -> list[forms.Form]:
        return [self.choice, self.person, *self.names.forms, self.detention]


def _entry(data: Any = None) -> Entry:
    return Entry(
        choice=ChoiceForm(data, initial={"who": NEW}),
        person=PersonForm(data, instance=Person(), prefix="person"),
        names=name_formset(data),
        detention=DetentionForm(data, instance=Detention(), prefix="detention"),
    )


def _distribute(entry: Entry, error: ValidationError) -> None:
    """A service's refusal, on the part of the form whose field it names."""
    if not hasattr(error, "error_dict"):
        entry.choice.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        if name == "person":
            entry.choice.add_error("who", errors)
        elif name in entry.person.fields:
            entry.person.add_error(name, errors)
        elif name in entry.detention.fields:
            entry.detention.add_error(name, errors)
        else:
            entry.choice.add_error(None, errors)


def _matches_for(reader: Reader, case: Case, query: str, chosen: str) -> list[Match]:
    people = found_people(reader, [query])
    if _is_uuid(chosen) and all(str(p.public_id) != chosen for p in people):
        # The person picked stays on offer when the page comes back, whatever the search.
        people += list(_people(reader).filter(public_id=chosen))
    return describe_matches(reader, people, case, [query])


def _render(
    request: HttpRequest,
    case: Case,
    entry: Entry,
    *,
    query: str,
    matches: list[Match],
    look_alikes: list[Match] | None = None,
    quiet: bool = False,
    status: int = 200,
) -> HttpResponse:
    context = {
        "case": case,
        "entry": entry,
        "query": query,
        "matches": matches,
        "look_alikes": look_alikes or [],
        # A re-render that refused nothing (more name rows) shows no errors.
        "quiet": quiet,
        "any_errors": not quiet and any(form.errors for form in entry.forms),
        "chosen": entry.choice["who"].value() or NEW,
        "NEW": NEW,
        "UNKNOWN": UNKNOWN,
    }
    return render_workspace_form(request, "cases/people/person_new.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_person_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = editable_case_or_403(request.user, reference)
    reader = Reader.of(request.user)
    if request.method != "POST":
        query = request.GET.get("q", "")[:200]
        matches = _matches_for(reader, case, query, "")
        if is_htmx(request) and request.headers.get("HX-Target") == "person-results":
            return render(
                request,
                "cases/people/_search_results.html",
                {"case": case, "query": query, "matches": matches, "chosen": NEW},
            )
        return _render(request, case, _entry(), query=query, matches=matches)

    query = request.POST.get("q", "")[:200]
    chosen = (request.POST.get("who") or "").strip()
    if "more_names" in request.POST:
        entry = _entry(with_more_rows(request.POST))
        return _render(
            request,
            case,
            entry,
            query=query,
            matches=_matches_for(reader, case, query, chosen),
            quiet=True,
        )

    entry = _entry(request.POST)
    matches = _matches_for(reader, case, query, chosen)
    valid = entry.choice.is_valid() & entry.detention.is_valid()
    person = None
    names: list[tuple[str, str, str]] = []
    if chosen in (NEW, UNKNOWN):
        valid &= entry.person.is_valid()
        if chosen == NEW:
            if entry.names.is_valid():
                names = typed_names(entry.names)
                if not names:
                    entry.choice.add_error(
                        "who",
                        _("Write at least one name, or choose “Name unknown” and describe them."),
                    )
                    valid = False
            else:
                valid = False
    elif chosen:
        person = _people(reader).filter(public_id=chosen).first() if _is_uuid(chosen) else None
        if person is None:
            entry.choice.add_error("who", _("That person was not found: search again."))
            valid = False
    if not valid:
        return _render(request, case, entry, query=query, matches=matches, status=400)

    if chosen == NEW and not entry.choice.cleaned_data["not_same_person"]:
        typed = [name for name, _language, _kind in names]
        look_alikes = describe_matches(reader, found_people(reader, typed), case, typed)
        if look_alikes:
            return _render(
                request, case, entry, query=query, matches=matches, look_alikes=look_alikes
            )

    try:
        case_add_detained_person(
            acting_user=request.user,
            case=case,
            person=person,
            person_fields=entry.person.values() if person is None else None,
            names=names,
            charges=entry.detention.cleaned_data["charges"],
            **entry.detention.values(),
        )
    except ValidationError as error:
        _distribute(entry, error)
        return _render(request, case, entry, query=query, matches=matches, status=400)
    return section_saved(request, case, "people", _("The person detained was added."))


# --- Changing a person, their names and their affiliations -----------------------------------
#
# A person's facts are facts of every case they are detained in: the services refuse a change
# that would touch a case the writer may not see (403), and send verified cases back to review.
# The pages come back to the case the editor came from (`?case=`), else to the person's page.


def _editable_person_or_404(user: Any, public_id: uuid.UUID) -> Person:
    reader = Reader.of(user)
    person = (
        visible_named_people(reader)
        .select_related("ethnicity", "religion", "occupation", "home_place")
        .filter(public_id=public_id)
        .first()
    )
    if person is None:
        raise Http404(_("No person found."))
    if not reader.is_editor:
        raise PermissionDenied(_("Only monitors and reviewers change people's records."))
    return person


def _back_case(request: HttpRequest) -> Case | None:
    """The case the editor came from, if they may see it."""
    reference = (request.POST.get("case") or request.GET.get("case") or "")[:40]
    if not reference:
        return None
    return visible_cases(request.user).filter(reference=reference).first()


def _person_page_url(person: Person, case: Case | None) -> str:
    url = reverse("cases:person-edit", args=[person.public_id])
    return f"{url}?{urlencode({'case': case.reference})}" if case else url


def _person_edit_page(
    request: HttpRequest,
    person: Person,
    *,
    form: PersonEditForm | None = None,
    name_form: RequiredNameForm | None = None,
    affiliation_form: AffiliationForm | None = None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    forms_shown = {
        "form": form or PersonEditForm(instance=copy.copy(person), prefix="person"),
        "name_form": name_form or RequiredNameForm(prefix="name"),
        "affiliation_form": affiliation_form or AffiliationForm(prefix="affiliation"),
    }
    context = {
        "person": person,
        "case": _back_case(request),
        "names": list(person.names.order_by("kind", "language", "name")),
        "affiliations": list(
            person.affiliations.select_related("organization", "role").order_by("pk")
        ),
        "refusal": refusal,
        "any_errors": any(item.errors for item in forms_shown.values()),
        "all_forms": list(forms_shown.values()),
        **forms_shown,
    }
    return render_workspace_form(request, "cases/people/person_edit.html", context, status=status)


def _person_saved(request: HttpRequest, person: Person, message: str) -> HttpResponse:
    case = _back_case(request)
    if case is not None and request.POST.get("done"):
        return section_saved(request, case, "people", message)
    messages.success(request, message)
    return redirect(_person_page_url(person, case))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def person_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    person = _editable_person_or_404(request.user, public_id)
    if request.method != "POST":
        return _person_edit_page(request, person)
    form = PersonEditForm(request.POST, instance=copy.copy(person), prefix="person")
    if not form.is_valid():
        return _person_edit_page(request, person, form=form, status=400)
    person.version = form.cleaned_data["version"]
    try:
        person_update(acting_user=request.user, person=person, changes=form.values())
    except EditConflict as conflict:
        return conflict_page(
            request,
            form=form,
            conflict=conflict,
            fields=PERSON_FIELDS,
            form_class=PersonEditForm,
            prefix="person",
            context={
                "person": conflict.current,
                "case": _back_case(request),
                "record_label": _("person"),
                "action_url": request.path,
            },
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _person_edit_page(request, person, form=form, status=400)
    return _person_saved(request, person, _("The person's record was changed."))


@require_POST
@login_required
def person_name_new(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    person = _editable_person_or_404(request.user, public_id)
    form = RequiredNameForm(request.POST, prefix="name")
    if form.is_valid():
        try:
            person_add_name(acting_user=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _person_saved(request, person, _("The name was added."))
    return _person_edit_page(request, person, name_form=form, status=400)


def _name_or_404(person: Person, pk: int) -> PersonName:
    name = PersonName.objects.filter(person=person, pk=pk).first()
    if name is None:
        raise Http404(_("No such name."))
    return name


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def person_name_edit(request: HttpRequest, public_id: uuid.UUID, pk: int) -> HttpResponse:
    person = _editable_person_or_404(request.user, public_id)
    name = _name_or_404(person, pk)
    context = {"person": person, "variant": name, "case": _back_case(request)}
    template = "cases/people/name_edit.html"
    if request.method != "POST":
        initial = {"name": name.name, "language": name.language, "kind": name.kind}
        form = RequiredNameForm(initial=initial, prefix="name")
        return render_workspace_form(request, template, {**context, "form": form})
    form = RequiredNameForm(request.POST, prefix="name")
    if form.is_valid():
        try:
            person_name_update(acting_user=request.user, name=name, changes=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _person_saved(request, person, _("The name was changed."))
    return render_workspace_form(request, template, {**context, "form": form}, status=400)


@require_POST
@login_required
def person_name_remove(request: HttpRequest, public_id: uuid.UUID, pk: int) -> HttpResponse:
    person = _editable_person_or_404(request.user, public_id)
    name = _name_or_404(person, pk)
    try:
        person_name_delete(acting_user=request.user, name=name)
    except ValidationError as error:
        return _person_edit_page(request, person, refusal=" ".join(error.messages), status=400)
    return _person_saved(request, person, _("The name was removed."))


@require_POST
@login_required
def person_name_primary(request: HttpRequest, public_id: uuid.UUID, pk: int) -> HttpResponse:
    person = _editable_person_or_404(request.user, public_id)
    name = _name_or_404(person, pk)
    person_name_make_primary(acting_user=request.user, name=name)
    return _person_saved(
        request, person, _("The name shown is now “%(name)s”.") % {"name": name.name}
    )


@require_POST
@login_required
def person_affiliation_new(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    person = _editable_person_or_404(request.user, public_id)
    form = AffiliationForm(request.POST, prefix="affiliation")
    if form.is_valid():
        try:
            person_add_affiliation(acting_user=request.user, person=person, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _person_saved(request, person, _("The affiliation was added."))
    return _person_edit_page(request, person, affiliation_form=form, status=400)


@require_POST
@login_required
def person_affiliation_remove(request: HttpRequest, public_id: uuid.UUID, pk: int) -> HttpResponse:
    person = _editable_person_or_404(request.user, public_id)
    affiliation = Affiliation.objects.filter(person=person, pk=pk).first()
    if affiliation is None:
        raise Http404(_("No such affiliation."))
    affiliation_delete(acting_user=request.user, affiliation=affiliation)
    return _person_saved(request, person, _("The affiliation was removed."))
