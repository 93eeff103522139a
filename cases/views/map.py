"""The map of the cases in a search (`/map/?<the search's query string>`).

The page and its GeoJSON take the same query string as the list of cases and read through the
same filters, from the access gate (cases.queries): a case the reader may not see is neither
drawn nor counted. A case is drawn at its place or, when that place has no coordinates, at the
nearest place above it that has some; a case with neither is counted and listed apart.
Titles are read through the withheld people's mask for readers who may not see identities.

Without JavaScript the page is a server-rendered SVG of the outlines and points and a table of
places; with it, static/js/map.js draws a Leaflet map from the GeoJSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from ..filters import CaseFilter
from ..geo import (
    Projection,
    extent_around,
    nearest_located,
    outline_paths,
    tile_origin,
)
from ..models import Case, Place
from ..queries import case_list_for
from ..redaction import NO_MASK, NameMask
from .cases import HIERARCHY_SEPARATOR, with_people_detained
from .masks import page_masks

# More points than this make the page slow to draw and the GeoJSON heavy; the page says that
# the search holds more and asks to narrow it.
MAP_CASE_LIMIT = 5000
# Cases without coordinates listed by name on the page, and rows of the table of places; the
# rest are counted, so that a search over the whole gazetteer keeps the page light.
UNPLACED_LISTED = 50
PLACES_LISTED = 100


@dataclass
class MapCase:
    case: Case
    place_label: str
    mask: NameMask
    # The place the case is drawn at, and where it stands, when it has one.
    drawn_at: int | None = None
    latitude: float = 0.0
    longitude: float = 0.0
    drawn_label: str = ""

    @property
    def title(self) -> str:
        return self.mask.apply(self.case.title) if self.mask else self.case.title

    @property
    def shown_above(self) -> bool:
        """Drawn at a place above its own, which has no coordinates."""
        return self.drawn_at is not None and self.drawn_at != self.case.place_id


@dataclass
class MapCases:
    placed: list[MapCase] = field(default_factory=list)
    unplaced: list[MapCase] = field(default_factory=list)
    # More cases match than the map draws (MAP_CASE_LIMIT); `total` is then the search's count.
    truncated: bool = False
    total: int = 0

    @property
    def shown(self) -> int:
        return len(self.placed) + len(self.unplaced)


def map_cases(cases: Any, who: Any) -> MapCases:
    """The cases of `cases` (already read through the gate and the filters) as the map draws
    them, in a fixed number of queries: the cases, the places of their hierarchies, and the
    masks (none for a reader who sees identities)."""
    rows = list(
        with_people_detained(cases.prefetch_related(None))
        .select_related("place")
        .only(
            "pk",
            "reference",
            "title",
            "occurred",
            "occurred_inferred",
            "place__path",
            "place__name",
        )[: MAP_CASE_LIMIT + 1]
    )
    result = MapCases()
    if len(rows) > MAP_CASE_LIMIT:
        rows = rows[:MAP_CASE_LIMIT]
        result.truncated = True
        result.total = cases.count()
    else:
        result.total = len(rows)
    chains = {row.pk: _chain(row.place) for row in rows if row.place_id}
    wanted = {pk for chain in chains.values() for pk in chain}
    names: dict[int, str] = {}
    located: dict[int, tuple[float, float]] = {}
    for pk, name, latitude, longitude in Place.objects.filter(pk__in=wanted).values_list(
        "pk", "name", "latitude", "longitude"
    ):
        names[pk] = name
        if latitude is not None and longitude is not None:
            located[pk] = (float(latitude), float(longitude))
    masks = page_masks(who, [row.pk for row in rows])

    def label(chain: list[int]) -> str:
        return HIERARCHY_SEPARATOR.join(names[pk] for pk in reversed(chain) if pk in names)

    for row in rows:
        chain = chains.get(row.pk, [])
        entry = MapCase(row, label(chain), masks.get(row.pk, NO_MASK))
        found = nearest_located(row.place.path, located) if row.place_id else None
        if found is None:
            result.unplaced.append(entry)
            continue
        entry.drawn_at, (entry.latitude, entry.longitude) = found
        entry.drawn_label = label(chain[: chain.index(entry.drawn_at) + 1])
        result.placed.append(entry)
    return result


def _chain(place: Place) -> list[int]:
    """Ids from the country down to the place, from its materialized path."""
    return [int(part) for part in place.path.strip("/").split("/") if part] or [place.pk]


def _search(request: HttpRequest) -> tuple[CaseFilter, QueryDict]:
    """The filters of the query string over the cases the user may see, and the query string
    to carry along (without the list's page number)."""
    query = request.GET.copy()
    query.pop("page", None)
    return CaseFilter(query, queryset=case_list_for(request.user), reader=request.user), query


def _allow_tiles(response: HttpResponse) -> HttpResponse:
    """Let this response's images come from the tile host too (django-csp's per-response
    update); every other page keeps the site's own origin only."""
    if settings.CASEBOOK_MAP_TILE_URL:
        response._csp_update = {"img-src": [tile_origin(settings.CASEBOOK_MAP_TILE_URL)]}
    return response


@dataclass
class PlaceRow:
    """A row of the page's table: the cases recorded at one place."""

    place_id: int
    label: str
    drawn_label: str
    count: int = 0
    search: str = ""


@dataclass
class Dot:
    """A point of the server-rendered map: the cases drawn at one place."""

    x: float
    y: float
    label: str
    count: int
    search: str
    radius: float = 0.0


def _with_place(query: QueryDict, place_id: int) -> str:
    narrowed = query.copy()
    narrowed["place"] = str(place_id)
    return f"{reverse('cases:case-list')}?{narrowed.urlencode()}"


def _static_map(drawn: MapCases, query: QueryDict) -> dict[str, Any]:
    projection = Projection(extent_around((item.latitude, item.longitude) for item in drawn.placed))
    dots: dict[int, Dot] = {}
    for item in drawn.placed:
        dot = dots.get(item.drawn_at)
        if dot is None:
            x, y = projection(item.latitude, item.longitude)
            dot = dots[item.drawn_at] = Dot(
                x, y, item.drawn_label, 0, _with_place(query, item.drawn_at)
            )
        dot.count += 1
    for dot in dots.values():
        dot.radius = round(5 + 3 * min(dot.count, 100) ** 0.5, 1)
    return {
        "width": projection.width,
        "height": projection.height,
        "projection": projection.describe(),
        "outlines": outline_paths(projection),
        # Big circles first, so that a small one on top of a big one stays clickable.
        "dots": sorted(dots.values(), key=lambda dot: -dot.count),
    }


def _place_rows(drawn: MapCases, query: QueryDict) -> list[PlaceRow]:
    rows: dict[int, PlaceRow] = {}
    for item in drawn.placed:
        row = rows.get(item.case.place_id)
        if row is None:
            row = rows[item.case.place_id] = PlaceRow(
                item.case.place_id,
                item.place_label,
                item.drawn_label if item.shown_above else "",
                search=_with_place(query, item.case.place_id),
            )
        row.count += 1
    return sorted(rows.values(), key=lambda row: (-row.count, row.label))


@require_safe
@login_required
def case_map(request: HttpRequest) -> HttpResponse:
    search, query = _search(request)
    encoded = query.urlencode()
    context: dict[str, Any] = {
        "query": encoded,
        "list_url": f"{reverse('cases:case-list')}?{encoded}" if encoded else "",
        "tile_url": settings.CASEBOOK_MAP_TILE_URL,
        "tile_attribution": settings.CASEBOOK_MAP_TILE_ATTRIBUTION,
    }
    if not search.is_valid():
        context["errors"] = [
            (search.form[name].label if name in search.form.fields else "", message)
            for name, messages in search.form.errors.items()
            for message in messages
        ]
        return _allow_tiles(render(request, "cases/case_map.html", context, status=400))
    drawn = map_cases(search.qs, request.user)
    places = _place_rows(drawn, query)
    context.update(
        drawn=drawn,
        unplaced_listed=drawn.unplaced[:UNPLACED_LISTED],
        unplaced_more=max(len(drawn.unplaced) - UNPLACED_LISTED, 0),
        places=places[:PLACES_LISTED],
        places_more=max(len(places) - PLACES_LISTED, 0),
        static_map=_static_map(drawn, query),
    )
    return _allow_tiles(render(request, "cases/case_map.html", context))


@require_safe
@login_required
def case_map_data(request: HttpRequest) -> HttpResponse:
    """The search's cases as a GeoJSON FeatureCollection (RFC 7946): one Point a case, with what
    its popup shows. `unplaced` and `truncated` are foreign members that say what is missing."""
    search, _query = _search(request)
    if not search.is_valid():
        return JsonResponse({"errors": search.form.errors.get_json_data()}, status=400)
    drawn = map_cases(search.qs, request.user)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [item.longitude, item.latitude]},
            "properties": {
                "reference": item.case.reference,
                "title": item.title,
                "url": reverse("cases:case-detail", args=[item.case.reference]),
                "occurred": item.case.occurred_display,
                "place": item.place_label,
                "drawn_at": item.drawn_label if item.shown_above else "",
                "people": item.case.people_detained,
            },
        }
        for item in drawn.placed
    ]
    payload = {
        "type": "FeatureCollection",
        "features": features,
        "unplaced": len(drawn.unplaced),
        "truncated": drawn.truncated,
    }
    return JsonResponse(
        payload,
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
