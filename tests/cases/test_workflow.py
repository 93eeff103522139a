"""Verification workflow: who may do what, the guards, and what each step leaves behind."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from casebook.accounts.roles import Role
from cases import workflow
from cases.models import (
    AccessGrant,
    CaseState,
    CaseTransition,
    Confidentiality,
    Credibility,
    Notification,
    Reliability,
    Transition,
)
from cases.permissions import may
from cases.queries import visible_cases
from cases.services.cases import case_update
from cases.services.sources import source_create
from cases.services.workflow import access_grant, access_revoke, case_transition

from ..factories import CaseFactory, DetentionFactory, SourceFactory, UserFactory, cite

pytestmark = pytest.mark.django_db

STATES = list(CaseState.values)
LEVELS = list(Confidentiality.values)
ROLES = ["monitor", "other monitor", "reviewer", "advocate", "administrator", "outsider"]
ACTIONS = [
    "view",
    "edit",
    "submit",
    "verify",
    "return",
    "reject",
    "dispute",
    "resubmit",
    "reopen",
    "grant",
]
EDITORS = {"monitor", "other monitor", "reviewer"}


def expected(role: str, level: str, state: str, action: str) -> bool:
    """The permission table of WORKFLOW.md, written out independently of the code."""
    if role == "outsider":
        return False
    if role == "administrator":
        return action in {"view", "grant"}
    if level == "restricted":  # no grant in this table
        return False
    if role == "advocate":
        return action == "view" and state == "verified"
    # monitors and reviewers from here on
    return {
        "view": True,
        "edit": state != "rejected",
        "submit": state == "draft",
        "verify": role == "reviewer" and state == "submitted",
        "return": role == "reviewer" and state == "submitted",
        "reject": role == "reviewer" and state == "submitted",
        "dispute": state == "verified",
        "resubmit": state == "disputed",
        "reopen": role == "reviewer" and state == "rejected",
        "grant": False,
    }[action]


def corroborated_case(state=CaseState.DRAFT, **fields):
    """A case cited by two independent sources, entered by nobody in the cast, in `state`."""
    from cases.models import Case

    case = CaseFactory(**fields)
    cite(SourceFactory(outlet="Radio Free Asia"), case=case)
    cite(SourceFactory(outlet="Tibet Watch"), case=case)
    Case.objects.filter(pk=case.pk).update(state=state)
    case.refresh_from_db()
    return case


@pytest.fixture
def cast(db):
    return {
        "monitor": UserFactory(roles=[Role.MONITOR]),
        "other monitor": UserFactory(roles=[Role.MONITOR]),
        "reviewer": UserFactory(roles=[Role.REVIEWER]),
        "advocate": UserFactory(roles=[Role.ADVOCATE]),
        "administrator": UserFactory(roles=[Role.ADMINISTRATOR]),
        "outsider": UserFactory(),
    }


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("state", STATES)
def test_permission_matrix(cast, level, state):
    case = corroborated_case(confidentiality=level, state=state)
    wrong = [
        f"{role} {action}: expected {'allowed' if want else 'refused'}"
        for role, user in cast.items()
        for action in ACTIONS
        if (want := expected(role, level, state, action)) != may(user, action, case)
    ]
    assert not wrong, "\n".join(wrong)


def test_a_grant_opens_a_restricted_case_to_one_user(cast):
    case = corroborated_case(confidentiality=Confidentiality.RESTRICTED, state=CaseState.SUBMITTED)
    reviewer, other = cast["reviewer"], UserFactory(roles=[Role.REVIEWER])
    grant = access_grant(
        acting_user=cast["administrator"], case=case, user=reviewer, reason="lead researcher"
    )
    assert may(reviewer, "view", case) and may(reviewer, "verify", case)
    assert not may(other, "view", case)
    assert grant.history.first().history_user == cast["administrator"]

    access_revoke(acting_user=cast["administrator"], grant=grant)
    assert not may(reviewer, "view", case)
    assert AccessGrant.objects.filter(pk=grant.pk, revoked_at__isnull=False).exists()


def test_only_administrators_grant(cast):
    case = CaseFactory(confidentiality=Confidentiality.RESTRICTED)
    with pytest.raises(PermissionDenied):
        access_grant(acting_user=cast["reviewer"], case=case, user=cast["monitor"])
    assert not AccessGrant.objects.exists()


def test_a_grant_on_an_open_case_is_refused(cast):
    with pytest.raises(ValidationError):
        access_grant(acting_user=cast["administrator"], case=CaseFactory(), user=cast["monitor"])


def test_advocate_with_a_grant_sees_the_restricted_case_once_verified(cast):
    case = corroborated_case(confidentiality=Confidentiality.RESTRICTED, state=CaseState.SUBMITTED)
    access_grant(acting_user=cast["administrator"], case=case, user=cast["advocate"])
    assert case not in visible_cases(cast["advocate"])
    access_grant(acting_user=cast["administrator"], case=case, user=cast["reviewer"])
    case_transition(acting_user=cast["reviewer"], case=case, action="verify")
    assert case in visible_cases(cast["advocate"])


class TestGuards:
    def test_reviewer_cannot_verify_own_edit(self, cast):
        case = corroborated_case(state=CaseState.SUBMITTED)
        case_update(
            acting_user=cast["reviewer"], case=case, changes={"summary": "Two were released."}
        )
        with pytest.raises(workflow.TransitionRefused) as refusal:
            case_transition(acting_user=cast["reviewer"], case=case, action="verify")
        assert refusal.value.rule == "four-eyes"
        case.refresh_from_db()
        assert case.state == CaseState.SUBMITTED

        second_reviewer = UserFactory(roles=[Role.REVIEWER])
        case_transition(acting_user=second_reviewer, case=case, action="verify")
        assert case.state == CaseState.VERIFIED

    def test_editing_a_detention_counts_as_editing_the_case(self, cast):
        detention = DetentionFactory(case=corroborated_case(state=CaseState.SUBMITTED))
        from cases.services.detentions import detention_update

        detention_update(
            acting_user=cast["reviewer"], detention=detention, changes={"alleged_reason": "A photo"}
        )
        with pytest.raises(workflow.TransitionRefused, match="Four eyes"):
            case_transition(acting_user=cast["reviewer"], case=detention.case, action="verify")

    def test_single_ordinary_source_is_not_enough(self, cast):
        case = CaseFactory(state=CaseState.SUBMITTED)
        cite(
            SourceFactory(reliability=Reliability.C),
            case=case,
            credibility=Credibility.PROBABLY_TRUE,
        )
        with pytest.raises(workflow.TransitionRefused) as refusal:
            case_transition(acting_user=cast["reviewer"], case=case, action="verify")
        assert refusal.value.rule == "corroboration"
        assert "2 independent sources" in refusal.value.message
        assert "it has 1" in refusal.value.message

    def test_two_reports_from_one_outlet_are_one_voice(self, cast):
        case = CaseFactory(state=CaseState.SUBMITTED)
        cite(SourceFactory(outlet="Phayul"), case=case)
        cite(SourceFactory(outlet=" PHAYUL "), case=case)
        with pytest.raises(workflow.TransitionRefused, match="it has 1"):
            case_transition(acting_user=cast["reviewer"], case=case, action="verify")

    def test_a_report_repeating_another_is_not_independent(self, cast):
        case = CaseFactory(state=CaseState.SUBMITTED)
        upstream = SourceFactory(outlet="Tibet Watch")
        cite(upstream, case=case)
        cite(SourceFactory(outlet="Phayul", repeats=upstream), case=case)
        with pytest.raises(workflow.TransitionRefused, match="it has 1"):
            case_transition(acting_user=cast["reviewer"], case=case, action="verify")

    def test_two_reports_repeating_one_uncited_report_are_one_voice(self, cast):
        case = CaseFactory(state=CaseState.SUBMITTED)
        upstream = SourceFactory(outlet="Xinhua")
        cite(SourceFactory(outlet="Phayul", repeats=upstream), case=case)
        cite(SourceFactory(outlet="RFA", repeats=upstream), case=case)
        with pytest.raises(workflow.TransitionRefused, match="it has 1"):
            case_transition(acting_user=cast["reviewer"], case=case, action="verify")

    def test_same_witness_through_two_outlets_is_one_voice(self, cast):
        case = CaseFactory(state=CaseState.SUBMITTED)
        cite(SourceFactory(outlet="Phayul", originator="Witness K."), case=case)
        cite(SourceFactory(outlet="RFA", originator="witness k."), case=case)
        with pytest.raises(workflow.TransitionRefused, match="it has 1"):
            case_transition(acting_user=cast["reviewer"], case=case, action="verify")

    def test_sources_cited_on_detentions_count(self, cast):
        detention = DetentionFactory(case=CaseFactory(state=CaseState.SUBMITTED))
        cite(SourceFactory(outlet="Phayul"), detention=detention)
        cite(SourceFactory(outlet="RFA"), case=detention.case)
        case_transition(acting_user=cast["reviewer"], case=detention.case, action="verify")

    def test_one_reliable_source_strongly_cited_is_enough(self, cast):
        case = CaseFactory(state=CaseState.SUBMITTED)
        cite(SourceFactory(reliability=Reliability.B), case=case, credibility=Credibility.CONFIRMED)
        case_transition(acting_user=cast["reviewer"], case=case, action="verify")
        assert case.state == CaseState.VERIFIED

    def test_reliable_source_weakly_cited_is_not_enough(self, cast):
        case = CaseFactory(state=CaseState.SUBMITTED)
        cite(
            SourceFactory(reliability=Reliability.A),
            case=case,
            credibility=Credibility.POSSIBLY_TRUE,
        )
        with pytest.raises(workflow.TransitionRefused, match="Corroboration"):
            case_transition(acting_user=cast["reviewer"], case=case, action="verify")

    def test_the_threshold_is_a_setting(self, cast, settings):
        settings.CASEBOOK_CORROBORATION = {
            **settings.CASEBOOK_CORROBORATION,
            "min_independent_sources": 3,
        }
        case = corroborated_case(state=CaseState.SUBMITTED)
        with pytest.raises(workflow.TransitionRefused, match="needs 3 independent"):
            case_transition(acting_user=cast["reviewer"], case=case, action="verify")

    @pytest.mark.parametrize(
        ("action", "state"),
        [("return", "submitted"), ("reject", "submitted"), ("dispute", "verified")],
    )
    def test_a_comment_is_required(self, cast, action, state):
        case = corroborated_case(state=state)
        with pytest.raises(workflow.TransitionRefused) as refusal:
            case_transition(acting_user=cast["reviewer"], case=case, action=action, comment="  ")
        assert refusal.value.rule == "comment"
        assert not CaseTransition.objects.exists()

    def test_a_step_from_the_wrong_state_names_the_state(self, cast):
        case = corroborated_case(state=CaseState.DRAFT)
        with pytest.raises(workflow.TransitionRefused, match="draft case cannot be verified"):
            case_transition(acting_user=cast["reviewer"], case=case, action="verify")

    def test_an_advocate_is_told_the_role_needed(self, cast):
        case = corroborated_case(state=CaseState.SUBMITTED)
        with pytest.raises(workflow.TransitionRefused) as refusal:
            case_transition(acting_user=cast["advocate"], case=case, action="verify")
        assert refusal.value.rule == "role"


class TestEditAfterVerification:
    def test_editing_a_verified_case_sends_it_back_to_review(self, cast):
        case = corroborated_case(state=CaseState.VERIFIED)
        case_update(
            acting_user=cast["monitor"], case=case, changes={"title": "Arrest of six Tibetans"}
        )
        case.refresh_from_db()
        assert case.state == CaseState.SUBMITTED
        step = CaseTransition.objects.get(case=case)
        assert (step.action, step.from_state, step.to_state) == (
            Transition.EDITED_AFTER_VERIFICATION,
            "verified",
            "submitted",
        )
        assert case not in visible_cases(cast["advocate"])

    def test_a_new_citation_on_a_verified_case_sends_it_back(self, cast):
        case = corroborated_case(state=CaseState.VERIFIED)
        cite(SourceFactory(outlet="Another"), case=case)
        case.refresh_from_db()
        assert case.state == CaseState.SUBMITTED

    def test_a_rejected_case_must_be_reopened_before_editing(self, cast):
        case = corroborated_case(state=CaseState.REJECTED)
        with pytest.raises(ValidationError, match="reopen"):
            case_update(acting_user=cast["monitor"], case=case, changes={"title": "New title"})
        case.refresh_from_db()
        assert case.title != "New title"


class TestNotifications:
    def test_reviewers_hear_of_a_submission_once_it_commits(
        self, cast, django_capture_on_commit_callbacks
    ):
        case = corroborated_case(state=CaseState.DRAFT)
        cast["reviewer"].email = "reviewer@example.org"
        cast["reviewer"].save()
        with django_capture_on_commit_callbacks(execute=True):
            case_transition(acting_user=cast["monitor"], case=case, action="submit")
        notes = Notification.objects.filter(user=cast["reviewer"])
        assert notes.count() == 1
        assert case.reference in notes.get().message
        assert not Notification.objects.filter(user=cast["monitor"]).exists()
        assert [m.to for m in mail.outbox] == [["reviewer@example.org"]]
        assert case.title not in mail.outbox[0].subject + mail.outbox[0].body

    def test_a_rolled_back_step_sends_nothing(self, cast, django_capture_on_commit_callbacks):
        case = corroborated_case(state=CaseState.DRAFT)
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            case_transition(acting_user=cast["monitor"], case=case, action="submit")
            raise RuntimeError("the request failed after the step")
        assert callbacks == []
        assert not Notification.objects.exists()
        assert mail.outbox == []
        case.refresh_from_db()
        assert case.state == CaseState.DRAFT

    def test_the_monitor_hears_of_a_return(self, cast, django_capture_on_commit_callbacks):
        case = corroborated_case(state=CaseState.SUBMITTED, assigned_monitor=cast["monitor"])
        with django_capture_on_commit_callbacks(execute=True):
            case_transition(
                acting_user=cast["reviewer"], case=case, action="return", comment="Which county?"
            )
        assert Notification.objects.filter(user=cast["monitor"]).count() == 1

    def test_watchers_hear_of_a_dispute(self, cast, django_capture_on_commit_callbacks):
        from cases.services.workflow import case_watch

        case = corroborated_case(state=CaseState.VERIFIED)
        case_watch(acting_user=cast["other monitor"], case=case)
        with django_capture_on_commit_callbacks(execute=True):
            case_transition(
                acting_user=cast["reviewer"],
                case=case,
                action="dispute",
                comment="Release reported",
            )
        assert Notification.objects.filter(user=cast["other monitor"]).exists()

    def test_nobody_hears_of_a_case_they_cannot_see(self, cast, django_capture_on_commit_callbacks):
        case = corroborated_case(state=CaseState.DRAFT, confidentiality=Confidentiality.RESTRICTED)
        access_grant(acting_user=cast["administrator"], case=case, user=cast["monitor"])
        with django_capture_on_commit_callbacks(execute=True):
            case_transition(acting_user=cast["monitor"], case=case, action="submit")
        assert not Notification.objects.filter(user=cast["reviewer"]).exists()

    def test_running_the_task_twice_notifies_once(self, cast):
        from cases.tasks import notify_transition

        case = corroborated_case(state=CaseState.DRAFT)
        step = case_transition(acting_user=cast["monitor"], case=case, action="submit")
        notify_transition(step.pk)
        notify_transition(step.pk)
        assert Notification.objects.filter(user=cast["reviewer"]).count() == 1


def test_the_demo_story(settings, django_capture_on_commit_callbacks):
    """monitor submits, reviewer returns, monitor adds a second source and resubmits,
    reviewer2 verifies — and advocate sees the case only then."""
    from io import StringIO

    from django.core.management import call_command

    from casebook.accounts.models import User
    from cases.models import Case, VocabularyKey

    from ..factories import term

    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    users = {u.username: u for u in User.objects.all()}
    case = Case.objects.get()
    advocate = users["advocate"]

    with django_capture_on_commit_callbacks(execute=True):
        case_transition(acting_user=users["monitor"], case=case, action="submit")
        assert case not in visible_cases(advocate)
        case_transition(
            acting_user=users["reviewer"], case=case, action="return", comment="One source only"
        )
        second = source_create(
            acting_user=users["monitor"],
            kind=term(VocabularyKey.SOURCE_KIND, "ngo-report"),
            title="Five Tibetans detained over WeChat in Sog",
            outlet="Tibet Watch",
            published_on="2014-04",
        )
        cite(second, case=case, credibility=Credibility.PROBABLY_TRUE)
        case_transition(acting_user=users["monitor"], case=case, action="submit")
        assert case not in visible_cases(advocate)
        case_transition(acting_user=users["reviewer2"], case=case, action="verify")

    assert case in visible_cases(advocate)
    assert [t.action for t in case.transitions.all()] == ["submit", "return", "submit", "verify"]
    assert Notification.objects.filter(user=users["monitor"]).count() == 2  # returned, verified
