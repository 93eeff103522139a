"""Withheld names in free text: found in every script and spelling, replaced by the placeholder.

A person whose identity is withheld is shown as the placeholder wherever a reader may not see
them; but a monitor's title, summary, narrative, event note or citation excerpt may name them
too ("Tashi, a monk of Drilda, was taken…"). A `NameMask` holds every form of the withheld
names of a case — each variant as recorded, its folded form and its ASCII transliteration —
and replaces each occurrence, matched case-insensitively, at the boundaries its script has:

- Latin spellings only as whole words, so "Tashi" is masked but "Tashiding" is not;
- Tibetan script only as whole syllables (tsheg, shad, a space or another script around it);
- Chinese characters wherever they occur, since Chinese writes no word boundaries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from anyascii import anyascii

from .models import Case, Detention, PersonName
from .queries import PLACEHOLDER
from .text import fold

# A Latin form shorter than this is too likely to be an ordinary word or initial.
MIN_LATIN_LENGTH = 3

_LATIN_LETTER = r"A-Za-z0-9\u00C0-\u024F\u1E00-\u1EFF"
_TIBETAN_LETTER = r"\u0F40-\u0FBC"
_TIBETAN_PUNCTUATION = "\u0f0b\u0f0c\u0f0d\u0f0e\u0f14 "


def _script(char: str) -> str:
    if "\u0f00" <= char <= "\u0fff":
        return "tibetan"
    if re.fullmatch(f"[{_LATIN_LETTER}]", char):
        return "latin"
    return "other"


def _bounded(form: str) -> str:
    """The form as a pattern, with the boundaries of the script it starts and ends in."""
    escaped = re.escape(form)
    before = {"latin": f"(?<![{_LATIN_LETTER}])", "tibetan": f"(?<![{_TIBETAN_LETTER}])"}
    after = {"latin": f"(?![{_LATIN_LETTER}])", "tibetan": f"(?![{_TIBETAN_LETTER}])"}
    return before.get(_script(form[0]), "") + escaped + after.get(_script(form[-1]), "")


def name_forms(names: Iterable[str]) -> set[str]:
    """Every spelling of `names` a text may use: as recorded, folded and transliterated."""
    forms: set[str] = set()
    for name in names:
        recorded = unicodedata.normalize("NFC", " ".join((name or "").split()))
        for form in (recorded, fold(recorded), " ".join(anyascii(fold(recorded)).split())):
            form = form.strip(_TIBETAN_PUNCTUATION)
            if not form:
                continue
            if form.isascii() and len(form) < MIN_LATIN_LENGTH:
                continue
            forms.add(form)
    return forms


class NameMask:
    """Replaces the given name forms in text; an empty mask leaves text untouched."""

    def __init__(self, forms: Iterable[str]) -> None:
        # Longest first, so "Tashi Dorje" is masked whole rather than as "Tashi" + " Dorje".
        self.forms = sorted(set(forms), key=lambda form: (-len(form), form))
        self._pattern = (
            re.compile("|".join(_bounded(form) for form in self.forms), re.IGNORECASE)
            if self.forms
            else None
        )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def apply(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(PLACEHOLDER, unicodedata.normalize("NFC", text))

    def occurrences(self, text: str) -> list[str]:
        """The withheld names as they stand in `text`, in order (for the reviewer's warning)."""
        if self._pattern is None or not text:
            return []
        return [
            match.group(0) for match in self._pattern.finditer(unicodedata.normalize("NFC", text))
        ]


NO_MASK = NameMask(())


def withheld_masks(case_ids: Iterable[int]) -> dict[int, NameMask]:
    """For each of the cases, the mask of the withheld people detained in it (two queries).

    Cases without a withheld person are absent from the result: use `.get(pk, NO_MASK)`.
    """
    wanted = list(set(case_ids))
    if not wanted:
        return {}
    detained = Detention.objects.filter(case_id__in=wanted, person__identity_withheld=True)
    names: dict[int, set[str]] = {}
    for case_id, display_name in detained.values_list("case_id", "person__name"):
        names.setdefault(case_id, set()).add(display_name)
    people_cases = detained.values_list("person_id", "case_id")
    cases_of_person: dict[int, set[int]] = {}
    for person_id, case_id in people_cases:
        cases_of_person.setdefault(person_id, set()).add(case_id)
    variants = PersonName.objects.filter(person_id__in=cases_of_person).values_list(
        "person_id", "name"
    )
    for person_id, variant in variants:
        for case_id in cases_of_person[person_id]:
            names.setdefault(case_id, set()).add(variant)
    return {case_id: NameMask(name_forms(found)) for case_id, found in names.items()}


def withheld_mask(case: Case) -> NameMask:
    """The mask of one case's withheld people."""
    return withheld_masks([case.pk]).get(case.pk, NO_MASK)
