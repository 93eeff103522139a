"""The dashboard at `/`: what waits for each user, through the access gate."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseState, CaseTransition, CaseWatch, Confidentiality, Transition
from cases.services.workflow import case_transition

from ..factories import CaseFactory, SourceFactory, cite

pytestmark = pytest.mark.django_db


def html(client, path="/"):
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def corroborated(**fields):
    case = CaseFactory(**fields)
    cite(SourceFactory(outlet="Radio Free Asia"), case=case)
    cite(SourceFactory(outlet="Tibet Watch"), case=case)
    return case


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_logging_in_lands_on_the_dashboard(client, monitor):
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": monitor.username, "password": PASSWORD})
    assert response["Location"] == "/"


def test_a_monitor_sees_her_drafts_returned_ones_first_with_the_comment(client, monitor, reviewer):
    plain = CaseFactory(title="A plain draft", assigned_monitor=monitor)
    returned = corroborated(title="A returned case", assigned_monitor=monitor)
    CaseFactory(title="Someone else's draft")
    case_transition(acting_user=monitor, case=returned, action=Transition.SUBMIT)
    returned.refresh_from_db()
    case_transition(
        acting_user=reviewer,
        case=returned,
        action=Transition.RETURN,
        comment="Add the second source for the arrest date.",
        version=returned.version,
    )
    client.force_login(monitor)
    page = html(client)
    assert "Your drafts" in page
    assert page.index("A returned case") < page.index("A plain draft")
    assert "Add the second source for the arrest date." in page
    assert "Someone else&#x27;s draft" not in page and "Someone else's draft" not in page
    assert plain.reference in page


def test_a_reviewer_sees_the_queue_oldest_first_with_what_blocks_each(client, monitor, reviewer):
    older = corroborated(title="Waiting longest", assigned_monitor=monitor)
    newer = CaseFactory(title="Waiting since today, one source", assigned_monitor=monitor)
    cite(SourceFactory(outlet="Phayul"), case=newer)
    for case in (older, newer):
        case_transition(acting_user=monitor, case=case, action=Transition.SUBMIT)
    CaseTransition.objects.filter(case=older).update(at=timezone.now() - datetime.timedelta(days=9))
    client.force_login(reviewer)
    page = html(client)
    assert "Review queue" in page and "(2)" in page
    assert page.index("Waiting longest") < page.index("Waiting since today")
    assert "Nothing blocks you from verifying it." in page
    assert "Corroboration: the case needs 2 independent sources" in page


def test_four_eyes_is_named_in_the_queue(client, reviewer):
    mine = corroborated(title="Entered by the reviewer", acting_user=reviewer)
    Case.objects.filter(pk=mine.pk).update(state=CaseState.SUBMITTED)
    client.force_login(reviewer)
    assert "Four eyes: you changed its facts" in html(client)


def test_the_queue_holds_back_a_restricted_case(client, reviewer, monitor):
    hidden = corroborated(title="RESTRICTED-MARKER", confidentiality=Confidentiality.RESTRICTED)
    Case.objects.filter(pk=hidden.pk).update(state=CaseState.SUBMITTED)
    for user in (reviewer, monitor):
        client.force_login(user)
        page = html(client)
        assert "RESTRICTED-MARKER" not in page and hidden.reference not in page


def test_watched_cases_changed_lately_are_listed(client, advocate):
    watched = CaseFactory(title="Watched and verified")
    stale = CaseFactory(title="Watched long ago")
    Case.objects.filter(pk__in=[watched.pk, stale.pk]).update(state=CaseState.VERIFIED)
    Case.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - datetime.timedelta(days=90))
    for case in (watched, stale):
        CaseWatch.objects.create(case=case, user=advocate)
    client.force_login(advocate)
    watched_panel = html(client).split('id="watched-title"')[1]
    assert "Watched and verified" in watched_panel and "Watched long ago" not in watched_panel


def test_an_advocate_sees_verified_cases_and_no_draft(client, advocate):
    CaseFactory(title="A draft advocates must not see")
    verified = CaseFactory(title="A verified case")
    Case.objects.filter(pk=verified.pk).update(state=CaseState.VERIFIED)
    client.force_login(advocate)
    page = html(client)
    assert "Verified lately" in page and "A verified case" in page
    assert "A draft advocates must not see" not in page
    assert "New case" not in page and "Review queue" not in page


def test_an_administrator_is_pointed_to_users_and_grants(client, administrator):
    client.force_login(administrator)
    page = html(client)
    assert 'href="/admin/accounts/user/"' in page
    assert 'href="/admin/cases/accessgrant/"' in page


def test_the_dashboard_costs_a_fixed_number_of_queries(
    client, monitor, reviewer, django_assert_max_num_queries
):
    for number in range(15):
        case = corroborated(title=f"Case {number}", assigned_monitor=monitor)
        if number % 2:
            case_transition(acting_user=monitor, case=case, action=Transition.SUBMIT)
    client.force_login(monitor)
    with django_assert_max_num_queries(12):
        html(client)
