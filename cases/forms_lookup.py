"""Pick-a-record fields of the workspace forms: places, organizations and vocabulary terms.

Each is a plain `<select>`, which works without JavaScript; `static/js/casebook.js` turns a
select marked `data-autocomplete` into a combobox that filters as one types, and asks the server
(`data-autocomplete-url`) for records of lists too long to send whole. A record that is
missing is added in place from the link under the field (`data-create-url`), with its parent
and names, and chosen at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse_lazy

from .models import Organization, Place, Term, VocabularyKey


def mark_autocomplete(field: forms.Field, kind: str, url: Any = None) -> forms.Field:
    """Mark `field`'s select for the autocomplete of `kind` (places, organizations, terms),
    and name the lookup (cases/views/lookup.py) that finds its records by any name variant."""
    field.widget.attrs["data-autocomplete"] = kind
    if url is not None:
        field.widget.attrs["data-autocomplete-url"] = url
    return field


class PlaceChoiceField(forms.ModelChoiceField):
    """Places labelled with their hierarchy ("Sog County › Nagchu › … › China"), in
    gazetteer order, so that two places of the same name are told apart."""

    # Which "Add a missing …" link goes beside the field (templates/cases/widgets/add_missing.html).
    create_kind = "place"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Place.objects.order_by("path"))
        super().__init__(*args, **kwargs)
        self._labels: dict[int, str] | None = None
        mark_autocomplete(self, "places", reverse_lazy("cases:lookup-places"))

    @property
    def labels(self) -> dict[int, str]:
        # All labels in one query, and only when the choices are rendered or a label shown.
        if self._labels is None:
            from .views.cases import place_hierarchy_labels

            self._labels = place_hierarchy_labels(self.queryset)
        return self._labels

    @labels.setter
    def labels(self, value: dict[int, str]) -> None:
        self._labels = value

    def label_from_instance(self, obj: Place) -> str:
        return self.labels.get(obj.pk, obj.name)

    def __deepcopy__(self, memo: dict[int, Any]) -> PlaceChoiceField:
        copied = super().__deepcopy__(memo)
        copied._labels = None
        return copied


class OrganizationChoiceField(forms.ModelChoiceField):
    """Organizations labelled with their place ("Sog County Public Security Bureau, Sog
    County"), so that the many units of one name are told apart."""

    create_kind = "organization"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "queryset", Organization.objects.select_related("place").order_by("name", "pk")
        )
        super().__init__(*args, **kwargs)
        mark_autocomplete(self, "organizations", reverse_lazy("cases:lookup-organizations"))

    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.name}, {obj.place.name}" if obj.place_id else obj.name


class TermChoiceField(forms.ModelChoiceField):
    """One term of a vocabulary, by its label in the reader's language."""

    def __init__(self, vocabulary: VocabularyKey, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", terms_of(vocabulary))
        super().__init__(*args, **kwargs)
        mark_autocomplete(self, "terms", _terms_url(vocabulary))

    def label_from_instance(self, obj: Term) -> str:
        return obj.label


class TermMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several terms of a vocabulary (charges, treatment concerns, violation types)."""

    def __init__(self, vocabulary: VocabularyKey, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", terms_of(vocabulary))
        super().__init__(*args, **kwargs)
        mark_autocomplete(self, "terms", _terms_url(vocabulary))

    def label_from_instance(self, obj: Term) -> str:
        return obj.label


def _terms_url(vocabulary: VocabularyKey) -> Any:
    return reverse_lazy("cases:lookup-terms", args=[VocabularyKey(vocabulary).value])


def terms_of(vocabulary: VocabularyKey, keep: Iterable[int] = ()) -> QuerySet[Term]:
    """The active terms of `vocabulary`, and those of `keep` (the ids a record holds now), so
    that a record whose term was retired can still be saved unchanged."""
    return Term.objects.filter(
        Q(active=True) | Q(pk__in=list(keep)), vocabulary__key=vocabulary
    ).order_by("sort_order", "code")
