"""Who may have a dossier, with which profile, and what a refusal looks like."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cases.models import CaseState, Confidentiality

from ..factories import CaseFactory

pytestmark = pytest.mark.django_db

SELECTION_URL = reverse("cases:dossier-selection")


def dossier_url(case) -> str:
    return reverse("cases:case-dossier", args=[case.reference])


def verified(**fields):
    fields.setdefault("confidentiality", Confidentiality.PUBLIC)
    return CaseFactory(state=CaseState.VERIFIED, **fields)


# --- Refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("selection", [False, True])
def test_anonymous_visitor_is_sent_to_login(client, selection):
    case = verified(title="Detention of Sonam Wangdu")
    url = f"{SELECTION_URL}?cases={case.reference}" if selection else dossier_url(case)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert case.title.encode() not in response.content


def test_outsider_gets_404(client, outsider):
    case = verified(title="Detention of Sonam Wangdu")
    client.force_login(outsider)
    for params in ({}, {"profile": "public"}, {"format": "pdf"}):
        response = client.get(dossier_url(case), params)
        assert response.status_code == 404, params
        assert case.title.encode() not in response.content


def test_advocate_gets_404_for_an_unverified_case(client, advocate):
    draft = CaseFactory(title="Draft about Dolma Kyab", confidentiality=Confidentiality.PUBLIC)
    client.force_login(advocate)
    for params in ({}, {"profile": "partner"}, {"profile": "public"}):
        response = client.get(dossier_url(draft), params)
        assert response.status_code == 404, params
        assert draft.title.encode() not in response.content


def test_advocate_asking_for_internal_profile_is_refused_not_downgraded(client, advocate):
    case = verified(title="Detention of Sonam Wangdu")
    client.force_login(advocate)
    response = client.get(dossier_url(case), {"profile": "internal"})
    assert response.status_code == 403
    assert b"may not export with the internal profile" in response.content
    assert case.title.encode() not in response.content


def test_unknown_profile_and_recipient_are_refused(client, monitor):
    case = verified()
    client.force_login(monitor)
    assert client.get(dossier_url(case), {"profile": "everyone"}).status_code == 403
    response = client.get(dossier_url(case), {"profile": "partner", "recipient": "press"})
    assert response.status_code == 403
    assert b"Unknown recipient" in response.content


def test_unknown_format_is_a_bad_request(client, monitor):
    case = verified()
    client.force_login(monitor)
    assert client.get(dossier_url(case), {"format": "docx"}).status_code == 400


def test_partner_profile_excludes_cases_not_verified_even_for_monitors(client, monitor):
    draft = CaseFactory(title="Draft about Dolma Kyab", confidentiality=Confidentiality.PUBLIC)
    client.force_login(monitor)
    assert client.get(dossier_url(draft)).status_code == 200  # internal: the draft is fine
    response = client.get(dossier_url(draft), {"profile": "partner"})
    assert response.status_code == 404
    assert draft.title.encode() not in response.content


def test_public_profile_excludes_internal_cases(client, advocate):
    case = verified(title="Internal-only case", confidentiality=Confidentiality.INTERNAL)
    client.force_login(advocate)
    assert client.get(dossier_url(case)).status_code == 200  # partner
    assert client.get(dossier_url(case), {"profile": "public"}).status_code == 404


def test_restricted_case_never_leaves_even_for_administrators(client, administrator):
    case = verified(title="Restricted testimony", confidentiality=Confidentiality.RESTRICTED)
    client.force_login(administrator)
    assert client.get(dossier_url(case)).status_code == 200  # internal
    for profile in ("partner", "public"):
        response = client.get(dossier_url(case), {"profile": profile})
        assert response.status_code == 404
        assert case.title.encode() not in response.content


# --- Defaults and content -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["monitor", "reviewer", "administrator"])
def test_default_profile_is_internal_inside_the_organisation(client, request, who):
    case = CaseFactory(title="Draft about Dolma Kyab")
    client.force_login(request.getfixturevalue(who))
    response = client.get(dossier_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Internal – not for distribution" in html
    assert case.reference in html
    assert case.title in html


def test_title_is_escaped(client, monitor):
    case = CaseFactory(title='<script>alert("dossier")</script> Arrest in Ngaba')
    client.force_login(monitor)
    html = client.get(dossier_url(case)).content.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;dossier&quot;)&lt;/script&gt; Arrest in Ngaba" in html


# --- Selections -----------------------------------------------------------------------------


def test_selection_of_two_verified_cases_holds_both(client, advocate):
    first = verified(title="Detention of Sonam Wangdu")
    second = verified(title="Detention of Dolma Kyab", occurred="2015-07")
    client.force_login(advocate)
    response = client.get(SELECTION_URL, {"cases": [first.reference, second.reference]})
    assert response.status_code == 200
    html = response.content.decode()
    for case in (first, second):
        assert case.reference in html
        assert case.title in html
    assert html.index(first.title) < html.index(second.title)  # in the order asked for


def test_selection_with_one_hidden_case_is_404_and_names_neither(client, advocate):
    shown = verified(title="Detention of Sonam Wangdu")
    hidden = CaseFactory(title="Draft about Dolma Kyab", confidentiality=Confidentiality.PUBLIC)
    client.force_login(advocate)
    with_hidden = client.get(SELECTION_URL, {"cases": [shown.reference, hidden.reference]})
    with_missing = client.get(SELECTION_URL, {"cases": [shown.reference, "CB-1999-9999"]})
    assert with_hidden.status_code == with_missing.status_code == 404
    for response in (with_hidden, with_missing):
        assert shown.title.encode() not in response.content
        assert hidden.title.encode() not in response.content

    def comparable(response, reference: str) -> str:
        page = response.content.decode().replace(reference, "")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)

    assert comparable(with_hidden, hidden.reference) == comparable(with_missing, "CB-1999-9999")


def test_selection_needs_cases_and_holds_at_most_fifty(client, monitor):
    client.force_login(monitor)
    assert client.get(SELECTION_URL).status_code == 400
    many = [f"CB-2014-{n:04d}" for n in range(1, 52)]
    response = client.get(SELECTION_URL, {"cases": many})
    assert response.status_code == 400
    assert b"at most 50" in response.content


def test_dossier_costs_the_same_with_one_and_five_detentions(client, monitor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.models import VocabularyKey

    from ..factories import DetentionFactory, SourceFactory, cite, term

    def dossier_queries(people: int) -> int:
        case = CaseFactory()
        source = SourceFactory()
        for _ in range(people):
            detention = DetentionFactory(
                case=case, charges=[term(VocabularyKey.CHARGE, "inciting-separatism")]
            )
            cite(source, detention=detention, excerpt="Detained at the county police station.")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(dossier_url(case)).status_code == 200
        return len(queries)

    client.force_login(monitor)
    assert dossier_queries(1) == dossier_queries(5)
