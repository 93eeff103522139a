"""A monitor types a date as people say it and sees at once how Casebook reads it."""

from __future__ import annotations

import pytest

from casebook.accounts.roles import Role

from ..factories import UserFactory
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
def reference(dolma):
    from cases.demo.drilda import load_drilda_case

    case, _created = load_drilda_case(acting_user=dolma)
    return case.reference


def test_the_date_is_read_back_while_typing(live_server, dolma, reference, browser_page, artifacts):
    from playwright.sync_api import expect

    page = browser_page
    violations: list[str] = []
    page.on("console", lambda message: message.type == "error" and violations.append(message.text))
    page.on("response", lambda response: response.status >= 400 and violations.append(response.url))
    log_in(page, live_server, "dolma")
    page.goto(f"{live_server.url}/cases/{reference}/edit/")

    date = page.get_by_label("Occurred", exact=True)
    reading = page.locator("#id_occurred-reading")
    expect(reading).to_contain_text("6 March 2014")  # the stored date, read back on load
    date.fill("")
    date.press_sequentially("about March 2014", delay=20)
    expect(reading).to_contain_text("about March 2014")
    expect(reading).to_contain_text("any day from 1 March 2014 to 31 March 2014")
    expect(reading).to_contain_text("stored as 2014-03~")
    page.locator(".field--occurred").screenshot(path=artifacts / "date-reading-1280.png")

    date.fill("early spring")
    expect(reading).to_contain_text("is not a date we can read")
    assert violations == []
