"""The intervention form of the case page: what was sent, to whom, and what came back.

It reads and validates input; cases.services.interventions writes. An intervention carries no
version number, so a change sends the service only the fields the writer changed
(`changes()`): a field someone else changed meanwhile is not reverted by a stale form.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms_lookup import TermChoiceField, terms_of
from .models import Intervention, InterventionStatus, VocabularyKey
from .redaction import NO_MASK, NameMask

# The fields of the form, in the order shown.
INTERVENTION_FIELDS = (
    "kind",
    "addressed_to",
    "sent_by",
    "sent_on",
    "external_reference",
    "status",
    "reply_due",
    "response",
)
# Free texts that may name a withheld person, shown through the reader's mask.
MASKED_FIELDS = ("addressed_to", "sent_by", "external_reference", "response")

# ISO first (what a date picker sends), then dates as people write them.
DATE_FORMATS = ["%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%B %d, %Y", "%Y年%m月%d日"]
DATE_ERROR = _("Write a day, e.g. 2014-03-06 or 6 March 2014.")


def _date_field(label: str, help_text: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        help_text=help_text,
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"autocomplete": "off"}),
    )


def _text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class InterventionForm(forms.Form):
    """One intervention. `mask` is the reader's mask of the case's withheld names: a stored
    text it would change is shown masked and cannot be changed by that reader, who would
    otherwise read the name in the field or write the placeholder over it."""

    kind = TermChoiceField(VocabularyKey.INTERVENTION_KIND, label=_("Kind"))
    addressed_to = forms.CharField(
        label=_("Addressee"),
        max_length=300,
        required=False,
        help_text=_("Who it was sent to, e.g. the UN Working Group on Arbitrary Detention."),
    )
    sent_by = forms.CharField(
        label=_("Sent by"),
        max_length=300,
        required=False,
        help_text=_("The organisation or person who sent it."),
    )
    sent_on = _date_field(_("Sent on"), _("Leave empty while it is only planned."))
    external_reference = forms.CharField(
        label=_("External reference"),
        max_length=100,
        required=False,
        help_text=_("The addressee's reference, e.g. UA CHN 4/2014."),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=InterventionStatus.choices, initial=InterventionStatus.PLANNED
    )
    reply_due = _date_field(
        _("Reply due"),
        _(
            "Leave empty to follow the kind and the sent date (the UN procedures give "
            "governments 60 days). A date of your own stays when the sent date changes; "
            "clear it to hand the deadline back to that rule."
        ),
    )
    response = forms.CharField(
        label=_("Response"),
        required=False,
        max_length=Intervention._meta.get_field("response").max_length,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        help_text=_("The reply received, if any, or a summary of it."),
    )

    def __init__(
        self,
        *args: Any,
        intervention: Intervention | None = None,
        mask: NameMask = NO_MASK,
        **kwargs: Any,
    ) -> None:
        if intervention is not None:
            kwargs.setdefault("initial", initial_of(intervention))
        super().__init__(*args, **kwargs)
        self.intervention = intervention
        kept = [intervention.kind_id] if intervention is not None else []
        self.fields["kind"].queryset = terms_of(VocabularyKey.INTERVENTION_KIND, kept)
        for name in ("addressed_to", "sent_by", "external_reference"):
            self.fields[name].widget.attrs.update({"dir": "auto", "autocomplete": "off"})
        if intervention is not None and mask:
            self._lock_masked(mask)

    def _lock_masked(self, mask: NameMask) -> None:
        for name in MASKED_FIELDS:
            stored = self.initial.get(name) or ""
            shown = mask.apply(stored)
            if shown == stored:
                continue
            field = self.fields[name]
            field.disabled = True
            self.initial[name] = shown
            field.help_text = _(
                "This text names a person whose identity is withheld: only monitors and "
                "reviewers can change it."
            )

    def clean_addressed_to(self) -> str:
        return _text(self.cleaned_data["addressed_to"])

    def clean_sent_by(self) -> str:
        return _text(self.cleaned_data["sent_by"])

    def clean_external_reference(self) -> str:
        return _text(self.cleaned_data["external_reference"])

    def clean_response(self) -> str:
        return _text(self.cleaned_data["response"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        sent_on: datetime.date | None = cleaned.get("sent_on")
        reply_due: datetime.date | None = cleaned.get("reply_due")
        if sent_on and reply_due and reply_due < sent_on:
            self.add_error("reply_due", _("The reply cannot be due before it was sent."))
        return cleaned

    def values(self) -> dict[str, Any]:
        """Every field, as intervention_create takes them."""
        return {name: self.cleaned_data[name] for name in INTERVENTION_FIELDS}

    def changes(self) -> dict[str, Any]:
        """Only what the writer changed, as intervention_update takes it."""
        return {
            name: self.cleaned_data[name]
            for name in INTERVENTION_FIELDS
            if name in self.changed_data and not self.fields[name].disabled
        }


def initial_of(intervention: Intervention) -> dict[str, Any]:
    return {
        name: getattr(intervention, "kind_id" if name == "kind" else name)
        for name in INTERVENTION_FIELDS
    }
