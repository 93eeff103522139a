"""Error responses: one JSON shape for every failure, whatever format was asked for.

- 400: `{"field": ["message", …]}` (or `non_field_errors`), from serializers, filters and
  the services' own validation;
- 401/403/404/429: `{"detail": "…"}`;
- 409, stale write: `{"detail": "…", "current": <the record as it is now, with its version>}`;
- 409/403/400, refused workflow step: `{"detail": "…", "rule": "four-eyes" | "role" | …}`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from cases.services.common import EditConflict
from cases.workflow import TransitionRefused

from .renderers import ExportRenderer

# A refusal because of what was sent is a bad request; because of the user's role, forbidden;
# because of the case's state or a guard (four eyes, corroboration), a conflict.
BAD_INPUT_RULES = frozenset({"comment", "unknown"})


def transition_status(rule: str) -> int:
    if rule in BAD_INPUT_RULES:
        return status.HTTP_400_BAD_REQUEST
    if rule == "role":
        return status.HTTP_403_FORBIDDEN
    return status.HTTP_409_CONFLICT


def service_errors(error: DjangoValidationError) -> dict[str, Any]:
    """A service's ValidationError as API field errors; `__all__` becomes non_field_errors."""
    errors = as_serializer_error(error)
    if NON_FIELD_ERRORS in errors:
        errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
    return errors


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    view = context.get("view")
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(service_errors(exc))
    if isinstance(exc, EditConflict) and hasattr(view, "conflict_response"):
        response = view.conflict_response(exc)
    elif isinstance(exc, TransitionRefused):
        response = Response(
            {"detail": exc.message, "rule": exc.rule}, status=transition_status(exc.rule)
        )
    else:
        response = drf_exception_handler(exc, context)
    # An export asked for CSV or XLSX; its error is still JSON, labelled as such.
    if response is not None and isinstance(
        getattr(request, "accepted_renderer", None), ExportRenderer
    ):
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response
