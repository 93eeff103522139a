"""Before verifying, a reviewer is shown where the names of withheld people stand in the case's
free text, so they can reword it; nobody else is, and nothing is shown when there are none."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casebook.accounts.system import system_user
from cases.models import Case, CaseState, Confidentiality, LanguageTag, VocabularyKey
from cases.services.detentions import detention_add_event

from ..factories import CaseFactory, DetentionFactory, PersonFactory, SourceFactory, cite, term

pytestmark = pytest.mark.django_db

WARNING = "Names of people whose identity is withheld stand in the text"


def submitted_case(*, withheld: bool) -> Case:
    person = PersonFactory(
        name="Tashi Dorje",
        identity_withheld=withheld,
        names=[("བཀྲ་ཤིས་རྡོ་རྗེ", LanguageTag.TIBETAN)],
    )
    case = CaseFactory(
        title="Detention of Tashi Dorje",
        summary="He was taken at dawn.",
        narrative="བཀྲ་ཤིས་རྡོ་རྗེ་ was seen in Nagchu.",
        confidentiality=Confidentiality.PUBLIC,
    )
    detention = DetentionFactory(case=case, person=person)
    detention_add_event(
        acting_user=system_user(),
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "trial"),
        note="Tashi Dorje was tried.",
    )
    cite(SourceFactory(outlet="Radio Free Asia"), case=case, excerpt="Witnesses saw Tashi Dorje.")
    cite(SourceFactory(outlet="Tibet Watch"), case=case)
    Case.objects.filter(pk=case.pk).update(state=CaseState.SUBMITTED)
    return Case.objects.get(pk=case.pk)


def page(client, user, case: Case) -> str:
    client.force_login(user)
    response = client.get(reverse("cases:case-detail", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def test_reviewer_sees_each_occurrence_with_where_it_stands_before_the_verify_button(
    client, reviewer
):
    case = submitted_case(withheld=True)
    body = page(client, reviewer, case)
    assert WARNING in body
    warning = body[body.index(WARNING) : body.index('value="verify"')]
    assert 'Title:</span> <q dir="auto">Tashi Dorje</q>' in warning
    assert 'Narrative:</span> <q dir="auto">བཀྲ་ཤིས་རྡོ་རྗེ</q>' in warning
    assert "Note of the event" in warning
    assert "Excerpt of" in warning
    assert warning.count("<li>") == 4
    assert "Summary:" not in warning, "the summary names nobody"


def test_no_warning_when_the_text_names_no_withheld_person(client, reviewer):
    body = page(client, reviewer, submitted_case(withheld=False))
    assert 'value="verify"' in body
    assert WARNING not in body


def test_no_warning_for_a_monitor_who_cannot_verify(client, monitor):
    body = page(client, monitor, submitted_case(withheld=True))
    assert 'value="verify"' not in body
    assert WARNING not in body
