"""Error responses: one JSON shape for every failure, whatever format was asked for.

- 400: `{"field": ["message", …]}` (or `non_field_errors`), from serializers, filters and
  the services' own validation;
- 401/403/404/413/429: `{"detail": "…"}` (404 also for an API URL no route matches, and
  413 for a body above DATA_UPLOAD_MAX_MEMORY_SIZE);
- 409, stale write: `{"detail": "…", "current": <the record as it is now, with its version>}`;
- 409/403/400, refused workflow step: `{"detail": "…", "rule": "four-eyes" | "role" | …}`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from cases.services.common import EditConflict
from cases.workflow import TransitionRefused

from .parsers import RequestTooLarge
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
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            _("The request body is larger than %(limit)d bytes.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    if isinstance(exc, EditConflict) and hasattr(view, "conflict_response"):
        response = view.conflict_response(exc)
    elif isinstance(exc, TransitionRefused):
        response = Response(
            # `changes` lists what moved on since the version sent; empty for the other rules.
            {"detail": exc.message, "rule": exc.rule, "changes": list(exc.changes or [])},
            status=transition_status(exc.rule),
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


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 handler (casebook.urls.handler404): JSON under /api/, the page elsewhere.

    A URL the API's routes do not match (a malformed reference or id, say) never reaches DRF;
    without this a client parsing JSON got Django's HTML page.
    """
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
        patch_cache_control(response, private=True, no_store=True)
        return response
    return page_not_found(request, exception)
