"""Export formats as DRF renderers, so that `?format=csv` and `Accept: text/csv` choose them.

They only take part in content negotiation: the list views answer an export request with a
streamed response of their own (cases.api.exports) and never call `render` with rows. What
they do render is an error raised before streaming began, and that goes out as JSON.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework.renderers import BaseRenderer

from cases.exports.formats import FORMATS


class ExportRenderer(BaseRenderer):
    export_format = ""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict | None = None,
    ) -> bytes:
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _renderer(key: str) -> type[ExportRenderer]:
    export = FORMATS[key]
    media_type, _sep, _params = export.media_type.partition(";")
    return type(
        f"{key.capitalize()}ExportRenderer",
        (ExportRenderer,),
        {
            "media_type": media_type.strip(),
            "format": key,
            "export_format": key,
            "charset": "utf-8" if "charset" in export.media_type else None,
        },
    )


EXPORT_RENDERERS: list[type[ExportRenderer]] = [_renderer(key) for key in FORMATS]


class PdfPassthroughRenderer(BaseRenderer):
    """Lets content negotiation accept a PDF for a view that returns its own HttpResponse."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        # Only errors reach a renderer (the view returns the file itself): answer them in JSON.
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class HtmlPassthroughRenderer(PdfPassthroughRenderer):
    media_type = "text/html"
    format = "html"
    charset = "utf-8"
