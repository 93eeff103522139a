"""The date input of every form: typed as people say dates, stored as EDTF, read back at once.

Under the input stands a line saying how the text is read ("read as: about March 2014, any
day from 1 March 2014 to 31 March 2014"). It is rendered with the form, so that a page
re-rendered after a submission shows it without JavaScript; with JavaScript, HTMX asks
`cases:date-reading` for the line while the person types.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from .dates import read_date, reading_of


class UncertainDateInput(forms.TextInput):
    template_name = "cases/widgets/uncertain_date.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        reading_id = f"{widget['attrs'].get('id', name)}-reading"
        described_by = " ".join(filter(None, (widget["attrs"].get("aria-describedby"), reading_id)))
        widget["attrs"].update(
            {
                "aria-describedby": described_by,
                "hx-get": f"{reverse('cases:date-reading')}?field={name}",
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{reading_id}",
                "hx-swap": "outerHTML",
            }
        )
        context["reading"] = reading_of(value) if value else None
        context["reading_id"] = reading_id
        return context


class UncertainDateFormField(forms.CharField):
    widget = UncertainDateInput

    def to_python(self, value: Any) -> str:
        return read_date(super().to_python(value))
