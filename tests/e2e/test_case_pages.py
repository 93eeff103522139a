"""A monitor logs in, finds the Drilda case, reads it, on a desktop and on a phone.

Screenshots go to test-artifacts/ for a person to look at; the checks that a machine can make
(five detentions, Tibetan text present, nothing wider than a phone screen) are asserted here.
"""

from __future__ import annotations

import re

import pytest

from casebook.accounts.roles import Role

from ..factories import PASSWORD, UserFactory
from .conftest import PHONE, needs_chromium

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    needs_chromium,
]

TIBETAN_PLACE_NAMES = ("སོག་རྫོང", "ནག་ཆུ", "བོད་རང་སྐྱོང་ལྗོངས")


@pytest.fixture
def dolma(transactional_db):
    return UserFactory(username="dolma", first_name="Dolma", roles=[Role.MONITOR])


@pytest.fixture
def drilda_case(dolma):
    from cases.demo.drilda import load_drilda_case

    case, _created = load_drilda_case(acting_user=dolma)
    return case.reference, case.title


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_monitor_reads_the_drilda_case(live_server, dolma, drilda_case, browser_page, artifacts):
    from playwright.sync_api import expect

    reference, title = drilda_case
    page = browser_page

    # Anonymous: sent to the login page; a wrong password says so clearly.
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("User name").fill("dolma")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Please enter a correct username and password"
    )
    page.screenshot(path=artifacts / "login-error-1280.png", full_page=True)

    page.get_by_label("User name").fill("dolma")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The dashboard: her draft, and the way to every case.
    expect(page.get_by_role("heading", name="Your work", exact=True)).to_be_visible()
    drafts = page.get_by_role("region", name="Your drafts")
    expect(drafts.get_by_role("link", name=re.compile(re.escape(title)))).to_be_visible()
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / "dashboard-1280.png", full_page=True)
    page.get_by_role("banner").get_by_role("link", name="Cases", exact=True).click()

    # The list: the case, who is logged in, and the stylesheet applied.
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Dolma")
    expect(page.get_by_role("banner")).to_contain_text("Monitor")
    expect(page.get_by_text("1 case", exact=True)).to_be_visible()
    case_link = page.get_by_role("link", name=re.compile(re.escape(title)))
    expect(case_link).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(reference))).to_contain_text(
        "Drilda monastery › Sog County"
    )
    header_colour = page.eval_on_selector(
        ".site-header", "e => getComputedStyle(e).backgroundColor"
    )
    assert header_colour != "rgba(0, 0, 0, 0)", "the stylesheet did not load"
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / "case-list-1280.png", full_page=True)

    # The case page.
    case_link.click()
    expect(page).to_have_url(re.compile(rf"/cases/{re.escape(reference)}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("article.detention")).to_have_count(5)
    expect(page.get_by_text("Chinese authorities").first).to_be_visible()
    for name in TIBETAN_PLACE_NAMES:
        expect(page.locator(f'[lang="bo"]:text-is("{name}")')).to_be_visible()
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / "case-detail-1280.png", full_page=True)

    # A phone: nothing wider than the screen.
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("article.detention")).to_have_count(5)
    assert fits_the_screen(page), "the case page scrolls sideways on a phone"
    page.screenshot(path=artifacts / "case-detail-390.png", full_page=True)

    page.get_by_role("link", name="← All cases").click()
    expect(case_link).to_be_visible()
    assert fits_the_screen(page), "the case list scrolls sideways on a phone"
    page.screenshot(path=artifacts / "case-list-390.png", full_page=True)

    # Log out is a POST form; afterwards the cases are out of reach again.
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(live_server.url + f"/cases/{reference}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_text(title)).to_have_count(0)
