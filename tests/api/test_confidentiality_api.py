"""POST /api/v1/cases/{reference}/confidentiality/ and the case PATCH's rule on the level."""

from __future__ import annotations

import pytest

from cases.models import CaseTransition, Confidentiality, Transition

from .conftest import make_case

pytestmark = pytest.mark.django_db


def url(case):
    return f"/api/v1/cases/{case.reference}/confidentiality/"


def test_reviewer_lowers_with_a_reason_and_the_step_is_listed(client_for, reviewer):
    case = make_case(title="Arrest at Kirti", level=Confidentiality.INTERNAL)
    api = client_for(reviewer)
    answer = api.post(
        url(case),
        {"confidentiality": "public", "reason": "Reported by RFA.", "version": case.version},
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["action"] == "lower-confidentiality"
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.PUBLIC
    listed = api.get(f"/api/v1/cases/{case.reference}/transitions/").json()
    assert listed[-1]["action"] == "lower-confidentiality"
    assert listed[-1]["from_state"] == listed[-1]["to_state"] == "verified"
    assert "internal → public" in listed[-1]["comment"]


def test_monitor_lowering_is_refused(client_for, monitor):
    case = make_case(title="Arrest at Kirti", level=Confidentiality.INTERNAL)
    answer = client_for(monitor).post(
        url(case), {"confidentiality": "public", "reason": "Reported.", "version": case.version}
    )
    assert answer.status_code == 403
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL
    assert not CaseTransition.objects.filter(case=case).exists()


def test_lowering_without_a_reason_answers_400_naming_it(client_for, reviewer):
    case = make_case(title="Arrest at Kirti", level=Confidentiality.INTERNAL)
    answer = client_for(reviewer).post(
        url(case), {"confidentiality": "public", "version": case.version}
    )
    assert answer.status_code == 400
    assert "reason" in answer.json()
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL


def test_a_stale_version_answers_409(client_for, reviewer):
    case = make_case(title="Arrest at Kirti", level=Confidentiality.INTERNAL)
    answer = client_for(reviewer).post(
        url(case), {"confidentiality": "public", "reason": "Why", "version": case.version + 5}
    )
    assert answer.status_code == 409
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL


def test_administrator_may_lower(client_for, administrator):
    case = make_case(title="Arrest at Kirti", level=Confidentiality.RESTRICTED)
    answer = client_for(administrator).post(
        url(case), {"confidentiality": "internal", "reason": "Why", "version": case.version}
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("role", ["advocate", "outsider", "monitor"])
def test_a_restricted_case_answers_404_to_those_without_a_grant(client_for, request, role):
    case = make_case(title="Arrest at Kirti", level=Confidentiality.RESTRICTED)
    answer = client_for(request.getfixturevalue(role)).post(
        url(case), {"confidentiality": "internal", "reason": "Why", "version": case.version}
    )
    assert answer.status_code == 404


def test_advocate_cannot_raise(client_for, advocate):
    case = make_case(title="Arrest at Kirti", level=Confidentiality.PUBLIC)
    answer = client_for(advocate).post(
        url(case), {"confidentiality": "internal", "version": case.version}
    )
    assert answer.status_code == 403


def test_patch_raising_to_restricted_keeps_the_monitor_reading_it(client_for, monitor):
    case = make_case(title="Arrest at Kirti", level=Confidentiality.PUBLIC)
    api = client_for(monitor)
    answer = api.patch(
        f"/api/v1/cases/{case.reference}/",
        {"confidentiality": "restricted", "version": case.version},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["confidentiality"] == "restricted"
    assert CaseTransition.objects.get(case=case).action == Transition.RAISE_CONFIDENTIALITY


def test_patch_lowering_answers_400_naming_confidentiality(client_for, reviewer):
    case = make_case(title="Arrest at Kirti", level=Confidentiality.INTERNAL)
    answer = client_for(reviewer).patch(
        f"/api/v1/cases/{case.reference}/",
        {"confidentiality": "public", "version": case.version},
        format="json",
    )
    assert answer.status_code == 400
    assert "confidentiality" in answer.json()
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL


def test_the_confidentiality_steps_are_not_offered_as_transitions(client_for, reviewer):
    case = make_case(title="Arrest at Kirti", level=Confidentiality.INTERNAL)
    answer = client_for(reviewer).post(
        f"/api/v1/cases/{case.reference}/transitions/",
        {"action": "lower-confidentiality", "comment": "x"},
    )
    assert answer.status_code == 400
    assert "action" in answer.json()
