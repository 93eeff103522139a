"""The lookups behind the autocomplete fields: records found by any name, in any script, at
most twenty, in a fixed number of queries, and never a record the reader may not see."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casebook.accounts.system import system_user
from cases.forms_lookup import OrganizationChoiceField, PlaceChoiceField, TermChoiceField
from cases.models import Confidentiality, LanguageTag, PlaceKind, Term, VocabularyKey
from cases.services.organizations import organization_create
from cases.services.vocabularies import term_save
from cases.views.lookup import MAX_RESULTS

from ..factories import CaseFactory, DetentionFactory, PersonFactory, PlaceFactory, term

pytestmark = pytest.mark.django_db

PLACES = reverse("cases:lookup-places")
ORGANIZATIONS = reverse("cases:lookup-organizations")
PEOPLE = reverse("cases:lookup-people")


def terms_url(vocabulary: VocabularyKey) -> str:
    return reverse("cases:lookup-terms", args=[vocabulary.value])


def results(client, url: str, q: str) -> list[dict]:
    response = client.get(url, {"q": q})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


def labels(client, url: str, q: str) -> list[str]:
    return [row["label"] for row in results(client, url, q)]


@pytest.fixture
def gazetteer(db):
    china = PlaceFactory(name="China", kind=PlaceKind.COUNTRY)
    tar = PlaceFactory(name="Tibet AR", kind=PlaceKind.REGION, parent=china)
    nagchu = PlaceFactory(
        name="Nagchu",
        kind=PlaceKind.PREFECTURE,
        parent=tar,
        names=[("那曲", LanguageTag.CHINESE_SIMPLIFIED), ("Naqu", LanguageTag.PINYIN)],
    )
    sog = PlaceFactory(
        name="Sog County",
        kind=PlaceKind.COUNTY,
        parent=nagchu,
        names=[("索县", LanguageTag.CHINESE_SIMPLIFIED), ("སོག་རྫོང", LanguageTag.TIBETAN)],
    )
    drilda = PlaceFactory(name="Drilda", kind=PlaceKind.MONASTERY, parent=sog)
    return {"china": china, "nagchu": nagchu, "sog": sog, "drilda": drilda}


# --- Who may ask ---------------------------------------------------------------------------

ENDPOINTS = [PLACES, ORGANIZATIONS, PEOPLE, terms_url(VocabularyKey.CHARGE)]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_role_may_look_up(client, url, monitor, reviewer, advocate, administrator):
    for user in (monitor, reviewer, advocate, administrator):
        client.force_login(user)
        assert client.get(url, {"q": "so"}).status_code == 200


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_user_with_no_role_is_refused(client, url, outsider):
    client.force_login(outsider)
    assert client.get(url, {"q": "so"}).status_code == 403


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url, {"q": "so"})
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_lookups_answer_get_only_and_are_never_cached(client, url, monitor):
    client.force_login(monitor)
    assert client.post(url, {"q": "so"}).status_code == 405
    assert "no-store" in client.get(url, {"q": "so"})["Cache-Control"]


def test_an_unknown_vocabulary_answers_404(client, monitor):
    client.force_login(monitor)
    response = client.get(reverse("cases:lookup-terms", args=["no-such-list"]), {"q": "a"})
    assert response.status_code == 404


# --- Places --------------------------------------------------------------------------------


def test_a_place_is_labelled_with_its_hierarchy(client, monitor, gazetteer):
    client.force_login(monitor)
    found = results(client, PLACES, "Sog")
    assert found[0] == {
        "id": gazetteer["sog"].pk,
        "label": "Sog County › Nagchu › Tibet AR › China",
    }


def test_the_label_is_the_one_the_place_field_shows(client, monitor, gazetteer):
    client.force_login(monitor)
    field = PlaceChoiceField()
    options = {str(value): label for value, label in field.choices if value}
    for row in results(client, PLACES, "a"):
        assert options[str(row["id"])] == row["label"]


@pytest.mark.parametrize(
    "typed",
    ["sog", "SOG", "索县", "སོག", "那曲", "naqu", "NAQU", "suo xian"[:3]],
)
def test_a_place_is_found_by_any_name_in_any_script(client, monitor, gazetteer, typed):
    client.force_login(monitor)
    found = labels(client, PLACES, typed)
    assert found, typed
    assert any(label.startswith(("Sog County", "Nagchu")) for label in found)


def test_a_place_below_is_found_with_its_whole_chain(client, monitor, gazetteer):
    client.force_login(monitor)
    assert labels(client, PLACES, "drild") == ["Drilda › Sog County › Nagchu › Tibet AR › China"]


def test_an_empty_query_finds_nothing(client, monitor, gazetteer):
    client.force_login(monitor)
    assert results(client, PLACES, "  ") == []


def test_at_most_twenty_places_in_a_fixed_number_of_queries(client, monitor, gazetteer):
    client.force_login(monitor)
    for number in range(3):
        PlaceFactory(name=f"Sog township {number}", parent=gazetteer["sog"])
    with CaptureQueriesContext(connection) as few:
        assert len(results(client, PLACES, "Sog")) == 4
    for number in range(3, MAX_RESULTS + 5):
        PlaceFactory(name=f"Sog township {number}", parent=gazetteer["sog"])
    with CaptureQueriesContext(connection) as many:
        assert len(results(client, PLACES, "Sog")) == MAX_RESULTS
    assert len(many) == len(few)
    # The session, the user and their roles, then the places and their chains' names.
    assert len(many) <= 5


# --- Organizations -------------------------------------------------------------------------


def test_an_organization_is_found_by_a_variant_and_labelled_with_its_place(
    client, monitor, gazetteer
):
    bureau = organization_create(
        acting_user=system_user(),
        name="Sog County Public Security Bureau",
        place=gazetteer["sog"],
        names=[("索县公安局", LanguageTag.CHINESE_SIMPLIFIED)],
    )
    client.force_login(monitor)
    for typed in ("public security", "公安局", "sog county pub"):
        assert results(client, ORGANIZATIONS, typed) == [
            {"id": bureau.pk, "label": "Sog County Public Security Bureau, Sog County"}
        ]
    options = dict(OrganizationChoiceField().choices)
    assert any(str(value) == str(bureau.pk) for value in options)


def test_organizations_in_a_fixed_number_of_queries(client, monitor, gazetteer):
    client.force_login(monitor)
    organization_create(acting_user=system_user(), name="Unit 0", place=gazetteer["sog"])
    with CaptureQueriesContext(connection) as few:
        assert len(results(client, ORGANIZATIONS, "unit")) == 1
    for number in range(1, MAX_RESULTS + 5):
        organization_create(
            acting_user=system_user(), name=f"Unit {number}", place=gazetteer["sog"]
        )
    with CaptureQueriesContext(connection) as many:
        assert len(results(client, ORGANIZATIONS, "unit")) == MAX_RESULTS
    assert len(many) == len(few) <= 5


# --- Terms ---------------------------------------------------------------------------------


def test_active_terms_only_by_label(client, monitor):
    charge = Term.objects.filter(vocabulary__key=VocabularyKey.CHARGE, active=True).first()
    client.force_login(monitor)
    typed = charge.label[:4]
    assert {"id": charge.pk, "label": charge.label} in results(
        client, terms_url(VocabularyKey.CHARGE), typed
    )
    charge.active = False
    term_save(acting_user=system_user(), term=charge)
    found = results(client, terms_url(VocabularyKey.CHARGE), typed)
    assert charge.pk not in [row["id"] for row in found]


def test_terms_are_those_of_the_vocabulary_asked(client, monitor):
    client.force_login(monitor)
    found = results(client, terms_url(VocabularyKey.ORGANIZATION_KIND), "mona")
    assert [row["id"] for row in found] == [term(VocabularyKey.ORGANIZATION_KIND, "monastery").pk]


def test_terms_in_one_query_after_the_session_and_roles(client, monitor):
    client.force_login(monitor)
    with CaptureQueriesContext(connection) as captured:
        results(client, terms_url(VocabularyKey.CHARGE), "")
    # The session, the user and their roles, then the terms.
    assert len(captured) <= 4


# --- People --------------------------------------------------------------------------------


def test_a_person_is_found_by_a_name_in_another_script(client, monitor, gazetteer):
    person = PersonFactory(name="Lobsang", home_place=gazetteer["sog"], names=[("洛桑", "zh-Hans")])
    client.force_login(monitor)
    found = results(client, PEOPLE, "洛桑")
    assert found == [
        {
            "id": str(person.public_id),
            "label": "Lobsang (Sog County › Nagchu › Tibet AR › China)",
        }
    ]


def test_a_person_of_a_hidden_case_is_never_offered(client, monitor):
    hidden = CaseFactory(confidentiality=Confidentiality.RESTRICTED)
    DetentionFactory(case=hidden, person=PersonFactory(name="Hidden Person"))
    client.force_login(monitor)
    assert results(client, PEOPLE, "Hidden Person") == []


def test_a_withheld_name_is_not_offered_to_an_advocate(client, monitor, advocate):
    case = CaseFactory()
    DetentionFactory(case=case, person=PersonFactory(name="Withheld Monk", identity_withheld=True))
    client.force_login(advocate)
    assert results(client, PEOPLE, "Withheld Monk") == []


def test_people_in_a_fixed_number_of_queries(client, monitor, gazetteer):
    client.force_login(monitor)
    PersonFactory(name="Tenzin 0", home_place=gazetteer["sog"])
    with CaptureQueriesContext(connection) as few:
        assert len(results(client, PEOPLE, "tenzin")) == 1
    for number in range(1, MAX_RESULTS + 5):
        PersonFactory(name=f"Tenzin {number}", home_place=gazetteer["drilda"])
    with CaptureQueriesContext(connection) as many:
        assert len(results(client, PEOPLE, "tenzin")) == MAX_RESULTS
    assert len(many) == len(few)


# --- The fields name their lookups -----------------------------------------------------------


def test_the_pick_a_record_fields_name_their_lookup():
    assert str(PlaceChoiceField().widget.attrs["data-autocomplete-url"]) == PLACES
    assert str(OrganizationChoiceField().widget.attrs["data-autocomplete-url"]) == ORGANIZATIONS
    field = TermChoiceField(VocabularyKey.CHARGE)
    assert str(field.widget.attrs["data-autocomplete-url"]) == terms_url(VocabularyKey.CHARGE)
    assert field.widget.attrs["data-autocomplete"] == "terms"
