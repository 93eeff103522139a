"""Changing a person, their names and their affiliations without the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Confidentiality, LanguageTag, NameKind, StaleEdit, VocabularyKey
from cases.services.people import person_update

from ..factories import CaseFactory, DetentionFactory, PersonFactory, term

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def edit_url(person) -> str:
    return reverse("cases:person-edit", args=[person.public_id])


def page(response) -> str:
    return response.content.decode()


def person_data(person, **changes) -> dict:
    data = {
        "person-version": str(person.version),
        "person-description": person.description,
        "person-sex": person.sex,
        "person-birth_date": person.birth_date,
        "person-head_count": str(person.head_count),
    }
    data.update({f"person-{name}": value for name, value in changes.items()})
    return data


def detained_person(**fields):
    person = PersonFactory(names=[("Tashi", LanguageTag.TIBETAN_LATIN)], name="Tashi", **fields)
    DetentionFactory(person=person)
    return person


def test_monitor_changes_a_person(client, monitor):
    person = detained_person()
    client.force_login(monitor)
    assert client.get(edit_url(person)).status_code == 200
    monk = term(VocabularyKey.OCCUPATION, "monk")
    data = person_data(person, description="monk", occupation=str(monk.pk), birth_date="1980")
    response = client.post(edit_url(person), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.description, person.occupation, person.birth_date) == ("monk", monk, "1980")


def test_back_to_the_case_it_came_from(client, monitor):
    person = detained_person()
    case = person.detentions.get().case
    client.force_login(monitor)
    data = {**person_data(person, description="monk"), "case": case.reference, "done": "1"}
    response = client.post(edit_url(person), data)
    assert response["Location"].endswith(f"/cases/{case.reference}/#people")
    response = client.post(edit_url(person), {**data, "person-version": "2"}, **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#people"


def test_other_roles_are_refused(client, advocate, administrator, outsider):
    person = detained_person()
    for user in (advocate, administrator, outsider):
        client.force_login(user)
        assert client.get(edit_url(person)).status_code in (403, 404)
        assert client.post(edit_url(person), person_data(person, description="x")).status_code in (
            403,
            404,
        )
    person.refresh_from_db()
    assert person.description == ""


def test_anonymous_is_sent_to_login(client):
    person = detained_person()
    assert client.get(edit_url(person)).status_code == 302


def test_a_person_of_a_restricted_case_answers_404(client, monitor):
    person = PersonFactory()
    DetentionFactory(person=person, case=CaseFactory(confidentiality=Confidentiality.RESTRICTED))
    client.force_login(monitor)
    assert client.get(edit_url(person)).status_code == 404
    url = reverse("cases:person-name-new", args=[person.public_id])
    assert client.post(url, {"name-name": "x", "name-language": "en"}).status_code == 404


def test_bad_input_is_refused_with_the_text_kept(client, monitor):
    person = detained_person()
    client.force_login(monitor)
    response = client.post(
        edit_url(person), person_data(person, description="kept", birth_date="someday")
    )
    assert response.status_code == 400
    assert "Nothing was saved" in page(response) and 'value="kept"' in page(response)
    person.refresh_from_db()
    assert person.description == ""


def test_stale_version_shows_the_conflict_page(client, monitor, monitor2):
    person = detained_person()
    data = person_data(person, description="mine")
    person_update(acting_user=monitor2, person=person, changes={"description": "theirs"})
    client.force_login(monitor)
    response = client.post(edit_url(person), data)
    assert response.status_code == 409
    assert "mine" in page(response) and "theirs" in page(response)
    assert StaleEdit.objects.filter(user=monitor).exists()


def test_names_are_added_corrected_made_primary_and_removed(client, monitor):
    person = detained_person()
    client.force_login(monitor)
    add = reverse("cases:person-name-new", args=[person.public_id])
    data = {
        "name-name": "扎西",
        "name-language": LanguageTag.CHINESE_SIMPLIFIED,
        "name-kind": "birth",
    }
    assert client.post(add, data).status_code == 302
    chinese = person.names.get(language=LanguageTag.CHINESE_SIMPLIFIED)
    edit = reverse("cases:person-name-edit", args=[person.public_id, chinese.pk])
    assert client.get(edit).status_code == 200
    assert client.post(edit, {**data, "name-kind": NameKind.RELIGIOUS}).status_code == 302
    chinese.refresh_from_db()
    assert chinese.kind == NameKind.RELIGIOUS
    primary = reverse("cases:person-name-primary", args=[person.public_id, chinese.pk])
    assert client.post(primary).status_code == 302
    person.refresh_from_db()
    assert person.name == "扎西"
    latin = person.names.get(language=LanguageTag.TIBETAN_LATIN)
    remove = reverse("cases:person-name-remove", args=[person.public_id, latin.pk])
    assert client.post(remove).status_code == 302
    assert list(person.names.values_list("name", flat=True)) == ["扎西"]


def test_removing_the_name_shown_is_refused(client, monitor):
    person = detained_person()
    client.force_login(monitor)
    variant = person.names.get()
    response = client.post(reverse("cases:person-name-remove", args=[person.public_id, variant.pk]))
    assert response.status_code == 400
    assert person.names.exists()


def test_an_empty_name_is_refused(client, monitor):
    person = detained_person()
    client.force_login(monitor)
    add = reverse("cases:person-name-new", args=[person.public_id])
    response = client.post(add, {"name-name": "", "name-language": "en", "name-kind": "birth"})
    assert response.status_code == 400 and "Nothing was saved" in page(response)
    assert person.names.count() == 1


def test_affiliations_are_added_and_removed(client, monitor, demo_case):
    from cases.models import Organization

    person = detained_person()
    monastery = Organization.objects.get(name__icontains="Drilda")
    client.force_login(monitor)
    add = reverse("cases:person-affiliation-new", args=[person.public_id])
    data = {
        "affiliation-organization": str(monastery.pk),
        "affiliation-role": str(term(VocabularyKey.AFFILIATION_ROLE, "monk").pk),
        "affiliation-started_on": "2005",
        "affiliation-ended_on": "",
        "affiliation-note": "",
    }
    assert client.post(add, data).status_code == 302
    affiliation = person.affiliations.get()
    assert affiliation.started_on == "2005"
    refused = client.post(
        add, {**data, "affiliation-ended_on": "2001", "affiliation-started_on": "2006"}
    )
    assert refused.status_code == 400
    remove = reverse("cases:person-affiliation-remove", args=[person.public_id, affiliation.pk])
    assert client.post(remove).status_code == 302
    assert not person.affiliations.exists()


def test_person_page_links_editors_to_the_edit_page(client, monitor, advocate, demo_case):
    person = demo_case.detentions.first().person
    client.force_login(monitor)
    detail = reverse("cases:person-detail", args=[person.public_id])
    assert edit_url(person) in page(client.get(detail))
    client.force_login(advocate)
    response = client.get(detail)
    assert edit_url(person) not in page(response)
