"""OpenAPI description: error responses on every operation, the token scheme, and filter
types for the shared filter sets (cases.filters).

drf-spectacular finds the extensions below when this module is imported, which happens when
the schema class (settings REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) is loaded.
"""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .serializers import ErrorSerializer

# A message, a list of messages, or — for a nested record or a list of them — the same shape
# again (one object per item of a list; `{}` for an item without errors). A body that is not
# JSON at all answers `{"detail": "JSON parse error - …"}`.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Field name (or non_field_errors, or detail) → messages; a nested record's "
    "errors are an object of the same shape, a nested list's a list of such objects.",
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "object"},
        ]
    },
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input or filter value, or a field that does not exist or cannot be "
    "written here (named in the answer): nothing was written.",
    "401": "Not authenticated, or the token is unknown, expired or revoked.",
    "403": "Authenticated, but this role or token may not do this.",
    "404": "No such record, or one you may not see.",
    "413": "The request body is larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE).",
    "429": "Too many requests with this token; retry after the time in Retry-After.",
}
LIST_NOT_FOUND = "The cursor is not (or no longer) valid for this list and sort order."
WRITE_METHODS = {"POST", "PUT", "PATCH"}


def _model_field(field: serializers.Field) -> Any:
    """The model field a serializer field reads, when it reads one directly."""
    meta = getattr(field.parent, "Meta", None)
    model = getattr(meta, "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None
    return None if model_field.many_to_many or model_field.one_to_many else model_field


@functools.cache
def without_version(serializer_class: type) -> type:
    """The input of a create: the serializer without `version`, which only updates carry."""
    name = serializer_class.__name__.removesuffix("Serializer") + "CreateSerializer"
    return type(
        name,
        (serializer_class,),
        {"version": None, "__module__": serializer_class.__module__, "__doc__": None},
    )


@functools.cache
def fixed_once_saved(serializer_class: type, fixed: frozenset[str]) -> type:
    """The input of an update whose serializer fixes `fixed` once the record exists (a name
    variant's person, say), under a name of its own: sharing the create's component name, a
    PUT was documented as taking what the API refuses."""
    name = serializer_class.__name__.removesuffix("Serializer") + "UpdateSerializer"

    def get_fields(self: Any) -> dict[str, Any]:
        fields = serializer_class.get_fields(self)
        for field_name in fixed:
            fields[field_name].read_only = True
        return fields

    return type(
        name,
        (serializer_class,),
        {"get_fields": get_fields, "__module__": serializer_class.__module__, "__doc__": None},
    )


def writable_fields(serializer: serializers.Serializer) -> set[str]:
    return {name for name, field in serializer.fields.items() if not field.read_only}


class CasebookAutoSchema(AutoSchema):
    """Makes the schema say what the API does.

    - the error answers every endpoint can give, unless the view described its own (a list's
      404 is an invalid cursor);
    - a read-only field is nullable (and its choices include "") when the model field it reads
      is: DRF drops allow_null from read-only fields, so without this a null `parent` or an
      empty `implies_status` broke the documented types;
    - a create's body has no `version` (refused there), an update's requires it;
    - an update's body leaves out what is fixed once the record exists.
    """

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> Any:
        if getattr(field, "read_only", False):
            model_field = _model_field(field)
            if model_field is not None and model_field.null:
                field.allow_null = True
            if model_field is not None and model_field.blank and hasattr(field, "allow_blank"):
                field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # DRF reads "" as null for a nullable relation, so "" is valid input there.
        if (
            direction == "request"
            and isinstance(field, serializers.RelatedField)
            and field.allow_null
            and isinstance(schema, dict)
        ):
            schema.pop("minLength", None)
        return schema

    def _get_request_for_media_type(self, serializer: Any, direction: str = "request") -> Any:
        action = getattr(self.view, "action", None)
        serializer_class = serializer if isinstance(serializer, type) else type(serializer)
        if serializer is None or not issubclass(serializer_class, serializers.Serializer):
            return super()._get_request_for_media_type(serializer, direction)
        if action == "create" and "version" in serializer_class().fields:
            serializer = without_version(serializer_class)
        elif action in {"update", "partial_update"}:
            # What an update accepts is what the serializer accepts for an existing record
            # (a detention's case and person are fixed once it exists, say).
            model = getattr(getattr(serializer_class, "Meta", None), "model", None)
            if model is not None:
                serializer = serializer_class(instance=model())
                fixed = writable_fields(serializer_class()) - writable_fields(serializer)
                if fixed and "version" not in serializer.fields:
                    serializer = fixed_once_saved(serializer_class, frozenset(fixed))()
        return super()._get_request_for_media_type(serializer, direction)

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        codes = ["401", "403", "429"]
        if "{" in self.path or self._is_list_view():
            codes.append("404")
        if self.method in WRITE_METHODS or self._is_list_view():
            codes.append("400")
        if self.method in WRITE_METHODS:
            codes.append("413")
        for code in codes:
            if code in responses:
                continue
            body = FIELD_ERRORS_SCHEMA if code == "400" else ErrorSerializer
            description = ERROR_DESCRIPTIONS[code]
            if code == "404" and "{" not in self.path:
                description = LIST_NOT_FOUND
            responses[code] = self._get_response_for_code(
                OpenApiResponse(body, description=description),
                code,
                media_types=["application/json"],
                direction=direction,
            )
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "cases.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A personal API token, sent as `Token <key>`. Make one at /accounts/tokens/ or "
                "with `manage.py issue_token USERNAME`."
            ),
        }


class CasebookFilterExtension(DjangoFilterExtension):
    """Types model-choice filters by the field they match on (a term's code, a place's id).

    The shared filter sets name their filters after what they mean ("charge", "region"), not
    after a model field, so the stock extension cannot find a type and warns.
    """

    priority = 1

    def _get_schema_from_model_field(self, auto_schema: Any, filter_field: Any, model: Any):
        queryset = getattr(filter_field, "queryset", None)
        if queryset is not None and hasattr(queryset, "model"):
            target = filter_field.extra.get("to_field_name")
            meta = queryset.model._meta
            field = meta.get_field(target) if target else meta.pk
            return auto_schema._map_model_field(field, direction=None)
        return super()._get_schema_from_model_field(auto_schema, filter_field, model)


def strict_request_bodies(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: request bodies say what the API enforces (cases.api.inputs).

    - every request component refuses properties it does not list (`additionalProperties:
      false`): an unknown or read-only field is a 400;
    - the body of a PUT or PATCH requires `version` where it has one, and the body itself is
      then required (without it the answer is a 400; PATCH bodies are otherwise optional).
    """
    components = result.get("components", {}).get("schemas", {})
    for name, component in components.items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"put", "patch"}:
                continue
            body = operation.get("requestBody", {})
            for media in body.get("content", {}).values():
                reference = media.get("schema", {}).get("$ref", "")
                component = components.get(reference.rsplit("/", 1)[-1])
                if component and "version" in component.get("properties", {}):
                    required = component.setdefault("required", [])
                    if "version" not in required:
                        required.append("version")
                    body["required"] = True
    return result
