from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

ModelT = TypeVar("ModelT", bound=models.Model)


def save_validated(
    instance: ModelT, *, acting_user: Any, exclude_validation: Iterable[str] = ()
) -> ModelT:
    """Validate fully, then save, recording `acting_user` as the author of the new version.

    Validation comes first so that bad input raises a ValidationError naming the field, before
    anything reaches the database.
    """
    instance.full_clean(exclude=list(exclude_validation) or None)
    # django-simple-history reads the author of the historical record from this attribute.
    instance._history_user = acting_user
    instance.save()
    return instance


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
