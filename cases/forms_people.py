"""Forms for the people detained in a case: the person, their name variants, their detention,
their affiliations. They read and validate input; the services in cases.services write.

Bind an edit form to a copy of the record (`copy.copy(record)`): ModelForm validation writes
the typed values onto its instance, and the service must compare them with the stored ones.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from .forms_lookup import (
    OrganizationChoiceField,
    PlaceChoiceField,
    TermChoiceField,
    TermMultipleChoiceField,
    terms_of,
)
from .models import Affiliation, Detention, LanguageTag, NameKind, Person, VocabularyKey

# What the person form changes, in the order shown. The display name is not here: it is the
# spelling of the variant marked primary (cases.services.people).
PERSON_FIELDS = (
    "description",
    "sex",
    "birth_date",
    "home_place",
    "ethnicity",
    "religion",
    "occupation",
    "identity_withheld",
    "is_group",
    "head_count",
)
DETENTION_FIELDS = (
    "detained_on",
    "age_at_detention",
    "age_is_approximate",
    "detaining_authority",
    "authority_description",
    "held_at",
    "held_in_place",
    "detention_type",
    "charges",
    "alleged_reason",
    "whereabouts",
    "lawyer_access",
    "family_access",
)
DETENTION_SCALAR_FIELDS = tuple(name for name in DETENTION_FIELDS if name != "charges")
NAME_ROWS = 3
MORE_NAME_ROWS = 2
MAX_NAME_ROWS = 30

DATE_HELP = _(
    "As precisely as the source allows: 6 March 2014, March 2014, about 2014, before 2013. "
    "Leave empty if unknown."
)


def _one_newline_style(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _kept(instance: Model, name: str) -> list[int]:
    """The term ids a stored record holds now, so a retired term can be saved unchanged."""
    if not instance.pk:
        return []
    value = getattr(instance, name)
    if hasattr(value, "all"):
        return [term.pk for term in value.all()]
    return [value.pk] if value is not None else []


def as_json(value: Any) -> Any:
    """A cleaned value as JSON (records by id), for stale_edit_keep."""
    if isinstance(value, Model):
        return value.pk
    if hasattr(value, "__iter__") and not isinstance(value, str | dict):
        return sorted(getattr(item, "pk", item) for item in value)
    return value


class PersonForm(forms.ModelForm):
    """What tells a person apart besides their names."""

    class Meta:
        model = Person
        fields = PERSON_FIELDS
        field_classes = {"home_place": PlaceChoiceField}
        labels = {
            "sex": _("Gender"),
            "is_group": _("A group of people not told apart"),
            "head_count": _("How many people"),
        }
        help_texts = {
            "description": _(
                "Tells them apart when no name is known, e.g. “monk of Drilda monastery, "
                "about 30”. Required when the name is unknown."
            ),
            "head_count": _("For a group: how many people it stands for. Otherwise 1."),
            "birth_date": DATE_HELP,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, vocabulary in (
            ("ethnicity", VocabularyKey.ETHNICITY),
            ("religion", VocabularyKey.RELIGION),
            ("occupation", VocabularyKey.OCCUPATION),
        ):
            old = self.fields[name]
            self.fields[name] = TermChoiceField(
                vocabulary,
                queryset=terms_of(vocabulary, _kept(self.instance, name)),
                required=False,
                label=old.label,
            )
        self.fields["description"].widget.attrs["autocomplete"] = "off"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # One person counts one; a count only makes sense for a group.
        if not cleaned.get("is_group") and cleaned.get("head_count") not in (None, 1):
            self.add_error(
                "head_count", _("Only a group counts more than one: tick “a group” or write 1.")
            )
        return cleaned

    def _post_clean(self) -> None:
        # The count rule is said on its field above; the model's constraint would say it again
        # above the form.
        if "head_count" in self.errors:
            return
        super()._post_clean()

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PERSON_FIELDS}


class VersionedEditForm(forms.ModelForm):
    """The change form of a record that carries a version: it holds the version the editor
    read, so that a save over a newer one is refused (EditConflict), and gives back what was
    typed for the conflict page. Put it before the record's own form in the bases."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # The fields kept with a stale edit, in the order the conflict page compares them.
    kept_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "version" not in self.initial and self.instance.pk:
            self.initial["version"] = self.instance.version

    def submitted_data(self) -> dict[str, Any]:
        return {name: as_json(self.cleaned_data.get(name)) for name in self.kept_fields}


class PersonEditForm(VersionedEditForm, PersonForm):
    kept_fields = PERSON_FIELDS


class NameForm(forms.Form):
    """One spelling of the name in one script."""

    name = forms.CharField(
        label=_("Name"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(
        label=_("Language or script"),
        choices=[("", "—"), *LanguageTag.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=NameKind.choices, initial=NameKind.BIRTH, required=False
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["name"] = (cleaned.get("name") or "").strip()
        if cleaned["name"] and not cleaned.get("language"):
            self.add_error("language", _("Say which language or script this spelling is in."))
        if not cleaned.get("kind"):
            cleaned["kind"] = NameKind.BIRTH
        return cleaned


class RequiredNameForm(NameForm):
    """A single name added or corrected on the person's page: every part is required."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "language", "kind"):
            self.fields[name].required = True


NameFormSet = forms.formset_factory(
    NameForm, extra=0, max_num=MAX_NAME_ROWS, absolute_max=MAX_NAME_ROWS
)


def name_formset(data: Any = None, *, prefix: str = "names") -> forms.BaseFormSet:
    """The name rows of a new person: NAME_ROWS empty rows, or the rows posted."""
    return NameFormSet(data, prefix=prefix, initial=[{"kind": NameKind.BIRTH}] * NAME_ROWS)


def with_more_rows(data: Any, *, prefix: str = "names") -> Any:
    """The posted data with MORE_NAME_ROWS more empty name rows (the "More name rows" button)."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, NAME_ROWS))
    except ValueError:
        total = NAME_ROWS
    data[key] = str(max(0, min(total + MORE_NAME_ROWS, MAX_NAME_ROWS)))
    return data


def typed_names(formset: forms.BaseFormSet) -> list[tuple[str, str, str]]:
    """The filled name rows of a valid formset, in order."""
    return [
        (row.cleaned_data["name"], row.cleaned_data["language"], row.cleaned_data["kind"])
        for row in formset.forms
        if row.cleaned_data.get("name")
    ]


class DetentionForm(forms.ModelForm):
    """The facts of one detention."""

    class Meta:
        model = Detention
        fields = DETENTION_FIELDS
        field_classes = {
            "detaining_authority": OrganizationChoiceField,
            "held_at": OrganizationChoiceField,
            "held_in_place": PlaceChoiceField,
        }
        widgets = {"alleged_reason": forms.Textarea(attrs={"rows": 3})}
        labels = {"age_is_approximate": _("The age is approximate")}
        help_texts = {
            "detained_on": DATE_HELP,
            "held_at": _("The prison, detention centre or police station, if known."),
            "held_in_place": _("Where they are held, when only the place is known."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        old = self.fields["detention_type"]
        self.fields["detention_type"] = TermChoiceField(
            VocabularyKey.DETENTION_TYPE,
            queryset=terms_of(VocabularyKey.DETENTION_TYPE, _kept(self.instance, "detention_type")),
            required=False,
            label=old.label,
        )
        old = self.fields["charges"]
        self.fields["charges"] = TermMultipleChoiceField(
            VocabularyKey.CHARGE,
            queryset=terms_of(VocabularyKey.CHARGE, _kept(self.instance, "charges")),
            required=False,
            label=old.label,
            help_text=_("The charges reported, if any. Leave empty when none is known."),
        )
        self.fields["authority_description"].widget.attrs["autocomplete"] = "off"

    def clean_alleged_reason(self) -> str:
        return _one_newline_style(self.cleaned_data["alleged_reason"])

    def values(self) -> dict[str, Any]:
        """The scalar facts, as detention_create and detention_update take them."""
        return {name: self.cleaned_data[name] for name in DETENTION_SCALAR_FIELDS}


class DetentionEditForm(VersionedEditForm, DetentionForm):
    kept_fields = DETENTION_FIELDS


class AffiliationForm(forms.ModelForm):
    """A tie to an organization (monk of Drilda monastery, from 2005)."""

    class Meta:
        model = Affiliation
        fields = ("organization", "role", "started_on", "ended_on", "note")
        field_classes = {"organization": OrganizationChoiceField}
        labels = {"organization": _("Organization")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        old = self.fields["role"]
        self.fields["role"] = TermChoiceField(
            VocabularyKey.AFFILIATION_ROLE, required=False, label=old.label
        )

    def _post_clean(self) -> None:
        # The affiliation has no person yet: the service validates the whole record.
        pass

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
