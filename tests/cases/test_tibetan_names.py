"""A name recorded in Tibetan script is found by its Wylie spelling, its common phonetic
spellings and, where its Chinese form is recorded, its pinyin — through the people search of
the case page, the API's people list and the `q=` name filter of the case and detention lists.
And a phonetic query finds the record written in Tibetan script."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import CaseState, Confidentiality, LanguageTag, PersonName
from cases.text import name_search_key, search_key, sound_key, tibetan_phonetic, wylie

from ..factories import CaseFactory, DetentionFactory, PersonFactory

BO = LanguageTag.TIBETAN
ZH = LanguageTag.CHINESE_SIMPLIFIED

# Written for this test: each name in Tibetan script, the spellings that must find it (Wylie,
# phonetic spellings as monitors and the press write them, pinyin), and its Chinese form where
# one is recorded. Only the Tibetan script and the Chinese are stored.
NAMES = [
    (
        "བཀྲ་ཤིས་ཚེ་རིང་",
        "扎西次仁",
        ["bkra shis tshe ring", "Tashi Tsering", "Trashi Tshering", "tashi", "zhaxi ciren"],
    ),
    (
        "བློ་བཟང་རྒྱ་མཚོ་",
        "洛桑嘉措",
        ["blo bzang", "Lobsang Gyatso", "Lozang Gyamtso", "Losang", "luosang"],
    ),
    (
        "བསྟན་འཛིན་དབང་ཕྱུག",
        "丹增旺久",
        ["bstan 'dzin dbang phyug", "Tenzin Wangchuk", "Tendzin Wangchug", "danzeng"],
    ),
    ("ཡེ་ཤེས་སྒྲོལ་མ་", "益西卓玛", ["ye shes sgrol ma", "Yeshe Dolma", "Yéshé Drolma", "yixi"]),
    (
        "བསོད་ནམས་རྡོ་རྗེ་",
        "索朗多吉",
        ["bsod nams rdo rje", "Sonam Dorje", "Sönam Dorjee", "Sodnam", "suolang duoji"],
    ),
    ("ཕུན་ཚོགས་དབང་མོ་", "平措旺姆", ["phun tshogs", "Phuntsok Wangmo", "Puntsog Wangmo"]),
    ("འཇིགས་མེད་ཉི་མ་", None, ["'jigs med nyi ma", "Jigme Nyima", "Jigmed Nyima"]),
    ("དཀོན་མཆོག་ཚེ་བརྟན་", "贡觉次旦", ["dkon mchog", "Konchok Tseten", "Könchog Tseten"]),
    ("དོན་གྲུབ་ལྷ་མོ་", "顿珠拉姆", ["don grub lha mo", "Dhondup Lhamo", "Thondup Lhamo", "dunzhu"]),
    (
        "དགེ་འདུན་ཆོས་ཀྱི་ཉི་མ་",
        "根敦确吉尼玛",
        ["dge 'dun chos kyi", "Gedun Choekyi Nyima", "Gendün Chökyi Nyima", "gendunqueji"],
    ),
    ("རིན་ཆེན་བཟང་པོ་", "仁青桑布", ["rin chen bzang po", "Rinchen Zangpo", "renqing"]),
    ("ཀུན་དགའ་ཆོས་འཕེལ་", None, ["kun dga' chos 'phel", "Kunga Choephel", "Künga Chöphel"]),
]

SPELLINGS = [
    (tibetan, spelling) for tibetan, _chinese, spellings in NAMES for spelling in spellings
]

# Names of no one recorded: each finds nobody.
UNRELATED = ["Ngawang Sherab", "Pasang Lhamu", "ངག་དབང་ཤེས་རབ་", "Anna Schmidt", "zhangsan"]

HIDDEN_NAME = "བཀྲ་ཤིས་ཚེ་རིང་"


@pytest.fixture
def recorded(db):
    """One visible case per name, each person recorded in Tibetan script (and Chinese), a
    namesake detained in a restricted case, and a person of another name."""
    people = {}
    for tibetan, chinese, _spellings in NAMES:
        names = [(tibetan, BO)] + ([(chinese, ZH)] if chinese else [])
        person = PersonFactory(name=tibetan, names=names)
        case = CaseFactory(
            title="Detention in Kardze",
            state=CaseState.VERIFIED,
            confidentiality=Confidentiality.PUBLIC,
        )
        DetentionFactory(case=case, person=person)
        people[tibetan] = (person, case)
    hidden_case = CaseFactory(title="Restricted", confidentiality=Confidentiality.RESTRICTED)
    hidden = PersonFactory(name="A namesake", names=[(HIDDEN_NAME, BO), ("扎西次仁", ZH)])
    DetentionFactory(case=hidden_case, person=hidden)
    other = PersonFactory(name="Dawa Drakpa", names=[("ཟླ་བ་གྲགས་པ་", BO)])
    DetentionFactory(case=CaseFactory(title="Detention in Ngaba"), person=other)
    return {"people": people, "hidden": hidden, "hidden_case": hidden_case}


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _json(client, url: str, query: str) -> list[dict]:
    response = client.get(url, {"q": query})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def found_by_people_search(client, query: str) -> set[str]:
    """Public ids of the people the case page's "add a person detained" search lists."""
    case = CaseFactory(title="Where the person is added")
    response = client.get(reverse("cases:case-person-new", args=[case.reference]), {"q": query})
    assert response.status_code == 200
    body = response.content.decode()
    return {str(person.public_id) for person in _all_people() if str(person.public_id) in body}


def _all_people():
    from cases.models import Person

    return Person.objects.all()


def found_by_api(client, query: str) -> dict[str, set[str]]:
    people = _json(client, "/api/v1/people/", query)
    detentions = _json(client, "/api/v1/detentions/", query)
    cases = _json(client, "/api/v1/cases/", query)
    return {
        "people": {row["name"] for row in people},
        "detentions": {row["person_detail"]["name"] for row in detentions},
        "cases": {row["reference"] for row in cases},
    }


# --- Each spelling finds its record, and only it -----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("tibetan", "chinese", "spellings"), NAMES)
def test_each_spelling_finds_the_tibetan_record_and_no_other(
    client, monitor, recorded, tibetan, chinese, spellings
):
    person, case = recorded["people"][tibetan]
    client.force_login(monitor)
    api = _api(monitor)
    for spelling in [tibetan, *spellings]:
        assert found_by_people_search(client, spelling) == {str(person.public_id)}, spelling
        assert found_by_api(api, spelling) == {
            "people": {tibetan},
            "detentions": {tibetan},
            "cases": {case.reference},
        }, spelling


@pytest.mark.django_db
def test_an_unrelated_name_finds_nobody(client, monitor, recorded):
    client.force_login(monitor)
    api = _api(monitor)
    for query in UNRELATED:
        assert found_by_people_search(client, query) == set(), query
        assert found_by_api(api, query) == {
            "people": set(),
            "detentions": set(),
            "cases": set(),
        }, query


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["monitor", "advocate"])
def test_a_person_of_a_hidden_case_never_shows(client, request, recorded, role):
    user = request.getfixturevalue(role)
    hidden = recorded["hidden"]
    client.force_login(user)
    api = _api(user)
    for query in [HIDDEN_NAME, "Tashi Tsering", "bkra shis", "zhaxi", "扎西次仁"]:
        if role == "monitor":  # the case page's people search is for those who edit
            assert str(hidden.public_id) not in found_by_people_search(client, query), query
        found = found_by_api(api, query)
        assert "A namesake" not in found["people"] | found["detentions"], query
        assert recorded["hidden_case"].reference not in found["cases"], query


@pytest.mark.django_db
def test_a_phonetic_record_is_found_by_tibetan_script(client, monitor):
    """The other way round: a person recorded only in Latin letters is found by the name
    typed in Tibetan script, through its phonetic reading."""
    person = PersonFactory(
        name="Lobsang Tenzin", names=[("Lobsang Tenzin", LanguageTag.TIBETAN_LATIN)]
    )
    DetentionFactory(case=CaseFactory(), person=person)
    client.force_login(monitor)
    assert found_by_people_search(client, "བློ་བཟང་") == {str(person.public_id)}
    assert found_by_api(_api(monitor), "བློ་བཟང་བསྟན་འཛིན་")["people"] == {"Lobsang Tenzin"}


# --- What is stored --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tibetan_variant_stores_its_wylie_phonetic_and_sound_key(recorded):
    variant = PersonName.objects.get(name="བློ་བཟང་རྒྱ་མཚོ་")
    assert variant.search_text == (
        "བློ་བཟང་རྒྱ་མཚོ་ blo-bzng-rgy-mtsho- blo bzang rgya mtsho lozang gyamtso losangkyatso"
    )
    chinese = PersonName.objects.get(name="洛桑嘉措")
    assert chinese.search_text == "洛桑嘉措 luosangjiacuo"


@pytest.mark.django_db
def test_the_migration_fills_the_keys_of_existing_rows(recorded):
    PersonName.objects.update(search_text="")
    migration = importlib.import_module("cases.migrations.0019_tibetan_name_keys")
    migration.fill_name_keys(apps, None)
    for variant in PersonName.objects.all():
        assert variant.search_text == name_search_key(variant.name)
    migration.restore_search_keys(apps, None)
    for variant in PersonName.objects.all():
        assert variant.search_text == search_key(variant.name)


# --- The converters and the sound key --------------------------------------------------------


@pytest.mark.parametrize(
    ("tibetan", "expected_wylie", "expected_phonetic"),
    [
        ("བཀྲ་ཤིས་", "bkra shis", "tashi"),
        ("བཀྲ་ཤིས།", "bkra shis", "tashi"),
        ("བསྟན་འཛིན་རྒྱ་མཚོ་", "bstan 'dzin rgya mtsho", "tenzin gyamtso"),
        ("བཀྲ་ཤིས་ རྡོ་རྗེ་", "bkra shis rdo rje", "tashi dorje"),
        # A Sanskrit stack is one syllable read as two: the name's parts stay together.
        ("པདྨ་ཚེ་རིང་", "pad+ma tshe ring", "padma tsering"),
        ("Tashi", "", ""),
        ("ྲ", "", ""),
    ],
)
def test_wylie_and_phonetic_reading(tibetan, expected_wylie, expected_phonetic):
    assert wylie(tibetan) == expected_wylie
    assert tibetan_phonetic(tibetan) == expected_phonetic


@pytest.mark.parametrize(
    "spellings",
    [
        ["Lobsang", "Lozang", "Losang", "blo bzang", "བློ་བཟང་"],
        ["Tashi", "Trashi", "Tashii", "བཀྲ་ཤིས་"],
        ["Tsering", "Tshering", "ཚེ་རིང་"],
        ["Tenzin", "Tendzin", "Denzin", "བསྟན་འཛིན་"],
        ["Yeshe", "Yeshey", "Yéshé", "ཡེ་ཤེས་"],
        ["Gyatso", "Gyamtso", "Gyatsho", "རྒྱ་མཚོ་"],
        ["Dolma", "Drolma", "Dölma", "སྒྲོལ་མ་"],
        ["Sonam", "Sönam", "Sodnam", "Soenam", "བསོད་ནམས་"],
        ["Phuntsok", "Puntsok", "Phuntsog", "ཕུན་ཚོགས་"],
        ["Dhondup", "Thondup", "Döndrub", "དོན་གྲུབ་"],
        ["Tashi Dorje", "Tashidorje", "བཀྲ་ཤིས་རྡོ་རྗེ་"],
        ["Pema Wangmo", "Padma Wangmo", "པདྨ་དབང་མོ"],
        ["Kelsang", "Kalsang", "Kelzang", "སྐལ་བཟང་"],
        ["Pelden", "Palden", "དཔལ་ལྡན་"],
    ],
)
def test_spellings_of_one_name_share_a_sound_key(spellings):
    assert len({sound_key(spelling) for spelling in spellings}) == 1


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Tashi", "Tsering"),
        ("Dolma", "Dorje"),
        ("Lobsang", "Lhamo"),
        ("Tenzin", "Tseten"),
        ("Sonam", "Sangmo"),
    ],
)
def test_different_names_keep_different_sound_keys(one, other):
    assert sound_key(one) != sound_key(other)


def test_chinese_is_not_keyed_but_transliterated():
    assert sound_key("洛桑") == ""
    assert "luosang" in name_search_key("洛桑")


def test_a_name_the_converter_cannot_read_is_not_printed(capsys):
    """The phonetic converter prints what it cannot read; that is a person's name, and the
    server's output carries no personal data."""
    assert tibetan_phonetic("ཀཀཀཀཀ") == ""
    assert "ཀཀཀཀཀ" not in capsys.readouterr().out
