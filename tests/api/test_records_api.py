"""Detentions, people, sources, citations, interventions and the reference data."""

from __future__ import annotations

import datetime

import pytest

from casebook.accounts.system import system_user
from cases.models import (
    CaseState,
    Citation,
    Confidentiality,
    Detention,
    DetentionStatus,
    Person,
    Source,
    VocabularyKey,
)
from cases.services.detentions import detention_add_event
from cases.services.interventions import intervention_create

from ..factories import DetentionFactory, PersonFactory, SourceFactory, cite, term
from .conftest import make_case, settle

pytestmark = pytest.mark.django_db

SENSITIVE_KEYS = {
    "contact_details",
    "family_details",
    "internal_notes",
    "originator",
    "how_obtained",
}


def all_keys(value) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in all_keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in all_keys(item)}
    return set()


# --- Detentions ------------------------------------------------------------------------------


def test_detention_detail_nests_its_events(client_for, monitor):
    detention = DetentionFactory(case=make_case(title="Detention of Rinchen"))
    detention_add_event(
        acting_user=system_user(),
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "sentencing"),
        occurred="2015-01-20",
    )
    body = client_for(monitor).get(f"/api/v1/detentions/{detention.public_id}/").json()
    assert body["status"] == "sentenced"
    assert body["case"] == detention.case.reference
    assert body["person"] == str(detention.person.public_id)
    assert body["person_detail"]["name"] == detention.person.name
    (event,) = body["events"]
    assert event["event_type"] == "sentencing"
    assert event["occurred_display"] == "20 January 2015"
    assert not SENSITIVE_KEYS & all_keys(body)


def test_monitor_records_a_detention_and_status_is_derived(client_for, monitor):
    case = make_case(title="Detention of Dawa", state=CaseState.DRAFT)
    person = PersonFactory(name="Dawa")
    response = client_for(monitor).post(
        "/api/v1/detentions/",
        {
            "case": case.reference,
            "person": str(person.public_id),
            "detained_on": "2016-05",
            "charges": ["inciting-separatism"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "detained"
    assert body["charges"] == ["inciting-separatism"]
    assert body["detained_on_display"] == "May 2016"
    assert Detention.objects.get(public_id=body["public_id"]).case == case


def test_detention_in_a_hidden_case_cannot_be_created(client_for, monitor, restricted_case):
    person = PersonFactory(name="Dawa")
    response = client_for(monitor).post(
        "/api/v1/detentions/",
        {"case": restricted_case.reference, "person": str(person.public_id)},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"case"}
    assert restricted_case.title.encode() not in response.content


def test_detention_stale_write_is_409_and_changes_nothing(client_for, monitor, monitor2):
    detention = DetentionFactory(case=make_case(title="Detention", state=CaseState.DRAFT))
    url = f"/api/v1/detentions/{detention.public_id}/"
    ok = client_for(monitor2).patch(url, {"age_at_detention": 30, "version": 1}, format="json")
    assert ok.status_code == 200, ok.json()
    stale = client_for(monitor).patch(url, {"age_at_detention": 31, "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 2
    assert stale.json()["current"]["age_at_detention"] == 30
    detention.refresh_from_db()
    assert detention.age_at_detention == 30


def test_detention_case_and_person_are_fixed_after_creation(client_for, monitor):
    detention = DetentionFactory(case=make_case(title="Detention", state=CaseState.DRAFT))
    other = make_case(title="Other", state=CaseState.DRAFT)
    response = client_for(monitor).patch(
        f"/api/v1/detentions/{detention.public_id}/",
        {"case": other.reference, "version": 1},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"case"}
    detention.refresh_from_db()
    assert detention.case_id != other.pk


def test_detention_invalid_sentence_is_400(client_for, monitor):
    detention = DetentionFactory(case=make_case(title="Detention", state=CaseState.DRAFT))
    response = client_for(monitor).patch(
        f"/api/v1/detentions/{detention.public_id}/",
        {"sentence_kind": "term", "version": 1},
        format="json",
    )
    assert response.status_code == 400
    detention.refresh_from_db()
    assert detention.sentence_kind == ""


def test_advocate_cannot_create_detention(client_for, advocate):
    case = make_case(title="Detention")
    response = client_for(advocate).post(
        "/api/v1/detentions/",
        {"case": case.reference, "person": str(PersonFactory().public_id)},
        format="json",
    )
    assert response.status_code == 403


def test_malformed_public_id_is_404(client_for, monitor):
    assert client_for(monitor).get("/api/v1/detentions/not-a-uuid/").status_code == 404
    assert (
        client_for(monitor)
        .get("/api/v1/detentions/00000000-0000-0000-0000-000000000000/")
        .status_code
        == 404
    )


# --- People ----------------------------------------------------------------------------------


def test_sensitive_person_fields_are_never_serialized(client_for, monitor):
    person = PersonFactory(
        name="Tenzin Choedron",
        contact_details="MARKER-SECRET-CONTACT",
        family_details="MARKER-SECRET-FAMILY",
        internal_notes="MARKER-SECRET-NOTES",
    )
    DetentionFactory(case=make_case(title="Detention"), person=person)
    client = client_for(monitor)
    for url in ["/api/v1/people/", f"/api/v1/people/{person.public_id}/", "/api/v1/detentions/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert b"MARKER-SECRET" not in response.content
        assert not SENSITIVE_KEYS & all_keys(response.json())


def test_sensitive_person_fields_cannot_be_written(client_for, monitor):
    response = client_for(monitor).post(
        "/api/v1/people/",
        {"name": "Pema", "contact_details": "MARKER-SECRET-CONTACT"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"contact_details"}
    assert not Person.objects.filter(name="Pema").exists()


def test_monitor_creates_a_person_with_names(client_for, monitor):
    response = client_for(monitor).post(
        "/api/v1/people/",
        {
            "name": "Tashi Dondrub",
            "sex": "male",
            "ethnicity": "tibetan",
            "names": [
                {"name": "བཀྲ་ཤིས་དོན་གྲུབ", "language": "bo"},
                {"name": "Zhāxī Dūnzhū", "language": "zh-Latn-pinyin", "kind": "official"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {(n["name"], n["language"]) for n in body["names"]} == {
        ("བཀྲ་ཤིས་དོན་གྲུབ", "bo"),
        ("Zhāxī Dūnzhū", "zh-Latn-pinyin"),
    }
    assert body["detentions"] == []
    # Not yet detained anywhere: monitors see the record, advocates do not.
    assert client_for(monitor).get(f"/api/v1/people/{body['public_id']}/").status_code == 200


def test_unattached_person_is_hidden_from_advocates(client_for, advocate):
    person = PersonFactory(name="Not yet in any case")
    assert client_for(advocate).get(f"/api/v1/people/{person.public_id}/").status_code == 404


def test_person_stale_write_is_409(client_for, monitor, monitor2):
    person = PersonFactory(name="Lobsang")
    DetentionFactory(case=make_case(title="Detention", state=CaseState.DRAFT), person=person)
    url = f"/api/v1/people/{person.public_id}/"
    assert (
        client_for(monitor2).patch(url, {"name": "Lobsang Gyatso", "version": 1}).status_code == 200
    )
    stale = client_for(monitor).patch(url, {"name": "Lobsang Tenzin", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["name"] == "Lobsang Gyatso"
    person.refresh_from_db()
    assert person.name == "Lobsang Gyatso"


def test_withheld_identity_is_masked_for_advocates_only(client_for, monitor, advocate):
    person = PersonFactory(name="MARKER-WITHHELD-NAME", identity_withheld=True)
    detention = DetentionFactory(case=make_case(title="Detention"), person=person)
    settle(detention.case)
    for url in [
        f"/api/v1/people/{person.public_id}/",
        f"/api/v1/detentions/{detention.public_id}/",
    ]:
        assert b"MARKER-WITHHELD-NAME" in client_for(monitor).get(url).content
        response = client_for(advocate).get(url)
        assert response.status_code == 200
        assert b"MARKER-WITHHELD-NAME" not in response.content
        assert b"[identity withheld]" in response.content


# --- Sources and citations -------------------------------------------------------------------


def test_source_never_shows_originator_or_how_obtained(client_for, monitor):
    source = SourceFactory(
        title="Testimony of a relative",
        kind=term(VocabularyKey.SOURCE_KIND, "testimony"),
        originator="MARKER-SECRET-ORIGINATOR",
        how_obtained="MARKER-SECRET-HOW",
    )
    cite(source, case=make_case(title="Detention"))
    client = client_for(monitor)
    for url in ["/api/v1/sources/", f"/api/v1/sources/{source.public_id}/", "/api/v1/citations/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert b"MARKER-SECRET" not in response.content
        assert not SENSITIVE_KEYS & all_keys(response.json())


def test_monitor_creates_and_updates_a_source(client_for, monitor, monitor2):
    created = client_for(monitor).post(
        "/api/v1/sources/",
        {
            "kind": "news-report",
            "title": "Two monks detained",
            "outlet": "Radio Free Asia",
            "published_on": "2014-05-30",
            "reliability": "B",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["citations"] == []
    source = Source.objects.get(public_id=body["public_id"])
    url = f"/api/v1/sources/{source.public_id}/"
    assert client_for(monitor2).patch(url, {"author": "A", "version": 1}).status_code == 200
    stale = client_for(monitor).patch(url, {"author": "B", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["author"] == "A"


def test_citation_is_created_for_exactly_one_target(client_for, monitor):
    case = make_case(title="Detention", state=CaseState.DRAFT)
    source = SourceFactory()
    client = client_for(monitor)
    none = client.post("/api/v1/citations/", {"source": str(source.public_id)}, format="json")
    assert none.status_code == 400
    detention = DetentionFactory(case=case)
    two = client.post(
        "/api/v1/citations/",
        {
            "source": str(source.public_id),
            "case": case.reference,
            "detention": str(detention.public_id),
        },
        format="json",
    )
    assert two.status_code == 400
    one = client.post(
        "/api/v1/citations/",
        {"source": str(source.public_id), "case": case.reference, "credibility": 2},
        format="json",
    )
    assert one.status_code == 201, one.json()
    assert Citation.objects.filter(source=source, case=case, credibility=2).exists()
    case.refresh_from_db()
    assert case.facts_changed_by == monitor


def test_citing_onto_a_hidden_case_is_refused(client_for, monitor, restricted_case):
    response = client_for(monitor).post(
        "/api/v1/citations/",
        {"source": str(SourceFactory().public_id), "case": restricted_case.reference},
        format="json",
    )
    assert response.status_code == 400
    assert (
        not Citation.objects.filter(case=restricted_case)
        .exclude(claim="MARKER-RESTRICTED-CLAIM")
        .exists()
    )


def test_read_only_users_see_sources_only_through_visible_citations(client_for, advocate):
    shown = SourceFactory(title="Cited on a verified case")
    verified = make_case(title="Verified")
    cite(shown, case=verified)
    settle(verified)
    hidden = SourceFactory(title="Cited on a draft only")
    cite(hidden, case=make_case(title="Draft", state=CaseState.DRAFT))
    uncited = SourceFactory(title="Cited nowhere")
    titles = {
        row["title"] for row in client_for(advocate).get("/api/v1/sources/").json()["results"]
    }
    assert titles == {"Cited on a verified case"}
    assert client_for(advocate).get(f"/api/v1/sources/{uncited.public_id}/").status_code == 404


# --- Interventions ---------------------------------------------------------------------------


def test_interventions_of_visible_cases(client_for, advocate, restricted_case):
    case = make_case(title="Verified")
    kind = term(VocabularyKey.INTERVENTION_KIND, "un-urgent-appeal")
    shown = intervention_create(
        acting_user=system_user(), case=case, kind=kind, sent_on=datetime.date(2014, 4, 1)
    )
    intervention_create(
        acting_user=system_user(), case=restricted_case, kind=kind, notes="MARKER-X"
    )
    body = client_for(advocate).get("/api/v1/interventions/").json()
    assert [row["id"] for row in body["results"]] == [shown.pk]
    assert body["results"][0]["reply_due"] == "2014-05-31"
    assert body["results"][0]["case"] == case.reference
    detail = client_for(advocate).get(f"/api/v1/interventions/{shown.pk}/")
    assert detail.status_code == 200


# --- Reference data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/places/",
        "/api/v1/organizations/",
        "/api/v1/vocabularies/",
        "/api/v1/vocabularies/charge/",
        "/api/v1/terms/?vocabulary=charge",
    ],
)
def test_reference_data_is_for_users_with_a_role(client_for, advocate, outsider, demo_case, url):
    assert client_for(advocate).get(url).status_code == 200
    refused = client_for(outsider).get(url)
    assert refused.status_code == 403
    assert "role" in refused.json()["detail"]


def test_place_and_vocabulary_shapes(client_for, advocate, demo_case):
    client = client_for(advocate)
    places = client.get("/api/v1/places/?page_size=500").json()["results"]
    sog = next(place for place in places if place["name"] == "Sog County")
    assert sog["latitude"] == 31.886
    assert sog["longitude"] == 93.79
    assert sog["traditional_region"] == "kham"
    assert sog["depth"] == 3
    assert {"name": "索县", "language": "zh-Hans"} in [
        {key: variant[key] for key in ("name", "language")} for variant in sog["names"]
    ]
    assert client.get(f"/api/v1/places/{sog['id']}/").json()["name"] == "Sog County"
    charges = client.get("/api/v1/vocabularies/charge/").json()
    codes = [item["code"] for item in charges["terms"]]
    assert "inciting-separatism" in codes
    term_id = charges["terms"][0]["id"]
    assert client.get(f"/api/v1/terms/{term_id}/").json()["vocabulary"] == "charge"
    organization = client.get("/api/v1/organizations/").json()["results"][0]
    assert organization["name"] == "Drilda monastery"
    assert client.get(f"/api/v1/organizations/{organization['public_id']}/").status_code == 200


def test_vocabularies_are_read_only(client_for, monitor):
    response = client_for(monitor).post("/api/v1/vocabularies/", {"key": "x"}, format="json")
    assert response.status_code == 405


def test_person_lists_only_detentions_in_visible_cases(client_for, monitor):
    """A person's detentions list only those in cases the user may see."""
    person = PersonFactory(name="Shared person")
    DetentionFactory(case=make_case(title="Visible"), person=person)
    DetentionFactory(
        case=make_case(title="MARKER-HIDDEN", level=Confidentiality.RESTRICTED), person=person
    )
    body = client_for(monitor).get(f"/api/v1/people/{person.public_id}/").json()
    assert len(body["detentions"]) == 1
    assert body["detentions"][0]["status"] == DetentionStatus.DETAINED
