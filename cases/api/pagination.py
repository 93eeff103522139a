"""Keyset ("cursor") pagination over any sort order the lists offer.

DRF's CursorPagination places its cursor on the first sort field only and walks ties with an
offset it caps at 1000, so a list sorted by detention date, where thousands of rows share a
day, would loop. Here the cursor holds the whole sort key — the chosen fields plus a unique
tie-breaker — and the next page is "rows after this key": one indexed range query per page,
no COUNT, no OFFSET, whatever the size of the list.

Unknown dates sort last in either direction (they are compared as the far end of the
calendar), and the tie-breaker is a public identifier, so a cursor never reveals internal ids.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import operator
import uuid
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.db import models
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class SortField:
    """A field a list can be sorted by: its path and value type ("str", "date", "datetime",
    "uuid", "int"), and whether it may be null."""

    path: str
    kind: str = "str"
    nullable: bool = False

    def expression(self, descending: bool) -> Any:
        if not self.nullable:
            return F(self.path)
        if self.kind != "date":
            raise ValueError("only date fields may be nullable sort keys")
        far_end = datetime.date.min if descending else datetime.date.max
        return Coalesce(F(self.path), Value(far_end), output_field=models.DateField())

    def dump(self, value: Any) -> Any:
        if isinstance(value, datetime.date | datetime.datetime):
            return value.isoformat()
        if isinstance(value, uuid.UUID):
            return str(value)
        return value

    def load(self, raw: Any) -> Any:
        """Parse a value from a cursor; a malformed one raises ValueError."""
        if self.kind == "date":
            return datetime.date.fromisoformat(raw)
        if self.kind == "datetime":
            return datetime.datetime.fromisoformat(raw)
        if self.kind == "uuid":
            return uuid.UUID(raw)
        if self.kind == "int":
            if not isinstance(raw, int) or isinstance(raw, bool):
                raise ValueError(raw)
            return raw
        if not isinstance(raw, str) or "\x00" in raw:
            raise ValueError(raw)
        return raw


class KeysetPagination(BasePagination):
    """`?page_size=` (1–500, default PAGE_SIZE) and `?cursor=` from the previous page's links.

    Views declare `sort_fields` (name → SortField), `default_ordering` (names, "-" for
    descending) and `tiebreak` (a unique SortField); a view whose filter set offers `ordering`
    is sorted by it.
    """

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_cursor_message = _("Invalid cursor.")

    def __init__(self) -> None:
        from rest_framework.settings import api_settings

        self.page_size = api_settings.PAGE_SIZE or 50

    # --- sort keys -----------------------------------------------------------------------------

    def sort_keys(self, request: Any, view: Any) -> list[tuple[SortField, bool]]:
        fields: dict[str, SortField] = getattr(view, "sort_fields", {})
        tiebreak: SortField = view.tiebreak
        filterset = getattr(view, "filterset_class", None)
        offers_ordering = filterset is not None and "ordering" in filterset.base_filters
        requested = [
            name.strip()
            for name in request.query_params.get("ordering", "").split(",")
            if name.strip() and offers_ordering
        ]
        keys = self._resolve(requested, fields) or self._resolve(
            list(getattr(view, "default_ordering", ())), fields
        )
        if all(field.path != tiebreak.path for field, _desc in keys):
            keys.append((tiebreak, False))
        return keys

    @staticmethod
    def _resolve(names: list[str], fields: dict[str, SortField]) -> list[tuple[SortField, bool]]:
        keys = []
        for name in names:
            field = fields.get(name.lstrip("-"))
            if field is not None and all(field.path != known.path for known, _d in keys):
                keys.append((field, name.startswith("-")))
        return keys

    # --- cursors -------------------------------------------------------------------------------

    def encode_cursor(self, values: list[Any], reverse: bool) -> str:
        payload = json.dumps({"k": values, "r": int(reverse)}, separators=(",", ":"))
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def decode_cursor(self, raw: str, keys: list[tuple[SortField, bool]]) -> tuple[list, bool]:
        try:
            padded = raw + "=" * (-len(raw) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            values = payload["k"]
            reverse = bool(payload.get("r", 0))
            if not isinstance(values, list) or len(values) != len(keys):
                raise ValueError("wrong number of values")
            loaded = [field.load(value) for (field, _desc), value in zip(keys, values, strict=True)]
        except (
            ValueError,
            TypeError,
            KeyError,
            UnicodeError,
            binascii.Error,
            json.JSONDecodeError,
            AttributeError,
        ):
            raise NotFound(self.invalid_cursor_message) from None
        return loaded, reverse

    # --- the page ------------------------------------------------------------------------------

    def get_page_size(self, request: Any) -> int:
        """The page size asked for; outside 1 to max_page_size it is a 400, not quietly
        clamped, so a client never believes it has every row when it has 500."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def paginate_queryset(self, queryset: QuerySet, request: Any, view: Any = None) -> list:
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        self.keys = self.sort_keys(request, view)
        aliases = [f"sort_key_{index}" for index in range(len(self.keys))]
        queryset = queryset.annotate(
            **{
                alias: field.expression(descending)
                for alias, (field, descending) in zip(aliases, self.keys, strict=True)
            }
        )
        raw_cursor = request.query_params.get(self.cursor_query_param)
        reverse = False
        if raw_cursor:
            values, reverse = self.decode_cursor(raw_cursor, self.keys)
            queryset = queryset.filter(self._after(aliases, values, reverse))
        ordering = [
            ("-" if descending != reverse else "") + alias
            for alias, (_field, descending) in zip(aliases, self.keys, strict=True)
        ]
        # Two steps (a "deferred join"): the page's ids from the filters and sort key alone,
        # then those rows with everything the serializer joins. Planned as one statement, the
        # joins of the second step crowd the planner out of the plan that reads the first
        # step's indexes, and a filtered page of 300,000 detentions takes seconds, not ms.
        ids = list(queryset.order_by(*ordering).values_list("pk", flat=True)[: self.page_size + 1])
        more = len(ids) > self.page_size
        ids = ids[: self.page_size]
        by_pk = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)} if ids else {}
        rows = [by_pk[pk] for pk in ids if pk in by_pk]
        if reverse:
            rows.reverse()
        self.aliases = aliases
        self.first_values = self._values(rows[0]) if rows else None
        self.last_values = self._values(rows[-1]) if rows else None
        # Going forward, a page after a cursor has rows before it; going back, the mirror.
        self.has_next = more if not reverse else bool(raw_cursor)
        self.has_previous = bool(raw_cursor) if not reverse else more
        return rows

    def _after(self, aliases: list[str], values: list[Any], reverse: bool) -> Q:
        """Rows after the key `values` in the direction of travel (lexicographic on the key)."""
        branches = []
        equal = Q()
        for alias, value, (_field, descending) in zip(aliases, values, self.keys, strict=True):
            lookup = "lt" if descending != reverse else "gt"
            branches.append(equal & Q(**{f"{alias}__{lookup}": value}))
            equal &= Q(**{alias: value})
        return reduce(operator.or_, branches)

    def _values(self, row: Any) -> list[Any]:
        return [
            field.dump(getattr(row, alias))
            for alias, (field, _desc) in zip(self.aliases, self.keys, strict=True)
        ]

    def get_next_link(self) -> str | None:
        if not self.has_next or self.last_values is None:
            return None
        cursor = self.encode_cursor(self.last_values, reverse=False)
        return replace_query_param(self.base_url, self.cursor_query_param, cursor)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if self.first_values is None:
            return remove_query_param(self.base_url, self.cursor_query_param)
        cursor = self.encode_cursor(self.first_values, reverse=True)
        return replace_query_param(self.base_url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last one.",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The previous page, or null on the first one.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from a `next` or `previous` link; one that is "
                "not (or no longer) valid for this list and sort answers 404.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, 1 to {self.max_page_size}; anything else "
                "answers 400.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
