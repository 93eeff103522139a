"""Restoring an earlier version, and keeping what a user typed when a save came too late."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from ..models import Case, Detention, Person, PersonName, Source, StaleEdit, Term
from .common import apply_changes, lock_for_write, save_validated

# Never brought back by a restore: who may read a case is a recorded decision of its own
# (cases.services.confidentiality), and a record is not moved to another parent by a restore.
_NOT_RESTORED = frozenset({"confidentiality", "case", "person"})


def snapshot_accessors(model: type[models.Model]) -> dict[str, tuple[str, str]]:
    """For each many-to-many field kept with the versions: (reverse accessor on the version,
    name of the snapshot's foreign key to the related record)."""
    history_model = model.history.model
    kept = {f.name for f in history_model._history_m2m_fields}
    by_model_name = {
        relation.related_model._meta.model_name: relation.get_accessor_name()
        for relation in history_model._meta.related_objects
    }
    found = {}
    for m2m in model._meta.many_to_many:
        if m2m.name not in kept:
            continue
        snapshot_name = f"historical{m2m.remote_field.through._meta.object_name}".lower()
        if snapshot_name in by_model_name:
            found[m2m.name] = (by_model_name[snapshot_name], m2m.m2m_reverse_field_name())
    return found


def _snapshot_model(model: type[models.Model], accessor: str) -> type[models.Model]:
    for relation in model.history.model._meta.related_objects:
        if relation.get_accessor_name() == accessor:
            return relation.related_model
    raise LookupError(accessor)


def m2m_first_recorded(model: type[models.Model], pk: Any) -> dict[str, Any]:
    """For each many-to-many field kept with the versions: the date of the oldest version of
    record `pk` that holds a snapshot row of it (None if none does).

    A version holds no snapshot rows both when the set was empty and when the field was not
    tracked yet (versions older than the snapshot table, versions written in bulk). Before the
    record's first recorded set, an absent snapshot means "not recorded", not "empty": a
    restore then keeps the set as it is rather than risk emptying it.
    """
    pk_name = model._meta.pk.attname
    first = {}
    for name, (accessor, _target) in snapshot_accessors(model).items():
        snapshots = _snapshot_model(model, accessor)
        first[name] = snapshots.objects.filter(**{f"history__{pk_name}": pk}).aggregate(
            first=Min("history__history_date")
        )["first"]
    return first


def m2m_snapshot(
    model: type[models.Model], version: Any, name: str, first_recorded: Any
) -> set[Any] | None:
    """The ids `version` recorded for many-to-many field `name`, or None when it recorded
    nothing and predates the record's first recorded set (so the set is unknown)."""
    accessor, target = snapshot_accessors(model)[name]
    ids = {getattr(row, f"{target}_id") for row in getattr(version, accessor).all()}
    if ids:
        return ids
    if first_recorded is None or version.history_date < first_recorded:
        return None
    return ids


@dataclass
class RestorePlan:
    """What restoring `version` onto `instance` would change, and what it leaves alone."""

    changes: dict[str, Any] = field(default_factory=dict)  # field name → value restored
    m2m: dict[str, set[Any]] = field(default_factory=dict)  # field name → ids restored
    m2m_unknown: list[str] = field(default_factory=list)  # not in the version: kept as now
    not_restored: list[str] = field(default_factory=list)  # differs, but never restored

    def __bool__(self) -> bool:
        return bool(self.changes or self.m2m)


def restore_plan(
    instance: Any,
    version: Any,
    first_recorded: dict[str, Any] | None = None,
    current_m2m: dict[str, set[Any]] | None = None,
) -> RestorePlan:
    """Field by field, what restoring `version` would write onto `instance` as it is now.

    A page planning many versions passes `first_recorded` (m2m_first_recorded) and the current
    many-to-many ids, read once from the versions it has loaded, rather than query per version.
    """
    model = type(instance)
    plan = RestorePlan()
    for model_field in model._meta.concrete_fields:
        if not model_field.editable or model_field.primary_key:
            continue
        old = getattr(version, model_field.attname)
        if getattr(instance, model_field.attname) == old:
            continue
        if model_field.name in _NOT_RESTORED:
            plan.not_restored.append(model_field.name)
        else:
            plan.changes[model_field.name] = old
    if first_recorded is None:
        first_recorded = m2m_first_recorded(model, instance.pk)
    for name in snapshot_accessors(model):
        snapshot = m2m_snapshot(model, version, name, first_recorded.get(name))
        if snapshot is None:
            plan.m2m_unknown.append(name)
            continue
        if current_m2m is not None and name in current_m2m:
            now = current_m2m[name]
        else:
            now = set(getattr(instance, name).values_list("pk", flat=True))
        if snapshot != now:
            plan.m2m[name] = snapshot
    return plan


def restorable_changes(instance: Any, version: Any) -> dict[str, Any]:
    """The editable fields of `version` that a restore would bring back onto `instance`."""
    return restore_plan(instance, version).changes


@transaction.atomic
def record_restore(*, acting_user: Any, instance: Any, history_id: int) -> Any:
    """Bring back the editable fields of an earlier version. The restore is itself a new version
    (nothing is overwritten or deleted), goes through the same update service as any edit, and
    so counts as a change of facts for the workflow.

    `instance.version` is the version the restore was previewed against: if the record changed
    since, EditConflict is raised and nothing is written. A many-to-many set the version did
    not record is kept as it is, never emptied; confidentiality is never restored.
    """
    from .cases import case_update
    from .detentions import detention_update
    from .people import person_update
    from .sources import source_update

    version = instance.history.filter(history_id=history_id).first()
    if version is None or version.history_type == "-":
        raise ValidationError(_("That version does not belong to this record."))
    plan = restore_plan(instance, version)
    changes = plan.changes

    def terms(name: str) -> list[Term] | None:
        return list(Term.objects.filter(pk__in=plan.m2m[name])) if name in plan.m2m else None

    if isinstance(instance, Case):
        return case_update(
            acting_user=acting_user,
            case=instance,
            changes=changes,
            violation_types=terms("violation_types"),
        )
    if isinstance(instance, Detention):
        return detention_update(
            acting_user=acting_user,
            detention=instance,
            changes=changes,
            charges=terms("charges"),
            treatment_concerns=terms("treatment_concerns"),
        )
    if isinstance(instance, Person):
        return person_update(acting_user=acting_user, person=instance, changes=changes)
    if isinstance(instance, Source):
        return source_update(acting_user=acting_user, source=instance, changes=changes)
    if isinstance(instance, PersonName):
        return _person_name_restore(acting_user=acting_user, variant=instance, changes=changes)
    if apply_changes(instance, changes):
        save_validated(instance, acting_user=acting_user)
    return instance


def _person_name_restore(*, acting_user: Any, variant: PersonName, changes: dict[str, Any]) -> Any:
    """A name variant is a fact of every case its person is detained in."""
    from .boundary import cases_of_person, ensure_writer_sees
    from .workflow import case_facts_changed

    ensure_writer_sees(acting_user, cases_of_person(variant.person))
    if apply_changes(variant, changes):
        save_validated(variant, acting_user=acting_user)
        for case in cases_of_person(variant.person).distinct():
            case_facts_changed(acting_user=acting_user, case=case)
    return variant


def stale_edit_keep(
    *, acting_user: Any, record: Any, base_version: int, data: dict[str, Any]
) -> StaleEdit:
    """Keep the input of a save refused by optimistic locking, so no word of it is lost."""
    return StaleEdit.objects.create(
        user=acting_user,
        record_type=record._meta.label_lower,
        record_id=record.pk,
        base_version=base_version,
        current_version=record.version,
        data=data,
    )


@transaction.atomic
def stale_edit_resolve(*, acting_user: Any, stale_edit: StaleEdit) -> StaleEdit:
    """Mark a kept edit as dealt with. It stays kept (never deleted, so its words can still be
    found), but is no longer offered to its owner. Only its owner, or an administrator, may
    resolve it; resolving twice changes nothing."""
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from casebook.accounts.roles import Role

    owner = acting_user is not None and acting_user.pk == stale_edit.user_id
    if not owner and not (acting_user is not None and acting_user.has_role(Role.ADMINISTRATOR)):
        raise PermissionDenied(_("Only the person who typed this edit may mark it resolved."))
    current = lock_for_write(StaleEdit.objects, stale_edit.pk)
    if current.resolved_at is None:
        current.resolved_at = timezone.now()
        current.resolved_by = acting_user
        save_validated(current, acting_user=acting_user)
    stale_edit.resolved_at, stale_edit.resolved_by = current.resolved_at, current.resolved_by
    return current


def kept_text_keep(
    *, acting_user: Any, path: str, reason: str, data: dict[str, Any], anonymous_key: str = ""
) -> StaleEdit:
    """Keep what was typed into the form at `path` when it could not be saved: the session had
    ended (`acting_user` None, the row waiting under `anonymous_key` for the next sign-in) or
    the form had expired (CSRF). Its record and versions are unknown: the form never reached
    its view."""
    if acting_user is None and not anonymous_key:
        raise ValueError("Text kept for nobody must wait under a key.")
    return StaleEdit.objects.create(
        user=acting_user,
        anonymous_key="" if acting_user is not None else anonymous_key,
        path=path[:500],
        reason=reason,
        data=data,
    )


@transaction.atomic
def kept_text_claim(*, acting_user: Any, anonymous_key: str) -> list[StaleEdit]:
    """Give the text kept under `anonymous_key` (while its session had ended) to the user who
    has just signed in from that browser; the key is spent."""
    if not anonymous_key:
        return []
    waiting = list(
        StaleEdit.objects.select_for_update().filter(user__isnull=True, anonymous_key=anonymous_key)
    )
    for edit in waiting:
        edit.user = acting_user
        edit.anonymous_key = ""
        edit.save(update_fields=["user", "anonymous_key"])
    return waiting
