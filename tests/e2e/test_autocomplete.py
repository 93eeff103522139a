"""A monitor picks a place by typing part of its name, and adds a missing one without leaving
the form: the autocomplete offers the place with its hierarchy, and the select it enhances
posts the place chosen."""

from __future__ import annotations

import re

import pytest

from casebook.accounts.roles import Role

from ..factories import UserFactory
from .audit import FlowAudit
from .conftest import log_in, needs_chromium

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    needs_chromium,
]

# The narrowest phone the pages are made for.
NARROW = {"width": 360, "height": 780}
SOG = "Sog County › Nagchu › Tibet Autonomous Region › China"


@pytest.fixture
def dolma(transactional_db):
    return UserFactory(username="dolma", first_name="Dolma", roles=[Role.MONITOR])


@pytest.fixture
def sog_id(dolma):
    from cases.demo.drilda import load_drilda_case
    from cases.models import Place

    load_drilda_case(acting_user=dolma)
    return Place.objects.get(name="Sog County").pk


def test_typing_sog_offers_the_county_and_picking_it_saves_it(
    live_server, dolma, sog_id, browser_page, artifacts
):
    from playwright.sync_api import expect

    page = browser_page
    audit = FlowAudit(artifacts / "autocomplete")
    audit.attach(page)
    log_in(page, live_server, "dolma")
    page.goto(f"{live_server.url}/cases/new/")

    place = page.get_by_role("combobox", name="Place")
    expect(place).to_be_visible()
    # The select stays in the form, hidden, and is what is posted.
    expect(page.locator("select#id_place-select")).to_be_hidden()
    page.get_by_label("Title").fill("Detention of two monks of Drilda")
    place.press_sequentially("Sog", delay=40)
    offered = page.get_by_role("option", name=SOG)
    expect(offered).to_be_visible()
    audit.look(page, "place-offered")
    offered.click()
    expect(place).to_have_value(SOG)
    assert page.locator("select#id_place-select").input_value() == str(sog_id)

    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(re.compile(r"/cases/[A-Z]+-\d{4}-\d{4}/$"))
    expect(page.locator("main")).to_contain_text("Sog County")
    audit.assert_clean()


def test_a_village_added_from_the_dialog_is_chosen_in_the_field(
    live_server, dolma, sog_id, browser_page, artifacts
):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size(NARROW)
    audit = FlowAudit(artifacts / "autocomplete-add")
    audit.attach(page)
    log_in(page, live_server, "dolma")
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Title").fill("Detention in Tsanden")
    place = page.get_by_role("combobox", name="Place")
    place.press_sequentially("Tsanden", delay=20)
    expect(page.get_by_role("option").first).to_contain_text("Nothing found")

    # From the field to the link beside it, as a keyboard user goes.
    place.press("Tab")
    link = page.get_by_role("link", name="Add a missing place")
    expect(link).to_be_focused()
    link.press("Enter")
    dialog = page.get_by_role("dialog", name="Add a missing place")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Name (required)")).to_have_value("Tsanden")
    parent = dialog.get_by_role("combobox", name="Lies in")
    parent.press_sequentially("索县", delay=40)
    dialog.get_by_role("option", name=SOG).click()
    dialog.get_by_label("Kind of place (required)").select_option("village")
    dialog.get_by_label("Other name 1", exact=True).fill("ཙན་ལྡན")
    dialog.get_by_label("Language or script of other name 1").select_option("bo")
    audit.look(page, "dialog-filled")
    dialog.get_by_role("button", name="Add the place").click()

    expect(dialog).to_be_hidden()
    label = f"Tsanden › {SOG}"
    expect(page.get_by_role("combobox", name="Place")).to_have_value(label)
    expect(page.get_by_role("status").filter(has_text="was added")).to_be_visible()
    # What was typed before is still there.
    expect(page.get_by_label("Title")).to_have_value("Detention in Tsanden")
    audit.look(page, "place-added")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(re.compile(r"/cases/[A-Z]+-\d{4}-\d{4}/$"))
    expect(page.locator("main")).to_contain_text("Tsanden")
    audit.assert_clean()
