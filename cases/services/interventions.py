from __future__ import annotations

from typing import Any

from django.db import transaction

from ..models import Case, Intervention, Term
from .cases import reply_due_for
from .common import save_validated


@transaction.atomic
def intervention_create(*, acting_user: Any, case: Case, kind: Term, **fields: Any) -> Intervention:
    """Record advocacy on a case; the reply deadline follows from the kind when not given."""
    intervention = Intervention(case=case, kind=kind, **fields)
    if intervention.reply_due is None:
        intervention.reply_due = reply_due_for(kind.code, intervention.sent_on)
    return save_validated(intervention, acting_user=acting_user)
