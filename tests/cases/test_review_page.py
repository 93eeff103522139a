"""The review page: claims beside their sources, the rules' verdict now, steps tied to the
version read; for reviewers only."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseState, Confidentiality, Transition
from cases.services.workflow import case_transition

from ..factories import CaseFactory, DetentionFactory, PersonFactory, SourceFactory, cite

pytestmark = pytest.mark.django_db


def submitted_case(monitor, **fields):
    case = CaseFactory(
        title="Five Tibetans arrested over WeChat", assigned_monitor=monitor, **fields
    )
    detention = DetentionFactory(case=case, person=PersonFactory(name="Tashi Dorje"))
    cite(
        SourceFactory(title="RFA report", outlet="Radio Free Asia"),
        case=case,
        excerpt="Five were taken.",
    )
    cite(SourceFactory(title="Tibet Watch report", outlet="Tibet Watch"), detention=detention)
    case_transition(acting_user=monitor, case=case, action=Transition.SUBMIT)
    case.refresh_from_db()
    return case


def url(case):
    return f"/cases/{case.reference}/review/"


def test_a_reviewer_reads_each_claim_beside_its_sources(client, monitor, reviewer):
    case = submitted_case(monitor)
    client.force_login(reviewer)
    response = client.get(url(case))
    html = response.content.decode()
    assert response.status_code == 200
    assert "What happened" in html and "Detention of Tashi Dorje" in html
    assert html.index("What happened") < html.index("RFA report") < html.index("Detention of")
    assert html.index("Detention of") < html.index("Tibet Watch report")
    assert "Five were taken." in html
    assert "Corroboration:" in html and "met, with 2 independent sources" in html
    assert "you may verify it" in html
    assert f'name="version" value="{case.version}"' in html
    for step in ("verify", "return", "reject"):
        assert f'name="action" value="{step}"' in html


def test_verifying_from_the_review_page_returns_to_the_queue(client, monitor, reviewer):
    case = submitted_case(monitor)
    client.force_login(reviewer)
    response = client.post(
        f"/cases/{case.reference}/transition/",
        {"action": "verify", "version": case.version, "comment": "", "then": "queue"},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    case.refresh_from_db()
    assert case.state == CaseState.VERIFIED


def test_a_stale_version_is_refused_and_nothing_is_done(client, monitor, reviewer):
    case = submitted_case(monitor)
    read_version = case.version
    from cases.services.cases import case_update

    case_update(acting_user=monitor, case=case, changes={"summary": "Changed meanwhile."})
    client.force_login(reviewer)
    response = client.post(
        f"/cases/{case.reference}/transition/",
        {"action": "verify", "version": read_version, "comment": "", "then": "queue"},
    )
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED


def test_an_uncited_claim_and_a_missing_corroboration_are_pointed_out(client, monitor, reviewer):
    case = CaseFactory(title="One source only", assigned_monitor=monitor)
    DetentionFactory(case=case)
    cite(SourceFactory(outlet="Phayul"), case=case)
    Case.objects.filter(pk=case.pk).update(state=CaseState.SUBMITTED)
    client.force_login(reviewer)
    html = client.get(url(case)).content.decode()
    assert "No source is cited for this." in html
    assert "Corroboration: the case needs 2 independent sources" in html


def test_the_case_page_and_the_queue_lead_to_the_review_page(client, monitor, reviewer):
    case = submitted_case(monitor)
    client.force_login(reviewer)
    assert f'href="{url(case)}"' in client.get(f"/cases/{case.reference}/").content.decode()
    assert f'href="{url(case)}"' in client.get("/").content.decode()


@pytest.mark.parametrize("role", ["monitor", "advocate", "administrator", "outsider"])
def test_only_reviewers_open_it(client, request, monitor, role):
    case = submitted_case(monitor)
    client.force_login(request.getfixturevalue(role))
    assert client.get(url(case)).status_code in (403, 404)


def test_a_restricted_case_answers_404(client, monitor, reviewer):
    case = submitted_case(monitor, confidentiality=Confidentiality.RESTRICTED)
    client.force_login(reviewer)
    assert client.get(url(case)).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, monitor):
    case = submitted_case(monitor)
    assert client.get(url(case)).status_code == 302


def test_a_returned_case_does_not_say_nobody_reviewed_it(client, monitor, reviewer):
    case = submitted_case(monitor)
    case_transition(
        acting_user=reviewer,
        case=case,
        action=Transition.RETURN,
        comment="Add a date.",
        version=case.version,
    )
    client.force_login(monitor)
    html = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Nobody has reviewed it yet" not in html
    assert "Returned to the monitor by a reviewer" in html
