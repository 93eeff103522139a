"""The small forms that add a missing place or organization from the field that needs it.

Each is one record and its names in other scripts; the rules (who adds a country, how deep
places nest, repeated names) are the services' (cases/services/places.py, organizations.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms_lookup import OrganizationChoiceField, PlaceChoiceField, TermChoiceField
from .models import LanguageTag, PlaceKind, VocabularyKey

VARIANT_ROWS = 3
PREFIX = "record"


class VariantForm(forms.Form):
    """One more name of the record, in one script or romanisation."""

    name = forms.CharField(
        label=_("Other name"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(
        label=_("Language or script"),
        choices=[("", "—"), *LanguageTag.choices],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("name") and not data.get("language"):
            self.add_error("language", _("Say which language or script this name is in."))
        if data.get("language") and not data.get("name"):
            self.add_error("name", _("Write the name, or leave its language empty."))
        return data


VariantFormSet = forms.formset_factory(
    VariantForm, extra=VARIANT_ROWS, max_num=VARIANT_ROWS, absolute_max=VARIANT_ROWS
)


def variant_formset(data: Any = None) -> forms.BaseFormSet:
    return VariantFormSet(data, prefix=f"{PREFIX}-names")


def typed_variants(formset: forms.BaseFormSet) -> list[tuple[str, str]]:
    """The filled rows of a valid formset, as the services take them: (name, language)."""
    return [
        (row.cleaned_data["name"].strip(), row.cleaned_data["language"])
        for row in formset.forms
        if row.cleaned_data.get("name", "").strip()
    ]


class PlaceRecordForm(forms.Form):
    """A gazetteer entry: where it lies, what it is, its name and position."""

    parent = PlaceChoiceField(
        label=_("Lies in"),
        required=False,
        help_text=_(
            "The place this one is part of: a village in its township, a county in its "
            "prefecture. Only administrators add countries."
        ),
    )
    kind = forms.ChoiceField(label=_("Kind of place"), choices=[("", "—"), *PlaceKind.choices])
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("The name shown by default, as monitors usually write it."),
        widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        help_text=_("Decimal degrees, e.g. 31.886; leave both empty if the position is unknown."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        help_text=_("Decimal degrees, e.g. 93.790."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            missing = "longitude" if data.get("longitude") is None else "latitude"
            if missing not in self.errors:
                self.add_error(missing, _("Give both latitude and longitude, or neither."))
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "kind": data["kind"],
            "parent": data["parent"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
        }


class OrganizationRecordForm(forms.Form):
    """An organization: its name, what it is, where, and the unit it belongs to."""

    name = forms.CharField(
        label=_("Name"),
        max_length=300,
        help_text=_("e.g. Sog County Public Security Bureau"),
        widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
    )
    kind = TermChoiceField(VocabularyKey.ORGANIZATION_KIND, label=_("Kind"), required=False)
    place = PlaceChoiceField(label=_("Place"), required=False)
    parent = OrganizationChoiceField(
        label=_("Part of"),
        required=False,
        help_text=_("The organization this one is a unit of, if any."),
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "kind": data["kind"],
            "place": data["place"],
            "parent": data["parent"],
        }
