"""In a real browser, the site's own pages run under its Content-Security-Policy untouched.

The policy allows nothing but the site's origin and no inline script or style; a page that
relied on one would be silently broken for its users. Chromium reports each blocked resource
as a `securitypolicyviolation` event and a console error: none may occur on any page a user
opens, the admin and the API documentation included.
"""

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

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def lobsang(transactional_db):
    return UserFactory(
        username="lobsang",
        first_name="Lobsang",
        roles=[Role.ADMINISTRATOR],
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def drilda_reference(lobsang):
    from cases.demo.drilda import load_drilda_case

    case, _created = load_drilda_case(acting_user=lobsang)
    return case.reference


def test_no_page_breaks_the_content_security_policy(
    live_server, lobsang, drilda_reference, browser_page, artifacts
):
    from playwright.sync_api import expect

    page = browser_page
    console_errors: list[str] = []
    page.on(
        "console",
        lambda message: message.type == "error" and console_errors.append(message.text),
    )
    page.add_init_script(RECORD_VIOLATIONS)

    log_in(page, live_server, "lobsang")
    expect(page.get_by_role("heading", name="Your work", exact=True)).to_be_visible()

    paths = [
        "/",
        "/cases/",
        f"/cases/{drilda_reference}/",
        f"/cases/{drilda_reference}/history/",
        "/notifications/",
        "/exports/",
        "/exports/new/",
        "/kept-edits/",
        "/accounts/tokens/",
        "/admin/",
        "/admin/accounts/user/",
        "/admin/cases/case/",
        "/admin/cases/person/add/",
    ]
    violations: dict[str, list[str]] = {}
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response is not None and response.ok, path
        page.wait_for_load_state("networkidle")
        found = page.evaluate("window.__violations")
        if found:
            violations[path] = found

    # The API documentation draws itself with scripts loaded from the site alone.
    page.goto(live_server.url + "/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Casebook API")
    expect(page.locator(".opblock").first).to_be_visible()
    found = page.evaluate("window.__violations")
    if found:
        violations["/api/docs/"] = found
    page.screenshot(path=artifacts / "api-docs-1280.png")

    assert violations == {}
    assert [error for error in console_errors if "Content Security Policy" in error] == []
