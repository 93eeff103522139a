"""An advocate opens the statistics of a search, regroups the places, and reads it on a phone."""

from __future__ import annotations

import pytest

from casebook.accounts.roles import Role
from cases.models import PlaceKind, Sex, VocabularyKey

from ..api.conftest import make_case, settle
from ..factories import DetentionFactory, PersonFactory, PlaceFactory, UserFactory, term
from .conftest import PHONE, log_in, needs_chromium

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    needs_chromium,
]


@pytest.fixture
def detentions(transactional_db):
    UserFactory(username="pema", first_name="Pema", roles=[Role.ADVOCATE])
    china = PlaceFactory(name="China", kind=PlaceKind.COUNTRY)
    tar = PlaceFactory(name="Tibet Autonomous Region", kind=PlaceKind.REGION, parent=china)
    nagchu = PlaceFactory(name="Nagchu", kind=PlaceKind.PREFECTURE, parent=tar)
    sog = PlaceFactory(name="Sog County", kind=PlaceKind.COUNTY, parent=nagchu)
    driru = PlaceFactory(name="Driru County", kind=PlaceKind.COUNTY, parent=nagchu)
    qinghai = PlaceFactory(name="Qinghai", kind=PlaceKind.REGION, parent=china)
    rebkong = PlaceFactory(name="Rebkong County", kind=PlaceKind.COUNTY, parent=qinghai)
    separatism = term(VocabularyKey.CHARGE, "inciting-separatism")
    quarrels = term(VocabularyKey.CHARGE, "picking-quarrels")
    arbitrary = term(VocabularyKey.VIOLATION_TYPE, "arbitrary-detention")
    torture = term(VocabularyKey.VIOLATION_TYPE, "torture")
    plan = [
        (sog, "2012-10", 3, Sex.MALE, [separatism], [arbitrary, torture]),
        (sog, "2013-02", 1, Sex.FEMALE, [separatism], [arbitrary]),
        (driru, "2013-09", 4, Sex.MALE, [quarrels], [arbitrary]),
        (driru, "2013-10-06", 1, Sex.MALE, [], [arbitrary, torture]),
        (rebkong, "2014-03", 2, Sex.FEMALE, [separatism, quarrels], [arbitrary]),
        (rebkong, "2015-01", 1, Sex.UNKNOWN, [], []),
    ]
    for number, (place, when, heads, sex, charges, violations) in enumerate(plan):
        case = make_case(title=f"Detentions {number}", place=place, violation_types=violations)
        person = (
            PersonFactory(
                name="", description=f"{heads} monks", is_group=True, head_count=heads, sex=sex
            )
            if heads > 1
            else PersonFactory(sex=sex)
        )
        DetentionFactory(case=case, person=person, detained_on=when, charges=charges)
        settle(case)


def test_advocate_reads_the_statistics_of_a_search(
    live_server, detentions, browser_page, artifacts
):
    from playwright.sync_api import expect

    page = browser_page
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content" in message.text else None,
    )
    log_in(page, live_server, "pema")
    page.goto(live_server.url + "/statistics/?violation_type=arbitrary-detention")

    expect(page.get_by_role("status")).to_contain_text("11 people detained in 5 cases")
    chart = page.get_by_role("img", name="People detained per month")
    expect(chart).to_be_visible()
    places = page.locator("#chart-place")
    expect(places.get_by_role("row", name="Tibet Autonomous Region")).to_contain_text("9")

    page.get_by_label("Places grouped by").select_option(label="county")
    places.get_by_role("button", name="Group").click()
    expect(page).to_have_url(
        live_server.url
        + "/statistics/?violation_type=arbitrary-detention&place_level=3#chart-place"
    )
    expect(places.get_by_role("row", name="Driru County")).to_contain_text("5")
    page.screenshot(path=artifacts / "statistics-1280.png", full_page=True)

    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifacts / "statistics-390.png", full_page=True)

    page.get_by_role("link", name="Back to the list of these cases").click()
    expect(page).to_have_url(live_server.url + "/cases/?violation_type=arbitrary-detention")
    assert not refused, refused
