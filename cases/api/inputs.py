"""Strict input: a write naming a field it cannot set is refused, never quietly dropped.

DRF ignores keys a serializer does not know and keys of read-only fields, so a client sending
`state`, `reference` or a misspelt `narative` got a 200 and believed it was saved. Every input
serializer the API's views build (ApiViewSet.get_serializer, the mixins' get_input_serializer)
is made strict here, so the rule holds for every serializer, including ones written later and
validated the stock DRF way, without subclassing.
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


def make_strict(
    serializer: serializers.BaseSerializer, refuse: Iterable[str] = ()
) -> serializers.BaseSerializer:
    """Make this serializer instance's is_valid() refuse what it would drop, so that code
    calling it the stock DRF way (CreateModelMixin, UpdateModelMixin, a custom action) is
    strict too. Unknown and read-only fields are reported together with the serializer's own
    field errors, so one answer names everything wrong with the input."""
    if not hasattr(serializer, "initial_data"):
        return serializer  # built to show a record, not to read one
    refused: set[str] | None = getattr(serializer, "_strict_refused", None)
    if refused is not None:
        refused.update(refuse)
        return serializer
    refused = serializer._strict_refused = set(refuse)  # type: ignore[attr-defined]
    lenient_is_valid = serializer.is_valid

    def is_valid(*, raise_exception: bool = False) -> bool:
        unexpected = unexpected_fields(serializer, serializer.initial_data, refused)
        valid = lenient_is_valid(raise_exception=False)
        if unexpected:
            known = serializer._errors if isinstance(serializer._errors, Mapping) else {}
            serializer._errors = merged(dict(known), unexpected)
            serializer._validated_data = {}
            valid = False
        if not valid and raise_exception:
            raise ValidationError(serializer.errors)
        return valid

    serializer.is_valid = is_valid  # type: ignore[method-assign]
    return serializer


def validate_input(
    serializer: serializers.BaseSerializer, refuse: Iterable[str] = ()
) -> dict[str, Any]:
    """Validate `serializer` (built with data=…) strictly; return its validated data, or raise
    a ValidationError (400) naming every field that is wrong, unknown or not writable."""
    make_strict(serializer, refuse).is_valid(raise_exception=True)
    return dict(serializer.validated_data)


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
