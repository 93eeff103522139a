"""Adding a person detained from the case page: find or describe the person, then the
detention, in one form and one transaction."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from casebook.accounts.system import system_user
from cases.models import (
    CaseState,
    Confidentiality,
    Detention,
    LanguageTag,
    NameKind,
    Person,
    VocabularyKey,
)
from cases.services.detentions import case_add_detained_person

from ..factories import CaseFactory, DetentionFactory, PersonFactory, term

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def new_url(case) -> str:
    return reverse("cases:case-person-new", args=[case.reference])


def page(response) -> str:
    return response.content.decode()


def entry(who="new", names=(), **extra) -> dict:
    """The POST of the entry form: `names` as (name, language, kind) rows, three at least."""
    rows = list(names) + [("", "", NameKind.BIRTH)] * max(0, 3 - len(names))
    data = {
        "who": who,
        "q": "",
        "names-TOTAL_FORMS": str(len(rows)),
        "names-INITIAL_FORMS": "3",
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "30",
        "person-sex": "unknown",
        "person-head_count": "1",
        "detention-detained_on": "6 March 2014",
        "detention-whereabouts": "unknown",
        "detention-lawyer_access": "unknown",
        "detention-family_access": "unknown",
    }
    for number, (name, language, kind) in enumerate(rows):
        data[f"names-{number}-name"] = name
        data[f"names-{number}-language"] = language
        data[f"names-{number}-kind"] = kind
    data.update(extra)
    return data


MONK_NAMES = [
    ("བློ་བཟང་", LanguageTag.TIBETAN, NameKind.RELIGIOUS),
    ("洛桑", LanguageTag.CHINESE_SIMPLIFIED, NameKind.RELIGIOUS),
    ("Lobsang", LanguageTag.TIBETAN_LATIN, NameKind.RELIGIOUS),
]


# --- The service ---------------------------------------------------------------------------


def test_service_creates_the_person_and_the_detention_together():
    case = CaseFactory()
    detention = case_add_detained_person(
        acting_user=system_user(),
        case=case,
        person_fields={"description": "monk of Drilda monastery"},
        names=MONK_NAMES,
        detained_on="2014-03",
    )
    person = detention.person
    assert person.name == "བློ་བཟང་"
    assert sorted(n.name for n in person.names.all()) == sorted(n for n, _l, _k in MONK_NAMES)
    assert detention.case == case and detention.detained_on == "2014-03"


def test_service_needs_a_description_for_a_person_with_no_name():
    from django.core.exceptions import ValidationError

    case = CaseFactory()
    with pytest.raises(ValidationError) as refused:
        case_add_detained_person(acting_user=system_user(), case=case, person_fields={})
    assert "description" in refused.value.error_dict
    assert not Person.objects.exists()


def test_service_writes_no_person_when_the_detention_is_refused():
    from django.core.exceptions import ValidationError

    case = CaseFactory()
    with pytest.raises(ValidationError):
        case_add_detained_person(
            acting_user=system_user(),
            case=case,
            person_fields={"description": "layperson"},
            age_at_detention=400,
        )
    assert not Person.objects.filter(description="layperson").exists()


def test_service_refuses_a_person_already_on_the_case():
    from django.core.exceptions import ValidationError

    detention = DetentionFactory()
    with pytest.raises(ValidationError) as refused:
        case_add_detained_person(
            acting_user=system_user(), case=detention.case, person=detention.person
        )
    assert "person" in refused.value.error_dict


# --- Who may open the page -----------------------------------------------------------------


def test_monitor_and_reviewer_open_the_form(client, monitor, reviewer):
    case = CaseFactory()
    for user in (monitor, reviewer):
        client.force_login(user)
        response = client.get(new_url(case))
        assert response.status_code == 200
        assert "Add a person detained" in page(response)


def test_other_roles_are_refused(client, advocate, administrator, outsider):
    case = CaseFactory(state=CaseState.VERIFIED)
    for user in (advocate, administrator, outsider):
        client.force_login(user)
        assert client.get(new_url(case)).status_code in (403, 404)
        assert client.post(new_url(case), entry("unknown")).status_code in (403, 404)
    assert not Detention.objects.exists()


def test_anonymous_is_sent_to_login(client):
    case = CaseFactory()
    response = client.get(new_url(case))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_restricted_case_not_granted_answers_404(client, monitor):
    case = CaseFactory(confidentiality=Confidentiality.RESTRICTED)
    client.force_login(monitor)
    assert client.get(new_url(case)).status_code == 404
    assert (
        client.post(new_url(case), entry("unknown", **{"person-description": "x"})).status_code
        == 404
    )


def test_section_links_to_the_form_for_editors_only(client, monitor, advocate):
    case = CaseFactory()
    client.force_login(monitor)
    assert new_url(case) in page(client.get(reverse("cases:case-detail", args=[case.reference])))
    verified = CaseFactory(state=CaseState.VERIFIED)
    client.force_login(advocate)
    detail = page(client.get(reverse("cases:case-detail", args=[verified.reference])))
    assert new_url(verified) not in detail


# --- Adding people -------------------------------------------------------------------------


def test_named_monk_with_three_scripts_is_added(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    data = entry(
        "new",
        MONK_NAMES,
        **{
            "person-description": "monk of Drilda monastery",
            "person-occupation": str(term(VocabularyKey.OCCUPATION, "monk").pk),
            "detention-charges": [str(term(VocabularyKey.CHARGE, "inciting-separatism").pk)],
            "detention-age_at_detention": "30",
            "detention-age_is_approximate": "on",
        },
    )
    response = client.post(new_url(case), data)
    assert response.status_code == 302
    assert response["Location"].endswith("#people")
    detention = Detention.objects.get(case=case)
    assert detention.person.names.count() == 3
    assert detention.age_at_detention == 30 and detention.age_is_approximate
    assert detention.detained_on == "2014-03-06"
    assert [c.code for c in detention.charges.all()] == ["inciting-separatism"]


def test_name_unknown_needs_only_a_description(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    for _number in range(3):
        data = entry("unknown", **{"person-description": "Tibetan arrested with the monks"})
        assert client.post(new_url(case), data).status_code == 302
    people = Person.objects.filter(detentions__case=case)
    assert people.count() == 3
    assert all(not person.name and not person.names.exists() for person in people)


def test_name_unknown_without_description_is_refused_and_keeps_the_input(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    data = entry("unknown", **{"detention-authority_description": "Chinese authorities"})
    response = client.post(new_url(case), data)
    assert response.status_code == 400
    body = page(response)
    assert "Nothing was saved" in body and 'href="#id_person-description"' in body
    assert 'value="Chinese authorities"' in body
    assert not Detention.objects.exists() and not Person.objects.exists()


def test_new_person_needs_a_name_row(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    response = client.post(new_url(case), entry("new", **{"person-description": "someone"}))
    assert response.status_code == 400
    assert "Write at least one name" in page(response)
    assert not Person.objects.exists()


def test_bad_date_is_refused_with_everything_typed_kept(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    data = entry("new", MONK_NAMES[:1], **{"detention-detained_on": "the day after"})
    response = client.post(new_url(case), data)
    assert response.status_code == 400
    body = page(response)
    assert "བློ་བཟང་" in body and "the day after" in body
    assert not Person.objects.exists()


def test_a_refused_fields_error_is_what_its_input_names(client, monitor):
    """A screen reader reads a field's error with the field: every id an input's
    aria-describedby names is on the page."""
    case = CaseFactory()
    client.force_login(monitor)
    data = entry("new", MONK_NAMES[:1], **{"detention-detained_on": "the day after"})
    body = page(client.post(new_url(case), data))
    described = {
        name for names in re.findall(r'aria-describedby="([^"]+)"', body) for name in names.split()
    }
    assert "detention-detained_on_error" in {name.removeprefix("id_") for name in described}
    assert {name for name in described if f'id="{name}"' not in body} == set()


def test_more_name_rows_keeps_everything_typed(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    data = entry("new", MONK_NAMES[:1], more_names="1", **{"person-description": "the abbot"})
    response = client.post(new_url(case), data)
    assert response.status_code == 200
    body = page(response)
    assert 'name="names-4-name"' in body and 'name="names-5-name"' not in body
    assert "བློ་བཟང་" in body and "the abbot" in body
    assert "Nothing was saved" not in body
    assert not Person.objects.exists()


def test_picking_a_person_found_adds_only_the_detention(client, monitor):
    known = DetentionFactory(person=PersonFactory(name="Tenzin Gyatso")).person
    case = CaseFactory()
    client.force_login(monitor)
    response = client.post(new_url(case), entry(str(known.public_id)))
    assert response.status_code == 302
    assert Detention.objects.get(case=case).person == known
    assert Person.objects.count() == 1


def test_a_person_already_on_the_case_is_refused(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    response = client.post(new_url(detention.case), entry(str(detention.person.public_id)))
    assert response.status_code == 400
    assert "already recorded" in page(response)


def test_a_person_of_a_hidden_case_is_neither_found_nor_picked(client, monitor):
    hidden = CaseFactory(confidentiality=Confidentiality.RESTRICTED)
    person = DetentionFactory(case=hidden, person=PersonFactory(name="Hidden Person")).person
    case = CaseFactory()
    client.force_login(monitor)
    response = client.post(new_url(case), entry(str(person.public_id)))
    assert response.status_code == 400
    assert not Detention.objects.filter(case=case).exists()
    search = page(client.get(new_url(case), {"q": "Hidden Person"}))
    assert str(person.public_id) not in search


# --- Search and hints ----------------------------------------------------------------------


def test_search_lists_matches_with_what_tells_them_apart(client, monitor):
    other = CaseFactory()
    person = PersonFactory(name="Lobsang", birth_date="1984", names=[("洛桑", "zh-Hans")])
    DetentionFactory(case=other, person=person)
    case = CaseFactory()
    client.force_login(monitor)
    body = page(client.get(new_url(case), {"q": "洛桑"}))
    assert f'value="{person.public_id}"' in body
    assert "born 1984" in body and other.reference in body
    assert "Possibly the same person" in body


def test_search_with_htmx_returns_only_the_results(client, monitor):
    PersonFactory(name="Lobsang Tsering")
    case = CaseFactory()
    client.force_login(monitor)
    response = client.get(new_url(case), {"q": "lobsang"}, HTTP_HX_TARGET="person-results", **HTMX)
    body = page(response)
    assert response.status_code == 200
    assert "Lobsang Tsering" in body and "<form" not in body and 'name="q"' in body


def test_two_people_alike_are_hinted_as_possibly_the_same(client, monitor):
    first = PersonFactory(name="Tashi", birth_date="1990", names=[("Tashi", "bo-Latn")])
    PersonFactory(name="tāshí", birth_date="1990", names=[("tāshí", "bo-Latn")])
    case = CaseFactory()
    client.force_login(monitor)
    body = page(client.get(new_url(case), {"q": "tashi"}))
    assert "Possibly the same person as" in body
    assert str(first.public_id) in body


def test_a_new_person_named_like_someone_asks_to_confirm(client, monitor):
    PersonFactory(name="Lobsang", names=[("Lobsang", "bo-Latn")])
    case = CaseFactory()
    client.force_login(monitor)
    data = entry("new", [("Lobsang", LanguageTag.TIBETAN_LATIN, NameKind.BIRTH)])
    response = client.post(new_url(case), data)
    assert response.status_code == 200
    assert "Is it one of these people?" in page(response)
    assert not Detention.objects.filter(case=case).exists()
    data["not_same_person"] = "on"
    assert client.post(new_url(case), data).status_code == 302
    assert Person.objects.filter(name="Lobsang").count() == 2


# --- HTMX ----------------------------------------------------------------------------------


def test_htmx_get_returns_the_form_alone(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    body = page(client.get(new_url(case), **HTMX))
    assert 'id="person-new-form"' in body and "<html" not in body


def test_htmx_post_returns_the_people_section(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    data = entry("unknown", **{"person-description": "a nun"})
    response = client.post(new_url(case), data, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#people"
    body = page(response)
    assert 'id="people"' in body and "a nun" in body and "was added" in body


def test_htmx_refusal_returns_the_form_with_400(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    response = client.post(new_url(case), entry("unknown"), **HTMX)
    assert response.status_code == 400
    assert 'id="person-new-form"' in page(response) and "<html" not in page(response)
