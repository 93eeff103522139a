"""A person's page: names in every script, detentions across the visible cases, and nothing of a
withheld identity or of a hidden case for a reader who may not see it."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseState, Confidentiality

from ..factories import CaseFactory, DetentionFactory, PersonFactory

pytestmark = pytest.mark.django_db

TIBETAN = "བཀྲ་ཤིས་རྡོ་རྗེ"
CHINESE = "扎西多吉"


def verified(case):
    Case.objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)
    case.refresh_from_db()
    return case


@pytest.fixture
def tashi():
    return PersonFactory(
        name="Tashi Dorje",
        description="monk of Drilda monastery",
        names=[(TIBETAN, "bo"), (CHINESE, "zh-Hans"), ("Tashi Dorje", "bo-Latn")],
    )


def url(person):
    return f"/people/{person.public_id}/"


def test_a_monitor_sees_every_name_and_every_detention(client, monitor, tashi):
    first = DetentionFactory(person=tashi, case=CaseFactory(title="Arrests in Sog, 2014"))
    DetentionFactory(
        person=tashi, case=CaseFactory(title="Second arrest, 2016"), detained_on="2016-05"
    )
    client.force_login(monitor)
    response = client.get(url(tashi))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'lang="bo">{TIBETAN}<' in html and f'lang="zh-Hans">{CHINESE}<' in html
    assert "Arrests in Sog, 2014" in html and "Second arrest, 2016" in html
    assert f'href="/cases/{first.case.reference}/"' in html
    assert "May 2016" in html
    assert f'href="/people/{tashi.public_id}/history/"' in html


def test_a_detention_in_a_hidden_case_is_not_listed(client, monitor, tashi):
    DetentionFactory(person=tashi, case=CaseFactory(title="Open case"))
    DetentionFactory(
        person=tashi,
        case=CaseFactory(title="HIDDEN-CASE", confidentiality=Confidentiality.RESTRICTED),
    )
    client.force_login(monitor)
    html = client.get(url(tashi)).content.decode()
    assert "Open case" in html and "HIDDEN-CASE" not in html


def test_a_person_only_in_hidden_cases_answers_404(client, advocate, monitor, tashi):
    DetentionFactory(person=tashi, case=CaseFactory(confidentiality=Confidentiality.RESTRICTED))
    for user in (advocate, monitor):
        client.force_login(user)
        assert client.get(url(tashi)).status_code == 404


def test_an_advocate_reads_a_withheld_person_as_the_placeholder_only(client, advocate):
    person = PersonFactory(
        name="Tashi Dorje",
        description="monk of Drilda monastery",
        identity_withheld=True,
        names=[(TIBETAN, "bo"), (CHINESE, "zh-Hans")],
    )
    case = CaseFactory(title="Tashi Dorje arrested in Sog")
    DetentionFactory(person=person, case=case)
    verified(case)
    client.force_login(advocate)
    response = client.get(url(person))
    html = response.content.decode()
    assert response.status_code == 200
    for form in ("Tashi", TIBETAN, CHINESE, "Drilda"):
        assert form not in html, form
    assert "[identity withheld]" in html
    assert case.reference in html  # the detention stays listed, its case title masked


def test_an_advocate_sees_only_verified_cases(client, advocate, tashi):
    DetentionFactory(person=tashi, case=CaseFactory(title="Draft case"))
    client.force_login(advocate)
    assert client.get(url(tashi)).status_code == 404
    # Verified once its detention is recorded: a new fact sends a verified case back to review.
    verified(DetentionFactory(person=tashi, case=CaseFactory(title="Verified case")).case)
    html = client.get(url(tashi)).content.decode()
    assert "Verified case" in html and "Draft case" not in html


def test_sensitive_fields_never_show(client, monitor, tashi):
    from casebook.accounts.system import system_user
    from cases.services.people import person_update

    DetentionFactory(person=tashi)
    person_update(
        acting_user=system_user(),
        person=tashi,
        changes={"contact_details": "CONTACT-SECRET", "internal_notes": "NOTE-SECRET"},
    )
    client.force_login(monitor)
    html = client.get(url(tashi)).content.decode()
    assert "CONTACT-SECRET" not in html and "NOTE-SECRET" not in html


def test_anonymous_visitors_are_sent_to_the_login(client, tashi):
    assert client.get(url(tashi)).status_code == 302


def test_an_unknown_person_answers_404(client, monitor):
    import uuid

    client.force_login(monitor)
    assert client.get(f"/people/{uuid.uuid4()}/").status_code == 404
