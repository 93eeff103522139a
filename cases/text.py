"""Text folding for search: a person is found by any name variant, accents and case folded."""

from __future__ import annotations

import unicodedata

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
