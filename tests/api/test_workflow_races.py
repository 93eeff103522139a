"""A monitor's PATCH racing a reviewer's step: the step is never undone.

Two real sessions on two database connections, started together by a barrier, 20 rounds for
each step and each kind of edit. Whoever loses gets 409 (or, for an edit of a detention of a
case just rejected, 400), or its write lands first and the step then refuses with 409 because
the case moved on from the version the reviewer read.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from casebook.accounts.roles import Role
from casebook.accounts.system import system_user
from cases.history import verify
from cases.models import Case, CaseState, Detention
from cases.services.workflow import case_transition

from ..factories import CaseFactory, DetentionFactory, SourceFactory, UserFactory, cite

ROUNDS = 20

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two sessions writing at once need PostgreSQL's row locks; SQLite locks the "
        "whole database, so there is no race to test",
    ),
    # serialized_rollback: the flush after a transactional test would otherwise also drop the
    # roles and vocabularies the migrations seeded, which later tests rely on.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def submitted_case(submitter) -> Case:
    case = CaseFactory(acting_user=system_user())
    cite(SourceFactory(outlet="Radio Free Asia"), case=case)
    cite(SourceFactory(outlet="Tibet Watch"), case=case)
    case_transition(acting_user=submitter, case=case, action="submit")
    return case


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def race(*requests) -> list[int]:
    """Send the requests at the same moment, each from its own thread and connection."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int | None] = [None] * len(requests)

    def run(index, send):
        try:
            barrier.wait(timeout=10)
            statuses[index] = send().status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.parametrize("target", ["case", "detention"])
@pytest.mark.parametrize("action", ["verify", "return", "reject"])
def test_an_edit_racing_a_step_never_undoes_it(action, target):
    monitor = UserFactory(roles=[Role.MONITOR])
    reviewer = UserFactory(roles=[Role.REVIEWER])
    editor, stepper = signed_in(monitor), signed_in(reviewer)
    outcomes: Counter[tuple[int, int]] = Counter()
    for round_number in range(ROUNDS):
        case = submitted_case(monitor)
        detention = DetentionFactory(case=case, acting_user=system_user())
        case.refresh_from_db()
        detention = Detention.objects.get(pk=detention.pk)
        if target == "case":
            edit_url = f"/api/v1/cases/{case.reference}/"
            edit = {"summary": f"Round {round_number}", "version": case.version}
        else:
            edit_url = f"/api/v1/detentions/{detention.public_id}/"
            edit = {"alleged_reason": f"Round {round_number}", "version": detention.version}
        step = {"action": action, "comment": "Checked.", "version": case.version}

        edited, stepped = race(
            lambda url=edit_url, data=edit: editor.patch(url, data, format="json"),
            lambda url=f"/api/v1/cases/{case.reference}/transitions/", data=step: stepper.post(
                url, data, format="json"
            ),
        )
        outcomes[(edited, stepped)] += 1

        case.refresh_from_db()
        last = case.transitions.order_by("at", "id").last()
        assert case.state == last.to_state, f"round {round_number}: a step was undone"
        assert stepped in (201, 409) and edited in (200, 400, 409), (edited, stepped)
        assert stepped == 201 or edited == 200, "one of the two must win"
        if stepped == 409:
            # The edit landed first; the reviewer read a version the case has left.
            assert edited == 200
            assert case.state == CaseState.SUBMITTED
        elif edited == 200 and target == "case":
            pytest.fail(f"round {round_number}: both a stale edit and the step were written")

    assert sum(outcomes.values()) == ROUNDS
    report = verify()
    assert report.ok, report.findings
