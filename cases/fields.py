"""Model fields shared by the domain models."""

from __future__ import annotations

from typing import Any

from django.db import models

from .dates import MAX_LENGTH, parse_uncertain_date


class UncertainDateField(models.CharField):
    """EDTF text that keeps two sibling DateFields holding its earliest and latest day.

    The bounds are declared on the model next to this field (as ImageField declares
    width_field) and filled in pre_save, so every save path, bulk_create included, keeps them in
    step with the text. Invalid text fails validation with a message showing valid examples.
    """

    description = "An uncertain date (EDTF)"

    def __init__(
        self,
        *args: Any,
        earliest_field: str,
        latest_field: str,
        **kwargs: Any,
    ) -> None:
        self.earliest_field = earliest_field
        self.latest_field = latest_field
        kwargs.setdefault("max_length", MAX_LENGTH)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault(
            "help_text",
            "EDTF: 2014-03-06, 2014-03, 2014, 2014-03~ (about), 2014? (uncertain), "
            "2012-05/2012-07 (between), ../2013 (before).",
        )
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["earliest_field"] = self.earliest_field
        kwargs["latest_field"] = self.latest_field
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:
        # Forms take dates as people type them ("March 2014", "about 2014") and store EDTF.
        from .forms_dates import UncertainDateFormField

        return super().formfield(**{"form_class": UncertainDateFormField, **kwargs})

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        parse_uncertain_date(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        parsed = parse_uncertain_date(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, parsed.text)
        setattr(model_instance, self.earliest_field, parsed.earliest)
        setattr(model_instance, self.latest_field, parsed.latest)
        return parsed.text


class SearchTextField(models.CharField):
    """The folded, transliterated form of another field, kept in step on every save.

    Searching by any name variant, accents and case folded, then needs no per-row work at query
    time: the query is folded the same way and matched against this column. `derive` names the
    function of cases.text that makes the stored text: `search_key`, or `name_search_key` for
    people's names (which adds the Wylie, phonetic and sound-key forms of Tibetan names).
    """

    def __init__(self, *args: Any, source: str, derive: str = "search_key", **kwargs: Any) -> None:
        self.source = source
        self.derive = derive
        kwargs.setdefault("max_length", 600)
        kwargs["editable"] = False
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.derive != "search_key":
            kwargs["derive"] = self.derive
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def derived(self, text: str) -> str:
        """The stored text for a source value, cut to the column."""
        from . import text as derivations

        return getattr(derivations, self.derive)(text or "")[: self.max_length]

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.derived(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value
