"""The admin writes a person's name variants, affiliations and consents through the services:
the same rules, versions and bookkeeping as the API."""

from __future__ import annotations

import pytest

from casebook.accounts.system import system_user
from cases.models import (
    Affiliation,
    CaseState,
    Consent,
    LanguageTag,
    Person,
    PersonName,
)
from cases.services.organizations import organization_create
from cases.services.people import consent_record

from ..api.conftest import make_case, settle
from ..factories import DetentionFactory, PersonFactory
from .test_admin import add_inline_row, form_data, inline_prefix, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def tashi(db):
    person = PersonFactory(name="Tashi", names=[("Tashi", LanguageTag.TIBETAN_LATIN)])
    settle(DetentionFactory(case=make_case(title="Arrest"), person=person).case)
    return Person.objects.get(pk=person.pk)


def change_page(client, person: Person):
    return client.get(url(Person, "change", person.pk))


def post_person(client, person: Person, data: dict):
    return client.post(url(Person, "change", person.pk), data)


def case_state(person: Person) -> str:
    case = person.detentions.get().case
    case.refresh_from_db()
    return case.state


def test_a_name_added_inline_is_versioned_and_changes_the_case(admin_client, administrator, tashi):
    page = change_page(admin_client, tashi)
    data = form_data(page)
    add_inline_row(data, inline_prefix(page, PersonName), name="བཀྲ་ཤིས", language="bo", kind="birth")
    assert post_person(admin_client, tashi, data).status_code == 302
    variant = tashi.names.get(language="bo")
    assert variant.history.get().history_user == administrator
    assert case_state(tashi) == CaseState.SUBMITTED


def test_renaming_the_primary_name_inline_renames_the_person(admin_client, administrator, tashi):
    page = change_page(admin_client, tashi)
    data = form_data(page)
    data[f"{inline_prefix(page, PersonName)}-0-name"] = "Tashi Dorje"
    assert post_person(admin_client, tashi, data).status_code == 302
    tashi.refresh_from_db()
    assert tashi.name == "Tashi Dorje"
    assert tashi.history.latest().history_user == administrator


def test_the_last_name_cannot_be_removed_inline(admin_client, tashi):
    page = change_page(admin_client, tashi)
    data = form_data(page)
    data[f"{inline_prefix(page, PersonName)}-0-DELETE"] = "on"
    response = post_person(admin_client, tashi, data)
    assert response.status_code == 200
    assert "last name" in response.content.decode()
    assert tashi.names.count() == 1


def test_affiliation_and_consent_added_inline_go_through_the_services(
    admin_client, administrator, tashi
):
    drilda = organization_create(acting_user=system_user(), name="Drilda monastery")
    page = change_page(admin_client, tashi)
    data = form_data(page)
    add_inline_row(
        data,
        inline_prefix(page, Affiliation),
        organization=drilda.pk,
        started_on="2005",
        ended_on="",
        note="",
    )
    add_inline_row(
        data,
        inline_prefix(page, Consent),
        recipient="un",
        decision="granted",
        given_by="the person",
        recorded_on="2014-06-01",
        note="",
    )
    response = post_person(admin_client, tashi, data)
    assert response.status_code == 302, response.context["errors"]
    affiliation = tashi.affiliations.get()
    assert affiliation.started_on_earliest.year == 2005
    assert affiliation.history.get().history_user == administrator
    consent = tashi.consents.get()
    assert consent.recorded_by == administrator
    assert consent.history.get().history_user == administrator


def test_a_consent_removed_inline_leaves_a_deletion_version(admin_client, administrator, tashi):
    consent = consent_record(
        acting_user=system_user(), person=tashi, recipient="un", decision="granted"
    )
    page = change_page(admin_client, tashi)
    data = form_data(page)
    data[f"{inline_prefix(page, Consent)}-0-DELETE"] = "on"
    assert post_person(admin_client, tashi, data).status_code == 302
    deletion = Consent.history.filter(id=consent.pk).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", administrator)


def test_deleting_a_name_in_its_own_admin_goes_through_the_service(
    admin_client, administrator, tashi
):
    from cases.services.people import person_add_name

    pinyin = person_add_name(
        acting_user=system_user(), person=tashi, name="Zhaxi", language=LanguageTag.PINYIN
    )
    response = admin_client.post(url(PersonName, "delete", pinyin.pk), {"post": "yes"})
    assert response.status_code == 302
    deletion = PersonName.history.filter(id=pinyin.pk).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", administrator)
    # The last name of a named person stays, with the reason on the record's page.
    last = tashi.names.get()
    refused = admin_client.post(url(PersonName, "delete", last.pk), {"post": "yes"}, follow=True)
    assert "last name" in refused.content.decode()
    assert tashi.names.count() == 1


def test_make_primary_action_changes_the_display_name(admin_client, administrator, tashi):
    from cases.services.people import person_add_name

    pinyin = person_add_name(
        acting_user=system_user(), person=tashi, name="Zhaxi", language=LanguageTag.PINYIN
    )
    response = admin_client.post(
        url(PersonName, "changelist"),
        {"action": "make_primary", "_selected_action": [pinyin.pk]},
    )
    assert response.status_code == 302
    tashi.refresh_from_db()
    assert tashi.name == "Zhaxi"
    assert tashi.history.latest().history_user == administrator
