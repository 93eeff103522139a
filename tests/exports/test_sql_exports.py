"""On PostgreSQL the detention export is written by the database (cases.exports.sql).

Its output must be the output of the row-by-row writer (cases.exports.rows + formats) — the
same bytes for CSV, the same values for the other formats — for every profile and recipient,
over data that exercises every column and every redaction rule.
"""

from __future__ import annotations

import datetime
import io
import json
import time
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection

from casebook.accounts.system import system_user
from cases.exports import sql as sql_exports
from cases.exports.formats import stream
from cases.exports.profiles import Profile
from cases.exports.rows import DETENTION_COLUMNS, detention_rows
from cases.models import (
    Detention,
    LanguageTag,
    PlaceKind,
    Recipient,
    SentenceKind,
    VocabularyKey,
)
from cases.services.detentions import detention_add_event
from cases.services.organizations import organization_create
from cases.services.people import person_add_affiliation

from ..dossier.builders import rich_verified_case
from ..factories import (
    CaseFactory,
    DetentionFactory,
    PersonFactory,
    PlaceFactory,
    SourceFactory,
    UserFactory,
    cite,
    term,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the SQL export path is PostgreSQL's"
    ),
]

PROFILES = [
    (Profile.INTERNAL, None),
    (Profile.PARTNER, Recipient.PARTNER),
    (Profile.PARTNER, Recipient.UN),
    (Profile.PUBLIC, Recipient.PUBLIC),
]
TRICKY_TEXT = 'He said "no", then:\nwe were taken; 50% – <b>&amp;</b>'


def case_url(reference: str) -> str:
    return f"https://casebook.example.org/cases/{reference}/"


@pytest.fixture
def varied(db):
    """Every column filled in every way it can be: names in many scripts, withheld and
    consented people, groups, formula-like text, quotes and line breaks, places with and
    without coordinates up the path, sentences of every kind, events and citations."""
    from casebook.accounts.roles import Role

    rich_verified_case(reviewer=UserFactory(roles=[Role.REVIEWER]))
    region = term(VocabularyKey.TRADITIONAL_REGION, "kham")
    country = PlaceFactory(name="China", kind=PlaceKind.COUNTRY)
    prefecture = PlaceFactory(
        name="Kardze",
        kind=PlaceKind.PREFECTURE,
        parent=country,
        traditional_region=region,
        latitude=Decimal("30.000000"),
        longitude=Decimal("-101.960000"),
    )
    county = PlaceFactory(name="Serthar, “Larung”", parent=prefecture)
    nowhere = PlaceFactory(name="Unmapped township", kind=PlaceKind.TOWNSHIP)
    case = CaseFactory(title="=Raid on Larung Gar, 2016", place=county)
    other_case = CaseFactory(title="Unmapped", place=nowhere, occurred="2015?")
    court = organization_create(
        acting_user=system_user(), name="Kardze Intermediate People's Court"
    )
    monastery = organization_create(acting_user=system_user(), name="Larung Gar")
    prison = organization_create(acting_user=system_user(), name="-Mianyang Prison")

    many_names = PersonFactory(
        name="+Tenzin Dorje",
        names=[
            ("བསྟན་འཛིན་རྡོ་རྗེ", LanguageTag.TIBETAN),
            ("bstan 'dzin rdo rje", LanguageTag.TIBETAN_LATIN),
            ("Tenzin Dorjee", LanguageTag.TIBETAN_LATIN),
            ("丹增多杰", LanguageTag.CHINESE_SIMPLIFIED),
            ("丹增多傑", LanguageTag.CHINESE_TRADITIONAL),
            ("Danzeng Duojie", LanguageTag.PINYIN),
            ("Tenzin D.", LanguageTag.ENGLISH),
            ("تېنزىن", LanguageTag.UYGHUR),
            ("Tenzin (und)", LanguageTag.OTHER),
        ],
        description=TRICKY_TEXT,
    )
    person_add_affiliation(
        acting_user=system_user(),
        person=many_names,
        organization=monastery,
        role=term(VocabularyKey.AFFILIATION_ROLE, "monk"),
    )
    person_add_affiliation(acting_user=system_user(), person=many_names, organization=court)
    from cases.models.person import Consent

    Consent.objects.create(
        person=many_names,
        recipient=Recipient.PARTNER,
        decision="granted",
        recorded_on=datetime.date(2016, 8, 1),
    )
    Consent.objects.create(
        person=many_names,
        recipient=Recipient.PUBLIC,
        decision="refused",
        recorded_on=datetime.date(2016, 8, 1),
    )
    group = PersonFactory(name="", description="@three nuns", is_group=True, head_count=3)
    unknown = PersonFactory(name="")
    detained = DetentionFactory(
        case=case,
        person=many_names,
        detained_on="2016-07-20?",
        age_at_detention=34,
        age_is_approximate=True,
        detaining_authority=court,
        held_at=prison,
        alleged_reason=TRICKY_TEXT,
        charges=[
            term(VocabularyKey.CHARGE, "inciting-separatism"),
            term(VocabularyKey.CHARGE, "picking-quarrels"),
        ],
        detention_type=term(VocabularyKey.DETENTION_TYPE, "criminal"),
        sentence_kind=SentenceKind.TERM,
        sentence_years=7,
        sentence_months=6,
        sentence_start=datetime.date(2016, 7, 20),
        wgad_category="II",
    )
    detention_add_event(
        acting_user=system_user(),
        detention=detained,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "trial"),
        occurred="2016-11",
    )
    DetentionFactory(
        case=case,
        person=group,
        detained_on="[2016-07..2016-08]",
        age_at_detention=19,
        authority_description="\tunidentified plain-clothes officers",
        held_in_place=county,
        sentence_kind=SentenceKind.LIFE,
    )
    DetentionFactory(
        case=other_case,
        person=unknown,
        detained_on="",
        sentence_kind=SentenceKind.TERM,
        sentence_years=0,
    )
    DetentionFactory(case=other_case, person=many_names, sentence_kind=SentenceKind.UNKNOWN_TERM)
    event = detained.events.get()
    cite(SourceFactory(title="Trial report"), detention_event=event)
    cite(SourceFactory(title="Raid report"), detention=detained)
    cite(SourceFactory(title="Overview"), case=case)


def both(fmt: str, profile: Profile, recipient, **kwargs) -> tuple[bytes, bytes]:
    detentions = Detention.objects.all()
    rows = detention_rows(detentions, profile=profile, recipient=recipient, case_url=case_url)
    python = b"".join(stream(fmt, rows, DETENTION_COLUMNS, **kwargs))
    database = b"".join(
        sql_exports.detention_stream(
            fmt, detentions, profile=profile, recipient=recipient, case_url=case_url, **kwargs
        )
    )
    return python, database


# One test a format, each over every profile: building the data is the slow part.


def test_csv_is_byte_for_byte_the_row_writers(varied):
    for profile, recipient in PROFILES:
        python, database = both("csv", profile, recipient)
        assert database.count(b"\n") >= 8
        assert database == python, (profile, recipient)
    python, database = both("csv", Profile.INTERNAL, None, bom=True)
    assert database.startswith("\ufeff".encode())
    assert database == python


def test_json_lines_hold_the_same_values(varied):
    for profile, recipient in PROFILES:
        python, database = both("jsonl", profile, recipient)
        assert [json.loads(line) for line in database.splitlines()] == [
            json.loads(line) for line in python.splitlines()
        ], (profile, recipient)


def test_geojson_holds_the_same_features(varied):
    for profile, recipient in PROFILES:
        python, database = both("geojson", profile, recipient)
        features = json.loads(database)["features"]
        assert json.loads(database) == json.loads(python), (profile, recipient)
        assert {tuple(f["geometry"]["coordinates"]) for f in features if f["geometry"]} >= {
            (-101.96, 30.0)
        }
        assert any(feature["geometry"] is None for feature in features)


def sheet(content: bytes) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    (only,) = workbook.worksheets
    return [[None if value == "" else value for value in row] for row in only.values]


def test_xlsx_holds_the_same_cells(varied):
    for profile, recipient in PROFILES:
        python, database = both("xlsx", profile, recipient)
        assert sheet(database) == sheet(python), (profile, recipient)
    cells = sheet(database)
    header, first = cells[0], cells[1]
    assert header == [column.label for column in DETENTION_COLUMNS]
    dates = [value for row in cells[1:] for value in row if isinstance(value, datetime.datetime)]
    assert dates, "dates are date cells, not text"
    assert isinstance(first[header.index("Head count")], int)


def test_xlsx_drops_characters_a_spreadsheet_refuses(varied):
    Detention.objects.filter(alleged_reason=TRICKY_TEXT).update(
        alleged_reason="bell\x07 and escape\x1b gone"
    )
    content = b"".join(
        sql_exports.detention_stream("xlsx", Detention.objects.all(), profile=Profile.INTERNAL)
    )
    reasons = [row[30] for row in sheet(content)[1:]]
    assert "bell and escape gone" in reasons


def test_public_file_shows_a_placeholder_for_names_kept_back(varied):
    content = b"".join(
        sql_exports.detention_stream(
            "jsonl",
            Detention.objects.all(),
            profile=Profile.PUBLIC,
            recipient=Recipient.PUBLIC,
            case_url=case_url,
        )
    )
    rows = [json.loads(line) for line in content.splitlines()]
    text = content.decode()
    assert "Tenzin" not in text and "丹增" not in text
    assert all(row["case_url"] == "" and row["person_id"] == "" for row in rows)
    assert {row["name"] for row in rows} >= {"[identity withheld]", ""}


def test_one_statement_whatever_the_rows(varied, django_assert_num_queries):
    detentions = Detention.objects.all()
    with django_assert_num_queries(1):
        body = b"".join(sql_exports.detention_stream("csv", detentions, profile=Profile.INTERNAL))
    assert body.count(b"\n") > detentions.count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reader_that_goes_away_cancels_the_statement_and_the_connection_works_on():
    """A client that disconnects closes the stream: the COPY stops on the server at once
    instead of running to its end, and the connection serves the next request."""
    endless = "SELECT n, repeat('x', 10000) FROM generate_series(1, 10000000) AS n"
    body = sql_exports.copy_out(endless, [])
    assert next(body)
    started = time.monotonic()
    body.close()
    assert time.monotonic() - started < 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)


def test_an_error_in_the_statement_reaches_the_reader(db):
    with pytest.raises(Exception, match="division by zero"):
        b"".join(sql_exports.copy_out("SELECT 1 / (n - n) FROM generate_series(1, 3) AS n", []))
