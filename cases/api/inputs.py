"""Strict input: a write naming a field it cannot set is refused, never quietly dropped.

DRF ignores keys a serializer does not know and keys of read-only fields, so a client sending
`state`, `reference` or a misspelt `narative` got a 200 and believed it was saved. Every write
of the API validates through `validate_input` (the view mixins in cases.api.views call it), so
the rule holds for every serializer, including ones written later, without subclassing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

UNKNOWN_FIELD = _("Unknown field: nothing is stored under this name.")
READ_ONLY_FIELD = _("This field cannot be written here.")


def unexpected_fields(
    serializer: serializers.BaseSerializer, data: Any, refuse: Iterable[str] = ()
) -> dict[str, Any]:
    """Field errors, in DRF's shape, for every key of `data` that `serializer` would not write.

    Writable nested serializers are checked inside; a list's errors are keyed by the index of
    the item, as DRF's own are. `refuse` names writable fields that this call may not set
    (`version` on create).
    """
    if not isinstance(data, Mapping):
        return {}  # DRF itself answers "expected an object"
    fields = serializer.fields
    refused = set(refuse)
    errors: dict[Any, Any] = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None:
            errors[str(name)] = [UNKNOWN_FIELD]
        elif field.read_only or name in refused:
            errors[str(name)] = [READ_ONLY_FIELD]
        elif isinstance(field, serializers.ListSerializer) and isinstance(value, list):
            nested = {
                index: item_errors
                for index, item in enumerate(value)
                if (item_errors := unexpected_fields(field.child, item))
            }
            if nested:
                errors[str(name)] = nested
        elif isinstance(field, serializers.BaseSerializer):
            nested_errors = unexpected_fields(field, value)
            if nested_errors:
                errors[str(name)] = nested_errors
    return errors


def validate_input(
    serializer: serializers.BaseSerializer, refuse: Iterable[str] = ()
) -> dict[str, Any]:
    """Validate `serializer` (built with data=…) strictly; return its validated data.

    Unknown and read-only fields are reported together with the serializer's own field errors,
    so one answer names everything wrong with the input.
    """
    unexpected = unexpected_fields(serializer, serializer.initial_data, refuse)
    valid = serializer.is_valid()
    if valid and not unexpected:
        return dict(serializer.validated_data)
    if not unexpected or not isinstance(serializer.errors, Mapping):
        raise ValidationError(serializer.errors or unexpected)
    raise ValidationError(merged(dict(serializer.errors), unexpected))


def merged(errors: dict[Any, Any], more: dict[Any, Any]) -> dict[Any, Any]:
    """Both sets of field errors; a nested record's (or list item's) errors are merged too."""
    result = dict(errors)
    for key, value in more.items():
        known = result.get(key)
        if isinstance(known, Mapping) and isinstance(value, Mapping):
            result[key] = merged(dict(known), value)
        elif isinstance(known, list) and isinstance(value, list):
            result[key] = [*known, *value]
        else:
            result[key] = value
    return result
