"""The shared filters (cases.filters) as the API applies them: date semantics, place subtrees,
names in any script, and bad values answered with 400 and the field's message."""

from __future__ import annotations

import pytest

from casebook.accounts.system import system_user
from cases.models import LanguageTag, Place, PlaceKind, Sex, VocabularyKey
from cases.services.detentions import detention_add_event
from cases.services.people import person_add_name

from ..factories import DetentionFactory, PersonFactory, PlaceFactory, term
from .conftest import make_case

pytestmark = pytest.mark.django_db

DETENTIONS = "/api/v1/detentions/"
CASES = "/api/v1/cases/"


def people_found(client, query: str) -> set[str]:
    response = client.get(f"{DETENTIONS}?{query}")
    assert response.status_code == 200, response.json()
    return {row["person_detail"]["name"] for row in response.json()["results"]}


def references_found(client, query: str) -> set[str]:
    response = client.get(f"{CASES}?{query}")
    assert response.status_code == 200, response.json()
    return {row["reference"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("detained=2014-03", {"On the day", "In the month", "Some time in 2014"}),
        ("detained=2014-03-06", {"On the day", "In the month", "Some time in 2014"}),
        ("detained=2014-04", {"Some time in 2014"}),
        ("detained=2013", {"Before 2014"}),
        ("detained=2012/2013", {"Before 2014"}),
        ("detained=2015", set()),
    ],
)
def test_detention_date_filter_matches_uncertain_dates(client_for, monitor, query, expected):
    case = make_case(title="Detentions on several dates")
    for name, date in [
        ("On the day", "2014-03-06"),
        ("In the month", "2014-03"),
        ("Some time in 2014", "2014"),
        ("Before 2014", "../2013"),
        ("Date unknown", ""),
    ]:
        DetentionFactory(case=case, person=PersonFactory(name=name), detained_on=date)
    assert people_found(client_for(monitor), query) == expected


def test_place_filter_takes_the_subtree(client_for, monitor):
    region = PlaceFactory(name="Region", kind=PlaceKind.REGION)
    prefecture = PlaceFactory(name="Prefecture", kind=PlaceKind.PREFECTURE, parent=region)
    county = PlaceFactory(name="County", kind=PlaceKind.COUNTY, parent=prefecture)
    elsewhere = PlaceFactory(name="Elsewhere", kind=PlaceKind.PREFECTURE, parent=region)
    in_county = make_case(title="In the county", place=county)
    in_prefecture = make_case(title="In the prefecture", place=prefecture)
    make_case(title="Elsewhere", place=elsewhere)
    client = client_for(monitor)
    assert references_found(client, f"place={prefecture.pk}") == {
        in_county.reference,
        in_prefecture.reference,
    }
    assert references_found(client, f"place={county.pk}") == {in_county.reference}
    assert len(references_found(client, f"place={region.pk}")) == 3


def test_text_query_finds_names_in_any_script_and_spelling(client_for, monitor):
    tashi = PersonFactory(name="Tashi Dondrub")
    person_add_name(
        acting_user=system_user(), person=tashi, name="བཀྲ་ཤིས་དོན་གྲུབ", language=LanguageTag.TIBETAN
    )
    person_add_name(
        acting_user=system_user(), person=tashi, name="Zhāxī Dūnzhū", language=LanguageTag.PINYIN
    )
    case = make_case(title="Detention in Rebkong")
    DetentionFactory(case=case, person=tashi)
    DetentionFactory(case=case, person=PersonFactory(name="Dolkar Tso"))
    client = client_for(monitor)
    assert people_found(client, "q=བཀྲ་ཤིས") == {"Tashi Dondrub"}
    assert people_found(client, "q=zhaxi dunzhu") == {"Tashi Dondrub"}
    assert people_found(client, "q=ZHAXI") == {"Tashi Dondrub"}
    # Cases are found through the people detained in them, too.
    assert references_found(client, "q=zhaxi") == {case.reference}
    assert references_found(client, "q=nobody-of-that-name") == set()


def test_a_two_character_chinese_name_is_found_with_its_pinyin_spellings(client_for, monitor):
    """Chinese given names are often two characters, too short for a trigram index: the
    search goes through their transliteration, which also finds the pinyin spellings."""
    chinese = PersonFactory(name="Tenzin", names=[("丹增多杰", LanguageTag.CHINESE_SIMPLIFIED)])
    pinyin = PersonFactory(name="T. D.", names=[("Dānzēng", LanguageTag.PINYIN)])
    other = PersonFactory(name="Dolkar", names=[("卓嘎", LanguageTag.CHINESE_SIMPLIFIED)])
    case = make_case(title="Detention in Sershul")
    for person in (chinese, pinyin, other):
        DetentionFactory(case=case, person=person)
    client = client_for(monitor)
    assert people_found(client, "q=丹增") == {"Tenzin", "T. D."}
    assert people_found(client, "q=卓嘎") == {"Dolkar"}
    assert people_found(client, "q=丹增多杰") == {"Tenzin"}


def test_status_gender_and_charge_filters(client_for, monitor):
    case = make_case(title="Detentions")
    released = DetentionFactory(
        case=case,
        person=PersonFactory(name="Released woman", sex=Sex.FEMALE),
        charges=[term(VocabularyKey.CHARGE, "inciting-separatism")],
    )
    detention_add_event(
        acting_user=system_user(),
        detention=released,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "release"),
        occurred="2015-02",
    )
    DetentionFactory(case=case, person=PersonFactory(name="Detained man", sex=Sex.MALE))
    client = client_for(monitor)
    assert people_found(client, "status=released") == {"Released woman"}
    assert people_found(client, "gender=male") == {"Detained man"}
    assert people_found(client, "charge=inciting-separatism") == {"Released woman"}
    assert people_found(client, "status=released&status=detained") == {
        "Released woman",
        "Detained man",
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("detained=not-a-date", "detained"),
        ("occurred=2014-13", "occurred"),
        ("place=999999", "place"),
        ("place=abc", "place"),
        ("status=imprisoned", "status"),
        ("charge=no-such-charge", "charge"),
        ("authority=not-a-uuid", "authority"),
        ("ordering=sideways", "ordering"),
    ],
)
@pytest.mark.parametrize("endpoint", [DETENTIONS, CASES, "/api/v1/stats/"])
def test_bad_filter_values_are_400_with_the_field_message(
    client_for, monitor, endpoint, query, field
):
    response = client_for(monitor).get(f"{endpoint}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert body[field] and all(isinstance(message, str) for message in body[field])


def test_bad_filter_value_on_an_export_is_400_json(client_for, monitor):
    response = client_for(monitor).get(f"{DETENTIONS}?format=csv&detained=not-a-date")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "detained" in response.json()


def test_region_filter(client_for, monitor):
    kham = term(VocabularyKey.TRADITIONAL_REGION, "kham")
    county = PlaceFactory(name="Kham county", traditional_region=kham)
    village = PlaceFactory(name="Village", kind=PlaceKind.VILLAGE, parent=county)
    inside = make_case(title="In Kham", place=village)
    make_case(title="Elsewhere", place=PlaceFactory(name="Amdo county"))
    assert Place.objects.count() == 3
    assert references_found(client_for(monitor), "region=kham") == {inside.reference}


def test_advocates_cannot_find_a_withheld_person_by_name(client_for, advocate, monitor):
    hidden = PersonFactory(name="Gendun Withheld", identity_withheld=True)
    person_add_name(
        acting_user=system_user(),
        person=hidden,
        name="Gendun Withheld",
        language=LanguageTag.ENGLISH,
    )
    case = make_case(title="Detention in Kardze")
    DetentionFactory(case=case, person=hidden)
    # The search would confirm the person is in the data, even with the name masked.
    assert references_found(client_for(advocate), "q=gendun") == set()
    assert references_found(client_for(monitor), "q=gendun") == {case.reference}
