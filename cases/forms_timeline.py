"""The form of one step of a detention's legal process, from the case page's timeline.

One form for the event and, when the event is a sentencing (its type implies the status
"sentenced"), the sentence it handed down: kind, term and the day it is counted from. The
services in cases.services.detentions write both together.

Bind an edit form to a copy of the event (`copy.copy(event)`): ModelForm validation writes the
typed values onto its instance, and the service compares them with the stored ones.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .dates import parse_uncertain_date
from .forms_dates import UncertainDateFormField
from .forms_lookup import OrganizationChoiceField, PlaceChoiceField, TermChoiceField, terms_of
from .forms_people import DATE_HELP, as_json
from .models import Detention, DetentionEvent, DetentionStatus, SentenceKind, VocabularyKey

EVENT_FIELDS = ("event_type", "occurred", "certainty", "place", "organization", "note")
SENTENCE_FORM_FIELDS = ("sentence_kind", "sentence_years", "sentence_months", "sentence_start")
THIS, ALL = "this", "all"


def _kept_type(event: DetentionEvent) -> list[int]:
    """The type an event holds now, so an event whose type was retired can be saved unchanged."""
    return [event.event_type_id] if event.pk and event.event_type_id else []


def is_sentencing(event_type: Any) -> bool:
    return bool(event_type) and event_type.implies_status == DetentionStatus.SENTENCED


class EventForm(forms.ModelForm):
    """A step of the legal process, with the sentence when it is a sentencing.

    `members` is the number of people of the card the timeline stands on: several unnamed
    people detained alike show as one card, and an event added there may be for all of them.
    """

    sentence_kind = forms.ChoiceField(
        label=_("Sentence"),
        choices=SentenceKind.choices,
        required=False,
        help_text=_("Only for a sentencing. Leave “not sentenced / unknown” if not reported."),
    )
    sentence_years = forms.IntegerField(
        label=_("Term: years"), required=False, min_value=0, max_value=99
    )
    sentence_months = forms.IntegerField(
        label=_("Term: months"),
        required=False,
        min_value=0,
        max_value=11,
        help_text=_("0 to 11; write 18 months as 1 year and 6 months."),
    )
    sentence_start = UncertainDateFormField(
        label=_("Term counted from"),
        required=False,
        help_text=_(
            "An exact day, e.g. 6 March 2014. Blank: counted from the day of detention, "
            "when that day is known."
        ),
    )
    apply_to = forms.ChoiceField(
        label=_("Apply to"),
        choices=[(THIS, THIS), (ALL, ALL)],
        initial=THIS,
        required=False,
        widget=forms.RadioSelect,
    )
    # An event written before versions were kept has none: 0.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)
    # How many people the card held when the form was opened: "all" means those people.
    members_seen = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    detention_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = DetentionEvent
        fields = EVENT_FIELDS
        field_classes = {"place": PlaceChoiceField, "organization": OrganizationChoiceField}
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "event_type": _("What happened"),
            "occurred": _("When"),
            "certainty": _("Certainty"),
            "place": _("Place"),
            "organization": _("Court, prison or authority"),
            "note": _("Note"),
        }
        help_texts = {
            "occurred": DATE_HELP,
            "certainty": _("Known: a source says so. Believed: reported, not confirmed."),
        }

    def __init__(
        self,
        *args: Any,
        detention: Detention,
        members: int = 1,
        event_version: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", "event")
        super().__init__(*args, **kwargs)
        self.detention = detention
        self.members = members
        old = self.fields["event_type"]
        self.fields["event_type"] = TermChoiceField(
            VocabularyKey.LEGAL_PROCESS_EVENT,
            queryset=terms_of(VocabularyKey.LEGAL_PROCESS_EVENT, _kept_type(self.instance)),
            label=old.label,
            empty_label=_("— choose —"),
        )
        self.fields["note"].widget.attrs["dir"] = "auto"
        if members > 1:
            self.fields["apply_to"].choices = [
                (THIS, _("This person only")),
                (ALL, _("All %(n)d people in this card") % {"n": members}),
            ]
            self.initial.setdefault("members_seen", members)
        else:
            del self.fields["apply_to"]
            del self.fields["members_seen"]
        if self.instance.pk:
            self.fields["version"].required = True
        else:
            del self.fields["version"]
        self.initial.setdefault("detention_version", detention.version)
        if event_version is not None:
            self.initial.setdefault("version", event_version)
        for name in SENTENCE_FORM_FIELDS:
            value = getattr(detention, name)
            if name == "sentence_start" and value:
                value = value.isoformat()
            self.initial.setdefault(name, value)

    def clean_note(self) -> str:
        return self.cleaned_data["note"].replace("\r\n", "\n").replace("\r", "\n")

    def clean_sentence_start(self) -> datetime.date | None:
        text = self.cleaned_data["sentence_start"]
        if not text:
            return None
        parsed = parse_uncertain_date(text)
        if not parsed.is_exact_day:
            raise ValidationError(
                _("Write the exact day the term is counted from, or leave it blank."),
                code="inexact_start",
            )
        return parsed.earliest

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("apply_to") == ALL and cleaned.get("members_seen") != self.members:
            self.add_error(
                "apply_to",
                _(
                    "The people in this card changed since the form was opened: it now holds "
                    "%(n)d. Choose again."
                )
                % {"n": self.members},
            )
        if not is_sentencing(cleaned.get("event_type")):
            return cleaned
        kind = cleaned.get("sentence_kind") or SentenceKind.NONE
        years, months = cleaned.get("sentence_years"), cleaned.get("sentence_months")
        if kind == SentenceKind.TERM and not years and not months:
            self.add_error(
                "sentence_years", _("A fixed term needs its length: years, months or both.")
            )
        elif kind != SentenceKind.TERM and (years is not None or months is not None):
            self.add_error(
                "sentence_kind",
                _("Only a fixed term has years and months: choose “fixed term” or clear them."),
            )
        return cleaned

    @property
    def takes_sentence(self) -> bool:
        return is_sentencing(self.cleaned_data.get("event_type"))

    def event_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EVENT_FIELDS}

    def sentence(self) -> dict[str, Any] | None:
        """The sentence, as detention_update takes it, when the event is a sentencing."""
        if not self.takes_sentence:
            return None
        kind = self.cleaned_data.get("sentence_kind") or SentenceKind.NONE
        term = kind == SentenceKind.TERM
        return {
            "sentence_kind": kind,
            "sentence_years": self.cleaned_data.get("sentence_years") if term else None,
            "sentence_months": self.cleaned_data.get("sentence_months") if term else None,
            "sentence_start": self.cleaned_data.get("sentence_start"),
        }

    @property
    def for_all_members(self) -> bool:
        return self.members > 1 and self.cleaned_data.get("apply_to") == ALL

    def submitted_data(self) -> dict[str, Any]:
        names = (*EVENT_FIELDS, *SENTENCE_FORM_FIELDS)
        return {
            name: as_json(value.isoformat() if isinstance(value, datetime.date) else value)
            for name in names
            if (value := self.cleaned_data.get(name)) is not None
        }
