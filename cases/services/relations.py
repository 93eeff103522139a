"""Relations between cases: duplicate of, part of, related to.

A relation is a fact of both its cases: a duplicate-of link decides whether the people of a
case are counted twice, and it is shown on both cases' pages, exports and dossiers. So adding,
changing or removing one records a change of the facts of both (four eyes; a verified case goes
back to review), and a rejected case can be neither end of a new or changed relation until a
reviewer reopens it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casebook.accounts.system import is_system_user

from ..models import Case, CaseRelation, CaseState
from ..queries import visible_cases
from .common import apply_changes, delete_recorded, save_validated
from .workflow import case_facts_changed


def _check_ends(acting_user: Any, case: Case, related: Case) -> None:
    """Both cases exist for the acting user, are two different cases, and neither is rejected.

    Who may relate cases at all (monitors and reviewers on the pages and the API,
    administrators in the admin) is the callers' rule, as for every other fact of a case.

    A case the user may not see is refused in the words used for a missing one, so the
    refusal cannot be used to learn that a restricted case exists.
    """
    if not is_system_user(acting_user):
        visible = set(
            visible_cases(acting_user)
            .filter(pk__in=[case.pk, related.pk])
            .values_list("pk", flat=True)
        )
        if case.pk not in visible:
            raise ValidationError({"case": _("No such case.")})
        if related.pk not in visible:
            raise ValidationError({"related": _("No such case.")})
    if case.pk == related.pk:
        raise ValidationError({"related": _("A case cannot be related to itself.")})
    for name, end in (("case", case), ("related", related)):
        if end.state == CaseState.REJECTED:
            raise ValidationError(
                {
                    name: _(
                        "%(reference)s was rejected: a reviewer must reopen it before its "
                        "relations can change."
                    )
                    % {"reference": end.reference}
                }
            )


def _facts_changed(acting_user: Any, relation: CaseRelation, *others: Case) -> None:
    touched = {relation.from_case_id: relation.from_case, relation.to_case_id: relation.to_case}
    for other in others:
        touched.setdefault(other.pk, other)
    for case in touched.values():
        case_facts_changed(acting_user=acting_user, case=case)


@transaction.atomic
def case_relation_create(
    *, acting_user: Any, case: Case, related: Case, kind: str, note: str = ""
) -> CaseRelation:
    """Record on `case` that it is `kind` (duplicate-of, part-of, related-to) `related`."""
    _check_ends(acting_user, case, related)
    relation = CaseRelation(from_case=case, to_case=related, kind=kind, note=note.strip())
    duplicate = CaseRelation.objects.filter(from_case=case, to_case=related, kind=kind).exists()
    if duplicate:
        raise ValidationError({"related": _("These cases are already related in this way.")})
    save_validated(relation, acting_user=acting_user)
    _facts_changed(acting_user, relation)
    return relation


@transaction.atomic
def case_relation_update(
    *, acting_user: Any, relation: CaseRelation, changes: Mapping[str, Any]
) -> CaseRelation:
    """Change the kind, the note or an end of a relation (`changes` by field name:
    from_case, to_case, kind, note)."""
    before = (relation.from_case, relation.to_case)
    if "note" in changes:
        changes = {**changes, "note": (changes["note"] or "").strip()}
    changed = apply_changes(relation, changes)
    if not changed:
        return relation
    _check_ends(acting_user, relation.from_case, relation.to_case)
    for end in before:
        if end.state == CaseState.REJECTED:
            raise ValidationError(
                _(
                    "%(reference)s was rejected: a reviewer must reopen it before its relations "
                    "can change."
                )
                % {"reference": end.reference}
            )
    duplicate = (
        CaseRelation.objects.filter(
            from_case_id=relation.from_case_id, to_case_id=relation.to_case_id, kind=relation.kind
        )
        .exclude(pk=relation.pk)
        .exists()
    )
    if duplicate:
        raise ValidationError({"related": _("These cases are already related in this way.")})
    save_validated(relation, acting_user=acting_user)
    _facts_changed(acting_user, relation, *before)
    return relation


@transaction.atomic
def case_relation_delete(*, acting_user: Any, relation: CaseRelation) -> None:
    """Remove a relation; its versions stay, with a deletion version naming who removed it."""
    _check_ends(acting_user, relation.from_case, relation.to_case)
    cases = (relation.from_case, relation.to_case)
    delete_recorded(relation, acting_user=acting_user)
    for case in cases:
        case_facts_changed(acting_user=acting_user, case=case)
