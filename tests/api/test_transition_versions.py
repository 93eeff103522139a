"""Verify, return and reject carry the version of the case the reviewer read."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from casebook.accounts.roles import Role
from casebook.accounts.system import system_user
from cases.history import verify
from cases.models import Case, CaseState, CaseTransition
from cases.services.cases import case_update
from cases.services.workflow import case_transition

from ..factories import CaseFactory, SourceFactory, UserFactory, cite

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(monitor) -> Case:
    case = CaseFactory(acting_user=system_user())
    cite(SourceFactory(outlet="Radio Free Asia"), case=case)
    cite(SourceFactory(outlet="Tibet Watch"), case=case)
    case_transition(acting_user=monitor, case=case, action="submit")
    return case


def transitions_url(case: Case) -> str:
    return f"/api/v1/cases/{case.reference}/transitions/"


@pytest.mark.parametrize("action", ["verify", "return", "reject"])
def test_a_step_on_the_version_read_is_taken(client_for, reviewer, case, action):
    response = client_for(reviewer).post(
        transitions_url(case),
        {"action": action, "comment": "Checked.", "version": case.version},
        format="json",
    )
    assert response.status_code == 201, response.json()
    case.refresh_from_db()
    assert case.state == response.json()["to_state"]


@pytest.mark.parametrize("action", ["verify", "return", "reject"])
def test_a_step_without_the_version_is_400_naming_it(client_for, reviewer, case, action):
    response = client_for(reviewer).post(
        transitions_url(case), {"action": action, "comment": "Checked."}, format="json"
    )
    assert response.status_code == 400
    assert "version" in response.json()
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED


@pytest.mark.parametrize("action", ["verify", "return", "reject"])
def test_a_step_on_a_stale_version_is_409_with_what_changed(
    client_for, reviewer, monitor, case, action
):
    read = case.version
    case_update(acting_user=monitor, case=case, changes={"summary": "Two were released."})
    steps = CaseTransition.objects.count()
    response = client_for(reviewer).post(
        transitions_url(case),
        {"action": action, "comment": "Checked.", "version": read},
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["rule"] == "version"
    assert [(c["record"], c["by"], c["fields"]) for c in body["changes"]] == [
        ("case", monitor.username, ["summary"])
    ]
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert CaseTransition.objects.count() == steps
    assert verify().ok


def test_submit_may_carry_the_version_and_is_refused_when_stale(client_for, monitor):
    case = CaseFactory(acting_user=system_user())
    read = case.version
    case_update(acting_user=monitor, case=case, changes={"summary": "More."})
    response = client_for(monitor).post(
        transitions_url(case), {"action": "submit", "version": read}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "version"
    response = client_for(monitor).post(transitions_url(case), {"action": "submit"}, format="json")
    assert response.status_code == 201


def test_a_stale_version_of_a_hidden_case_is_404(client_for, monitor, restricted_case):
    response = client_for(monitor).post(
        transitions_url(restricted_case),
        {"action": "verify", "version": 1},
        format="json",
    )
    assert response.status_code == 404


# --- The case page -----------------------------------------------------------------------------


def page_url(name: str, case: Case) -> str:
    return reverse(f"cases:{name}", args=[case.reference])


def test_each_step_form_holds_the_version_shown(client, reviewer, case):
    client.force_login(reviewer)
    page = client.get(page_url("case-detail", case)).content.decode()
    forms = re.findall(
        r'<form method="post" action="[^"]*/transition/?"[^>]*>.*?</form>', page, re.S
    )
    assert forms
    for form in forms:
        assert f'name="version" value="{case.version}"' in form


def test_a_stale_page_step_is_refused_with_what_changed(client, reviewer, case):
    editor = UserFactory(username="tenzin", roles=[Role.MONITOR])
    read = case.version
    case_update(acting_user=editor, case=case, changes={"title": "Six were arrested"})
    client.force_login(reviewer)
    response = client.post(
        page_url("case-transition", case),
        {"action": "reject", "comment": "Not credible", "version": read},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "The case changed after you read it" in page
    assert "tenzin" in page and "title" in page
    assert "Not credible</textarea>" in page
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert f'name="version" value="{case.version}"' in page


def test_a_page_step_without_the_version_is_refused(client, reviewer, case):
    client.force_login(reviewer)
    response = client.post(page_url("case-transition", case), {"action": "verify"})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED
