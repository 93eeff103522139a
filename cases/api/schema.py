"""OpenAPI description: error responses on every operation, the token scheme, and filter
types for the shared filter sets (cases.filters).

drf-spectacular finds the extensions below when this module is imported, which happens when
the schema class (settings REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) is loaded.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from .serializers import ErrorSerializer

FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Field name (or non_field_errors) → messages.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input or filter value: nothing was written.",
    "401": "Not authenticated, or the token is unknown, expired or revoked.",
    "403": "Authenticated, but this role or token may not do this.",
    "404": "No such record, or one you may not see.",
    "429": "Too many requests with this token; retry after the time in Retry-After.",
}


class CasebookAutoSchema(AutoSchema):
    """Adds the error answers every endpoint can give, unless the view described its own."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        codes = ["401", "403", "429"]
        if "{" in self.path:
            codes.append("404")
        if self.method in {"POST", "PUT", "PATCH"} or self._is_list_view():
            codes.append("400")
        for code in codes:
            if code in responses:
                continue
            body = FIELD_ERRORS_SCHEMA if code == "400" else ErrorSerializer
            responses[code] = self._get_response_for_code(
                OpenApiResponse(body, description=ERROR_DESCRIPTIONS[code]),
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
