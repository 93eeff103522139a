"""Interventions: advocacy on a case (UN urgent appeals, WGAD communications, letters).

An intervention is what the organisation did about a case, not a fact of the case: writing one
neither changes the case's facts nor sends a verified case back to review, so these services do
not call `case_facts_changed`, and advocates, who record interventions, may write them.

The reply deadline (`reply_due`) follows the kind and the sent date (`reply_due_for`) whenever
either changes, unless it was set by hand: a write that gives a deadline of its own — a date on
create, or on update a date other than the stored one — sets `reply_due_set_by_hand`, and the
deadline then stays as given. A write that clears the deadline (null) hands it back to the rule.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ..models import Case, Intervention, Term
from .cases import reply_due_for
from .common import apply_changes, delete_recorded, lock_for_write, save_validated


def _follow_the_rule(intervention: Intervention) -> None:
    if not intervention.reply_due_set_by_hand:
        intervention.reply_due = reply_due_for(intervention.kind.code, intervention.sent_on)


@transaction.atomic
def intervention_create(
    *,
    acting_user: Any,
    case: Case,
    kind: Term,
    reply_due: datetime.date | None = None,
    **fields: Any,
) -> Intervention:
    """Record advocacy on `case`; the reply deadline follows from the kind when not given."""
    intervention = Intervention(
        case=case, kind=kind, reply_due=reply_due, reply_due_set_by_hand=reply_due is not None
    )
    apply_changes(intervention, fields)
    _follow_the_rule(intervention)
    return save_validated(intervention, acting_user=acting_user)


@transaction.atomic
def intervention_update(
    *, acting_user: Any, intervention: Intervention, changes: Mapping[str, Any]
) -> Intervention:
    """Change an intervention (say, mark it sent, or record the reply).

    Interventions carry no version number: the change is applied to the stored row under a
    lock instead, so a concurrent change of another field is not reverted, and every version
    is kept in its history.
    """
    stored = lock_for_write(Intervention.objects.select_related("kind"), intervention.pk)
    changes = dict(changes)
    deadline_given = "reply_due" in changes and changes["reply_due"] != stored.reply_due
    changed = apply_changes(stored, changes)
    if deadline_given:
        stored.reply_due_set_by_hand = stored.reply_due is not None
    before = stored.reply_due
    _follow_the_rule(stored)
    if changed or deadline_given or before != stored.reply_due:
        save_validated(stored, acting_user=acting_user)
    intervention.__dict__.update(stored.__dict__)
    return intervention


@transaction.atomic
def intervention_delete(*, acting_user: Any, intervention: Intervention) -> None:
    """Remove an intervention entered by mistake (its versions stay in the history)."""
    delete_recorded(lock_for_write(Intervention.objects, intervention.pk), acting_user=acting_user)
