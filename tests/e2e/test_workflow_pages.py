"""A monitor submits the Drilda case with the button on its page; a reviewer returns it with a
comment; the monitor reads the comment and the notification. On a desktop and on a phone.

Screenshots go to test-artifacts/ for a person to look at. No ORM call is made while the
browser is open (see conftest.browser_page): everything is checked on the page.
"""

from __future__ import annotations

import re

import pytest

from casebook.accounts.roles import Role

from ..factories import PASSWORD, UserFactory
from .conftest import PHONE, needs_chromium
from .test_case_pages import fits_the_screen

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    needs_chromium,
]

RETURN_COMMENT = "Only one source so far: find a second report before this is verified."


@pytest.fixture
def cast(transactional_db, settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    "cases.context_processors.notifications",
                ],
            },
        }
    ]
    dolma = UserFactory(username="dolma", first_name="Dolma", roles=[Role.MONITOR])
    pema = UserFactory(username="pema", first_name="Pema", roles=[Role.REVIEWER])
    return dolma, pema


@pytest.fixture
def drilda_case(cast):
    from cases.demo.drilda import load_drilda_case

    case, _created = load_drilda_case(acting_user=cast[0])
    return case.reference, case.title


def log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()


def test_submit_and_return_through_the_case_page(live_server, drilda_case, browser_page, artifacts):
    from playwright.sync_api import expect

    reference, title = drilda_case
    page = browser_page
    case_url = f"{live_server.url}/cases/{reference}/"

    # The monitor submits the draft.
    log_in(page, live_server, "dolma")
    page.goto(case_url)
    expect(page.locator(".workflow .state")).to_have_text("draft")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Verify")).to_have_count(0)
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / "workflow-draft-1280.png", full_page=False)

    page.get_by_role("button", name="Submit for review").click()
    expect(page).to_have_url(re.compile(rf"/cases/{re.escape(reference)}/$"))
    expect(page.get_by_role("status").first).to_contain_text("The case is now submitted for review")
    expect(page.locator(".workflow .state")).to_have_text("submitted for review")
    expect(page.locator("#transitions")).to_contain_text("Submit for review")
    page.screenshot(path=artifacts / "workflow-submitted-1280.png", full_page=False)
    log_out(page)

    # The reviewer hears of it, and returns it: first without a comment, which the browser
    # refuses, then with one.
    log_in(page, live_server, "pema")
    expect(page.get_by_role("link", name=re.compile(r"Notifications \(1\)"))).to_be_visible()
    page.goto(case_url)
    # The demo case cites one source: verify is shown with the rule that blocks it.
    expect(page.get_by_role("button", name="Verify")).to_have_count(0)
    expect(page.locator(".step--disabled")).to_contain_text("Corroboration")
    page.screenshot(path=artifacts / "workflow-reviewer-1280.png", full_page=False)

    page.get_by_role("button", name="Return to the monitor").click()
    expect(page.locator(".workflow .state")).to_have_text("submitted for review")
    comment_box = page.get_by_role(
        "textbox", name=re.compile(r"What must the monitor .*\(required\)")
    )
    comment_box.fill(RETURN_COMMENT)
    page.get_by_role("button", name="Return to the monitor").click()
    expect(page.locator(".workflow .state")).to_have_text("draft")
    expect(page.locator("#transitions")).to_contain_text(RETURN_COMMENT)
    page.screenshot(path=artifacts / "workflow-returned-1280.png", full_page=True)
    log_out(page)

    # The monitor sees the notification and the comment.
    log_in(page, live_server, "dolma")
    notifications = page.get_by_role("link", name=re.compile(r"Notifications \(1\)"))
    expect(notifications).to_be_visible()
    notifications.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.locator(".notification")).to_contain_text(reference)
    page.screenshot(path=artifacts / "notifications-1280.png", full_page=True)
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("link", name=re.compile(r"Notifications \(0\)"))).to_be_visible()

    page.locator(".notification a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".workflow")).to_contain_text(RETURN_COMMENT)

    # The version history and the edit form.
    page.get_by_role("link", name="Version history").click()
    expect(page.get_by_role("heading", name="Version history")).to_be_visible()
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / "history-1280.png", full_page=False)
    page.goto(case_url + "edit/")
    expect(page.get_by_text("Write the date as precisely as the source allows")).to_be_visible()
    page.screenshot(path=artifacts / "edit-1280.png", full_page=True)

    # While Dolma's form is open, Pema saves the case from another browser.
    other_context = page.context.browser.new_context(viewport=page.viewport_size, locale="en-GB")
    other = other_context.new_page()
    log_in(other, live_server, "pema")
    other.goto(case_url + "edit/")
    other.get_by_label("Title").fill("Arrest of six Tibetans over WeChat messages, Sog County")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_role("status").first).to_contain_text("Saved.")
    other_context.close()

    # Dolma's save comes too late: the conflict page shows both, and keeps her text.
    page.get_by_label("Summary").fill("Five Tibetans, two of them monks, were arrested.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Someone else saved this case while you were editing"
    )
    expect(page.locator(".compare")).to_contain_text("Arrest of six Tibetans")
    expect(page.get_by_label("Summary")).to_have_value(
        "Five Tibetans, two of them monks, were arrested."
    )
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / "conflict-1280.png", full_page=True)
    page.get_by_role("button", name="Save my merged version").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved.")

    # A phone: the panel, the history and the form fit the screen.
    page.set_viewport_size(PHONE)
    for path, name in (("", "workflow"), ("history/", "history"), ("edit/", "edit")):
        page.goto(case_url + path)
        assert fits_the_screen(page), f"the {name} page scrolls sideways on a phone"
        page.screenshot(path=artifacts / f"{name}-390.png", full_page=False)
