"""Text folding for search: a person is found by any name variant, accents and case folded."""

from __future__ import annotations

import contextlib
import functools
import io
import re
import unicodedata
from typing import Any

from anyascii import anyascii


def fold(text: str) -> str:
    """Lower-case, accent-free, NFKC form of text in any script (Tibetan and Chinese kept)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    without_marks = "".join(
        char
        for char in decomposed
        # Combining marks are dropped only on Latin letters: in Tibetan and other scripts they
        # are vowels and subjoined letters that carry meaning.
        if not _is_latin_mark(char)
    )
    return " ".join(unicodedata.normalize("NFKC", without_marks).casefold().split())


def _is_latin_mark(char: str) -> bool:
    # U+0300–U+036F: combining diacritics used on Latin (é, ā, ǎ in pinyin with tones).
    return 0x0300 <= ord(char) <= 0x036F


def search_key(text: str) -> str:
    """What a name is matched against: its folded form and its ASCII transliteration.

    The transliteration lets "zhaxi" find 扎西 and "tashi" find "Tāshí". Tibetan script comes
    out letter by letter ("bkr-shis"), so a phonetic spelling needs a variant of its own.
    """
    folded = fold(text)
    ascii_form = " ".join(anyascii(folded).casefold().split())
    return folded if ascii_form == folded else f"{folded} {ascii_form}"


# Tibetan names. A name recorded in Tibetan script is also stored under its Wylie (EWTS)
# spelling and its phonetic reading, so that "bkra shis" and "tashi" find བཀྲ་ཤིས་; and every
# romanised form is stored under its sound key (below), so that the many ways of spelling a
# Tibetan name in Latin letters meet: "Lobsang", "Lozang", "Losang" and "blo bzang".

_TIBETAN_WORD = re.compile(r"[\u0F00-\u0FFF]+")


def tibetan_words(text: str) -> list[str]:
    """The runs of Tibetan script in text (its syllables stay together, split by tsheg)."""
    return _TIBETAN_WORD.findall(text or "")


@functools.cache
def _wylie_converter() -> Any:
    import pyewts

    return pyewts.pyewts()


@functools.cache
def _phonetic_converter() -> Any:
    import bophono

    # KVP: the phonetics of the Tibetan and Himalayan Library, close to the spellings monitors
    # and the press use ("tashi", "tsering", "tenzin").
    return bophono.UnicodeToApi(schema="KVP", options={})


def wylie(text: str) -> str:
    """The Wylie (EWTS) spelling of the Tibetan script in text: བཀྲ་ཤིས་ → "bkra shis".

    Words the converter does not understand (a stray vowel sign) are left out rather than
    stored as escape codes.
    """
    spellings = []
    for word in tibetan_words(text):
        converted = _wylie_converter().toWylie(word)
        if "\\" in converted or "[" in converted:
            continue
        # "_" is EWTS for a space, "/" for the shad that ends a phrase.
        spellings.append(" ".join(converted.replace("_", " ").replace("/", " ").split()))
    return " ".join(spelling for spelling in spellings if spelling)


_SYLLABLE_BREAK = re.compile(r"[\u0F0B-\u0F14]+")


def tibetan_phonetic(text: str) -> str:
    """The phonetic reading (THL/KVP) of the Tibetan script in text, two syllables at a time:
    བཀྲ་ཤིས་ཚེ་རིང་ → "tashi tsering".

    Tibetan script marks syllables, not words; a personal name is nearly always made of
    two-syllable parts, and that is how it is written in Latin letters ("Tashi Tsering",
    "Lobsang Gyatso"). Read in pairs, the reading falls into the same words as the spellings
    it is to meet, and each part reads as it does alone: "lozang gyamtso", where the whole
    name would read "lozankgyamtso".
    """
    readings = []
    for word in tibetan_words(text):
        part: list[str] = []
        for syllable in _SYLLABLE_BREAK.split(word):
            if not syllable:
                continue
            part.append(syllable)
            # A Sanskrit stack (པདྨ, "pad+ma" in Wylie) is one syllable read as two: Pema.
            if sum(1 + ("+" in _wylie_converter().toWylie(each)) for each in part) >= 2:
                readings.append(_read_aloud("་".join(part)))
                part = []
        if part:
            readings.append(_read_aloud("་".join(part)))
    return fold(" ".join(reading for reading in readings if reading))


def _read_aloud(syllables: str) -> str:
    # The converter prints what it cannot read, and what it reads is a person's name: kept out
    # of the server's output, which must carry no personal data.
    with contextlib.redirect_stdout(io.StringIO()):
        return _phonetic_converter().get_api(syllables)


def _latin_letters(text: str) -> str:
    """The Latin-script words of text, accents folded; other scripts become spaces."""
    kept = "".join(
        char if char == "'" or (char.isalpha() and _is_latin_letter(char)) else " "
        for char in fold(text)
    )
    return anyascii(kept).casefold()


def _is_latin_letter(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


# The sound key's folding, in order, of one word of romanised Tibetan. Each step answers a way
# the same Tibetan name is spelled differently in Latin letters.
_SOUND_STEPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        # ng is one sound; kept apart (as N) from the g that the steps below drop or fold.
        # The phonetics write a final ng before g as nk ("lozankgyamtso").
        (r"nk(?=g)", "ng"),
        (r"ng", "N"),
        # Doubled letters add nothing: Dorjee, Tashii.
        (r"(.)\1+", r"\1"),
        (r"ck", "k"),
        # German-style and English-style vowels: Soenam, Puentsok; Yeshey, Jigmey.
        (r"oe", "o"),
        (r"ue", "u"),
        (r"ey$", "e"),
        # An h after a consonant marks aspiration or a Wylie letter (kh, ch, th, ph, tsh, sh,
        # zh, lh, dh): Phuntsok / Puntsok, Tsering / Tshering, Lhamo / Lamo.
        (r"(?<=[b-df-hj-np-tv-z])h", ""),
        (r"v", "b"),
        (r"z", "s"),
        # The r of a Wylie or Lhasa cluster is often not written: Drolma / Dolma, Trinley.
        (r"(?<=[dt])r", ""),
        # A stop before another consonant is silent or dropped in one spelling and written in
        # another: Lobsang / Losang, Jigme / Jig-me, Sodnam / Sonam, Tendzin / Tenzin, and the
        # Wylie prefixes (blo bzang). Not the t of ts, nor before r, y or w (Gyatso, Dorje).
        (r"[bpkgd](?=[bcdfghjklmnpqstvxzN])|t(?=[bcdfghjklmnpqtvxzN])", ""),
        # A final stop is often not written: Jigmed / Jigme, Phuntsog / Phuntso(k).
        (r"[bpkgd]$", ""),
        # The vowel a is written e where a final consonant fronts it: Kelsang / Kalsang,
        # Pelden / Palden, Jamphel / Jampal, Pema / Padma. After the stops are dropped, so
        # that Jigmed ends in e as Jigme does.
        (r"e(?=[b-df-hj-np-tv-zN])", "a"),
        # A nasal before a stop comes and goes: Gyamtso / Gyatso, Gendün / Gedun,
        # Penpa / Pemba.
        (r"[mn](?=[bpkgdt])", ""),
        # Voicing differs between spellings of the same letter: Dhondup / Thondup / Döndrub,
        # Tenzin / Denzin, Jampa / Champa.
        (r"b", "p"),
        (r"d", "t"),
        (r"g", "k"),
        (r"j", "c"),
        (r"(.)\1+", r"\1"),
        (r"N", "ng"),
    )
)

SOUND_KEY_MIN_LENGTH = 4


def sound_key(text: str) -> str:
    """The phonetic normalisation key of romanised Tibetan: the same for the common spellings
    of a name, its Wylie spelling often, and the phonetics of its Tibetan script.

    Latin words are folded one by one (_SOUND_STEPS) and run together without spaces, so
    "Tashi Dorje" and "Tashidorje" meet. Tibetan script counts by its phonetic reading (read
    two syllables at a time, see tibetan_phonetic); other scripts (Chinese) are not keyed:
    their transliteration is matched as it is.
    So "Lobsang", "Lozang", "Losang" and "blo bzang" all give "losang"; "Gyatso" and the
    reading of རྒྱ་མཚོ་, "gyamtso", give "kyatso". The key is only ever compared with other
    keys: it need not be a spelling anyone would write.
    """
    romanised = f"{_latin_letters(text)} {_latin_letters(tibetan_phonetic(text))}"
    keys = []
    for word in romanised.replace("'", "").split():
        for pattern, replacement in _SOUND_STEPS:
            word = pattern.sub(replacement, word)
        keys.append(word)
    return "".join(keys)


def name_search_key(text: str) -> str:
    """What a person's name variant is matched against: its search_key, the Wylie spelling
    and phonetic reading of its Tibetan script, and the sound key of its romanised forms
    (see sound_key). A query meets it through cases.filters.variant_needles: its folded
    form, the same without spaces, and its own sound key."""
    parts = [search_key(text), fold(wylie(text)), tibetan_phonetic(text), sound_key(text)]
    unique: list[str] = []
    for part in parts:
        if part and part not in unique:
            unique.append(part)
    return " ".join(unique)
