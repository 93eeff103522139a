"""The read-only case pages: the list of cases a user may see, and one case in full.

Both take their cases from `cases.queries` (the one access gate); nothing here reads
`Case.objects`. A case the user may not see answers 404 exactly like a missing one. Titles and
texts name withheld people only to readers who see identities (cases.views.masks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from casebook.accounts.roles import Role

from ..models import Case, Detention, Place, PlaceName
from ..queries import Reader, case_list_for
from ..redaction import NO_MASK
from .case_page import render_case_page
from .common import case_page_case_or_404
from .masks import page_masks
from .paging import CappedPaginator

CASES_PER_PAGE = 50
HIERARCHY_SEPARATOR = " › "


def _path_ids(place: Place) -> list[int]:
    """Ids from the country down to `place` itself, read from its materialized path."""
    ids = [int(part) for part in place.path.strip("/").split("/") if part]
    return ids or [place.pk]


def place_hierarchy_labels(places: Iterable[Place]) -> dict[int, str]:
    """`Place.hierarchy_label` for many places in one query (the property costs one each).

    The label reads like the property's: "Drilda monastery › Sog County › … › China".
    """
    chains = {place.pk: _path_ids(place) for place in places}
    wanted = {pk for chain in chains.values() for pk in chain}
    if not wanted:
        return {}
    names = dict(Place.objects.filter(pk__in=wanted).values_list("pk", "name"))
    return {
        pk: HIERARCHY_SEPARATOR.join(names[i] for i in reversed(chain) if i in names)
        for pk, chain in chains.items()
    }


@dataclass
class PlaceWithNames:
    """A place of a case's hierarchy and its names in other scripts (Tibetan, Chinese, …)."""

    name: str
    names: list[PlaceName] = field(default_factory=list)


def place_names_in_scripts(place: Place | None) -> list[PlaceWithNames]:
    """Names in other scripts of `place` and the places above it, nearest first, in one query.

    Places with no recorded names are left out, so the list is empty for a bare gazetteer.
    """
    if place is None:
        return []
    chain = list(reversed(_path_ids(place)))
    by_place: dict[int, PlaceWithNames] = {}
    variants = PlaceName.objects.filter(place_id__in=chain).select_related("place")
    for variant in variants:
        entry = by_place.setdefault(variant.place_id, PlaceWithNames(variant.place.name))
        entry.names.append(variant)
    return [by_place[pk] for pk in chain if pk in by_place]


def with_people_detained(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate each case with `people_detained`: heads, not rows (a group of three counts 3).

    A correlated subquery rather than Sum() over a join: the sum cannot be multiplied by any
    join the access gate or a later filter adds, and the violation types are prefetched in a
    separate query anyway.
    """
    heads = (
        Detention.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(total=Sum("person__head_count"))
        .values("total")
    )
    return cases.annotate(people_detained=Coalesce(Subquery(heads, output_field=IntegerField()), 0))


def _empty_reason(user) -> str:
    """Why a user sees no case, without saying anything about cases they cannot see."""
    if user.has_role(Role.ADMINISTRATOR, Role.MONITOR, Role.REVIEWER):
        return _("Cases appear here once a monitor records them.")
    if user.has_role(Role.ADVOCATE):
        return _("Advocates see cases once they are verified by a reviewer.")
    return _("Your account has no role in Casebook yet; ask an administrator to give you one.")


@require_safe
@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    cases = with_people_detained(case_list_for(request.user))
    page = CappedPaginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    labels = place_hierarchy_labels(case.place for case in page if case.place_id)
    masks = page_masks(request.user, [case.pk for case in page])
    rows = [(case, labels.get(case.place_id, ""), masks.get(case.pk, NO_MASK)) for case in page]
    context = {
        "page": page,
        "rows": rows,
        "empty_reason": _empty_reason(request.user) if not page.paginator.count else "",
        "may_open_cases": Reader.of(request.user).is_editor,
    }
    return render(request, "cases/case_list.html", context)


@require_safe
@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_page_case_or_404(request.user, reference)
    return render_case_page(request, case)
