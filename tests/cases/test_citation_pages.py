"""Citing a source from the case page (for the case, a detention or an event of its timeline),
changing and removing a citation, and correcting a source."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casebook.accounts.system import system_user
from cases.models import (
    Case,
    CaseState,
    Citation,
    Confidentiality,
    Source,
    StaleEdit,
    VocabularyKey,
)
from cases.services.detentions import detention_add_event
from cases.services.sources import cite_new_source, source_update

from ..factories import CaseFactory, DetentionFactory, SourceFactory, cite, term

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def new_url(case, cited: str = "case", pk: int | None = None) -> str:
    url = reverse("cases:citation-new", args=[case.reference])
    return f"{url}?cited={cited}&id={pk if pk is not None else case.pk}"


def edit_url(citation) -> str:
    return reverse("cases:citation-edit", args=[citation.pk])


def remove_url(citation) -> str:
    return reverse("cases:citation-remove", args=[citation.pk])


def source_url(source, case=None) -> str:
    url = reverse("cases:source-edit", args=[source.public_id])
    return f"{url}?case={case.reference}" if case else url


def case_url(case) -> str:
    return reverse("cases:case-detail", args=[case.reference])


def page(response) -> str:
    return response.content.decode()


def new_source(**fields) -> dict:
    """The POST of the form, adding a new source."""
    data = {
        "source": "new",
        "source-kind": str(term(VocabularyKey.SOURCE_KIND, "news-report").pk),
        "source-title": "Monks detained in Sog",
        "source-outlet": "Radio Free Asia",
        "source-author": "",
        "source-published_on": "March 2014",
        "source-url": "https://example.org/sog",
        "source-language": "en",
        "source-reliability": "B",
        "source-originator": "",
        "source-how_obtained": "",
        "source-hand": "second",
        "citation-claim": "date of arrest",
        "citation-excerpt": "Police detained three monks on 6 March.",
        "citation-locator": "para. 2",
        "citation-credibility": "2",
    }
    data.update(fields)
    return data


def picked(source, **fields) -> dict:
    """The POST of the form, picking `source`."""
    data = {
        "source": str(source.public_id),
        "citation-claim": "",
        "citation-excerpt": "",
        "citation-locator": "",
        "citation-credibility": "3",
    }
    data.update(fields)
    return data


def source_data(source, **changes) -> dict:
    data = {
        "source-version": str(source.version),
        "source-kind": str(source.kind_id),
        "source-title": source.title,
        "source-outlet": source.outlet,
        "source-author": source.author,
        "source-published_on": source.published_on,
        "source-url": source.url,
        "source-language": source.language,
        "source-reliability": source.reliability,
        "source-originator": source.originator or "",
        "source-how_obtained": source.how_obtained or "",
        "source-hand": source.hand,
    }
    data.update({f"source-{name}": value for name, value in changes.items()})
    return data


def an_event(detention):
    return detention_add_event(
        acting_user=system_user(),
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "trial"),
        occurred="2014-09",
    )


# --- The service --------------------------------------------------------------------------


def test_service_writes_the_source_and_its_citation_together():
    case = CaseFactory()
    citation = cite_new_source(
        acting_user=system_user(),
        source={"kind": term(VocabularyKey.SOURCE_KIND, "news-report"), "title": " Report "},
        citation={"case": case, "credibility": 2},
    )
    assert citation.source.title == "Report"
    assert citation.source.history.filter(history_type="+").count() == 1
    assert list(case.citations.all()) == [citation]


def test_service_leaves_no_source_when_the_citation_is_refused():
    before = Source.objects.count()
    with pytest.raises(ValidationError):
        cite_new_source(
            acting_user=system_user(),
            source={"kind": term(VocabularyKey.SOURCE_KIND, "news-report"), "title": "Orphan"},
            citation={"credibility": 2},
        )
    assert Source.objects.count() == before
    assert not Source.objects.filter(title="Orphan").exists()


# --- Access -------------------------------------------------------------------------------


def test_monitor_and_reviewer_open_the_form(client, monitor, reviewer):
    case = CaseFactory()
    for user in (monitor, reviewer):
        client.force_login(user)
        response = client.get(new_url(case))
        assert response.status_code == 200 and "Cite a source" in page(response)


def test_other_roles_are_refused(client, advocate, administrator, outsider):
    case = CaseFactory(state=CaseState.VERIFIED)
    citation = cite(SourceFactory(), case=case)
    for user in (advocate, administrator, outsider):
        client.force_login(user)
        assert client.get(new_url(case)).status_code in (403, 404)
        assert client.post(new_url(case), new_source()).status_code in (403, 404)
        assert client.post(edit_url(citation), {"citation-credibility": "1"}).status_code in (
            403,
            404,
        )
        assert client.post(remove_url(citation)).status_code in (403, 404)
        assert client.get(source_url(citation.source)).status_code in (403, 404)
    assert Citation.objects.count() == 1


def test_administrator_is_refused_with_403(client, administrator):
    case = CaseFactory()
    citation = cite(SourceFactory(), case=case)
    client.force_login(administrator)
    assert client.get(new_url(case)).status_code == 403
    assert client.get(edit_url(citation)).status_code == 403
    assert client.get(source_url(citation.source)).status_code == 403


def test_anonymous_is_sent_to_login(client):
    case = CaseFactory()
    citation = cite(SourceFactory(), case=case)
    for url in (
        new_url(case),
        edit_url(citation),
        remove_url(citation),
        source_url(citation.source),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    assert client.post(remove_url(citation)).status_code == 302
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_restricted_case_answers_404(client, monitor):
    case = CaseFactory(confidentiality=Confidentiality.RESTRICTED)
    citation = cite(SourceFactory(), case=case)
    client.force_login(monitor)
    assert client.get(new_url(case)).status_code == 404
    assert client.post(new_url(case), new_source()).status_code == 404
    assert client.get(edit_url(citation)).status_code == 404
    assert client.post(remove_url(citation)).status_code == 404
    assert client.get(source_url(citation.source)).status_code == 404
    assert Citation.objects.count() == 1


def test_a_rejected_case_refuses_its_monitor(client, monitor):
    case = CaseFactory()
    citation = cite(SourceFactory(), case=case)
    Case.objects.filter(pk=case.pk).update(state=CaseState.REJECTED)
    client.force_login(monitor)
    response = client.get(new_url(case))
    assert response.status_code == 403
    assert client.post(edit_url(citation), {"citation-credibility": "1"}).status_code == 403
    assert client.post(remove_url(citation)).status_code == 403
    assert Citation.objects.filter(pk=citation.pk, credibility=6).exists()


def test_a_citation_of_a_person_is_not_the_case_pages(client, monitor):
    detention = DetentionFactory()
    citation = cite(SourceFactory(), person=detention.person)
    client.force_login(monitor)
    assert client.get(edit_url(citation)).status_code == 404
    assert client.post(remove_url(citation)).status_code == 404
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_a_detention_of_another_case_answers_404(client, monitor):
    case = CaseFactory()
    elsewhere = DetentionFactory()
    client.force_login(monitor)
    assert client.get(new_url(case, "detention", elsewhere.pk)).status_code == 404
    assert client.get(new_url(case, "meeting", 1)).status_code == 404
    assert client.get(new_url(case, "event", "x")).status_code == 404


# --- Citing -------------------------------------------------------------------------------


def test_monitor_cites_a_new_source_for_the_case(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    response = client.post(new_url(case), new_source())
    assert response.status_code == 302 and response["Location"].endswith("#sources")
    citation = case.citations.get()
    assert citation.source.title == "Monks detained in Sog"
    assert citation.source.published_on == "2014-03"
    assert citation.source.reliability == "B"
    assert (citation.credibility, citation.locator) == (2, "para. 2")
    assert citation.history.get().history_user == monitor
    body = page(client.get(case_url(case)))
    assert "Monks detained in Sog" in body and "The source was cited." in body


def test_a_detention_citation_goes_back_to_the_people_section(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    response = client.post(new_url(detention.case, "detention", detention.pk), new_source())
    assert response.status_code == 302
    assert response["Location"].endswith("#people")
    assert detention.citations.get().source.title == "Monks detained in Sog"


def test_an_event_of_the_timeline_is_cited(client, monitor):
    detention = DetentionFactory()
    event = an_event(detention)
    source = SourceFactory()
    client.force_login(monitor)
    response = client.post(new_url(detention.case, "event", event.pk), picked(source), **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#people"
    assert event.citations.get().source == source


def test_cited_defaults_to_the_case(client, monitor):
    case = CaseFactory()
    source = SourceFactory()
    client.force_login(monitor)
    url = reverse("cases:citation-new", args=[case.reference])
    assert client.get(url).status_code == 200
    assert client.post(url, picked(source)).status_code == 302
    assert case.citations.get().source == source


def test_sources_cited_on_the_case_are_offered_first(client, monitor):
    detention = DetentionFactory()
    on_detention = SourceFactory(title="Tibet Watch report", published_on="2014-03-08")
    cite(on_detention, detention=detention)
    client.force_login(monitor)
    body = page(client.get(new_url(detention.case)))
    assert "Already cited on this case" in body
    assert f'value="{on_detention.public_id}"' in body
    assert "Tibet Watch report" in body and "8 March 2014" in body
    assert "reliability F" in body


def test_picking_a_source_cited_on_the_case_adds_only_the_citation(client, monitor):
    case = CaseFactory()
    source = SourceFactory()
    cite(source, case=case)
    count = Source.objects.count()
    client.force_login(monitor)
    response = client.post(new_url(case), picked(source, **{"citation-claim": "the charge"}))
    assert response.status_code == 302
    assert Source.objects.count() == count
    assert case.citations.filter(claim="the charge", source=source).exists()


def test_search_finds_by_title_or_outlet(client, monitor):
    case = CaseFactory()
    by_title = SourceFactory(title="Sog monks sentenced")
    by_outlet = SourceFactory(title="Another", outlet="Phayul Sog desk")
    other = SourceFactory(title="Unrelated")
    client.force_login(monitor)
    body = page(client.get(new_url(case) + "&q=sog"))
    assert str(by_title.public_id) in body and str(by_outlet.public_id) in body
    assert str(other.public_id) not in body
    assert 'value="sog"' in body


def test_search_with_htmx_returns_only_the_results(client, monitor):
    case = CaseFactory()
    found = SourceFactory(title="Sog monks sentenced")
    client.force_login(monitor)
    response = client.get(
        new_url(case) + "&q=monks", HTTP_HX_TARGET=f"cite-case-{case.pk}-results", **HTMX
    )
    body = page(response)
    assert response.status_code == 200 and "<form" not in body
    assert str(found.public_id) in body


def test_search_input_updates_as_one_types(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    body = page(client.get(new_url(case)))
    assert 'hx-trigger="input changed delay:300ms"' in body
    assert f'hx-target="#cite-case-{case.pk}-results"' in body


def test_a_source_of_a_hidden_case_is_neither_found_nor_picked(client, monitor):
    hidden = CaseFactory(confidentiality=Confidentiality.RESTRICTED)
    secret = SourceFactory(title="Sog informant report")
    cite(secret, case=hidden)
    case = CaseFactory()
    client.force_login(monitor)
    body = page(client.get(new_url(case) + "&q=Sog"))
    assert "Sog informant report" not in body and str(secret.public_id) not in body
    response = client.post(new_url(case), picked(secret))
    assert response.status_code == 400
    assert "not among those you may cite" in page(response)
    assert not case.citations.exists()


def test_a_forged_source_id_is_refused_with_a_form_error(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    for forged in ("not-an-id", "00000000-0000-0000-0000-000000000000"):
        response = client.post(new_url(case), new_source(source=forged))
        assert response.status_code == 400
        body = page(response)
        assert "Nothing was saved" in body and "not among those you may cite" in body
        assert f'href="#cite-case-{case.pk}-source"' in body
    assert not Citation.objects.exists()
    assert not Source.objects.filter(title="Monks detained in Sog").exists()


def test_bad_input_keeps_everything_typed_and_writes_nothing(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    data = new_source(**{"source-title": "", "source-published_on": "soonish"})
    data["citation-excerpt"] = "Kept excerpt words"
    response = client.post(new_url(case), data)
    assert response.status_code == 400
    body = page(response)
    assert "Nothing was saved" in body
    assert "Kept excerpt words" in body and "Radio Free Asia" in body and "soonish" in body
    assert f'href="#cite-case-{case.pk}-source-title"' in body
    assert f'href="#cite-case-{case.pk}-source-published_on"' in body
    assert f'aria-describedby="cite-case-{case.pk}-source-title_error"' in body
    assert not Source.objects.filter(outlet="Radio Free Asia").exists()
    assert not Citation.objects.exists()


def test_a_picked_source_ignores_the_new_source_fields(client, monitor):
    case = CaseFactory()
    source = SourceFactory()
    client.force_login(monitor)
    data = {**new_source(**{"source-title": ""}), **picked(source, **{"citation-credibility": "9"})}
    response = client.post(new_url(case), data)
    assert response.status_code == 400
    body = page(response)
    assert "Credibility of this information" in body
    assert f'href="#cite-case-{case.pk}-source-title"' not in body
    assert 'value="Radio Free Asia"' in body
    # The source picked stays on offer, and picked.
    assert (
        f'value="{source.public_id}" id="cite-case-{case.pk}-source-{source.public_id}" checked'
        in body
    )


def test_htmx_get_returns_the_form_alone(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    body = page(client.get(new_url(case), **HTMX))
    assert "<html" not in body and f'id="cite-case-{case.pk}-form"' in body


def test_htmx_post_returns_the_sources_section(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    response = client.post(new_url(case), new_source(), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#sources"
    body = page(response)
    assert 'id="sources"' in body and "Monks detained in Sog" in body
    assert "The source was cited." in body


def test_htmx_refusal_returns_the_form_with_400(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    response = client.post(new_url(case), new_source(**{"source-title": ""}), **HTMX)
    assert response.status_code == 400
    assert "<html" not in page(response) and "Nothing was saved" in page(response)


def test_two_forms_on_one_page_share_no_html_id(client, monitor):
    detention = DetentionFactory()
    case = detention.case
    citation = cite(SourceFactory(), case=case)
    client.force_login(monitor)
    bad = new_source(**{"source-title": ""})
    opened = [
        client.get(new_url(case), **HTMX),
        client.post(new_url(case), bad, **HTMX),
        client.post(new_url(case, "detention", detention.pk), bad, **HTMX),
        client.post(edit_url(citation), {"citation-credibility": "0"}, **HTMX),
        client.post(source_url(citation.source), {"source-title": ""}, **HTMX),
    ]
    assert [response.status_code for response in opened] == [200, 400, 400, 400, 400]
    ids = [set(re.findall(r'\sid="([^"]+)"', page(response))) for response in opened[1:]]
    for number, these in enumerate(ids):
        assert these
        for other in ids[number + 1 :]:
            assert not these & other


# --- The case page ------------------------------------------------------------------------


def test_case_page_links_editors_to_cite_change_and_remove(client, monitor, advocate):
    detention = DetentionFactory(case=CaseFactory())
    event = an_event(detention)
    citation = cite(SourceFactory(), case=detention.case)
    client.force_login(monitor)
    body = page(client.get(case_url(detention.case)))
    assert "Cite a source" in body
    assert f'hx-target="#cite-case-{detention.case.pk}"' in body
    assert new_url(detention.case, "detention", detention.pk).replace("&", "&amp;") in body
    assert new_url(detention.case, "event", event.pk).replace("&", "&amp;") in body
    assert edit_url(citation) in body and remove_url(citation) in body
    assert reverse("cases:source-edit", args=[citation.source.public_id]) in body

    detention.case.__class__.objects.filter(pk=detention.case.pk).update(state=CaseState.VERIFIED)
    client.force_login(advocate)
    body = page(client.get(case_url(detention.case)))
    assert "Cite a source" not in body and edit_url(citation) not in body


# --- Changing and removing a citation -----------------------------------------------------


def test_monitor_changes_a_citation(client, monitor):
    detention = DetentionFactory()
    citation = cite(SourceFactory(), detention=detention)
    client.force_login(monitor)
    assert client.get(edit_url(citation)).status_code == 200
    data = {
        "citation-claim": "charge",
        "citation-excerpt": "New words",
        "citation-locator": "p. 4",
        "citation-credibility": "1",
    }
    response = client.post(edit_url(citation), data)
    assert response.status_code == 302 and response["Location"].endswith("#people")
    citation.refresh_from_db()
    assert (citation.excerpt, citation.credibility, citation.locator) == ("New words", 1, "p. 4")


def test_bad_citation_change_keeps_the_text(client, monitor):
    citation = cite(SourceFactory(), case=CaseFactory())
    client.force_login(monitor)
    data = {"citation-excerpt": "Kept words", "citation-credibility": "7"}
    response = client.post(edit_url(citation), data)
    assert response.status_code == 400
    assert "Nothing was saved" in page(response) and "Kept words" in page(response)
    citation.refresh_from_db()
    assert citation.excerpt == ""


def test_htmx_citation_change_returns_the_section(client, monitor):
    citation = cite(SourceFactory(), case=CaseFactory())
    client.force_login(monitor)
    assert "<html" not in page(client.get(edit_url(citation), **HTMX))
    response = client.post(edit_url(citation), {"citation-credibility": "2"}, **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#sources"


def test_remove_asks_then_removes(client, monitor):
    source = SourceFactory()
    citation = cite(source, case=CaseFactory())
    client.force_login(monitor)
    confirm = client.get(remove_url(citation))
    assert confirm.status_code == 200 and "Remove the citation" in page(confirm)
    assert Citation.objects.filter(pk=citation.pk).exists()
    response = client.post(remove_url(citation))
    assert response.status_code == 302 and response["Location"].endswith("#sources")
    assert not Citation.objects.filter(pk=citation.pk).exists()
    assert Source.objects.filter(pk=source.pk).exists()
    assert citation.history.filter(history_type="-", history_user=monitor).exists()


def test_htmx_remove_of_an_event_citation_returns_the_people_section(client, monitor):
    event = an_event(DetentionFactory())
    citation = cite(SourceFactory(), detention_event=event)
    client.force_login(monitor)
    response = client.post(remove_url(citation), **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#people"
    assert not Citation.objects.filter(pk=citation.pk).exists()


# --- Correcting a source ------------------------------------------------------------------


def test_monitor_corrects_a_source(client, monitor):
    case = CaseFactory()
    source = SourceFactory()
    cite(source, case=case)
    client.force_login(monitor)
    assert client.get(source_url(source, case)).status_code == 200
    response = client.post(source_url(source, case), source_data(source, reliability="A"))
    assert response.status_code == 302 and response["Location"].endswith("#sources")
    source.refresh_from_db()
    assert source.reliability == "A" and source.version == 2


def test_bad_source_change_keeps_the_text(client, monitor):
    source = SourceFactory()
    client.force_login(monitor)
    data = source_data(source, title="", outlet="Kept outlet")
    response = client.post(source_url(source), data)
    assert response.status_code == 400
    assert "Nothing was saved" in page(response) and "Kept outlet" in page(response)
    source.refresh_from_db()
    assert source.outlet != "Kept outlet"


def test_stale_source_save_shows_the_conflict_page_and_keeps_the_text(client, monitor, monitor2):
    case = CaseFactory()
    source = SourceFactory()
    cite(source, case=case)
    data = source_data(source, outlet="My outlet")
    source_update(acting_user=monitor2, source=source, changes={"outlet": "Their outlet"})
    client.force_login(monitor)
    response = client.post(source_url(source, case), data)
    assert response.status_code == 409
    body = page(response)
    assert "My outlet" in body and "Their outlet" in body
    assert StaleEdit.objects.filter(user=monitor, record_id=source.pk).exists()
    source.refresh_from_db()
    assert source.outlet == "Their outlet"
    assert f'value="{source.version}"' in body
    # Discarding goes back to where the source was opened from, not to the people.
    assert f'href="/cases/{case.reference}/#sources">Discard my changes' in body


def test_htmx_source_change_returns_the_named_section(client, monitor):
    detention = DetentionFactory()
    source = SourceFactory()
    cite(source, detention=detention)
    client.force_login(monitor)
    url = source_url(source, detention.case) + "&section=people"
    response = client.post(url, source_data(source, author="A. Writer"), **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#people"


def test_a_source_changed_outside_a_case_comes_back_to_its_form(client, monitor):
    source = SourceFactory()
    client.force_login(monitor)
    response = client.post(source_url(source), source_data(source, author="A. Writer"))
    assert response.status_code == 302 and response["Location"] == source_url(source)
    assert "The source was changed." in page(client.get(response["Location"]))


def test_a_source_also_cited_on_a_hidden_case_may_not_be_changed(client, monitor):
    source = SourceFactory()
    cite(source, case=CaseFactory())
    cite(source, case=CaseFactory(confidentiality=Confidentiality.RESTRICTED))
    client.force_login(monitor)
    response = client.post(source_url(source), source_data(source, reliability="A"))
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.reliability == "F"


def test_htmx_source_form_opens_in_place(client, monitor):
    case = CaseFactory()
    source = SourceFactory(title="Sog report")
    cite(source, case=case)
    client.force_login(monitor)
    response = client.get(source_url(source, case), **HTMX)
    body = page(response)
    assert response.status_code == 200 and "<html" not in body
    assert f'id="source-edit-{source.public_id}"' in body and 'value="Sog report"' in body


def test_the_form_says_what_the_citation_supports(client, monitor):
    detention = DetentionFactory()
    event = an_event(detention)
    client.force_login(monitor)
    body = page(client.get(new_url(detention.case, "event", event.pk)))
    assert "“Trial”" in body and detention.person.name in body
