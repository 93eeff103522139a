"""The line under a date input that says how the typed text is read (HTMX asks for it)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..dates import MAX_LENGTH, reading_of


@require_safe
@login_required
def date_reading(request: HttpRequest) -> HttpResponse:
    field = request.GET.get("field", "")
    typed = request.GET.get(field, "")[: MAX_LENGTH * 2]
    return render(
        request,
        "cases/_date_reading.html",
        {
            "reading": reading_of(typed) if typed.strip() else None,
            "reading_id": f"id_{field}-reading",
        },
    )
