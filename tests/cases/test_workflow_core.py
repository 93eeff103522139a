"""The workflow's bookkeeping: locks, versions, four eyes over every fact editor, the system
user, one version and one chain entry per write, and notifications that survive a mail outage."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from casebook.accounts.roles import Role
from casebook.accounts.system import SYSTEM_USERNAME, system_user
from cases.history import verify
from cases.models import (
    Case,
    CaseFactEditor,
    CaseState,
    CaseTransition,
    Detention,
    HistoryChainEntry,
    Notification,
    VocabularyKey,
)
from cases.services.cases import case_update
from cases.services.common import EditConflict, save_validated
from cases.services.detentions import detention_update
from cases.services.workflow import case_facts_changed, case_transition
from cases.tasks import notify_transition
from cases.workflow import TransitionRefused

from ..factories import CaseFactory, DetentionFactory, SourceFactory, UserFactory, cite, term

pytestmark = pytest.mark.django_db


def submitted_case(author=None, **fields) -> Case:
    """A corroborated case entered by `author` (the system user by default) and submitted by a
    monitor, through the services only, so that its history verifies."""
    case = CaseFactory(acting_user=author or system_user(), **fields)
    cite(SourceFactory(outlet="Radio Free Asia"), case=case)
    cite(SourceFactory(outlet="Tibet Watch"), case=case)
    submitter = UserFactory(roles=[Role.MONITOR])
    case_transition(acting_user=submitter, case=case, action="submit")
    return case


def all_versions() -> int:
    """Every record the chain links: the versions, and the recorded states of accounts."""
    from casebook.accounts.models import AccountRecord
    from cases.history import tracked_models

    return sum(model.history.count() for model in tracked_models()) + AccountRecord.objects.count()


# --- Four eyes -------------------------------------------------------------------------------


class TestFourEyes:
    """A writes, B edits, then A, B and C try to verify."""

    @pytest.fixture
    def reviewers(self):
        return {name: UserFactory(username=name, roles=[Role.REVIEWER]) for name in "ABC"}

    @pytest.fixture
    def case(self, reviewers):
        case = submitted_case(author=reviewers["A"])
        case_update(acting_user=reviewers["B"], case=case, changes={"summary": "Two released."})
        return case

    @pytest.mark.parametrize(
        ("verifier", "allowed"), [("A", False), ("B", False), ("C", True)], ids=["A", "B", "C"]
    )
    def test_everyone_who_changed_the_facts_since_verification_is_refused(
        self, reviewers, case, verifier, allowed
    ):
        if allowed:
            step = case_transition(
                acting_user=reviewers[verifier], case=case, action="verify", version=case.version
            )
            assert step.to_state == CaseState.VERIFIED
            return
        with pytest.raises(TransitionRefused) as refusal:
            case_transition(
                acting_user=reviewers[verifier], case=case, action="verify", version=case.version
            )
        assert refusal.value.rule == "four-eyes"
        case.refresh_from_db()
        assert case.state == CaseState.SUBMITTED

    def test_a_fact_change_through_a_detention_counts_too(self, reviewers):
        case = submitted_case()
        detention = DetentionFactory(case=case, acting_user=reviewers["A"])
        detention_update(
            acting_user=reviewers["B"], detention=detention, changes={"alleged_reason": "WeChat"}
        )
        case.refresh_from_db()
        editors = set(CaseFactEditor.objects.filter(case=case).values_list("user", flat=True))
        assert {reviewers["A"].pk, reviewers["B"].pk} <= editors
        with pytest.raises(TransitionRefused, match="Four eyes"):
            case_transition(acting_user=reviewers["A"], case=case, action="verify")

    def test_verifying_empties_the_set_so_an_earlier_editor_may_verify_later(self, reviewers):
        case = submitted_case(author=reviewers["A"])
        case_transition(acting_user=reviewers["C"], case=case, action="verify")
        assert not CaseFactEditor.objects.filter(case=case).exists()
        case_transition(acting_user=reviewers["C"], case=case, action="dispute", comment="Date?")
        case_transition(acting_user=reviewers["C"], case=case, action="resubmit")
        # A changed nothing since the verification.
        case_transition(acting_user=reviewers["A"], case=case, action="verify")
        assert Case.objects.get(pk=case.pk).state == CaseState.VERIFIED


# --- Version-carrying steps ------------------------------------------------------------------


class TestStaleSteps:
    def test_a_step_on_a_version_the_case_has_left_is_refused_with_what_changed(self):
        reviewer = UserFactory(username="pema", roles=[Role.REVIEWER])
        monitor = UserFactory(username="dolma", roles=[Role.MONITOR])
        case = submitted_case()
        read = case.version
        case_update(acting_user=monitor, case=case, changes={"title": "Six were arrested"})
        steps_before = CaseTransition.objects.count()
        with pytest.raises(TransitionRefused) as refusal:
            case_transition(
                acting_user=reviewer, case=case, action="reject", comment="No.", version=read
            )
        assert refusal.value.rule == "version"
        assert [(c["record"], c["by"], c["fields"]) for c in refusal.value.changes] == [
            ("case", "dolma", ["title"])
        ]
        case.refresh_from_db()
        assert case.state == CaseState.SUBMITTED
        assert CaseTransition.objects.count() == steps_before

    def test_a_changed_detention_is_named_among_the_changes(self):
        reviewer = UserFactory(roles=[Role.REVIEWER])
        monitor = UserFactory(username="tenzin", roles=[Role.MONITOR])
        case = submitted_case()
        detention = DetentionFactory(case=case)
        case.refresh_from_db()
        read = case.version
        detention_update(
            acting_user=monitor, detention=detention, changes={"alleged_reason": "WeChat"}
        )
        with pytest.raises(TransitionRefused) as refusal:
            case_transition(acting_user=reviewer, case=case, action="verify", version=read)
        changes = refusal.value.changes
        assert {"record": "case", "by": "tenzin", "fields": ["facts"]}.items() <= changes[
            -1
        ].items()
        assert any(c["record"] == "detention" and c["by"] == "tenzin" for c in changes)

    def test_a_step_moves_the_version_so_an_edit_begun_before_it_conflicts(self):
        reviewer = UserFactory(roles=[Role.REVIEWER])
        monitor = UserFactory(roles=[Role.MONITOR])
        case = submitted_case()
        monitors_copy = Case.objects.get(pk=case.pk)
        case_transition(acting_user=reviewer, case=case, action="verify", version=case.version)
        with pytest.raises(EditConflict):
            case_update(acting_user=monitor, case=monitors_copy, changes={"summary": "Late"})
        case.refresh_from_db()
        assert case.state == CaseState.VERIFIED
        assert case.transitions.last().to_state == CaseState.VERIFIED


# --- Only the changed columns ------------------------------------------------------------------


def test_fact_bookkeeping_never_writes_back_a_stale_copy():
    """The stale in-memory case says `submitted` and the old title; the row says `rejected`
    and the new one. Marking the facts changed must not bring either back."""
    monitor = UserFactory(roles=[Role.MONITOR])
    reviewer = UserFactory(roles=[Role.REVIEWER])
    case = submitted_case()
    stale = Case.objects.get(pk=case.pk)
    case_update(acting_user=monitor, case=case, changes={"title": "New title"})
    case_facts_changed(acting_user=monitor, case=stale)
    case_transition(acting_user=reviewer, case=case, action="return", comment="Which county?")
    stale_again = Case.objects.get(pk=case.pk)
    case_update(acting_user=monitor, case=case, changes={"summary": "More"})
    case_facts_changed(acting_user=monitor, case=stale_again)
    case.refresh_from_db()
    assert (case.title, case.summary, case.state) == ("New title", "More", CaseState.DRAFT)
    assert verify().ok


def test_a_save_writes_only_the_fields_it_names():
    case = CaseFactory()
    other = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(summary="Written meanwhile")
    other.title = "Renamed"
    other.summary = "Stale"
    save_validated(other, acting_user=system_user(), fields=["title"])
    case.refresh_from_db()
    assert (case.title, case.summary) == ("Renamed", "Written meanwhile")
    # The version records the row as stored, not the stale copy.
    assert case.history.latest("history_id").summary == "Written meanwhile"


# --- acting_user and the system user -------------------------------------------------------------


def test_a_write_without_an_acting_user_is_refused():
    with pytest.raises(TypeError, match="acting_user"):
        save_validated(Case(title="Nobody's", occurred="2014"), acting_user=None)
    assert not Case.objects.exists()


def test_the_system_user_cannot_log_in_nor_take_a_step():
    user = system_user()
    assert user.username == SYSTEM_USERNAME
    assert not user.is_active
    assert not user.has_usable_password()
    assert authenticate(username=SYSTEM_USERNAME, password="") is None
    assert not user.has_role(*Role)
    assert system_user().pk == user.pk


def test_the_demo_is_written_by_the_system_user_and_verifies(demo_case):
    from cases.history import tracked_models
    from cases.models import Term, Vocabulary

    authors = set()
    for model in tracked_models():
        if model in (Term, Vocabulary):  # seeded by the migrations, before any user existed
            continue
        authors |= set(model.history.values_list("history_user__username", flat=True))
    assert authors == {SYSTEM_USERNAME}
    assert demo_case.history.earliest("history_id").history_user.username == SYSTEM_USERNAME
    report = verify()
    assert report.ok, report.findings
    assert report.entries_checked == all_versions() == HistoryChainEntry.objects.count()


# --- One version, one chain entry ---------------------------------------------------------------


class TestExplicitVersions:
    def test_an_edit_with_new_violation_types_is_one_version_holding_the_new_set(self):
        monitor = UserFactory(roles=[Role.MONITOR])
        case = CaseFactory()
        torture = term(VocabularyKey.VIOLATION_TYPE, "torture")
        versions, entries = case.history.count(), HistoryChainEntry.objects.count()
        case_update(
            acting_user=monitor, case=case, changes={"summary": "x"}, violation_types=[torture]
        )
        assert case.history.count() == versions + 1
        latest = case.history.latest("history_id")
        assert [row.term for row in latest.violation_types.all()] == [torture]
        assert latest.history_user == monitor
        # The case's version, plus nothing else: no transition (it was a draft).
        assert HistoryChainEntry.objects.count() == entries + 1
        assert verify().ok

    def test_new_charges_are_one_detention_version_holding_them(self):
        monitor = UserFactory(roles=[Role.MONITOR])
        detention = DetentionFactory()
        charge = term(VocabularyKey.CHARGE, "inciting-separatism")
        versions = detention.history.count()
        detention_update(acting_user=monitor, detention=detention, changes={}, charges=[charge])
        assert detention.history.count() == versions + 1
        latest = detention.history.latest("history_id")
        assert [row.term for row in latest.charges.all()] == [charge]
        assert verify().ok

    def test_every_version_has_exactly_one_chain_entry(self):
        reviewer = UserFactory(roles=[Role.REVIEWER])
        case = submitted_case()
        detention = DetentionFactory(case=case)
        detention_update(
            acting_user=reviewer,
            detention=detention,
            changes={"alleged_reason": "Seen with a flag"},
        )
        case_transition(acting_user=UserFactory(roles=[Role.REVIEWER]), case=case, action="verify")
        assert HistoryChainEntry.objects.count() == all_versions()
        assert verify().ok

    def test_a_plain_save_of_a_transition_is_caught(self):
        case = submitted_case()
        step = case.transitions.last()
        step.comment = "rewritten"
        step.save()
        assert "version not chained" in {finding.kind for finding in verify().findings}

    def test_a_plain_update_of_the_state_is_caught(self):
        case = submitted_case()
        Case.objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)
        findings = verify().findings
        assert any(
            f.kind == "row changed outside the application" and "state" in f.detail
            for f in findings
        )


def test_detention_is_locked_and_refreshed_when_its_derived_fields_change():
    from cases.services.detentions import detention_add_event

    monitor = UserFactory(roles=[Role.MONITOR])
    detention = DetentionFactory()
    stale = Detention.objects.get(pk=detention.pk)
    detention_update(
        acting_user=monitor, detention=detention, changes={"alleged_reason": "A new reason"}
    )
    detention_add_event(
        acting_user=monitor,
        detention=stale,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "release"),
        occurred="2015-01-01",
    )
    detention.refresh_from_db()
    assert detention.alleged_reason == "A new reason"
    assert detention.status == "released"
    assert verify().ok


# --- Notifications ---------------------------------------------------------------------------


class FlakyBackend(EmailBackend):
    """Fails the first time it is asked to send, like an SMTP server that is briefly down."""

    failures_left = 1

    def send_messages(self, messages):
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise ConnectionRefusedError("SMTP server unreachable")
        return super().send_messages(messages)


def test_a_failed_email_is_retried_and_the_notification_written_once(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures_left = 1
    monitor = UserFactory(roles=[Role.MONITOR], email="dolma@example.org")
    reviewer = UserFactory(roles=[Role.REVIEWER])
    case = submitted_case(assigned_monitor=monitor)
    step = case_transition(
        acting_user=reviewer, case=case, action="return", comment="Which county?"
    )
    mail.outbox = []
    # Run as a worker would: the failure schedules a retry (run at once here, eagerly).
    notify_transition.apply(args=[step.pk], throw=False)
    assert FlakyBackend.failures_left == 0
    assert [message.to for message in mail.outbox] == [["dolma@example.org"]]
    assert Notification.objects.filter(user=monitor, transition=step).count() == 1
    assert Notification.objects.get(user=monitor, transition=step).emailed_at is not None
    # A later redelivery of the same task sends nothing more.
    notify_transition.apply(args=[step.pk], throw=False)
    assert len(mail.outbox) == 1
