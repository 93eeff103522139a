"""The admin writes events, citations and interventions through their services, which recompute
the status and book the change of the case's facts once."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest

from casebook.accounts.system import system_user
from cases.models import (
    Case,
    CaseState,
    Citation,
    Detention,
    DetentionEvent,
    Intervention,
    VocabularyKey,
)
from cases.services import workflow
from cases.services.detentions import detention_add_event
from cases.services.interventions import intervention_create

from ..api.conftest import make_case, settle
from ..factories import DetentionFactory, SourceFactory, cite, term
from .test_admin import form_data, inline_prefix, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def count_fact_changes():
    """Every call of case_facts_changed, wherever it was imported."""
    with (
        mock.patch(
            "cases.services.detentions.case_facts_changed", wraps=workflow.case_facts_changed
        ) as in_detentions,
        mock.patch(
            "cases.services.sources.case_facts_changed", wraps=workflow.case_facts_changed
        ) as in_sources,
    ):
        spies = (in_detentions, in_sources)

        def counted() -> int:
            """How often the services booked a change of facts since the last call (the admin
            holds no bookkeeping of its own: cases.admin imports no case_facts_changed)."""
            result = in_detentions.call_count + in_sources.call_count
            for spy in spies:
                spy.reset_mock()
            return result

        yield counted


def verified_detention():
    detention = DetentionFactory(case=make_case(title="Detention of Dolma"))
    settle(detention.case)
    return detention


def add(detention, code, occurred):
    return detention_add_event(
        acting_user=system_user(),
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, code),
        occurred=occurred,
    )


def test_event_changed_inline_goes_through_the_service(
    admin_client, administrator, count_fact_changes
):
    detention = verified_detention()
    event = add(detention, "sentencing", "2014-09")
    page = admin_client.get(url(Detention, "change", detention.pk))
    data = form_data(page)
    prefix = inline_prefix(page, DetentionEvent)
    data[f"{prefix}-0-event_type"] = term(VocabularyKey.LEGAL_PROCESS_EVENT, "release").pk
    count_fact_changes()  # setup done: count from here
    response = admin_client.post(url(Detention, "change", detention.pk), data)
    assert response.status_code == 302
    detention.refresh_from_db()
    assert detention.status == "released"
    assert event.history.latest().history_user == administrator
    assert count_fact_changes() == 1
    assert Case.objects.get(pk=detention.case_id).state == CaseState.SUBMITTED


def test_event_deleted_inline_leaves_a_deletion_version(
    admin_client, administrator, count_fact_changes
):
    detention = verified_detention()
    add(detention, "formal-arrest", "2014-04")
    release = add(detention, "release", "2016-01-20")
    page = admin_client.get(url(Detention, "change", detention.pk))
    data = form_data(page)
    prefix = inline_prefix(page, DetentionEvent)
    row = next(
        index
        for index in range(int(data[f"{prefix}-TOTAL_FORMS"]))
        if str(data[f"{prefix}-{index}-id"]) == str(release.pk)
    )
    data[f"{prefix}-{row}-DELETE"] = "on"
    count_fact_changes()  # setup done: count from here
    assert admin_client.post(url(Detention, "change", detention.pk), data).status_code == 302
    detention.refresh_from_db()
    assert detention.status == "detained"
    deletion = DetentionEvent.history.filter(id=release.pk).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", administrator)
    assert count_fact_changes() == 1


def test_event_changed_in_its_own_admin_moves_the_status(
    admin_client, administrator, count_fact_changes
):
    detention = verified_detention()
    event = add(detention, "release", "2016-01-20")
    data = form_data(admin_client.get(url(DetentionEvent, "change", event.pk)))
    data["occurred"] = ""
    count_fact_changes()  # setup done: count from here
    assert admin_client.post(url(DetentionEvent, "change", event.pk), data).status_code == 302
    detention.refresh_from_db()
    assert (detention.status, detention.status_rests_on_undated) == ("released", True)
    assert event.history.latest().history_user == administrator
    assert count_fact_changes() == 1


def test_event_deleted_in_its_own_admin_books_the_fact_change_once(
    admin_client, count_fact_changes
):
    detention = verified_detention()
    event = add(detention, "release", "2016-01-20")
    count_fact_changes()  # setup done: count from here
    response = admin_client.post(url(DetentionEvent, "delete", event.pk), {"post": "yes"})
    assert response.status_code == 302
    detention.refresh_from_db()
    assert detention.status == "detained"
    assert count_fact_changes() == 1


def test_citation_moved_in_the_admin_changes_both_cases(
    admin_client, administrator, count_fact_changes
):
    first, second = make_case(title="First"), make_case(title="Second")
    citation = cite(SourceFactory(), case=first)
    settle(first)
    data = form_data(admin_client.get(url(Citation, "change", citation.pk)))
    data["case"] = second.pk
    count_fact_changes()  # setup done: count from here
    assert admin_client.post(url(Citation, "change", citation.pk), data).status_code == 302
    assert Citation.objects.get(pk=citation.pk).case_id == second.pk
    assert Case.objects.get(pk=first.pk).facts_changed_by == administrator
    assert Case.objects.get(pk=second.pk).facts_changed_by == administrator
    assert count_fact_changes() == 2
    assert citation.history.latest().history_user == administrator


def test_citation_deleted_in_the_admin_is_versioned(
    admin_client, administrator, count_fact_changes
):
    case = make_case(title="Cited")
    citation = cite(SourceFactory(), case=case)
    settle(case)
    count_fact_changes()  # setup done: count from here
    response = admin_client.post(url(Citation, "delete", citation.pk), {"post": "yes"})
    assert response.status_code == 302
    deletion = Citation.history.filter(id=citation.pk).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", administrator)
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED
    assert count_fact_changes() == 1


def test_intervention_marked_sent_in_the_admin_gets_its_deadline_and_the_case_stays_verified(
    admin_client, administrator, count_fact_changes
):
    case = make_case(title="Appeal")
    intervention = intervention_create(
        acting_user=system_user(),
        case=case,
        kind=term(VocabularyKey.INTERVENTION_KIND, "un-urgent-appeal"),
    )
    data = form_data(admin_client.get(url(Intervention, "change", intervention.pk)))
    data.update(sent_on="2024-03-01", status="sent")
    count_fact_changes()  # setup done: count from here
    assert admin_client.post(url(Intervention, "change", intervention.pk), data).status_code == 302
    intervention.refresh_from_db()
    assert intervention.reply_due == datetime.date(2024, 4, 30)
    assert intervention.history.latest().history_user == administrator
    assert Case.objects.get(pk=case.pk).state == CaseState.VERIFIED
    assert count_fact_changes() == 0


def test_intervention_inline_of_a_case_writes_through_the_service(
    admin_client, administrator, count_fact_changes
):
    case = make_case(title="Appeal")
    intervention = intervention_create(
        acting_user=system_user(),
        case=case,
        kind=term(VocabularyKey.INTERVENTION_KIND, "un-urgent-appeal"),
    )
    page = admin_client.get(url(Case, "change", case.pk))
    data = form_data(page)
    prefix = inline_prefix(page, Intervention)
    data[f"{prefix}-0-sent_on"] = "2024-03-01"
    count_fact_changes()  # setup done: count from here
    response = admin_client.post(url(Case, "change", case.pk), data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    intervention.refresh_from_db()
    assert intervention.reply_due == datetime.date(2024, 4, 30)
    assert intervention.history.latest().history_user == administrator
    assert count_fact_changes() == 0
