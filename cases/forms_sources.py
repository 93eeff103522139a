"""Forms for sources and the citations that tie them to a case, a detention or an event of its
timeline. They read and validate input; the services in cases.services.sources write.

Every form here takes an `auto_id` naming the record it is about, so that two of them open on
one case page (a citation of the case and one of a detention) never share an HTML id.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .forms_lookup import TermChoiceField, terms_of
from .forms_people import DATE_HELP, VersionedEditForm
from .models import Citation, Source, VocabularyKey

# What a monitor says of a source, in the order shown.
SOURCE_FIELDS = (
    "kind",
    "title",
    "outlet",
    "author",
    "published_on",
    "url",
    "language",
    "reliability",
    "originator",
    "how_obtained",
    "hand",
)
CITATION_FIELDS = ("claim", "excerpt", "locator", "credibility")

# The value of the "add a new source" choice, beside the public ids of the sources on offer.
NEW = "new"


def _one_newline_style(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


class SourceForm(forms.ModelForm):
    """A source: where the information comes from, and how far it can be trusted."""

    # Addresses typed without a scheme are read as https (Django 6's default), as in the admin.
    url = forms.URLField(label=_("URL"), max_length=2000, required=False, assume_scheme="https")

    class Meta:
        model = Source
        fields = SOURCE_FIELDS
        widgets = {
            "originator": forms.Textarea(attrs={"rows": 2}),
            "how_obtained": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"reliability": _("Reliability of the source")}
        help_texts = {
            "published_on": DATE_HELP,
            "reliability": _(
                "A to F: how far this source has proved right before. F when it cannot be "
                "judged yet."
            ),
            "originator": _(
                "For testimony: who spoke. Kept encrypted, never exported outside the organisation."
            ),
            "how_obtained": _("Kept encrypted, like the originator."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        old = self.fields["kind"]
        kept = [self.instance.kind_id] if self.instance.pk and self.instance.kind_id else []
        self.fields["kind"] = TermChoiceField(
            VocabularyKey.SOURCE_KIND,
            queryset=terms_of(VocabularyKey.SOURCE_KIND, kept),
            label=old.label,
        )
        for name in ("title", "outlet", "author"):
            self.fields[name].widget.attrs.update({"dir": "auto", "autocomplete": "off"})

    def clean_title(self) -> str:
        return self.cleaned_data["title"].strip()

    def clean_originator(self) -> str:
        return _one_newline_style(self.cleaned_data.get("originator"))

    def clean_how_obtained(self) -> str:
        return _one_newline_style(self.cleaned_data.get("how_obtained"))

    def values(self) -> dict[str, Any]:
        """The fields as source_create and source_update take them."""
        return {name: self.cleaned_data[name] for name in SOURCE_FIELDS}


class SourceEditForm(VersionedEditForm, SourceForm):
    kept_fields = SOURCE_FIELDS


class CitationForm(forms.ModelForm):
    """What the source supports here: the claim, the words quoted, where they stand in it, and
    how credible this piece of information is."""

    class Meta:
        model = Citation
        fields = CITATION_FIELDS
        widgets = {"excerpt": forms.Textarea(attrs={"rows": 4, "dir": "auto"})}
        labels = {"credibility": _("Credibility of this information")}
        help_texts = {
            "excerpt": _("The words of the source that support it, as written."),
            "locator": _("A page, paragraph or time in a recording, if the source is long."),
            "credibility": _(
                "1 to 6: whether other sources confirm it. 6 when it cannot be judged yet."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["claim"].widget.attrs["autocomplete"] = "off"

    def clean_excerpt(self) -> str:
        return _one_newline_style(self.cleaned_data["excerpt"])

    def _post_clean(self) -> None:
        # A new citation has neither its source nor its target yet: the service validates the
        # whole record, and its refusal comes back on the field it names.
        pass

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CITATION_FIELDS}


class SourceChoiceForm(forms.Form):
    """Which source: one of `sources` (the gate's, for the user asking), or a new one.

    The choices are radios the page lists itself (the sources already cited on the case, then
    those found by a search), so the field takes any text and checks it here: an id that is
    not among the sources the user may see is refused, whatever the page offered.
    """

    source = forms.CharField(
        label=_("Source"),
        error_messages={"required": _("Pick a source, or add a new one.")},
    )

    def __init__(self, *args: Any, sources: QuerySet[Source], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sources = sources

    def clean_source(self) -> Source | str:
        value = self.cleaned_data["source"].strip()
        if value == NEW:
            return NEW
        try:
            public_id = uuid.UUID(value)
        except ValueError:
            public_id = None
        found = self.sources.filter(public_id=public_id).first() if public_id else None
        if found is None:
            raise forms.ValidationError(
                _("This source is not among those you may cite. Pick one from the list."),
                code="invalid_choice",
            )
        return found
