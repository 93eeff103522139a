"""The map of a search: only visible cases, the search's filters, masked names, the fallback
place, and the tile server setting that changes the page and its Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casebook.accounts.roles import Role
from cases.geo import Extent, Projection, extent_around, nearest_located, outline_paths, tile_origin
from cases.models import CaseState, Confidentiality, PlaceKind
from cases.queries import PLACEHOLDER
from cases.services.workflow import access_grant

from ..api.conftest import make_case, settle
from ..factories import DetentionFactory, PersonFactory, PlaceFactory, UserFactory
from ..test_settings import PRODUCTION, manage

pytestmark = pytest.mark.django_db

WITHHELD = "Lobsang Tsering"
MAP = reverse("cases:map")
DATA = reverse("cases:map-data")
TILES = "https://tiles.example.org/{z}/{x}/{y}.png"


@pytest.fixture
def world(db):
    """Drilda monastery (no coordinates) in Sog County (coordinates) in China (coordinates),
    and a village whose chain has none; cases in every state a reader must not see."""
    china = PlaceFactory(name="China", kind=PlaceKind.COUNTRY, latitude=35, longitude=103)
    sog = PlaceFactory(name="Sog County", parent=china, latitude="31.88", longitude="93.78")
    drilda = PlaceFactory(name="Drilda monastery", kind=PlaceKind.MONASTERY, parent=sog)
    nowhere = PlaceFactory(name="Unmapped valley", kind=PlaceKind.COUNTRY)
    village = PlaceFactory(name="Unmapped village", kind=PlaceKind.VILLAGE, parent=nowhere)
    cases = {
        "monastery": make_case(title=f"Arrest of {WITHHELD} at Drilda", place=drilda),
        "county": make_case(
            title="Raid in Sog", place=sog, level=Confidentiality.INTERNAL, occurred="2013-05"
        ),
        "unmapped": make_case(title="Detention in the valley", place=village),
        "no place": make_case(title="Detention somewhere"),
        "draft": make_case(title="Draft raid in Sog", place=sog, state=CaseState.DRAFT),
        "restricted": make_case(
            title="Restricted transfer", place=sog, level=Confidentiality.RESTRICTED
        ),
    }
    DetentionFactory(
        case=cases["monastery"], person=PersonFactory(name=WITHHELD, identity_withheld=True)
    )
    DetentionFactory(
        case=cases["monastery"], person=PersonFactory(name="Dolma", is_group=True, head_count=3)
    )
    settle(cases["monastery"])
    return {"china": china, "sog": sog, "drilda": drilda, "cases": cases}


def features(client, query: str = "") -> dict[str, dict]:
    response = client.get(f"{DATA}?{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    return {feature["properties"]["reference"]: feature for feature in collection["features"]}


def references(world, *labels: str) -> set[str]:
    return {world["cases"][label].reference for label in labels}


def test_map_geojson_holds_only_cases_the_advocate_may_see(client, advocate, world):
    client.force_login(advocate)
    assert set(features(client)) == references(world, "monastery", "county")


def test_map_geojson_for_a_monitor_adds_drafts_and_granted_restricted_cases(
    client, monitor, administrator, world
):
    client.force_login(monitor)
    assert set(features(client)) == references(world, "monastery", "county", "draft")
    access_grant(
        acting_user=administrator, case=world["cases"]["restricted"], user=monitor, reason="x"
    )
    assert set(features(client)) == references(world, "monastery", "county", "draft", "restricted")


def test_hidden_cases_are_not_even_counted_on_the_page(client, advocate, world):
    client.force_login(advocate)
    html = client.get(MAP).content.decode()
    assert "2 cases on the map" in html
    assert "2 have no place with coordinates" in html  # the two verified, public ones
    # The draft and the restricted case are at Sog County too, and not counted there.
    assert "Sog County › China: 2 cases" in html
    for hidden in ("draft", "restricted"):
        assert world["cases"][hidden].title not in html
        assert world["cases"][hidden].reference not in html


@pytest.mark.parametrize("view", [MAP, DATA])
def test_a_user_without_a_role_sees_no_case_and_a_visitor_must_log_in(
    client, outsider, world, view
):
    assert client.get(view)["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    response = client.get(view)
    assert response.status_code == 200
    body = response.content.decode()
    for case in world["cases"].values():
        assert case.reference not in body


@pytest.mark.parametrize("view", [MAP, DATA])
def test_map_pages_are_never_stored(client, advocate, world, view):
    client.force_login(advocate)
    assert "no-store" in client.get(view)["Cache-Control"]


def test_the_search_filters_apply(client, monitor, world):
    client.force_login(monitor)
    assert set(features(client, "occurred=2013")) == references(world, "county")
    assert set(features(client, f"place={world['drilda'].pk}")) == references(world, "monastery")
    assert set(features(client, "q=Raid")) == references(world, "county", "draft")


def test_an_invalid_filter_is_refused_with_its_error_not_an_empty_map(client, monitor, world):
    client.force_login(monitor)
    page = client.get(f"{MAP}?occurred=last+spring&state=lost")
    assert page.status_code == 400
    html = page.content.decode()
    assert "This search cannot be drawn" in html
    assert "Case occurred:" in html and "Verification state:" in html
    assert 'id="case-map"' not in html
    data = client.get(f"{DATA}?occurred=last+spring")
    assert data.status_code == 400
    assert set(data.json()["errors"]) == {"occurred"}


def test_withheld_names_are_masked_for_the_advocate(client, advocate, world):
    client.force_login(advocate)
    monastery = world["cases"]["monastery"]
    title = features(client)[monastery.reference]["properties"]["title"]
    assert title == f"Arrest of {PLACEHOLDER} at Drilda"
    for view in (DATA, MAP):
        assert WITHHELD not in client.get(view).content.decode()


def test_withheld_names_show_to_a_monitor(client, monitor, world):
    client.force_login(monitor)
    monastery = world["cases"]["monastery"]
    assert features(client)[monastery.reference]["properties"]["title"] == monastery.title


def test_a_case_is_drawn_at_the_nearest_place_above_it_with_coordinates(client, advocate, world):
    client.force_login(advocate)
    monastery = features(client)[world["cases"]["monastery"].reference]
    assert monastery["geometry"] == {"type": "Point", "coordinates": [93.78, 31.88]}
    properties = monastery["properties"]
    assert properties["place"] == "Drilda monastery › Sog County › China"
    assert properties["drawn_at"] == "Sog County › China"
    assert properties["people"] == 4
    assert properties["url"] == reverse(
        "cases:case-detail", args=[world["cases"]["monastery"].reference]
    )
    county = features(client)[world["cases"]["county"].reference]["properties"]
    assert county["drawn_at"] == ""


def test_cases_without_coordinates_are_counted_and_listed_apart(client, monitor, world):
    client.force_login(monitor)
    collection = client.get(DATA).json()
    assert collection["unplaced"] == 2
    assert world["cases"]["unmapped"].reference not in features(client)
    html = client.get(MAP).content.decode()
    assert "3 cases on the map" in html
    assert '<a href="#unplaced">2 have no place with coordinates</a>' in html
    unplaced = html.split('id="unplaced"', 1)[1]
    for label in ("unmapped", "no place"):
        case = world["cases"][label]
        assert reverse("cases:case-detail", args=[case.reference]) in unplaced


def test_the_page_without_javascript_draws_outlines_and_links_each_place_to_its_search(
    client, advocate, world
):
    client.force_login(advocate)
    response = client.get(f"{MAP}?occurred=2013%2F2014&page=3")
    html = response.content.decode()
    assert len(response.content) < 300_000
    assert '<a href="/cases/?occurred=2013%2F2014">Back to the list of these cases</a>' in html
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count('class="map-svg__country"') > 3
    sog_search = f"/cases/?occurred=2013%2F2014&amp;place={world['sog'].pk}"
    assert f'<a href="{sog_search}">' in svg
    assert svg.count('class="map-svg__dot"') == 1  # both cases are drawn at Sog County
    table = html.split('class="case-table map-places"', 1)[1].split("</table>", 1)[0]
    assert f"/cases/?occurred=2013%2F2014&amp;place={world['drilda'].pk}" in table
    assert "no coordinates: drawn at Sog County › China" in table
    assert f'data-cases="{DATA}?occurred=2013%2F2014"' in html


def test_the_map_script_and_styles_load_only_on_the_map_page(client, advocate, world):
    client.force_login(advocate)
    html = client.get(MAP).content.decode()
    for asset in ("js/map.js", "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css"):
        assert asset in html
        assert asset not in client.get(reverse("cases:case-list")).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline script"
    assert not re.search(r"\sstyle=", html), "an inline style"


def test_without_a_tile_server_the_page_draws_outlines_and_images_stay_on_the_site(
    client, advocate, world
):
    client.force_login(advocate)
    response = client.get(MAP)
    html = response.content.decode()
    assert "data-tile-url" not in html
    assert re.search(r'<svg class="map-svg" data-projection="[-0-9. ]+"', html)
    assert "countries-110m.json" not in html  # the outlines are in the page's SVG
    assert _img_src(response) == ["'self'", "data:"]


def test_a_tile_server_changes_the_page_and_allows_exactly_its_host(
    client, advocate, world, settings
):
    settings.CASEBOOK_MAP_TILE_URL = TILES
    settings.CASEBOOK_MAP_TILE_ATTRIBUTION = "&copy; Example tiles"
    client.force_login(advocate)
    response = client.get(MAP)
    html = response.content.decode()
    assert f'data-tile-url="{TILES}"' in html
    assert 'data-tile-attribution="&amp;copy; Example tiles"' in html
    assert _img_src(response) == ["'self'", "data:", "https://tiles.example.org"]
    # Only the map page: every other page keeps images to the site itself.
    assert _img_src(client.get(reverse("cases:case-list"))) == ["'self'", "data:"]
    assert _img_src(client.get(DATA)) == ["'self'", "data:"]


def _img_src(response) -> list[str]:
    policy = response["Content-Security-Policy"]
    directive = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    return directive.split()[1:]


def test_the_map_reads_a_fixed_number_of_queries(client, monitor, world):
    client.force_login(monitor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(DATA).status_code == 200
        return len(captured)

    before = queries()
    for number in range(6):
        place = PlaceFactory(name=f"County {number}", latitude=30 + number, longitude=90)
        case = make_case(title=f"Arrest {number}", place=place)
        DetentionFactory(case=case, person=PersonFactory(identity_withheld=True))
        settle(case)
    assert len(client.get(DATA).json()["features"]) == 9
    assert queries() == before
    print(f"map GeoJSON: {before} queries for 3 cases and for 9")


def test_an_advocate_granted_nothing_sees_no_restricted_case_even_when_searching_for_it(
    client, world
):
    advocate = UserFactory(username="map-advocate", roles=[Role.ADVOCATE])
    client.force_login(advocate)
    assert features(client, "confidentiality=restricted") == {}


# --- Geography helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
    ],
)
def test_tile_origin_is_the_one_host_of_the_url(url, origin):
    assert tile_origin(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
        "tiles.example.org/{z}/{x}/{y}.png",
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org/{z}/{x}.png",
        "https://user:secret@tiles.example.org/{z}/{x}/{y}.png",
    ],
)
def test_tile_origin_refuses_what_the_policy_could_not_allow_exactly(url):
    with pytest.raises(ValueError):
        tile_origin(url)


@pytest.mark.smoke
def test_a_bad_tile_url_stops_start_up_naming_the_variable():
    result = manage(
        "check", **{**PRODUCTION, "CASEBOOK_MAP_TILE_URL": "https://{s}.example.org/{z}/{x}/{y}"}
    )
    assert result.returncode != 0
    assert "CASEBOOK_MAP_TILE_URL" in result.stderr


def test_nearest_located_walks_up_the_path():
    located = {1: (35.0, 103.0), 7: (31.9, 93.8)}
    assert nearest_located("/1/7/42/", located) == (7, (31.9, 93.8))
    assert nearest_located("/1/8/", located) == (1, (35.0, 103.0))
    assert nearest_located("/5/6/", located) is None


def test_the_outlines_of_the_default_extent_show_china_and_its_neighbours():
    projection = Projection(extent_around([]))
    paths = outline_paths(projection)
    assert 10 < len(paths) < 60
    assert sum(len(path) for path in paths) < 120_000
    assert all(path.startswith("M") and path.endswith("Z") for path in paths)


def test_the_extent_holds_every_point_with_room_around_it():
    extent = extent_around([(31.88, 93.78), (29.65, 91.1)])
    assert isinstance(extent, Extent)
    assert extent.west < 91.1 < 93.78 < extent.east
    assert extent.south < 29.65 < 31.88 < extent.north
    assert extent.east - extent.west >= 16


def test_a_long_table_of_places_lists_the_busiest_and_counts_the_rest(
    client, advocate, world, monkeypatch
):
    monkeypatch.setattr("cases.views.map.PLACES_LISTED", 1)
    client.force_login(advocate)
    html = client.get(MAP).content.decode()
    table = html.split('class="case-table map-places"', 1)[1].split("</table>", 1)[0]
    assert "Drilda monastery › Sog County › China" in table
    assert '">Sog County › China</a>' not in table
    assert "and 1 more place, with fewer cases" in html
