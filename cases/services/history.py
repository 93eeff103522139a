"""Restoring an earlier version, and keeping what a user typed when a save came too late."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Case, Detention, Person, Source, StaleEdit
from .common import apply_changes, save_validated


def restorable_changes(instance: Any, version: Any) -> dict[str, Any]:
    """The editable fields of `version` that differ from `instance` now."""
    changes = {}
    for field in instance._meta.concrete_fields:
        if not field.editable or field.primary_key:
            continue
        old = getattr(version, field.attname)
        if getattr(instance, field.attname) != old:
            changes[field.attname] = old
    return changes


@transaction.atomic
def record_restore(*, acting_user: Any, instance: Any, history_id: int) -> Any:
    """Bring back the editable fields of an earlier version. The restore is itself a new version
    (nothing is overwritten or deleted), goes through the same update service as any edit, and
    so counts as a change of facts for the workflow."""
    from .cases import case_update
    from .detentions import detention_update
    from .people import person_update
    from .sources import source_update

    version = instance.history.filter(history_id=history_id).first()
    if version is None:
        raise ValidationError(_("That version does not belong to this record."))
    changes = _as_field_names(instance, restorable_changes(instance, version))
    if isinstance(instance, Case):
        snapshot = [row.term for row in version.violation_types.select_related("term")]
        return case_update(
            acting_user=acting_user, case=instance, changes=changes, violation_types=snapshot
        )
    if isinstance(instance, Detention):
        return detention_update(acting_user=acting_user, detention=instance, changes=changes)
    if isinstance(instance, Person):
        return person_update(acting_user=acting_user, person=instance, changes=changes)
    if isinstance(instance, Source):
        return source_update(acting_user=acting_user, source=instance, changes=changes)
    if apply_changes(instance, changes):
        save_validated(instance, acting_user=acting_user)
    return instance


def _as_field_names(instance: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """Foreign keys come back from a version as ids; apply_changes takes them by field name."""
    by_attname = {field.attname: field.name for field in instance._meta.concrete_fields}
    return {by_attname.get(name, name): value for name, value in changes.items()}


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
    current = StaleEdit.objects.select_for_update().get(pk=stale_edit.pk)
    if current.resolved_at is None:
        current.resolved_at = timezone.now()
        current.resolved_by = acting_user
        save_validated(current, acting_user=acting_user)
    stale_edit.resolved_at, stale_edit.resolved_by = current.resolved_at, current.resolved_by
    return current
