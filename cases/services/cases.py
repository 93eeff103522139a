from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from casebook.accounts.roles import Role
from casebook.accounts.system import is_system_user

from ..dates import OPEN_START, parse_uncertain_date
from ..history import lock_chain
from ..models import AccessGrant, Case, Confidentiality, ReferenceCounter, Term
from .common import EditConflict, apply_changes, lock_for_write, require_acting_user, save_validated


def next_case_reference(year: int) -> str:
    """Hand out the next reference for `year` (CB-2014-0001, CB-2014-0002, …).

    The counter row is locked by the UPDATE until the transaction ends, so two monitors saving
    at once get different numbers, and a number is never reused.
    """
    ReferenceCounter.objects.get_or_create(year=year)
    ReferenceCounter.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = ReferenceCounter.objects.values_list("last_number", flat=True).get(year=year)
    return f"{settings.CASEBOOK_REFERENCE_PREFIX}-{year}-{number:04d}"


def _reference_year(occurred: str) -> int:
    """The year a case happened in, or the year it was entered when that is unknown."""
    earliest = parse_uncertain_date(occurred).earliest
    if earliest is None or earliest == OPEN_START:
        return timezone.localdate().year
    return earliest.year


@transaction.atomic
def case_create(
    *,
    acting_user: Any,
    title: str,
    violation_types: Iterable[Term] = (),
    **fields: Any,
) -> Case:
    """Open a case in the draft state with the next free reference for the year it happened.

    Its author is its first fact editor: four eyes keeps them from verifying it.
    """
    from .workflow import note_fact_editor

    require_acting_user(acting_user)
    # Before the reference counter's row lock: see cases.history.lock_chain.
    lock_chain()
    case = Case(
        title=title.strip(),
        created_by=acting_user,
        updated_by=acting_user,
        facts_changed_by=acting_user,
        facts_changed_at=timezone.now(),
        **fields,
    )
    case.full_clean(exclude=["reference"])
    case.reference = next_case_reference(_reference_year(case.occurred))
    save_validated(
        case,
        acting_user=acting_user,
        m2m={"violation_types": violation_types} if violation_types else None,
    )
    note_fact_editor(case, acting_user)
    grant_creator_access(case=case, user=acting_user)
    return case


@transaction.atomic
def grant_creator_access(*, case: Case, user: Any, reason: str | None = None) -> AccessGrant | None:
    """Keep `user` able to see the restricted `case` they just made restricted (by creating
    it so, or by raising its confidentiality in an edit): a writer is never locked out of
    their own record. Called inside the writing service's transaction.

    Only for restricted cases and users a grant makes a difference to (not administrators,
    who see every case); an active grant is kept as it is. access_grant itself is for
    administrators granting others, so this records the grant directly, versioned like any
    other write, naming the user as the one who granted it. `reason` defaults to "created the
    case"; an edit that raises a case to restricted passes its own.
    """
    if case.confidentiality != Confidentiality.RESTRICTED or user is None:
        return None
    if is_system_user(user) or not user.is_authenticated or user.has_role(Role.ADMINISTRATOR):
        # Administrators see every case; the system user reads nothing through the pages.
        return None
    existing = AccessGrant.objects.filter(case=case, user=user, revoked_at__isnull=True).first()
    if existing is not None:
        return existing
    grant = AccessGrant(
        case=case, user=user, granted_by=user, reason=reason or gettext("created the case")
    )
    return save_validated(grant, acting_user=user)


@transaction.atomic
def case_update(
    *,
    acting_user: Any,
    case: Case,
    changes: Mapping[str, Any],
    violation_types: Iterable[Term] | None = None,
) -> Case:
    """Change the facts of a case. The reference stays what it was, even if the date moves.

    Optimistic locking: `case.version` is the version the edit started from. The row is locked
    first; if someone saved since (an edit, a fact change, a workflow step), EditConflict is
    raised and nothing is written. Only the changed fields and the bookkeeping columns are
    written, never `state` unless this edit sends a verified case back to review.
    """
    from .confidentiality import confidentiality_from_edit
    from .workflow import FACTS_COLUMNS, mark_facts_changed, note_fact_editor, record_if_sent_back

    require_acting_user(acting_user)
    locked = lock_for_write(Case.objects, case.pk)
    if locked.version != case.version:
        raise EditConflict(locked, case.version)
    # Confidentiality is not a fact but a recorded decision: a raise is taken as its own step,
    # a lowering is refused here (it needs a reason: case_set_confidentiality).
    changes = confidentiality_from_edit(acting_user=acting_user, case=case, changes=changes)
    changed = apply_changes(case, changes)
    new_types = None if violation_types is None else set(violation_types)
    types_changed = new_types is not None and new_types != set(case.violation_types.all())
    if not changed and not types_changed:
        return case
    from_state = mark_facts_changed(case, acting_user)
    save_validated(
        case,
        acting_user=acting_user,
        fields=[*changed, *FACTS_COLUMNS],
        m2m={"violation_types": new_types} if types_changed else None,
    )
    note_fact_editor(case, acting_user)
    record_if_sent_back(case, from_state, acting_user)
    return case


def reply_due_for(kind_code: str, sent_on: datetime.date | None) -> datetime.date | None:
    days = settings.CASEBOOK_REPLY_PERIOD_DAYS.get(kind_code)
    if days is None or sent_on is None:
        return None
    return sent_on + datetime.timedelta(days=days)
