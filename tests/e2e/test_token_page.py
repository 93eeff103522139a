"""The API token page on a phone: the table fits the screen and Revoke can be seen."""

from __future__ import annotations

import pytest

from casebook.accounts.roles import Role

from ..factories import UserFactory
from .conftest import PHONE, log_in, needs_chromium

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    needs_chromium,
]


@pytest.fixture
def dolma(transactional_db):
    from casebook.accounts.tokens import token_issue

    user = UserFactory(username="dolma", first_name="Dolma", roles=[Role.MONITOR])
    token_issue(user=user, name="nightly export script")
    return user


def test_tokens_fit_a_phone_and_revoke_is_visible(live_server, dolma, browser_page, artifacts):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "dolma")
    page.goto(live_server.url + "/accounts/tokens/")

    revoke = page.get_by_role("button", name="Revoke nightly export script")
    expect(revoke).to_be_visible()
    colours = revoke.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
    )
    assert colours[0] != colours[1] and colours[0] != "rgb(255, 255, 255)", colours
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifacts / "tokens-390.png", full_page=True)

    revoke.click()
    expect(page.get_by_role("row", name="nightly export script")).to_contain_text("revoked")
