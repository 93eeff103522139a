"""Withheld names in free text: found in every script and spelling, replaced by the placeholder.

A person whose identity is withheld is shown as the placeholder wherever a reader may not see
them; but a monitor's title, summary, narrative, event note or citation excerpt may name them
too ("Tashi, a monk of Drilda, was taken…"). A `NameMask` holds every form of the withheld
names of a case — each variant as recorded, its folded form, its ASCII transliteration and,
for Chinese characters, their pinyin syllables grouped every way a text may write them — and
replaces each occurrence, whatever its case, at the boundaries its script has:

- Latin spellings only as whole words, so "Tashi" is masked but "Tashiding" is not;
- Tibetan script only as whole syllables (tsheg, shad, a space or another script around it);
- Chinese characters wherever they occur, since Chinese writes no word boundaries.

Text and forms are compared case-folded, without Latin diacritics, in compatibility form: "Tāshí"
in a narrative is found by a name recorded as "Tashi" and the other way round; the
replacement is made in the text as written, which is otherwise left exactly as it was.

The pinyin comes from anyascii, one reading per character and no tone marks: pypinyin (named
in the conventions) is not in the lock, so a character read another way in a name is found
only through a pinyin variant recorded on the person.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable

from anyascii import anyascii

from .models import Case, Detention, PersonName
from .queries import PLACEHOLDER
from .text import fold

# A Latin form shorter than this is too likely to be an ordinary word or initial.
MIN_LATIN_LENGTH = 3
# Pinyin groupings grow as 2^(syllables - 1); a longer name keeps the two common spellings.
MAX_GROUPED_SYLLABLES = 6

_LATIN_LETTER = r"A-Za-z0-9\u00C0-\u024F\u1E00-\u1EFF"
_TIBETAN_LETTER = r"\u0F40-\u0FBC"
_TIBETAN_PUNCTUATION = "\u0f0b\u0f0c\u0f0d\u0f0e\u0f14 "
_LATIN_MARK = re.compile("[\u0300-\u036f]")
_NAME_DOTS = re.compile(r"[\s\u00b7\u30fb\u2027\-]+")


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _skeleton_of(char: str) -> str:
    """What one character is compared as: compatibility-decomposed, Latin diacritics dropped
    (a lone combining accent becomes nothing), case-folded ("ß" as "ss")."""
    return "".join(
        part
        for part in unicodedata.normalize("NFKD", char.casefold())
        if not 0x0300 <= ord(part) <= 0x036F
    )


def _skeleton(text: str) -> tuple[str, list[int] | None]:
    """The text as compared, and for each of its characters the index of the character of
    `text` it comes from (None when each character is compared as one, as in plain ASCII,
    Chinese and most Tibetan)."""
    if text.isascii():
        return text.lower(), None
    if unicodedata.is_normalized("NFKD", text) and not _LATIN_MARK.search(text):
        folded = text.casefold()
        if len(folded) == len(text) and unicodedata.is_normalized("NFKD", folded):
            return folded, None
    parts: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        compared = _skeleton_of(char)
        parts.append(compared)
        origins.extend([index] * len(compared))
    return "".join(parts), origins


# Marks where a run of Latin letters or of Tibetan letters (a syllable) starts and ends in
# compared text, so that a form is bounded by matching its own marks. Lookarounds would do the
# same, but each letter class in a pattern costs a fraction of a millisecond to compile, twice
# a form, and a mask is compiled for every case with a withheld detainee.
_EDGE = "\x00"
_RUN = re.compile(f"[{_LATIN_LETTER}]+|[{_TIBETAN_LETTER}]+")
_SEPARATOR = re.compile(r"[\s\-\u2010\u2011]+")


def _with_edges(compared: str) -> tuple[str, list[int]]:
    """`compared` with an edge around each run, and where the edges stand in the result."""
    pieces: list[str] = []
    edges: list[int] = []
    done = 0
    for run in _RUN.finditer(compared):
        pieces += [compared[done : run.start()], _EDGE, run.group(), _EDGE]
        # Each earlier run has shifted this one by its two edges.
        edges += [run.start() + len(edges), run.end() + len(edges) + 1]
        done = run.end()
    pieces.append(compared[done:])
    return "".join(pieces), edges


def _pattern_of(form: str) -> str:
    """The form as a pattern: its edges as they are, any run of spaces, line breaks or hyphens
    between its words matching any other such run."""
    bounded, _edges = _with_edges(_skeleton(form)[0])
    words = [word for word in _SEPARATOR.split(bounded) if word]
    return _SEPARATOR.pattern.join(re.escape(word) for word in words)


def _groupings(syllables: list[str]) -> Iterable[str]:
    """ "Zhaxi Duoji", "Zha Xi Duo Ji", "Zhaxiduoji"…: every way of writing the syllables as
    words, since a text may run a Chinese name together or split it anywhere."""
    if len(syllables) > MAX_GROUPED_SYLLABLES:
        yield "".join(syllables)
        yield " ".join(syllables)
        return
    for cuts in itertools.product((False, True), repeat=len(syllables) - 1):
        word = syllables[0]
        words = []
        for cut, syllable in zip(cuts, syllables[1:], strict=True):
            if cut:
                words.append(word)
                word = syllable
            else:
                word += syllable
        words.append(word)
        yield " ".join(words)


def _chinese_forms(name: str) -> set[str]:
    """For a name in Chinese characters: the name without the dots of a transliterated
    foreign name ("扎西·多吉" is often written "扎西多吉"), and its pinyin spellings, the
    syllables grouped every way (`_groupings`). None for other names."""
    if not any(_is_han(char) for char in name):
        return set()
    run_together = "".join(part for part in _NAME_DOTS.split(name) if part)
    syllables = [anyascii(char) for char in run_together]
    if not all(syllable.strip() for syllable in syllables):
        return {run_together}
    return {run_together, *_groupings(syllables)}


def name_forms(names: Iterable[str]) -> set[str]:
    """Every spelling of `names` a text may use: as recorded, folded, transliterated and, for
    Chinese characters, in pinyin."""
    forms: set[str] = set()
    for name in names:
        recorded = unicodedata.normalize("NFC", " ".join((name or "").split()))
        candidates = {recorded, fold(recorded), " ".join(anyascii(fold(recorded)).split())}
        candidates |= _chinese_forms(recorded)
        for form in candidates:
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
        self.forms = sorted(set(forms), key=lambda form: (-len(form), form))
        patterns = {_pattern_of(form) for form in self.forms} - {""}
        # Longest first, so "Tashi Dorje" is masked whole rather than as "Tashi" + " Dorje".
        ordered = sorted(patterns, key=lambda pattern: (-len(pattern), pattern))
        self._pattern = re.compile("|".join(ordered)) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def _spans(self, text: str) -> list[tuple[int, int]]:
        """Where the names stand in `text` itself, as (start, end) of its characters."""
        if self._pattern is None or not text:
            return []
        compared, origins = _skeleton(text)
        bounded, edges = _with_edges(compared)
        inserted = set(edges)
        spans = []
        for match in self._pattern.finditer(bounded):
            first, last = match.start(), match.end() - 1
            while first in inserted:
                first += 1
            while last in inserted:
                last -= 1
            # Back from the text with edges to the compared text, then to `text` itself.
            first -= bisect.bisect_left(edges, first)
            last -= bisect.bisect_left(edges, last)
            if origins is not None:
                first, last = origins[first], origins[last]
            end = last + 1
            # An accent written as its own character after the name belongs to the name.
            while end < len(text) and not _skeleton_of(text[end]):
                end += 1
            spans.append((first, end))
        return spans

    def apply(self, text: str) -> str:
        spans = self._spans(text)
        if not spans:
            return text
        pieces, done = [], 0
        for start, end in spans:
            pieces += [text[done:start], PLACEHOLDER]
            done = end
        pieces.append(text[done:])
        return "".join(pieces)

    def occurrences(self, text: str) -> list[str]:
        """The withheld names as they stand in `text`, in order (for the reviewer's warning)."""
        return [text[start:end] for start, end in self._spans(text)]


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
