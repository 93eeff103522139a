"""Geography for the map of a search: where a case is drawn, the tile host, the outlines.

The site must work offline, with no tile server: the map then draws the Natural Earth country
outlines shipped under static/vendor/world-atlas. They are decoded here, once a process, and
drawn into the page as an SVG around the search's cases: that is the map for a reader without
JavaScript, and the outlines the browser's map reads back from the page (static/js/map.js),
so that the browser downloads no outline file and the page stays within its weight.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

OUTLINES_STATIC_PATH = "vendor/world-atlas/countries-110m.json"
_OUTLINES_FILE = Path(__file__).resolve().parent.parent / "static" / OUTLINES_STATIC_PATH


def tile_origin(url: str) -> str:
    """The origin (scheme://host[:port]) tiles of `url` come from, for the CSP's img-src.

    Raises ValueError with a message saying what is wrong. A URL with a `{s}` subdomain
    placeholder is refused: it spreads requests over several hosts, and the policy allows
    exactly one.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(
            "it must be an http(s) address with {z}, {x} and {y}, e.g. "
            "https://tiles.example.org/{z}/{x}/{y}.png"
        )
    if "{" in parts.netloc or "@" in parts.netloc:
        raise ValueError(
            "its host must be one fixed name, without a {s} placeholder or credentials: the "
            "Content-Security-Policy allows images from exactly that host"
        )
    missing = [name for name in ("{z}", "{x}", "{y}") if name not in url]
    if missing:
        raise ValueError(f"it lacks {', '.join(missing)}")
    return f"{parts.scheme}://{parts.netloc}"


def nearest_located(
    path: str, located: dict[int, tuple[float, float]]
) -> tuple[int, tuple[float, float]] | None:
    """The place of a materialized path ("/1/7/42/") nearest to its end that has coordinates,
    as (id, (latitude, longitude)); None when no place of the chain has any."""
    ids = [int(part) for part in path.strip("/").split("/") if part]
    for pk in reversed(ids):
        if pk in located:
            return pk, located[pk]
    return None


# --- The server-rendered map ------------------------------------------------------------------


@dataclass(frozen=True)
class Extent:
    """A box in degrees: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float


# Tibet, China and their neighbours: what the map shows before any case has a place.
DEFAULT_EXTENT = Extent(70.0, 15.0, 136.0, 55.0)
_MIN_SPAN = 16.0  # degrees: a single county still shows the countries around it
_PADDING = 0.15


def extent_around(points: Iterable[tuple[float, float]]) -> Extent:
    """A box holding every (latitude, longitude), padded, never narrower than a few degrees."""
    points = list(points)
    if not points:
        return DEFAULT_EXTENT
    lats = [lat for lat, _ in points]
    lons = [lon for _, lon in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    width = max(east - west, _MIN_SPAN)
    height = max(north - south, _MIN_SPAN / 2)
    middle_lon, middle_lat = (west + east) / 2, (south + north) / 2
    width, height = width * (1 + 2 * _PADDING), height * (1 + 2 * _PADDING)
    return Extent(
        max(middle_lon - width / 2, -180.0),
        max(middle_lat - height / 2, -85.0),
        min(middle_lon + width / 2, 180.0),
        min(middle_lat + height / 2, 85.0),
    )


@cache
def _country_rings() -> tuple[tuple[str, tuple[tuple[tuple[float, float], ...], ...]], ...]:
    """Every country's rings as (name, rings of (longitude, latitude)), decoded once a process
    from the quantized, delta-encoded arcs of the TopoJSON file (TopoJSON specification 2.1)."""
    topology = json.loads(_OUTLINES_FILE.read_text(encoding="utf-8"))
    (scale_x, scale_y), (move_x, move_y) = (
        topology["transform"]["scale"],
        topology["transform"]["translate"],
    )
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        decoded = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            decoded.append((x * scale_x + move_x, y * scale_y + move_y))
        arcs.append(decoded)

    def ring(indexes: Sequence[int]) -> tuple[tuple[float, float], ...]:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
            # Consecutive arcs share their end point: keep it once.
            points.extend(arc[1:] if points else arc)
        return tuple(points)

    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = tuple(ring(indexes) for polygon in polygons for indexes in polygon)
        countries.append((geometry.get("properties", {}).get("name", ""), rings))
    return tuple(countries)


@dataclass(frozen=True)
class Projection:
    """Plate carrée, stretched by the cosine of the middle latitude so that shapes near Tibet
    are not flattened, into an SVG box `width` wide."""

    extent: Extent
    # Narrower than the page: on a phone the drawing is scaled down, and its circles with it.
    width: int = 720

    @property
    def scale_x(self) -> float:
        """Pixels per degree of longitude."""
        return self.width / (self.extent.east - self.extent.west)

    @property
    def scale_y(self) -> float:
        """Pixels per degree of latitude."""
        middle = math.radians((self.extent.south + self.extent.north) / 2)
        return self.scale_x / max(math.cos(middle), 0.2)

    @property
    def height(self) -> int:
        return round((self.extent.north - self.extent.south) * self.scale_y)

    def __call__(self, latitude: float, longitude: float) -> tuple[float, float]:
        x = (longitude - self.extent.west) * self.scale_x
        y = (self.extent.north - latitude) * self.scale_y
        return round(x, 1), round(y, 1)

    def describe(self) -> str:
        """ "west north pixels-per-degree-x pixels-per-degree-y": what static/js/map.js needs to
        read the SVG's outlines back as latitudes and longitudes."""
        extent = self.extent
        return f"{extent.west:.6f} {extent.north:.6f} {self.scale_x:.9f} {self.scale_y:.9f}"


def outline_paths(projection: Projection) -> list[str]:
    """SVG path data of the country outlines that show in the projection's box.

    Points closer than a pixel to the previous one are dropped: the box is a few hundred
    kilobytes of coordinates otherwise, for detail no screen shows.
    """
    box = projection.extent
    paths = []
    for _name, rings in _country_rings():
        parts = []
        for ring in rings:
            lons = [lon for lon, _ in ring]
            lats = [lat for _, lat in ring]
            if (
                max(lons) < box.west
                or min(lons) > box.east
                or max(lats) < box.south
                or min(lats) > box.north
            ):
                continue
            drawn: list[tuple[float, float]] = []
            for lon, lat in ring:
                point = projection(lat, lon)
                if drawn and abs(point[0] - drawn[-1][0]) + abs(point[1] - drawn[-1][1]) < 1:
                    continue
                drawn.append(point)
            if len(drawn) >= 3:
                parts.append("M" + "L".join(f"{_number(x)} {_number(y)}" for x, y in drawn) + "Z")
        if parts:
            paths.append("".join(parts))
    return paths


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")
