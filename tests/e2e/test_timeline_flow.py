"""A monitor records a trial and a sentence from the case page, in place, and sees the status
the timeline would give before saving it."""

from __future__ import annotations

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


@pytest.fixture
def dolma(transactional_db):
    return UserFactory(username="dolma", first_name="Dolma", roles=[Role.MONITOR])


@pytest.fixture
def detention(dolma):
    from ..factories import DetentionFactory

    return DetentionFactory(detained_on="2014-03-06")


def test_sentence_recorded_in_place_with_the_status_as_you_go(
    live_server, dolma, detention, browser_page, artifacts
):
    from playwright.sync_api import expect

    reference, slot = detention.case.reference, f"#timeline-slot-{detention.public_id}"
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    audit = FlowAudit(artifacts / "timeline")
    audit.attach(page)
    log_in(page, live_server, "dolma")
    page.goto(f"{live_server.url}/cases/{reference}/")

    page.get_by_role("link", name="Add an event").click()
    form = page.locator(slot)
    # The type of event becomes a type-to-pick box once casebook.js has loaded the library;
    # picking in the select before then raced with it.
    expect(form.locator("select[data-autocomplete]:not([multiple]):visible")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    what = form.get_by_label("What happened")
    what.press_sequentially("Sentenc", delay=20)
    page.locator("#" + what.get_attribute("aria-controls")).get_by_role(
        "option", name="Sentencing", exact=True
    ).click()
    expect(what).to_have_value("Sentencing")
    form.get_by_label("When").fill("15 October 2014")
    form.get_by_label("Sentence", exact=True).select_option(label="fixed term")
    form.get_by_label("Term: years").fill("3")
    form.get_by_label("Term: years").blur()
    preview = page.locator(f"#event-preview-{detention.public_id}")
    expect(preview).to_contain_text("sentenced")
    expect(preview).to_contain_text("6 March 2017")
    audit.look(page, "event-form-360")

    form.get_by_role("button", name="Add the event").click()
    expect(page.locator("#people")).to_contain_text("The event was added to the timeline.")
    expect(page.locator("#people")).to_contain_text("3 years")
    expect(page.locator(slot)).to_be_empty()
    audit.look(page, "case-page-after-360")
    audit.assert_clean()
