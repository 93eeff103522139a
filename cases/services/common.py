from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

ModelT = TypeVar("ModelT", bound=models.Model)


class EditConflict(Exception):
    """Someone saved the record after this edit began: saving would overwrite their work.

    `current` is the record as it is now; the caller keeps the rejected input (stale_edit_keep)
    and shows both versions, or answers 409 from the API.
    """

    def __init__(self, current: models.Model, expected_version: int) -> None:
        super().__init__(
            f"{current._meta.verbose_name} was changed by someone else "
            f"(version {current.version}, the edit started from version {expected_version})."
        )
        self.current = current
        self.expected_version = expected_version


def _claim_next_version(instance: models.Model) -> None:
    """Optimistic locking: move the row from the version this edit started from to the next.

    The conditional UPDATE also locks the row until the transaction ends, so of two concurrent
    saves from the same version exactly one succeeds; the other finds the version moved on.
    """
    model = type(instance)
    expected = instance.version
    claimed = model._default_manager.filter(pk=instance.pk, version=expected).update(
        version=models.F("version") + 1
    )
    if not claimed:
        raise EditConflict(model._default_manager.get(pk=instance.pk), expected)
    instance.version = expected + 1


def save_validated(
    instance: ModelT, *, acting_user: Any, exclude_validation: Iterable[str] = ()
) -> ModelT:
    """Validate fully, then save, recording `acting_user` as the author of the new version.

    Validation comes first so that bad input raises a ValidationError naming the field, before
    anything reaches the database.
    """
    instance.full_clean(exclude=list(exclude_validation) or None)
    if not instance._state.adding and any(
        f.name == "version" for f in instance._meta.concrete_fields
    ):
        _claim_next_version(instance)
    # django-simple-history reads the author of the historical record from this attribute.
    instance._history_user = acting_user
    instance.save()
    return instance


def delete_recorded(instance: models.Model, *, acting_user: Any) -> None:
    """Delete a record, leaving a deletion version that names `acting_user` (the earlier
    versions stay, so the deleted record can still be read and restored from its history)."""
    instance._history_user = acting_user
    instance.delete()


def apply_changes(instance: models.Model, changes: Mapping[str, Any]) -> list[str]:
    """Set editable concrete fields from `changes`; return the names of those that changed.

    Unknown or non-editable field names are refused, so a caller cannot set derived values
    (reference, state, status, paths) behind the services' back.
    """
    editable = {
        field.name: field
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key
    }
    unknown = sorted(set(changes) - set(editable))
    if unknown:
        raise ValidationError(
            dict.fromkeys(unknown, "This field cannot be changed here."),
            code="not_editable",
        )
    changed = []
    for name, value in changes.items():
        field = editable[name]
        # A related object may be given as an instance or as its primary key.
        attribute = (
            field.attname if field.is_relation and not isinstance(value, models.Model) else name
        )
        if getattr(instance, attribute) != value:
            setattr(instance, attribute, value)
            changed.append(name)
    return changed
