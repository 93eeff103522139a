"""The free-text masking table: which spellings of a withheld name are found, and where."""

from __future__ import annotations

import pytest

from cases.models import LanguageTag
from cases.queries import PLACEHOLDER
from cases.redaction import NO_MASK, NameMask, name_forms, withheld_mask, withheld_masks

from ..factories import CaseFactory, DetentionFactory, PersonFactory

P = PLACEHOLDER

# A Tibetan monk's name as one person's records hold it: English, Tibetan script, Wylie,
# Chinese characters (a transliteration with a middle dot) and phonetic with diacritics.
TASHI_DORJE = ["Tashi Dorje", "བཀྲ་ཤིས་རྡོ་རྗེ", "bkra shis rdo rje", "扎西·多吉", "Tāshí Dörje"]
SHERAB = ["ཤེས་རབ"]


def masked(names: list[str], text: str) -> str:
    return NameMask(name_forms(names)).apply(text)


@pytest.mark.parametrize(
    ("names", "text", "expected"),
    [
        # A name in Tibetan script inside a Chinese sentence: Chinese has no word boundaries,
        # the Tibetan syllables end at the tsheg.
        (TASHI_DORJE, "昨天བཀྲ་ཤིས་རྡོ་རྗེ་在拉萨被捕。", f"昨天{P}་在拉萨被捕。"),
        (TASHI_DORJE, "僧人扎西多吉被带走", f"僧人{P}被带走"),
        (TASHI_DORJE, "僧人扎西·多吉被带走", f"僧人{P}被带走"),
        # Pinyin, however the syllables are grouped and capitalised.
        (TASHI_DORJE, "Zhaxi Duoji was taken.", f"{P} was taken."),
        (TASHI_DORJE, "ZHAXIDUOJI was taken.", f"{P} was taken."),
        (TASHI_DORJE, "Zha Xi Duo Ji was taken.", f"{P} was taken."),
        # Wylie.
        (TASHI_DORJE, "A monk, bkra shis rdo rje, was taken.", f"A monk, {P}, was taken."),
        # Folded forms: diacritics in the text or in the record, case differences.
        (["Tashi Dorje"], "Tāshí Dörje was taken.", f"{P} was taken."),
        (["Tāshí Dörje"], "TASHI DORJE was taken.", f"{P} was taken."),
        (["Tashi Dorje"], "tashi dorje was taken.", f"{P} was taken."),
        # An accent written as its own character goes with the name it follows.
        (["Tashi"], "Tashi\u0301 left.", f"{P} left."),
        # A line break or a hyphen between the words of a name.
        (["Tashi Dorje"], "Tashi\nDorje and Tashi-Dorje", f"{P} and {P}"),
        # Full-width Latin letters are the same letters.
        (["Tashi"], "Ｔａｓｈｉ left.", f"{P} left."),
    ],
)
def test_every_spelling_of_a_withheld_name_is_masked(names, text, expected):
    assert masked(names, text) == expected


@pytest.mark.parametrize(
    ("names", "text"),
    [
        # Latin: only whole words.
        (["Tashi"], "Tashiding monastery and Lhatashi village"),
        (["Tashi"], "Tāshíding monastery"),
        # Tibetan: only whole syllables; ཤེས inside the syllable བཤེས (geshe) is not the name.
        (SHERAB, "དགེ་བཤེས་རབ་བརྟན"),
        (["བཀྲ"], "བཀྲིས"),
    ],
)
def test_a_name_inside_another_word_is_not_masked(names, text):
    assert masked(names, text) == text


def test_tibetan_name_is_masked_as_whole_syllables():
    assert masked(SHERAB, "དགེ་བཤེས་ཤེས་རབ་ལགས།") == f"དགེ་བཤེས་{P}་ལགས།"


def test_longest_form_is_masked_first():
    mask = NameMask(name_forms(["Tashi", "Tashi Dorje"]))
    assert mask.apply("Tashi Dorje and Tashi") == f"{P} and {P}"
    assert mask.occurrences("Tashi Dorje and Tashi") == ["Tashi Dorje", "Tashi"]


def test_occurrences_are_quoted_as_the_text_writes_them():
    mask = NameMask(name_forms(["Tashi"]))
    assert mask.occurrences("TĀSHÍ and tashi") == ["TĀSHÍ", "tashi"]


def test_empty_mask_leaves_text_as_it_is():
    text = "Tashi Dorje, e\u0301 not normalised"
    assert not NO_MASK
    assert NO_MASK.apply(text) == text
    assert NameMask([]).apply(text) == text
    assert NameMask(name_forms(["", "  "])).apply(text) == text


def test_text_without_a_name_is_left_exactly_as_written():
    # Not even normalised: the exports' two paths must give the same bytes.
    text = "Cafe\u0301 owner detained"
    assert masked(["Tashi"], text) == text


def test_short_latin_forms_are_not_masked():
    assert masked(["Li"], "Li said") == "Li said"


def test_pinyin_forms_come_from_the_chinese_name():
    forms = {form.casefold() for form in name_forms(["扎西多吉"])}
    assert {"zhaxi duoji", "zhaxiduoji", "zha xi duo ji"} <= forms


@pytest.mark.django_db
def test_case_mask_holds_every_variant_of_its_withheld_detainees_only():
    case = CaseFactory()
    withheld = PersonFactory(
        name="Lobsang Gyatso",
        names=[("བློ་བཟང་རྒྱ་མཚོ", LanguageTag.TIBETAN), ("洛桑嘉措", LanguageTag.CHINESE_SIMPLIFIED)],
        identity_withheld=True,
    )
    DetentionFactory(case=case, person=withheld)
    DetentionFactory(case=case, person=PersonFactory(name="Dolkar Tso"))
    other_case = CaseFactory()
    DetentionFactory(case=other_case, person=PersonFactory(name="Sonam Tsering"))

    mask = withheld_mask(case)
    text = "Lobsang Gyatso (བློ་བཟང་རྒྱ་མཚོ, 洛桑嘉措, Luosang Jiacuo) and Dolkar Tso"
    assert mask.apply(text) == f"{P} ({P}, {P}, {P}) and Dolkar Tso"
    assert withheld_masks([other_case.pk]) == {}
