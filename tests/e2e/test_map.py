"""An advocate opens the map of a search in Chromium: the outlines and the cases are drawn
from the site alone, a cluster opens into its markers, a marker's popup links to the case."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from casebook.accounts.roles import Role

from ..api.conftest import make_case, settle
from ..factories import DetentionFactory, PersonFactory, PlaceFactory, UserFactory
from .audit import FlowAudit
from .conftest import PHONE, log_in, needs_chromium

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    needs_chromium,
]

WITHHELD = "Lobsang Tsering"


@pytest.fixture
def search(transactional_db):
    UserFactory(username="map-advocate", roles=[Role.ADVOCATE])
    china = PlaceFactory(name="China", kind="country", latitude=35, longitude=103)
    sog = PlaceFactory(name="Sog County", parent=china, latitude="31.886", longitude="93.790")
    drilda = PlaceFactory(name="Drilda monastery", kind="monastery", parent=sog)
    lhasa = PlaceFactory(name="Lhasa", parent=china, latitude="29.65", longitude="91.13")
    first = make_case(title=f"Arrest of {WITHHELD} for WeChat messages", place=drilda)
    DetentionFactory(case=first, person=PersonFactory(name=WITHHELD, identity_withheld=True))
    settle(first)
    make_case(title="Second arrest at Drilda", place=drilda)
    make_case(title="Detention after the prayer gathering", place=lhasa, occurred="2014-05")
    make_case(title="An earlier case", place=lhasa, occurred="2009")
    return first.reference


def test_an_advocate_opens_the_map_of_a_search(live_server, search, browser_page, artifacts):
    from playwright.sync_api import expect

    page = browser_page
    audit = FlowAudit(artifacts / "map")
    audit.attach(page)
    elsewhere: list[str] = []
    site = urlsplit(live_server.url).netloc
    page.on(
        "request",
        lambda request: (
            urlsplit(request.url).scheme in ("http", "https")
            and urlsplit(request.url).netloc != site
            and elsewhere.append(request.url)
        ),
    )
    log_in(page, live_server, "map-advocate")

    page.goto(live_server.url + "/map/?occurred=2014")
    expect(page.get_by_role("status").filter(has_text="3 cases on the map")).to_be_visible()
    live = page.locator(".case-map__live")
    expect(live).to_be_visible()
    expect(page.locator(".case-map__static")).to_be_hidden()
    expect(live.locator("path.map-country")).to_have_count(1)
    # The two cases of Drilda monastery stand at Sog County together: one cluster of two.
    cluster = live.locator(".marker-cluster", has_text="2")
    expect(cluster).to_be_visible()
    expect(live.locator(".leaflet-marker-icon:not(.marker-cluster)")).to_have_count(1)
    audit.look(page, "map")

    cluster.click()
    markers = live.locator(".leaflet-marker-icon:not(.marker-cluster)")
    expect(markers).to_have_count(3)
    page.locator(f'.leaflet-marker-icon[alt="{search}"]').click()
    popup = live.locator(".leaflet-popup-content")
    # Leaflet fades the popup in while it pans the map to it.
    expect(live.locator(".leaflet-popup")).to_have_css("opacity", "1")
    expect(popup).to_contain_text("Arrest of [identity withheld] for WeChat messages")
    expect(popup).to_contain_text("Drilda monastery › Sog County › China")
    expect(popup).not_to_contain_text(WITHHELD)
    audit.look(page, "popup")

    popup.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/cases/{search}/")

    assert elsewhere == []
    print(f"map page weights (bytes, decoded): {audit.weights}")
    audit.assert_clean()


def test_without_javascript_the_map_is_drawn_by_the_server(
    live_server, search, browser_page, artifacts
):
    from playwright.sync_api import expect

    context = browser_page.context.browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    page = context.new_page()
    try:
        log_in(page, live_server, "map-advocate")
        page.goto(live_server.url + "/map/?occurred=2014")
        expect(page.locator(".case-map__static svg")).to_be_visible()
        expect(page.locator(".map-svg__dot")).to_have_count(2)
        page.screenshot(path=artifacts / "map" / "03-without-javascript.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=artifacts / "map" / "04-without-javascript-phone.png", full_page=True)
        page.get_by_role("link", name="Lhasa › China: 1 case").click()
        expect(page).to_have_url(re.compile(r"/cases/\?occurred=2014&place=\d+$"))
    finally:
        context.close()
