"""Writes of detention events, citations and interventions, and what is derived from them."""

from __future__ import annotations

import datetime
import importlib
import threading
from unittest import mock

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, connections

from casebook.accounts.system import system_user
from cases.models import (
    CaseState,
    Certainty,
    Citation,
    Detention,
    DetentionEvent,
    DetentionStatus,
    Intervention,
    InterventionStatus,
    SentenceKind,
    VocabularyKey,
)
from cases.services import interventions as intervention_services
from cases.services.detentions import (
    derive_status,
    detention_add_event,
    detention_event_delete,
    detention_event_update,
    detention_update,
)
from cases.services.interventions import (
    intervention_create,
    intervention_delete,
    intervention_update,
)
from cases.services.sources import citation_create, citation_delete, citation_update

from ..api.conftest import make_case, settle
from ..factories import DetentionFactory, SourceFactory, term

pytestmark = pytest.mark.django_db

D = datetime.date


def event_type(code: str):
    return term(VocabularyKey.LEGAL_PROCESS_EVENT, code)


def add(detention, code, occurred="", user=None, **fields):
    return detention_add_event(
        acting_user=user or system_user(),
        detention=detention,
        event_type=event_type(code),
        occurred=occurred,
        **fields,
    )


def verified_detention(**fields):
    detention = DetentionFactory(case=make_case(title="Detention of Tenzin"), **fields)
    settle(detention.case)
    return detention


# --- The undated-event table ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "status", "rests_on_undated"),
    [
        ([], DetentionStatus.DETAINED, False),
        ([("formal-arrest", "2014-04-10"), ("release", "2016-01-20")], "released", False),
        ([("release", "2016-01-20"), ("formal-arrest", "2014-04-10")], "released", False),
        # An undated arrest entered after a dated release no longer reads as the latest.
        ([("release", "2016-01-20"), ("formal-arrest", "")], "released", True),
        # An undated release cannot be placed against a dated arrest: the dated one decides,
        # and the status says an undated event bears on it.
        ([("formal-arrest", "2014-04-10"), ("release", "")], "detained", True),
        ([("formal-arrest", ""), ("release", "")], "released", True),
        ([("release", "")], "released", True),
        ([("formal-arrest", "")], "detained", True),
        # An undated event that agrees with the dated status leaves it settled.
        ([("formal-arrest", "2014-04-10"), ("criminal-detention", "")], "detained", False),
        # Events that imply nothing, dated or not, change nothing.
        ([("sentencing", "2014-09"), ("trial", ""), ("appeal", "")], "sentenced", False),
        ([("trial", "")], DetentionStatus.DETAINED, False),
    ],
)
def test_status_from_dated_and_undated_events(events, status, rests_on_undated):
    detention = DetentionFactory()
    for code, occurred in events:
        add(detention, code, occurred)
    detention.refresh_from_db()
    assert (detention.status, detention.status_rests_on_undated) == (status, rests_on_undated)


def test_undated_status_has_no_as_of_date():
    detention = DetentionFactory()
    add(detention, "release", "", certainty=Certainty.BELIEVED)
    derived = derive_status(list(detention.events.select_related("event_type")))
    assert (derived.status, derived.certainty, derived.as_of) == ("released", "believed", None)


# --- Events through the services ------------------------------------------------------------


def test_trial_sentence_and_release_move_status_and_expected_release(monitor):
    detention = verified_detention(detained_on="2014-03-06")
    add(detention, "trial", "2014-08-01", user=monitor)
    detention.refresh_from_db()
    assert (detention.status, detention.expected_release) == ("detained", None)

    add(detention, "sentencing", "2014-09-02", user=monitor)
    detention.refresh_from_db()
    detention_update(
        acting_user=monitor,
        detention=detention,
        changes={"sentence_kind": SentenceKind.TERM, "sentence_years": 3},
    )
    detention.refresh_from_db()
    assert (detention.status, detention.status_as_of) == ("sentenced", D(2014, 9, 2))
    assert detention.expected_release == D(2017, 3, 6)

    add(detention, "release-after-sentence", "2017-03-06", user=monitor)
    detention.refresh_from_db()
    assert (detention.status, detention.status_as_of) == ("released", D(2017, 3, 6))
    assert detention.history.latest().status == "released"
    assert detention.history.latest().history_user == monitor


def test_event_update_is_versioned_and_moves_the_status(monitor, monitor2):
    detention = verified_detention()
    event = add(detention, "release", "2016-01-20", user=monitor)
    detention_event_update(
        acting_user=monitor2,
        event=event,
        changes={"event_type": event_type("sentencing"), "note": "Corrected: sentenced."},
    )
    detention.refresh_from_db()
    assert detention.status == DetentionStatus.SENTENCED
    versions = list(event.history.order_by("history_date", "history_id"))
    assert [(v.history_type, v.history_user) for v in versions] == [
        ("+", monitor),
        ("~", monitor2),
    ]
    assert versions[-1].note == "Corrected: sentenced."
    assert detention.case.__class__.objects.get(pk=detention.case_id).facts_changed_by == monitor2


def test_event_update_without_a_change_writes_nothing(monitor):
    detention = DetentionFactory()
    event = add(detention, "release", "2016-01-20")
    detention_event_update(acting_user=monitor, event=event, changes={"note": ""})
    assert event.history.count() == 1


def test_event_delete_leaves_a_deletion_version_and_the_status_follows(monitor):
    detention = verified_detention()
    add(detention, "formal-arrest", "2014-04-10")
    release = add(detention, "release", "2016-01-20")
    pk = release.pk
    detention_event_delete(acting_user=monitor, event=release)
    detention.refresh_from_db()
    assert detention.status == DetentionStatus.DETAINED
    assert not DetentionEvent.objects.filter(pk=pk).exists()
    deletion = DetentionEvent.history.filter(id=pk).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", monitor)
    assert detention.case.__class__.objects.get(pk=detention.case_id).state == CaseState.SUBMITTED


def test_moving_an_event_recomputes_both_detentions(monitor):
    first, second = DetentionFactory(), DetentionFactory()
    event = add(first, "release", "2016-01-20")
    detention_event_update(acting_user=monitor, event=event, changes={"detention": second})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("detained", "released")


def test_event_write_on_a_verified_case_sends_it_back_to_review(monitor):
    detention = verified_detention()
    add(detention, "release", "2016-01-20", user=monitor)
    detention.case.refresh_from_db()
    assert (detention.case.state, detention.case.facts_changed_by) == (
        CaseState.SUBMITTED,
        monitor,
    )


def test_event_on_a_rejected_case_is_refused_and_nothing_is_written(monitor):
    detention = DetentionFactory()
    settle(detention.case, CaseState.REJECTED)
    with pytest.raises(ValidationError):
        add(detention, "release", "2016-01-20", user=monitor)
    assert not DetentionEvent.objects.filter(detention=detention).exists()
    detention.refresh_from_db()
    assert detention.status == DetentionStatus.DETAINED


def test_bad_event_date_is_refused_naming_the_field(monitor):
    detention = DetentionFactory()
    with pytest.raises(ValidationError) as refused:
        add(detention, "release", "not a date", user=monitor)
    assert "occurred" in refused.value.message_dict
    assert not DetentionEvent.objects.exists()


def test_a_stale_copy_of_the_detention_does_not_turn_an_event_into_a_conflict(monitor):
    detention = DetentionFactory()
    stale = Detention.objects.get(pk=detention.pk)
    add(detention, "sentencing", "2014-09")
    add(stale, "release", "2016-01-20")
    stale.refresh_from_db()
    assert stale.status == DetentionStatus.RELEASED


# --- Citations -----------------------------------------------------------------------------


def test_citation_update_changes_the_facts_of_both_cases_when_it_moves(monitor, monitor2):
    first = make_case(title="First")
    second = make_case(title="Second")
    citation = citation_create(acting_user=monitor, source=SourceFactory(), case=first)
    settle(first)
    settle(second)
    citation_update(
        acting_user=monitor2,
        citation=citation,
        changes={"case": second, "claim": "date of arrest"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (CaseState.SUBMITTED, CaseState.SUBMITTED)
    assert (first.facts_changed_by, second.facts_changed_by) == (monitor2, monitor2)
    latest = citation.history.latest()
    assert (latest.history_type, latest.history_user, latest.case_id) == ("~", monitor2, second.pk)


def test_citation_with_two_targets_is_refused(monitor):
    detention = DetentionFactory()
    citation = citation_create(acting_user=monitor, source=SourceFactory(), case=detention.case)
    with pytest.raises(ValidationError):
        citation_update(acting_user=monitor, citation=citation, changes={"detention": detention})
    assert Citation.objects.get(pk=citation.pk).detention_id is None


def test_citation_delete_is_versioned_and_changes_the_facts(monitor):
    case = make_case(title="Cited")
    citation = citation_create(acting_user=system_user(), source=SourceFactory(), case=case)
    settle(case)
    pk = citation.pk
    citation_delete(acting_user=monitor, citation=citation)
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    deletion = Citation.history.filter(id=pk).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", monitor)


# --- Interventions: the reply deadline ------------------------------------------------------

UA = "un-urgent-appeal"
LETTER = "letter"
SENT = D(2024, 3, 1)
HAND = D(2024, 3, 20)


def kind(code):
    return term(VocabularyKey.INTERVENTION_KIND, code)


@pytest.mark.parametrize(
    ("code", "sent_on", "reply_due", "expected", "by_hand"),
    [
        (UA, SENT, None, SENT + datetime.timedelta(days=60), False),
        (UA, None, None, None, False),
        (UA, SENT, HAND, HAND, True),
        (UA, None, HAND, HAND, True),
        (LETTER, SENT, None, None, False),
        (LETTER, SENT, HAND, HAND, True),
    ],
)
def test_reply_deadline_on_create(monitor, code, sent_on, reply_due, expected, by_hand):
    intervention = intervention_create(
        acting_user=monitor,
        case=make_case(title="Appeal"),
        kind=kind(code),
        sent_on=sent_on,
        reply_due=reply_due,
    )
    assert (intervention.reply_due, intervention.reply_due_set_by_hand) == (expected, by_hand)


@pytest.mark.parametrize(
    ("start", "changes", "expected", "by_hand"),
    [
        # Planned without a date, then sent: the deadline follows the sent date.
        ({"kind": UA}, {"sent_on": SENT, "status": "sent"}, SENT + datetime.timedelta(60), False),
        # The sent date corrected: the deadline moves with it.
        ({"kind": UA, "sent_on": SENT}, {"sent_on": D(2024, 3, 5)}, D(2024, 5, 4), False),
        # The kind changed to one without a set period: no deadline any more.
        ({"kind": UA, "sent_on": SENT}, {"kind": LETTER}, None, False),
        ({"kind": LETTER, "sent_on": SENT}, {"kind": UA}, SENT + datetime.timedelta(60), False),
        # A deadline set by hand stays when the sent date changes.
        ({"kind": UA, "sent_on": SENT, "reply_due": HAND}, {"sent_on": D(2024, 3, 5)}, HAND, True),
        # Set by hand in an update.
        ({"kind": UA, "sent_on": SENT}, {"reply_due": HAND}, HAND, True),
        # The stored deadline sent back unchanged (a PUT) does not pin it.
        (
            {"kind": UA, "sent_on": SENT},
            {"reply_due": SENT + datetime.timedelta(60), "sent_on": D(2024, 3, 5)},
            D(2024, 5, 4),
            False,
        ),
        # Cleared: the rule takes over again.
        (
            {"kind": UA, "sent_on": SENT, "reply_due": HAND},
            {"reply_due": None},
            D(2024, 4, 30),
            False,
        ),
    ],
)
def test_reply_deadline_on_update(monitor, start, changes, expected, by_hand):
    start = dict(start)
    intervention = intervention_create(
        acting_user=monitor, case=make_case(title="Appeal"), kind=kind(start.pop("kind")), **start
    )
    if "kind" in changes:
        changes = {**changes, "kind": kind(changes["kind"])}
    intervention_update(acting_user=monitor, intervention=intervention, changes=changes)
    stored = Intervention.objects.get(pk=intervention.pk)
    assert (stored.reply_due, stored.reply_due_set_by_hand) == (expected, by_hand)


def test_intervention_writes_are_versioned_and_leave_a_verified_case_verified(advocate):
    case = make_case(title="Verified")
    with mock.patch("cases.services.workflow.case_facts_changed") as facts_changed:
        intervention = intervention_create(acting_user=advocate, case=case, kind=kind(UA))
        pk = intervention.pk
        intervention_update(
            acting_user=advocate,
            intervention=intervention,
            changes={"sent_on": SENT, "status": InterventionStatus.SENT},
        )
        intervention_delete(acting_user=advocate, intervention=intervention)
    facts_changed.assert_not_called()
    assert not hasattr(intervention_services, "case_facts_changed")
    case.refresh_from_db()
    assert case.state == CaseState.VERIFIED
    versions = Intervention.history.filter(id=pk).order_by("history_date", "history_id")
    assert [(v.history_type, v.history_user) for v in versions] == [
        ("+", advocate),
        ("~", advocate),
        ("-", advocate),
    ]


def test_reply_deadline_before_sending_is_refused(monitor):
    intervention = intervention_create(
        acting_user=monitor, case=make_case(title="Appeal"), kind=kind(LETTER), sent_on=SENT
    )
    with pytest.raises(ValidationError):
        intervention_update(
            acting_user=monitor, intervention=intervention, changes={"reply_due": D(2024, 1, 1)}
        )
    assert Intervention.objects.get(pk=intervention.pk).reply_due is None


# --- The migration that recomputes existing rows --------------------------------------------


def test_migration_recomputes_stale_detentions_and_versions_only_those(monitor):
    migration = importlib.import_module("cases.migrations.0011_event_derivations")
    stale = DetentionFactory()
    add(stale, "release", "2016-01-20")
    add(stale, "formal-arrest", "")
    # As the old derivation left it: the undated arrest read as the latest event.
    Detention.objects.filter(pk=stale.pk).update(status=DetentionStatus.DETAINED)
    settled = DetentionFactory()
    add(settled, "release", "2016-01-20")
    # Only the flag is new: set, with no version (the flag is not versioned).
    flag_only = DetentionFactory()
    add(flag_only, "formal-arrest", "2014-04-10")
    add(flag_only, "release", "")
    Detention.objects.filter(pk=flag_only.pk).update(status_rests_on_undated=False)
    detentions = (stale, settled, flag_only)
    versions = {d.pk: d.history.count() for d in detentions}

    migration.recompute_detentions(apps, None)

    for detention in detentions:
        detention.refresh_from_db()
    assert (stale.status, stale.status_rests_on_undated) == ("released", True)
    assert stale.history.count() == versions[stale.pk] + 1
    assert stale.history.latest().status == "released"
    assert stale.history.latest().version == stale.version
    assert settled.history.count() == versions[settled.pk]
    assert (flag_only.status, flag_only.status_rests_on_undated) == ("detained", True)
    assert flag_only.history.count() == versions[flag_only.pk]


def test_migrated_history_still_verifies(monitor):
    from cases.history import Report, verify_current_rows, verify_versions

    migration = importlib.import_module("cases.migrations.0011_event_derivations")
    detention = DetentionFactory()
    add(detention, "release", "2016-01-20")
    add(detention, "formal-arrest", "")
    Detention.objects.filter(pk=detention.pk).update(status=DetentionStatus.DETAINED)
    migration.recompute_detentions(apps, None)
    report = Report()
    verify_versions(report)
    verify_current_rows(report, [Detention, DetentionEvent])
    assert report.ok, report.findings


def test_migration_marks_deadlines_that_differ_from_the_rule_as_set_by_hand(monitor):
    migration = importlib.import_module("cases.migrations.0011_event_derivations")
    case = make_case(title="Appeal")
    by_rule = intervention_create(acting_user=monitor, case=case, kind=kind(UA), sent_on=SENT)
    by_hand = intervention_create(acting_user=monitor, case=case, kind=kind(UA), sent_on=SENT)
    Intervention.objects.filter(pk=by_hand.pk).update(reply_due=HAND, reply_due_set_by_hand=False)

    migration.mark_hand_set_deadlines(apps, None)

    assert Intervention.objects.get(pk=by_rule.pk).reply_due_set_by_hand is False
    assert Intervention.objects.get(pk=by_hand.pk).reply_due_set_by_hand is True


def test_case_page_says_when_the_status_rests_on_undated_events(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    page = client.get(f"/cases/{detention.case.reference}/")
    assert "rests on undated events" not in page.text
    add(detention, "formal-arrest", "2014-04-10")
    add(detention, "release", "")
    page = client.get(f"/cases/{detention.case.reference}/")
    assert page.status_code == 200
    assert "rests on undated events" in page.text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
# serialized_rollback: the flush after a transactional test would otherwise also drop the
# roles and vocabularies the migrations seeded, which later tests rely on.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_events_added_at_once_each_see_the_other(monitor, monitor2):
    """Two monitors add events to one timeline together: whichever commits last derives the
    status from both events, so the status is the latest event's in every round."""
    for round_number in range(5):
        detention = DetentionFactory()
        barrier = threading.Barrier(2)
        failures: list[BaseException] = []

        def write(user, code, occurred, detention=detention, barrier=barrier, failures=failures):
            try:
                loaded = Detention.objects.select_related("case").get(pk=detention.pk)
                barrier.wait(timeout=10)
                add(loaded, code, occurred, user=user)
            except BaseException as error:  # reported by the main thread
                failures.append(error)
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=write, args=(monitor, "sentencing", "2014-09")),
            threading.Thread(target=write, args=(monitor2, "release", "2016-01-20")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not failures, failures
        detention.refresh_from_db()
        assert detention.events.count() == 2
        assert detention.status == DetentionStatus.RELEASED, f"round {round_number}"
