"""A save made in place on the case page that moves the case's state brings the verification
panel along: an event added to a verified case sends it back to review, and the panel at the
top of the page says so at once instead of still offering "Dispute"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import CaseState, DetentionEvent, VocabularyKey

from ..api.conftest import settle
from ..factories import DetentionFactory, term

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
OUT_OF_BAND = 'id="workflow" aria-labelledby="workflow-heading" hx-swap-oob="true"'


def trial(detention) -> dict:
    return {
        "event-detention_version": str(detention.version),
        "event-event_type": str(term(VocabularyKey.LEGAL_PROCESS_EVENT, "trial").pk),
        "event-occurred": "15 October 2014",
        "event-certainty": "known",
        "event-note": "",
        "event-sentence_kind": "",
    }


def new_event_url(detention) -> str:
    return reverse("cases:detention-event-new", args=[detention.public_id])


def test_an_event_on_a_verified_case_sends_the_panel_back_to_review(client, monitor):
    detention = DetentionFactory(detained_on="2014-03-06")
    settle(detention.case)
    client.force_login(monitor)
    response = client.post(new_event_url(detention), trial(detention), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#people"
    html = response.content.decode()
    assert "The event was added to the timeline." in html
    assert OUT_OF_BAND in html
    panel = html[html.index(OUT_OF_BAND) :]
    assert "submitted for review" in panel
    assert "Dispute" not in panel
    detention.case.refresh_from_db()
    assert detention.case.state == CaseState.SUBMITTED


def test_a_save_that_leaves_the_state_alone_sends_only_the_section(client, monitor):
    detention = DetentionFactory(detained_on="2014-03-06")
    client.force_login(monitor)
    response = client.post(new_event_url(detention), trial(detention), **HTMX)
    assert response.status_code == 200
    assert "hx-swap-oob" not in response.content.decode()
    assert DetentionEvent.objects.filter(detention=detention).count() == 1


def test_without_javascript_the_save_still_redirects_to_the_section(client, monitor):
    detention = DetentionFactory(detained_on="2014-03-06")
    settle(detention.case)
    client.force_login(monitor)
    response = client.post(new_event_url(detention), trial(detention))
    assert response.status_code == 302
    assert response["Location"].endswith("#people")
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert 'id="workflow"' in page and "hx-swap-oob" not in page


def test_the_case_page_has_one_panel_to_replace(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    page = client.get(reverse("cases:case-detail", args=[detention.case.reference]))
    assert page.content.decode().count('id="workflow"') == 1
