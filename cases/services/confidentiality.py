"""Who may see a case is a recorded decision (WORKFLOW.md, Confidentiality).

Raising the level (public → internal → restricted) narrows who sees the case: whoever may edit
the case may do it, at once. Lowering it widens the audience — a restricted testimony could
reach partners or the public — so it needs a reviewer or an administrator and a reason, and it
is announced to the case's monitor and watchers. Both are kept as steps of the case's workflow
history (from and to state unchanged), so the decision is read beside the verification steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casebook.accounts.roles import Role

from ..models import Case, CaseTransition, Confidentiality, Transition
from ..permissions import may
from .cases import grant_creator_access
from .common import save_validated

# From the widest audience to the narrowest.
LEVELS = (Confidentiality.PUBLIC, Confidentiality.INTERNAL, Confidentiality.RESTRICTED)
REASON_MAX_LENGTH = 2000


def rank(level: str) -> int:
    return LEVELS.index(Confidentiality(level))


def is_lowering(old: str, new: str) -> bool:
    return rank(new) < rank(old)


def may_lower(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.has_role(Role.REVIEWER, Role.ADMINISTRATOR)
    )


def may_raise(user: Any, case: Case) -> bool:
    return may_lower(user) or may(user, "edit", case)


def _level_label(level: str) -> str:
    return str(Confidentiality(level).label)


@transaction.atomic
def case_set_confidentiality(
    *, acting_user: Any, case: Case, level: str, reason: str = ""
) -> CaseTransition | None:
    """Move `case` to confidentiality `level` and record the decision as a workflow step.

    1. `case` must come from visible_cases(acting_user); `case.version` is the version the
       decision was taken on (optimistic locking: EditConflict if someone saved since).
    2. A raise needs the right to edit the case (or to lower); a lowering needs a reviewer or
       administrator and a reason. Otherwise PermissionDenied / ValidationError, nothing written.
    3. The case is saved, the step recorded with "old → new" and the reason; raising to
       restricted grants the acting user access, so the decision does not lock them out.
    4. A lowering notifies the case's monitor and watchers once the transaction commits.

    Returns None when the case already has that level (nothing is recorded).
    """
    if level not in Confidentiality.values:
        raise ValidationError(
            {"confidentiality": _("Choose public, internal or restricted.")}, code="invalid"
        )
    reason = reason.replace("\r\n", "\n").strip()
    old = case.confidentiality
    if level == old:
        return None
    lowering = is_lowering(old, level)
    if lowering:
        if not may_lower(acting_user):
            raise PermissionDenied(
                _("Only a reviewer or an administrator may lower a case's confidentiality.")
            )
        if not reason:
            raise ValidationError(
                {"reason": _("Say why the case may be seen more widely: a reason is required.")},
                code="required",
            )
    elif not may_raise(acting_user, case):
        raise PermissionDenied(_("Your account may not change this case."))
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX_LENGTH}},
            code="max_length",
        )

    case.confidentiality = level
    case.updated_by = acting_user
    save_validated(case, acting_user=acting_user, fields=["confidentiality", "updated_by"])
    if level == Confidentiality.RESTRICTED:
        grant_creator_access(
            case=case,
            user=acting_user,
            reason=_("made the case restricted, and so keeps seeing it"),
        )
    summary = _("Confidentiality: %(old)s → %(new)s.") % {
        "old": _level_label(old),
        "new": _level_label(level),
    }
    step = CaseTransition(
        case=case,
        action=Transition.LOWER_CONFIDENTIALITY if lowering else Transition.RAISE_CONFIDENTIALITY,
        from_state=case.state,
        to_state=case.state,
        user=acting_user,
        comment=f"{summary}\n{reason}" if reason else summary,
    )
    save_validated(step, acting_user=acting_user)
    if lowering:
        from ..tasks import notify_transition

        # Queued only once committed: a decision rolled back announces nothing.
        transaction.on_commit(lambda: notify_transition.delay(step.pk))
    return step


def confidentiality_from_edit(
    *, acting_user: Any, case: Case, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """For case_update: take a raise of `confidentiality` among `changes` as its own recorded
    step, refuse a lowering (it needs a reason and its own form), and return the other changes.
    """
    remaining = dict(changes)
    level = remaining.pop("confidentiality", case.confidentiality)
    if level == case.confidentiality:
        return remaining
    if level in Confidentiality.values and is_lowering(case.confidentiality, level):
        raise ValidationError(
            {
                "confidentiality": _(
                    "Lowering a case's confidentiality is a reviewer's decision with a reason: "
                    "give the reason in the case's edit form, or POST it to "
                    "/api/v1/cases/%(reference)s/confidentiality/."
                )
                % {"reference": case.reference}
            },
            code="lowering",
        )
    case_set_confidentiality(acting_user=acting_user, case=case, level=level)
    return remaining
