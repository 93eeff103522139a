"""Partner and public files name no withheld person in their free text; internal ones do.

Asserted on the bytes of every format, on the row writer (any database) and on the
statement PostgreSQL writes (skipped elsewhere, as the other SQL export tests are).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.db import connection

from cases.exports import sql as sql_exports
from cases.exports.formats import stream
from cases.exports.profiles import PLACEHOLDER, Profile
from cases.exports.rows import CASE_COLUMNS, DETENTION_COLUMNS, case_rows, detention_rows
from cases.models import Case, CaseState, Confidentiality, Detention, LanguageTag, Recipient

from ..factories import CaseFactory, DetentionFactory, PersonFactory

pytestmark = pytest.mark.django_db

WITHHELD = "Lobsang Gyatso"
WITHHELD_TIBETAN = "བློ་བཟང་རྒྱ་མཚོ"
WITHHELD_CHINESE = "洛桑嘉措"
# Every spelling the free text below uses, and none of them may leave in an outward file.
NAME_FORMS = [
    WITHHELD,
    "LOBSANG GYATSO",
    "Lobsang\nGyatso",
    "Lóbsang Gyátso",
    WITHHELD_TIBETAN,
    WITHHELD_CHINESE,
    "Luosang Jiacuo",
]
SHOWN = "Dolkar Tso"  # not withheld: her name in the text stays
FORMATS = ["csv", "xlsx", "geojson", "jsonl"]
OUTWARD = [(Profile.PARTNER, Recipient.PARTNER), (Profile.PUBLIC, Recipient.PUBLIC)]


@pytest.fixture
def named_in_text(db):
    """A verified public case whose title, summary, narrative, alleged reason, authority and
    a fellow detainee's description name its withheld detainee in many spellings."""
    case = CaseFactory(
        title=f"Detention of {WITHHELD} and {SHOWN}",
        summary=f"LOBSANG GYATSO ({WITHHELD_TIBETAN}, {WITHHELD_CHINESE}) was taken at dawn.",
        narrative="Lóbsang Gyátso, known as Luosang Jiacuo, was held.",
        confidentiality=Confidentiality.PUBLIC,
    )
    withheld = PersonFactory(
        name=WITHHELD,
        names=[
            (WITHHELD_TIBETAN, LanguageTag.TIBETAN),
            (WITHHELD_CHINESE, LanguageTag.CHINESE_SIMPLIFIED),
        ],
        identity_withheld=True,
    )
    DetentionFactory(
        case=case,
        person=withheld,
        alleged_reason=f"Letters written by {WITHHELD_CHINESE}",
        authority_description="Police who came for Lobsang\nGyatso",
    )
    DetentionFactory(
        case=case,
        person=PersonFactory(name=SHOWN, description=f"Sister of {WITHHELD}"),
        alleged_reason="Sharing pictures on WeChat",
    )
    Case.objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)
    return case


def readable(content: bytes, fmt: str) -> str:
    """The text of a file as a reader sees it (an XLSX's sheet, with line breaks restored)."""
    if fmt != "xlsx":
        return content.decode("utf-8").replace("\\n", "\n")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/")]
        text = "".join(archive.read(name).decode("utf-8") for name in sheets)
    return text.replace("&#10;", "\n")


def python_file(kind: str, fmt: str, profile: Profile, recipient) -> bytes:
    if kind == "cases":
        rows = case_rows(Case.objects.all(), profile=profile)
        return b"".join(stream(fmt, rows, CASE_COLUMNS))
    rows = detention_rows(Detention.objects.all(), profile=profile, recipient=recipient)
    return b"".join(stream(fmt, rows, DETENTION_COLUMNS))


def database_file(fmt: str, profile: Profile, recipient) -> bytes:
    return b"".join(
        sql_exports.detention_stream(
            fmt, Detention.objects.all(), profile=profile, recipient=recipient
        )
    )


def assert_names_nobody_withheld(text: str) -> None:
    for form in NAME_FORMS:
        assert form not in text, form
    assert PLACEHOLDER in text
    assert SHOWN in text


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["cases", "detentions"])
def test_outward_files_name_no_withheld_person_in_free_text(named_in_text, kind, fmt):
    for profile, recipient in OUTWARD:
        assert_names_nobody_withheld(readable(python_file(kind, fmt, profile, recipient), fmt))


@pytest.mark.parametrize("kind", ["cases", "detentions"])
def test_internal_files_keep_the_names_in_free_text(named_in_text, kind):
    text = readable(python_file(kind, "jsonl", Profile.INTERNAL, None), "jsonl")
    assert WITHHELD in text
    assert WITHHELD_CHINESE in text
    assert PLACEHOLDER not in text


def test_detention_rows_mask_every_free_text_column(named_in_text):
    rows = list(
        detention_rows(Detention.objects.all(), profile=Profile.PARTNER, recipient=Recipient.UN)
    )
    withheld = next(row for row in rows if row["identity_withheld"] and row["alleged_reason"])
    assert withheld["case_title"] == f"Detention of {PLACEHOLDER} and {SHOWN}"
    assert withheld["alleged_reason"] == f"Letters written by {PLACEHOLDER}"
    assert withheld["authority"] == f"Police who came for {PLACEHOLDER}"
    sister = next(row for row in rows if row["alleged_reason"] == "Sharing pictures on WeChat")
    assert sister["description"] == ""  # no consent for her: nothing of hers is shown
    (case,) = case_rows(Case.objects.all(), profile=Profile.PUBLIC)
    assert case["summary"] == f"{PLACEHOLDER} ({PLACEHOLDER}, {PLACEHOLDER}) was taken at dawn."


sql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL export path is PostgreSQL's"
)


@sql_only
@pytest.mark.parametrize("fmt", FORMATS)
def test_database_written_outward_files_name_no_withheld_person(named_in_text, fmt):
    for profile, recipient in OUTWARD:
        assert_names_nobody_withheld(readable(database_file(fmt, profile, recipient), fmt))


@sql_only
def test_both_paths_write_the_same_masked_bytes(named_in_text):
    Detention.objects.filter(person__name=SHOWN).update(alleged_reason="Cafe\u0301 talk")
    for profile, recipient in [*OUTWARD, (Profile.PARTNER, Recipient.UN), (Profile.INTERNAL, None)]:
        python = python_file("detentions", "csv", profile, recipient)
        assert database_file("csv", profile, recipient) == python, profile


@sql_only
def test_database_written_internal_file_keeps_the_names(named_in_text):
    text = readable(database_file("jsonl", Profile.INTERNAL, None), "jsonl")
    assert WITHHELD in text
    assert "Lobsang\nGyatso" in text
