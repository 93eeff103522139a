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
    CaseFactEditor,
    CaseState,
    CaseTransition,
    CaseWatch,
    Confidentiality,
    Transition,
)
from .common import lock_for_write, require_acting_user, save_validated, write_recorded


def _record(
    case: Case, *, action: str, from_state: str, acting_user: Any, comment: str
) -> CaseTransition:
    transition = save_validated(
        CaseTransition(
            case=case,
            action=action,
            from_state=from_state,
            to_state=case.state,
            user=acting_user,
            comment=comment,
        ),
        acting_user=acting_user,
    )
    _notify_on_commit(transition)
    return transition


def _notify_on_commit(transition: CaseTransition) -> None:
    from ..tasks import notify_transition

    # Queued only once the transaction commits: a rolled-back step sends nothing.
    transaction.on_commit(lambda: notify_transition.delay(transition.pk))


def _locked(case: Case) -> Case:
    """Re-read the case under a row lock: until this transaction ends, nobody else can move its
    state or its version, so what is checked here is what is written."""
    return lock_for_write(Case.objects, case.pk)


def _copy_back(case: Case, current: Case, names: tuple[str, ...]) -> None:
    for name in names:
        setattr(case, name, getattr(current, name))


# Columns every write of a case changes by itself; "what changed" leaves them out.
_BOOKKEEPING = frozenset(
    {"version", "updated_at", "updated_by", "facts_changed_at", "facts_changed_by"}
)


def changes_since(case: Case, version: int) -> list[dict[str, Any]]:
    """What was written to `case` after `version`: each later version of the case (who, when,
    which fields) and each version of its detentions, their events and the citations on them.
    Shown to a reviewer whose step was refused because the case moved on."""
    from ..models import Citation, Detention, DetentionEvent

    later = list(
        case.history.filter(version__gt=version)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    earlier = case.history.filter(version__lte=version).order_by("-history_date").first()
    since = earlier.history_date if earlier is not None else None
    found: list[dict[str, Any]] = []
    previous = earlier
    for row in later:
        if previous is None:
            fields: list[str] = []
        else:
            fields = sorted(
                change.field
                for change in row.diff_against(previous).changes
                if change.field not in _BOOKKEEPING
            )
        if (
            not fields
            and previous is not None
            and row.facts_changed_at != previous.facts_changed_at
        ):
            fields = ["facts"]
        found.append(
            {
                "record": "case",
                "version": row.version,
                "at": row.history_date.isoformat(),
                "by": row.history_user.get_username() if row.history_user else None,
                "fields": fields,
            }
        )
        previous = row
    if since is None:
        return found
    detention_ids = list(case.detentions.values_list("pk", flat=True))
    event_ids = list(
        DetentionEvent.objects.filter(detention_id__in=detention_ids).values_list("pk", flat=True)
    )
    related = [
        ("detention", Detention.history.filter(case_id=case.pk)),
        ("detention event", DetentionEvent.history.filter(detention_id__in=detention_ids)),
        (
            "citation",
            Citation.history.filter(case_id=case.pk)
            | Citation.history.filter(detention_id__in=detention_ids)
            | Citation.history.filter(detention_event_id__in=event_ids),
        ),
    ]
    for label, versions in related:
        for row in versions.filter(history_date__gt=since).select_related("history_user"):
            found.append(
                {
                    "record": label,
                    "id": row.id,
                    "change": {"+": "created", "~": "changed", "-": "deleted"}[row.history_type],
                    "at": row.history_date.isoformat(),
                    "by": row.history_user.get_username() if row.history_user else None,
                }
            )
    return sorted(found, key=lambda change: change["at"])


@transaction.atomic
def case_transition(
    *,
    acting_user: Any,
    case: Case,
    action: str,
    comment: str = "",
    version: int | None = None,
) -> CaseTransition:
    """Take a workflow step: check role, state, comment and guards, move the case, record it.

    1. The case row is locked and re-read, so the checks see what will be written.
    2. `version` is the version of the case the user read before deciding (required from the
       API and the pages for verify, return and reject). If the case changed since, the step
       is refused with rule `version` and the list of what changed; nothing is written.
    3. The step moves the case's state and its version, through the one writer
       (write_recorded): an edit begun before the step then finds the version moved on and
       gets EditConflict instead of writing the old state back.
    4. Verifying empties the case's fact editors (four eyes starts again from here).

    `case` must come from visible_cases(acting_user). Raises workflow.TransitionRefused naming
    the rule that refused the step; nothing is written then.
    """
    require_acting_user(acting_user)
    current = _locked(case)
    if version is not None and current.version != version:
        raise workflow.TransitionRefused(
            "version",
            _(
                "The case changed after you read it (you read version %(yours)d; it is now at "
                "version %(now)d). Nothing was done: read what changed, then decide again."
            )
            % {"yours": version, "now": current.version},
            changes=changes_since(current, version),
        )
    step = workflow.check(acting_user, current, action, comment)
    from_state = current.state
    current.state = step.target
    # "Last updated by" names whoever moved the case last, as "last updated" dates it.
    current.updated_by = acting_user
    write_recorded(current, acting_user=acting_user, fields=["state", "updated_by"])
    if step.action == Transition.VERIFY:
        CaseFactEditor.objects.filter(case=current).delete()
    if step.action in {Transition.SUBMIT, Transition.DISPUTE, Transition.RESUBMIT}:
        CaseWatch.objects.get_or_create(case=current, user=acting_user)
    _copy_back(case, current, ("state", "version", "updated_at", "updated_by_id"))
    return _record(
        current,
        action=step.action,
        from_state=from_state,
        acting_user=acting_user,
        comment=comment.strip(),
    )


def mark_facts_changed(case: Case, acting_user: Any) -> str:
    """Note on `case` (unsaved) that `acting_user` changed its facts; return the state before.

    A verified case goes back to review, since nothing unverified may be exported as verified;
    a rejected case must be reopened before any edit. The caller writes the case and calls
    `note_fact_editor` in the same transaction.
    """
    if case.state not in workflow.EDITABLE_STATES:
        raise ValidationError(
            _("This case was rejected: a reviewer must reopen it before its facts can change.")
        )
    from_state = case.state
    case.facts_changed_by = acting_user
    case.facts_changed_at = timezone.now()
    case.updated_by = acting_user
    if case.state == CaseState.VERIFIED:
        case.state = CaseState.SUBMITTED
    return from_state


FACTS_COLUMNS = ("facts_changed_by", "facts_changed_at", "state", "updated_by")


def note_fact_editor(case: Case, acting_user: Any) -> None:
    """Add `acting_user` to those who changed the facts since the case was last verified."""
    at = case.facts_changed_at or timezone.now()
    editor, created = CaseFactEditor.objects.get_or_create(
        case=case, user=acting_user, defaults={"first_changed_at": at, "last_changed_at": at}
    )
    if not created:
        CaseFactEditor.objects.filter(pk=editor.pk).update(last_changed_at=at)


def record_if_sent_back(case: Case, from_state: str, acting_user: Any) -> None:
    if from_state != case.state:
        _record(
            case,
            action=Transition.EDITED_AFTER_VERIFICATION,
            from_state=from_state,
            acting_user=acting_user,
            comment="",
        )


@transaction.atomic
def case_facts_changed(*, acting_user: Any, case: Case) -> None:
    """A detention, event, citation or person of `case` changed: the case's facts changed.

    The case is read under its row lock and only the columns this bookkeeping owns are written
    (who and when, and the state if a verified case goes back to review), so a concurrent edit
    of the case or a reviewer's step is never written over. Its version moves, so a reviewer
    who read the case before this change is told when stepping.
    """
    require_acting_user(acting_user)
    current = _locked(case)
    from_state = mark_facts_changed(current, acting_user)
    write_recorded(current, acting_user=acting_user, fields=FACTS_COLUMNS)
    note_fact_editor(current, acting_user)
    _copy_back(case, current, ("facts_changed_by_id", *FACTS_COLUMNS[1:], "version", "updated_at"))
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
    return save_validated(grant, acting_user=acting_user)


@transaction.atomic
def access_revoke(*, acting_user: Any, grant: AccessGrant) -> AccessGrant:
    if acting_user is None or not acting_user.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied("Only administrators revoke access to restricted cases.")
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.revoked_by = acting_user
        write_recorded(grant, acting_user=acting_user, fields=["revoked_at", "revoked_by"])
    return grant


def case_watch(*, acting_user: Any, case: Case) -> CaseWatch:
    watch, _created = CaseWatch.objects.get_or_create(case=case, user=acting_user)
    return watch


def case_unwatch(*, acting_user: Any, case: Case) -> None:
    CaseWatch.objects.filter(case=case, user=acting_user).delete()
