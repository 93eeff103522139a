"""The API's JSON parser: DRF's, with a bound on how deeply a body may nest; and its size.

- Depth: no record of the API nests more than a few levels (a person with its names). A body
  of a thousand nested brackets made the standard parser recurse until Python gave up, a 500;
  anything deeper than MAX_JSON_DEPTH is now a 400 before a serializer sees it.
- Size: DRF reads a JSON body through `request.body`, which refuses one larger than
  DATA_UPLOAD_MAX_MEMORY_SIZE with Django's RequestDataTooBig — an HTML 400 page until
  cases.api.errors made it `RequestTooLarge`, a JSON 413.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


def json_depth(value: Any) -> int:
    """How deeply `value` nests lists and objects (a scalar is 0), without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is larger than this server accepts.")
    default_code = "too_large"


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(self._too_deep()) from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(self._too_deep())
        return data

    @staticmethod
    def _too_deep() -> str:
        return _("JSON parse error - nested more than %(depth)d levels deep.") % {
            "depth": MAX_JSON_DEPTH
        }
