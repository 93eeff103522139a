"""What the autocomplete of the pick-a-record fields asks for: records named like what is typed.

Each endpoint answers JSON, `{"results": [{"id": …, "label": …}, …]}`, at most MAX_RESULTS
records, in a fixed number of queries whatever the size of the gazetteer. A place is found by
any of its names, in any script, folded like the people's names (cases/text.py), and labelled
with its hierarchy as the place fields label it, so that the label typed to is the option the
select holds. People come from the same search as the "add a person detained" page, so a
person the reader may not see, or whose name they may not read, is never offered.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..forms_lookup import OrganizationChoiceField, terms_of
from ..models import Organization, OrganizationName, Place, PlaceName, VocabularyKey
from ..queries import Reader
from ..text import fold
from .cases import place_hierarchy_labels
from .people_entry import found_people

MAX_RESULTS = 20
MAX_QUERY = 100


def _query(request: HttpRequest) -> str:
    return " ".join(request.GET.get("q", "")[:MAX_QUERY].split())


def _needle(text: str) -> str:
    """What to look for in the stored search text: the folded query, or, for a short query in
    another script, its transliteration (cases.filters: a Chinese name is often two
    characters)."""
    from ..filters import _variant_needle

    return _variant_needle(text)


def _answer(results: list[dict[str, Any]]) -> JsonResponse:
    response = JsonResponse({"results": results[:MAX_RESULTS]})
    # Names of places and people are case content: never kept by a browser or proxy.
    response["Cache-Control"] = "no-store"
    return response


def _require_role(user: Any) -> None:
    # Someone signed in with no role sees no case; the lists of records are not theirs either.
    if not user.roles:
        raise PermissionDenied(_("Your account has no role in Casebook yet."))


def matching_places(text: str) -> list[Place]:
    """Places named like `text` in their shown name or any name variant, in gazetteer
    order: two queries."""
    if not fold(text):
        return []
    by_variant = PlaceName.objects.filter(search_text__contains=_needle(text)).values("place_id")
    return list(
        Place.objects.filter(
            Q(pk__in=by_variant) | Q(name__icontains=text) | Q(name__icontains=fold(text))
        ).order_by("depth", "path")[:MAX_RESULTS]
    )


@require_GET
@login_required
def place_lookup(request: HttpRequest) -> JsonResponse:
    _require_role(request.user)
    places = matching_places(_query(request))
    labels = place_hierarchy_labels(places)
    return _answer(
        [{"id": place.pk, "label": labels.get(place.pk, place.name)} for place in places]
    )


@require_GET
@login_required
def organization_lookup(request: HttpRequest) -> JsonResponse:
    _require_role(request.user)
    text = _query(request)
    if not fold(text):
        return _answer([])
    by_variant = OrganizationName.objects.filter(search_text__contains=_needle(text)).values(
        "organization_id"
    )
    organizations = (
        Organization.objects.filter(
            Q(pk__in=by_variant) | Q(name__icontains=text) | Q(name__icontains=fold(text))
        )
        .select_related("place")
        .order_by("name", "pk")[:MAX_RESULTS]
    )
    field = OrganizationChoiceField()
    return _answer(
        [{"id": org.pk, "label": field.label_from_instance(org)} for org in organizations]
    )


@require_GET
@login_required
def term_lookup(request: HttpRequest, vocabulary: str) -> JsonResponse:
    _require_role(request.user)
    if vocabulary not in VocabularyKey.values:
        return JsonResponse({"results": []}, status=404)
    needle = fold(_query(request))
    # A vocabulary is a few dozen terms with labels in several languages (a JSON field):
    # matched here on the label in the reader's language, folded like every other search.
    results = []
    for term in terms_of(VocabularyKey(vocabulary)):
        if not needle or needle in fold(term.label) or needle in fold(term.code):
            results.append({"id": term.pk, "label": term.label})
        if len(results) >= MAX_RESULTS:
            break
    return _answer(results)


@require_GET
@login_required
def person_lookup(request: HttpRequest) -> JsonResponse:
    _require_role(request.user)
    reader = Reader.of(request.user)
    people = found_people(reader, [_query(request)])
    homes = place_hierarchy_labels([person.home_place for person in people if person.home_place])
    results = []
    for person in people:
        label = reader.person_label(person)
        if person.home_place_id:
            label = f"{label} ({homes.get(person.home_place_id, '')})"
        results.append({"id": str(person.public_id), "label": label})
    return _answer(results)
