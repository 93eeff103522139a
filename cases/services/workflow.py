"""Workflow transitions, access grants, watches and fact-change bookkeeping."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casebook.accounts.roles import Role

from .. import workflow
from ..models import (
    AccessGrant,
    Case,
    CaseState,
    CaseTransition,
    CaseWatch,
    Confidentiality,
    Transition,
)


def _record(
    case: Case, *, action: str, from_state: str, acting_user: Any, comment: str
) -> CaseTransition:
    transition = CaseTransition(
        case=case,
        action=action,
        from_state=from_state,
        to_state=case.state,
        user=acting_user,
        comment=comment,
    )
    transition._history_user = acting_user
    transition.save()
    _notify_on_commit(transition)
    return transition


def _notify_on_commit(transition: CaseTransition) -> None:
    from ..tasks import notify_transition

    # Queued only once the transaction commits: a rolled-back step sends nothing.
    transaction.on_commit(lambda: notify_transition.delay(transition.pk))


def _locked(case: Case) -> Case:
    """Re-read the case under a row lock, so two reviewers cannot both move it from one state."""
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def case_transition(
    *, acting_user: Any, case: Case, action: str, comment: str = ""
) -> CaseTransition:
    """Take a workflow step: check role, state, comment and guards, move the case, record it.

    `case` must come from visible_cases(acting_user). Raises workflow.TransitionRefused naming
    the rule that refused the step; nothing is written then.
    """
    current = _locked(case)
    step = workflow.check(acting_user, current, action, comment)
    from_state = current.state
    current.state = step.target
    current._history_user = acting_user
    current.save(update_fields=["state", "updated_at"])
    if step.action in {Transition.SUBMIT, Transition.DISPUTE, Transition.RESUBMIT} and acting_user:
        CaseWatch.objects.get_or_create(case=current, user=acting_user)
    case.state = current.state
    return _record(
        current,
        action=step.action,
        from_state=from_state,
        acting_user=acting_user,
        comment=comment.strip(),
    )


def mark_facts_changed(case: Case, acting_user: Any) -> str:
    """Note on `case` (unsaved) that `acting_user` changed its facts; return the state before.

    Four eyes reads `facts_changed_by`. A verified case goes back to review, since nothing
    unverified may be exported as verified; a rejected case must be reopened before any edit.
    """
    if case.state not in workflow.EDITABLE_STATES:
        raise ValidationError(
            _("This case was rejected: a reviewer must reopen it before its facts can change.")
        )
    from_state = case.state
    case.facts_changed_by = acting_user
    case.facts_changed_at = timezone.now()
    if case.state == CaseState.VERIFIED:
        case.state = CaseState.SUBMITTED
    return from_state


def record_if_sent_back(case: Case, from_state: str, acting_user: Any) -> None:
    if from_state != case.state:
        _record(
            case,
            action=Transition.EDITED_AFTER_VERIFICATION,
            from_state=from_state,
            acting_user=acting_user,
            comment="",
        )


def case_facts_changed(*, acting_user: Any, case: Case) -> None:
    """A detention, event or citation of `case` changed: the case's facts changed with it."""
    current = _locked(case)
    from_state = mark_facts_changed(current, acting_user)
    current._history_user = acting_user
    current.save(update_fields=["facts_changed_by", "facts_changed_at", "state", "updated_at"])
    for name in ("facts_changed_by_id", "facts_changed_at", "state", "updated_at"):
        setattr(case, name, getattr(current, name))
    record_if_sent_back(current, from_state, acting_user)


@transaction.atomic
def access_grant(*, acting_user: Any, case: Case, user: Any, reason: str = "") -> AccessGrant:
    """Let `user` see the restricted `case`. Only administrators grant; the grant is recorded."""
    if acting_user is None or not acting_user.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied("Only administrators grant access to restricted cases.")
    if case.confidentiality != Confidentiality.RESTRICTED:
        raise ValidationError(
            {"case": "Only restricted cases need a grant; this one is not restricted."}
        )
    existing = AccessGrant.objects.filter(case=case, user=user, revoked_at__isnull=True).first()
    if existing:
        return existing
    grant = AccessGrant(case=case, user=user, granted_by=acting_user, reason=reason.strip())
    grant._history_user = acting_user
    grant.full_clean()
    grant.save()
    return grant


@transaction.atomic
def access_revoke(*, acting_user: Any, grant: AccessGrant) -> AccessGrant:
    if acting_user is None or not acting_user.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied("Only administrators revoke access to restricted cases.")
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.revoked_by = acting_user
        grant._history_user = acting_user
        grant.save(update_fields=["revoked_at", "revoked_by"])
    return grant


def case_watch(*, acting_user: Any, case: Case) -> CaseWatch:
    watch, _created = CaseWatch.objects.get_or_create(case=case, user=acting_user)
    return watch


def case_unwatch(*, acting_user: Any, case: Case) -> None:
    CaseWatch.objects.filter(case=case, user=acting_user).delete()
