"""Advocates read verified content only, history included: the versions a reviewer verified,
each compared with the verified one before it, never a draft between them nor text a monitor
wrote and removed before verification. A monitor still reads every version."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Case, CaseState, Confidentiality, Detention, Person
from cases.services.cases import case_update
from cases.services.detentions import detention_update
from cases.services.people import person_update
from cases.services.workflow import case_transition

from ..factories import CaseFactory, DetentionFactory, PersonFactory, SourceFactory, cite

pytestmark = pytest.mark.django_db

REMOVED = "Rumour: a second monk was beaten"


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def edit(case: Case, who, **changes) -> Case:
    case_update(acting_user=who, case=fresh(case), changes=changes)
    return fresh(case)


def submit_and_verify(case: Case, monitor, reviewer) -> Case:
    if fresh(case).state == CaseState.DRAFT:
        case_transition(acting_user=monitor, case=fresh(case), action="submit")
    current = fresh(case)
    case_transition(acting_user=reviewer, case=current, action="verify", version=current.version)
    return fresh(case)


@pytest.fixture
def case(monitor):
    case = CaseFactory(
        acting_user=monitor,
        title="Arrest of five monks",
        summary="Five monks were taken.",
        confidentiality=Confidentiality.PUBLIC,
    )
    cite(SourceFactory(outlet="Radio Free Asia"), case=case)
    cite(SourceFactory(outlet="Tibet Watch"), case=case)
    return fresh(case)


def history(client, user, case: Case) -> str:
    client.force_login(user)
    response = client.get(reverse("cases:case-history", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def test_text_written_and_removed_before_verification_is_not_in_the_advocates_history(
    client, case, monitor, reviewer, advocate
):
    edit(case, monitor, summary=f"Five monks were taken. {REMOVED}.")
    edit(case, monitor, summary="Five monks were taken from the assembly hall.")
    case = submit_and_verify(case, monitor, reviewer)

    page = history(client, advocate, case)
    assert REMOVED not in page
    assert "Five monks were taken from the assembly hall." in page
    assert "Arrest of five monks" in page
    assert page.count('<article class="version') == 1
    assert "Drafts between verifications are not shown." in page

    monitors_page = history(client, monitor, case)
    assert REMOVED in monitors_page
    assert monitors_page.count('<article class="version') > 1


def test_advocate_sees_each_verified_version_against_the_one_verified_before(
    client, case, monitor, reviewer, advocate
):
    case = submit_and_verify(case, monitor, reviewer)
    edit(case, monitor, title="Arrest of six monks (draft count)")
    edit(case, monitor, title="Arrest of seven monks")
    case = submit_and_verify(case, monitor, reviewer)
    assert case.state == CaseState.VERIFIED

    page = history(client, advocate, case)
    assert page.count('<article class="version') == 2
    assert "<del>Arrest of five monks</del>" in page
    assert "<ins>Arrest of seven monks</ins>" in page
    assert "six monks" not in page
    # The draft state the edit sent the case back to is no verified content either.
    assert "Submitted" not in page and "submitted" not in page

    monitors_page = history(client, monitor, case)
    assert "Arrest of six monks (draft count)" in monitors_page


def test_detentions_are_shown_as_they_stood_at_each_verification(
    client, case, monitor, reviewer, advocate
):
    detention = DetentionFactory(case=case, person=PersonFactory(name="Jampa"))
    detention_update(
        acting_user=monitor,
        detention=Detention.objects.get(pk=detention.pk),
        changes={"alleged_reason": REMOVED},
    )
    detention_update(
        acting_user=monitor,
        detention=Detention.objects.get(pk=detention.pk),
        changes={"alleged_reason": "Carrying a photograph"},
    )
    case = submit_and_verify(case, monitor, reviewer)

    page = history(client, advocate, case)
    detentions = page[page.index('id="detention-versions"') :]
    assert "Carrying a photograph" in detentions
    assert REMOVED not in page
    assert REMOVED in history(client, monitor, case)


def test_a_detention_added_and_removed_between_verifications_never_appears(
    client, case, monitor, reviewer, advocate
):
    from cases.services.detentions import detention_delete

    case = submit_and_verify(case, monitor, reviewer)
    passing = DetentionFactory(case=case, person=PersonFactory(name="Wrongly entered Pema"))
    detention_delete(acting_user=monitor, detention=Detention.objects.get(pk=passing.pk))
    case = submit_and_verify(case, monitor, reviewer)

    assert "Wrongly entered Pema" not in history(client, advocate, case)
    assert "Wrongly entered Pema" in history(client, monitor, case)


def test_person_history_shows_the_advocate_only_what_stood_at_a_verification(
    client, case, monitor, reviewer, advocate
):
    person = PersonFactory(name="Jampa", description="monk of Drilda")
    DetentionFactory(case=case, person=person)
    person_update(
        acting_user=monitor,
        person=Person.objects.get(pk=person.pk),
        changes={"description": REMOVED},
    )
    person_update(
        acting_user=monitor,
        person=Person.objects.get(pk=person.pk),
        changes={"description": "chant master of Drilda"},
    )
    submit_and_verify(case, monitor, reviewer)
    url = reverse("cases:person-history", args=[person.public_id])

    client.force_login(advocate)
    page = client.get(url).content.decode()
    assert "chant master of Drilda" in page
    assert REMOVED not in page
    assert page.count('<article class="version') == 1

    client.force_login(monitor)
    assert REMOVED in client.get(url).content.decode()


def test_a_person_edited_after_verification_shows_the_verified_version_only(
    client, case, monitor, reviewer, advocate
):
    person = PersonFactory(name="Jampa", description="monk of Drilda")
    DetentionFactory(case=case, person=person)
    case = submit_and_verify(case, monitor, reviewer)
    person_update(
        acting_user=monitor,
        person=Person.objects.get(pk=person.pk),
        changes={"description": "not yet checked"},
    )
    # The edit sent the case back to review; a reviewer verifies it again.
    case = submit_and_verify(case, monitor, reviewer)
    person_update(
        acting_user=monitor,
        person=Person.objects.get(pk=person.pk),
        changes={"description": "draft after the last verification"},
    )
    # Back in review, the case is hidden from the advocate, and so is the person.
    client.force_login(advocate)
    url = reverse("cases:person-history", args=[person.public_id])
    assert client.get(url).status_code == 404
    Case.objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)
    page = client.get(url).content.decode()
    assert "not yet checked" in page
    assert "draft after the last verification" not in page


def test_a_case_never_verified_has_no_history_for_an_advocate(client, case, monitor, advocate):
    edit(case, monitor, summary=REMOVED)
    client.force_login(advocate)
    assert client.get(reverse("cases:case-history", args=[case.reference])).status_code == 404
    # Even marked verified behind the workflow's back, no version was ever verified.
    Case.objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)
    page = history(client, advocate, case)
    assert REMOVED not in page
    assert '<article class="version' not in page
