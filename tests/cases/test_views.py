"""The read-only case pages: who sees what, what the page shows, and what it costs.

Access and leak checks read the bytes of the response, not a context variable.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casebook.accounts.system import system_user
from cases.models import CaseState, Confidentiality, LanguageTag, Sex, VocabularyKey
from cases.services.detentions import detention_add_event
from cases.services.people import person_add_name

from ..factories import (
    CaseFactory,
    DetentionFactory,
    PersonFactory,
    SourceFactory,
    cite,
    term,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("cases:case-list")
DRILDA_HIERARCHY = "Drilda monastery › Sog County › Nagchu › Tibet Autonomous Region › China"


def case_url(case) -> str:
    return reverse("cases:case-detail", args=[case.reference])


def html(response) -> str:
    return response.content.decode()


# --- Who may open the pages ----------------------------------------------------------------


def test_monitor_sees_demo_case_in_list(client, monitor, demo_case):
    client.force_login(monitor)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert demo_case.reference in html(response)
    assert demo_case.title in html(response)


@pytest.mark.parametrize("url_name", ["list", "detail"])
def test_anonymous_visitor_is_sent_to_login(client, demo_case, url_name):
    url = LIST_URL if url_name == "list" else case_url(demo_case)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert demo_case.title not in html(response)


def test_outsider_sees_no_case_and_is_told_why(client, outsider, demo_case):
    client.force_login(outsider)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert demo_case.reference not in html(response)
    assert demo_case.title not in html(response)
    assert "No cases you can see yet" in html(response)


def test_outsider_gets_404_on_case_page(client, outsider, demo_case):
    client.force_login(outsider)
    response = client.get(case_url(demo_case))
    assert response.status_code == 404
    assert demo_case.title not in html(response)


def test_advocate_does_not_see_draft_case(client, advocate):
    draft = CaseFactory(title="Draft case of Sonam", confidentiality=Confidentiality.PUBLIC)
    client.force_login(advocate)

    listing = client.get(LIST_URL)
    assert draft.reference not in html(listing)
    assert draft.title not in html(listing)
    assert "Advocates see cases once they are verified" in html(listing)

    page = client.get(case_url(draft))
    assert page.status_code == 404
    assert draft.title not in html(page)


def test_advocate_sees_verified_public_case(client, advocate):
    verified = CaseFactory(
        title="Verified case of Sonam",
        confidentiality=Confidentiality.PUBLIC,
        state=CaseState.VERIFIED,
    )
    client.force_login(advocate)
    assert verified.title in html(client.get(LIST_URL))
    page = client.get(case_url(verified))
    assert page.status_code == 200
    assert verified.title in html(page)


def test_restricted_case_does_not_leak_to_monitor(client, monitor):
    restricted = CaseFactory(
        title="Restricted: testimony from Sershul", confidentiality=Confidentiality.RESTRICTED
    )
    CaseFactory(title="An ordinary internal case")
    client.force_login(monitor)

    listing = client.get(LIST_URL)
    assert listing.status_code == 200
    assert b"An ordinary internal case" in listing.content
    assert restricted.reference.encode() not in listing.content
    assert restricted.title.encode() not in listing.content
    assert b"1 case" in listing.content  # the count does not include it either

    page = client.get(case_url(restricted))
    assert page.status_code == 404
    assert restricted.title.encode() not in page.content


def test_hidden_case_and_missing_case_answer_alike(client, monitor):
    restricted = CaseFactory(title="Restricted case", confidentiality=Confidentiality.RESTRICTED)
    client.force_login(monitor)
    hidden = client.get(case_url(restricted))
    missing = client.get(reverse("cases:case-detail", args=["CB-1999-9999"]))
    assert hidden.status_code == missing.status_code == 404

    def comparable(response, reference: str) -> str:
        page = html(response).replace(reference, "")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)

    assert comparable(hidden, restricted.reference) == comparable(missing, "CB-1999-9999")


def test_administrator_sees_restricted_case(client, administrator):
    restricted = CaseFactory(title="Restricted case", confidentiality=Confidentiality.RESTRICTED)
    client.force_login(administrator)
    assert restricted.title in html(client.get(LIST_URL))
    assert client.get(case_url(restricted)).status_code == 200


# --- What the case page shows --------------------------------------------------------------


def test_case_page_shows_the_demo_case(client, monitor, demo_case):
    client.force_login(monitor)
    response = client.get(case_url(demo_case))
    assert response.status_code == 200
    page = html(response)

    assert demo_case.reference in page
    assert demo_case.title in page
    assert page.count('class="detention"') == 5
    assert "Person 5 of 5" in page
    assert "Monk of Drilda monastery (2 of 2)" in page
    assert "Tibetan arrested with the Drilda monks (3 of 3)" in page
    assert "Name unknown" in page
    assert "Chinese authorities" in page
    assert "believed" in page
    assert "Sharing pictures and messages on WeChat" in page
    assert "6 March 2014" in page
    assert "inferred" in page
    assert DRILDA_HIERARCHY in page
    assert "Kham" in page
    # The excerpt from the article, quoted as a blockquote.
    assert re.search(r"<blockquote[^>]*>\s*<p>Five Tibetans including two monks", page)
    assert "C – fairly reliable" in page
    assert "3 – possibly true" in page
    # Place names in Tibetan script are marked as Tibetan so that they shape correctly.
    assert re.search(r'lang="bo"[^>]*>སོག་རྫོང<', page)


def test_person_name_in_tibetan_is_marked_as_tibetan(client, monitor):
    detention = DetentionFactory(person=PersonFactory(name="Tashi Dorje"))
    person_add_name(
        acting_user=system_user(),
        person=detention.person,
        name="བཀྲ་ཤིས་རྡོ་རྗེ",
        language=LanguageTag.TIBETAN,
    )
    person_add_name(
        acting_user=system_user(),
        person=detention.person,
        name="扎西多杰",
        language=LanguageTag.CHINESE_SIMPLIFIED,
    )
    client.force_login(monitor)
    page = html(client.get(case_url(detention.case)))
    assert re.search(r'<span lang="bo"[^>]*>བཀྲ་ཤིས་རྡོ་རྗེ</span>', page)
    assert re.search(r'<span lang="zh-Hans"[^>]*>扎西多杰</span>', page)


def test_case_page_shows_timeline_and_sentence(client, monitor):
    detention = DetentionFactory(
        sentence_kind="term",
        sentence_years=3,
        charges=[term(VocabularyKey.CHARGE, "inciting-separatism")],
    )
    event = detention_add_event(
        acting_user=system_user(),
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "sentencing"),
        occurred="2014-11~",
        note="Sentenced by the county court",
    )
    cite(SourceFactory(title="Court notice"), detention_event=event, excerpt="判处有期徒刑三年")
    client.force_login(monitor)
    page = html(client.get(case_url(detention.case)))
    assert "Sentencing" in page
    assert "about November 2014" in page
    assert "Sentenced by the county court" in page
    assert "Inciting separatism" in page
    assert "3 years" in page
    assert "6 March 2017" in page  # expected release, counted from the day of detention
    assert "Court notice" in page
    assert "判处有期徒刑三年" in page


def test_html_in_case_text_is_escaped(client, monitor):
    case = CaseFactory(
        title="<script>alert('title')</script>",
        summary="<img src=x onerror=alert(1)>\nsecond line",
    )
    DetentionFactory(case=case, person=PersonFactory(name="<b>Not bold</b>"))
    client.force_login(monitor)
    for url in (LIST_URL, case_url(case)):
        page = html(client.get(url))
        assert "<script>alert(" not in page
        assert "&lt;script&gt;alert(" in page
    page = html(client.get(case_url(case)))
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>Not bold</b>" not in page


def test_sensitive_person_and_source_fields_never_shown(client, monitor):
    person = PersonFactory(
        contact_details="WeChat id dolkar-secret-8841",
        family_details="Sister lives in Lhasa, phone 139-secret",
        internal_notes="Internal: do not contact before June",
    )
    detention = DetentionFactory(person=person)
    source = SourceFactory(originator="Witness Pema, cousin", how_obtained="Signal call, 3 May")
    cite(source, detention=detention, excerpt="She was taken at night.")
    client.force_login(monitor)
    page = client.get(case_url(detention.case)).content
    assert b"She was taken at night." in page
    for secret in (
        "dolkar-secret-8841",
        "139-secret",
        "do not contact before June",
        "Witness Pema",
        "Signal call",
    ):
        assert secret.encode() not in page


def test_unnamed_person_is_shown_as_normal_text(client, monitor):
    detention = DetentionFactory(person=PersonFactory(name="", description="Nun of Gaden Choeling"))
    client.force_login(monitor)
    page = html(client.get(case_url(detention.case)))
    assert re.search(r'<h3[^>]*class="detention__name"[^>]*>\s*Name unknown\s*</h3>', page)
    assert "Nun of Gaden Choeling" in page


# --- The list ------------------------------------------------------------------------------


def test_list_counts_heads_not_rows(client, monitor):
    case = CaseFactory(
        title="Group arrest in Ngaba",
        violation_types=[
            term(VocabularyKey.VIOLATION_TYPE, "arbitrary-detention"),
            term(VocabularyKey.VIOLATION_TYPE, "freedom-of-expression"),
        ],
    )
    DetentionFactory(case=case, person=PersonFactory(name="", is_group=True, head_count=3))
    DetentionFactory(case=case, person=PersonFactory(name="Lobsang"))
    client.force_login(monitor)
    response = client.get(LIST_URL)
    row = next(row for row in response.context["page"] if row.pk == case.pk)
    assert row.people_detained == 4
    assert re.search(r'data-label="People detained" class="num">4</td>', html(response))


def test_list_shows_place_hierarchy_and_uncertain_date(client, monitor, demo_case):
    client.force_login(monitor)
    page = html(client.get(LIST_URL))
    assert DRILDA_HIERARCHY in page
    assert "6 March 2014 (inferred)" in page
    assert "Arbitrary detention" in page
    assert re.search(r'data-label="People detained" class="num">5</td>', page)


def test_list_is_paginated_with_a_result_count(client, monitor):
    for number in range(51):
        CaseFactory(title=f"Case number {number}")
    client.force_login(monitor)
    first = html(client.get(LIST_URL))
    assert "51 cases" in first
    assert "Page 1 of 2" in first
    assert first.count('class="case-table__title"') == 50
    second = html(client.get(LIST_URL, {"page": 2}))
    assert second.count('class="case-table__title"') == 1


def test_a_list_longer_than_the_count_cap_says_more_than(client, monitor, monkeypatch):
    """Counting every row of a huge list costs more than the page; the count stops at a cap."""
    from cases.views import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    for number in range(5):
        CaseFactory(title=f"Case number {number}")
    client.force_login(monitor)
    with CaptureQueriesContext(connection) as captured:
        page = html(client.get(LIST_URL))
    assert "More than 3 cases" in page
    (count,) = [q["sql"] for q in captured if "COUNT(" in q["sql"] and "cases_case" in q["sql"]]
    assert "LIMIT 4" in count and "head_count" not in count and "ORDER BY" not in count
    assert page.count('class="case-table__title"') == 5


# --- Cost: a fixed number of queries -------------------------------------------------------


def _detention_with_everything(case, number: int):
    """A detention that touches every relation the case page shows."""
    person = PersonFactory(
        name=f"Person {number}",
        sex=Sex.MALE,
        ethnicity=term(VocabularyKey.ETHNICITY, "tibetan"),
        occupation=term(VocabularyKey.OCCUPATION, "monk"),
        names=[(f"བཀྲ་ཤིས་ {number}", LanguageTag.TIBETAN)],
    )
    detention = DetentionFactory(
        case=case,
        person=person,
        charges=[term(VocabularyKey.CHARGE, "inciting-separatism")],
        detention_type=term(VocabularyKey.DETENTION_TYPE, "criminal"),
    )
    event = detention_add_event(
        acting_user=system_user(),
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "formal-arrest"),
        occurred="2014-04",
    )
    source = SourceFactory()
    cite(source, detention=detention, excerpt="detained")
    cite(source, detention_event=event, excerpt="arrested")
    return detention


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_case_page_costs_the_same_with_1_and_10_detentions(client, monitor, demo_case):
    small = CaseFactory(place=demo_case.place)
    large = CaseFactory(place=demo_case.place)
    cite(SourceFactory(), case=small)
    cite(SourceFactory(), case=large)
    _detention_with_everything(small, 0)
    for number in range(1, 11):
        _detention_with_everything(large, number)
    client.force_login(monitor)
    assert _queries(client, case_url(small)) == _queries(client, case_url(large))


def test_case_list_costs_the_same_with_1_and_10_detentions(client, monitor, demo_case):
    case = CaseFactory(place=demo_case.place)
    _detention_with_everything(case, 0)
    client.force_login(monitor)
    with_one = _queries(client, LIST_URL)
    for number in range(1, 10):
        _detention_with_everything(case, number)
    assert _queries(client, LIST_URL) == with_one


def test_case_list_costs_the_same_with_1_and_10_cases(client, monitor, demo_case):
    client.force_login(monitor)
    with_one = _queries(client, LIST_URL)
    for _number in range(9):
        CaseFactory(
            place=demo_case.place,
            violation_types=[term(VocabularyKey.VIOLATION_TYPE, "arbitrary-detention")],
        )
    assert _queries(client, LIST_URL) == with_one
