"""Exports from the list endpoints: every format, role and profile, read on the real bytes."""

from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from cases.exports.rows import DETENTION_COLUMNS
from cases.models import (
    CaseState,
    Confidentiality,
    ConsentDecision,
    LanguageTag,
    PlaceKind,
    Recipient,
    VocabularyKey,
)
from cases.models.person import Consent

from ..factories import DetentionFactory, PersonFactory, PlaceFactory, SourceFactory, cite, term
from .conftest import make_case, settle

pytestmark = pytest.mark.django_db

FORMATS = ("csv", "xlsx", "geojson", "jsonl")
PROFILES = ("public", "partner", "internal")
KINDS = ("cases", "detentions")
ALLOWED = {
    "monitor": set(PROFILES),
    "reviewer": set(PROFILES),
    "administrator": set(PROFILES),
    "advocate": {"public", "partner"},
    "outsider": set(),
}
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "jsonl": "application/jsonl",
}
FORMULA_NAME = '=HYPERLINK("http://x")'


def content_of(response) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def text_of(content: bytes, fmt: str) -> str:
    """Everything a reader of the file would see, as text."""
    if fmt == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in workbook
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return content.decode("utf-8")


def consent(person, *recipients: Recipient) -> None:
    for recipient in recipients:
        Consent.objects.create(
            person=person,
            recipient=recipient,
            decision=ConsentDecision.GRANTED,
            recorded_on=datetime.date(2014, 4, 1),
        )


@pytest.fixture
def world(db, restricted_case):
    """A verified public case with named, unnamed, withheld and dangerous people, a verified
    internal case, an unverified one, and (from the fixture) a restricted one."""
    county = PlaceFactory(
        name="Sog County",
        parent=PlaceFactory(name="Nagchu", kind=PlaceKind.PREFECTURE),
        latitude=Decimal("31.886"),
        longitude=Decimal("93.790"),
    )
    public = make_case(title="Arrest of monks at Drilda", place=county)
    named = PersonFactory(
        name="MARKER-PUBLIC-NAME Dolma",
        names=[("扎西", LanguageTag.CHINESE_SIMPLIFIED), ("བཀྲ་ཤིས", LanguageTag.TIBETAN)],
    )
    consent(named, Recipient.PUBLIC, Recipient.PARTNER)
    withheld = PersonFactory(name="MARKER-WITHHELD-NAME", identity_withheld=True)
    consent(withheld, Recipient.PUBLIC, Recipient.PARTNER, Recipient.UN)
    unconsented = PersonFactory(name="MARKER-NOCONSENT-NAME")
    consent(unconsented, Recipient.UN)
    secret = PersonFactory(
        name="Pema",
        contact_details="MARKER-SECRET-CONTACT",
        family_details="MARKER-SECRET-FAMILY",
        internal_notes="MARKER-SECRET-NOTES",
    )
    consent(secret, Recipient.PUBLIC)
    formula = PersonFactory(name=FORMULA_NAME)
    consent(formula, Recipient.PUBLIC, Recipient.PARTNER)
    for person in (named, withheld, unconsented, secret, formula):
        DetentionFactory(case=public, person=person, detained_on="2014-03-06")
    testimony = SourceFactory(
        title="Testimony",
        kind=term(VocabularyKey.SOURCE_KIND, "testimony"),
        originator="MARKER-SECRET-ORIGINATOR",
        how_obtained="MARKER-SECRET-HOW",
    )
    cite(testimony, case=public)
    settle(public)

    internal = make_case(title="MARKER-INTERNAL-TITLE", level=Confidentiality.INTERNAL)
    DetentionFactory(case=internal, person=PersonFactory(name="Internal person"))
    settle(internal)
    unverified = make_case(title="MARKER-UNVERIFIED-TITLE")
    DetentionFactory(case=unverified, person=PersonFactory(name="MARKER-UNVERIFIED-PERSON"))
    settle(unverified, CaseState.SUBMITTED)
    return {"public": public, "internal": internal, "restricted": restricted_case}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_every_export_holds_only_what_its_profile_allows(client_for, request, role, world):
    client = client_for(request.getfixturevalue(role))
    for kind in KINDS:
        for profile in PROFILES:
            for fmt in FORMATS:
                label = f"{role} {kind} {profile} {fmt}"
                response = client.get(f"/api/v1/{kind}/?format={fmt}&profile={profile}")
                if profile not in ALLOWED[role]:
                    assert response.status_code == 403, label
                    assert response["Content-Type"] == "application/json", label
                    assert "profile" in response.json()["detail"], label
                    continue
                assert response.status_code == 200, label
                text = text_of(content_of(response), fmt)
                check_export(text, role=role, kind=kind, profile=profile, world=world, label=label)


def check_export(text: str, *, role: str, kind: str, profile: str, world: dict, label: str):
    # Never, in any file.
    assert "MARKER-SECRET" not in text, label
    # A restricted case only for an administrator's internal file.
    shows_restricted = role == "administrator" and profile == "internal"
    assert (world["restricted"].reference in text) == shows_restricted, label
    assert ("MARKER-RESTRICTED-TITLE" in text) == shows_restricted, label
    # What the profile lets through.
    assert world["public"].reference in text, label
    assert ("MARKER-INTERNAL-TITLE" in text) == (profile != "public"), label
    assert ("MARKER-UNVERIFIED-TITLE" in text) == (profile == "internal"), label
    if kind == "detentions":
        outward = profile != "internal"
        assert ("MARKER-WITHHELD-NAME" in text) == (not outward), label
        assert ("MARKER-NOCONSENT-NAME" in text) == (not outward), label
        assert "MARKER-PUBLIC-NAME" in text, label
        assert ("[identity withheld]" in text) == outward, label


def test_partner_export_for_the_un_follows_un_consent(client_for, advocate, world):
    response = client_for(advocate).get(
        "/api/v1/detentions/?format=jsonl&profile=partner&recipient=un"
    )
    assert response.status_code == 200
    names = {json.loads(line)["name"] for line in content_of(response).decode().splitlines()}
    assert "MARKER-NOCONSENT-NAME" in names  # consented to the UN
    assert "MARKER-PUBLIC-NAME Dolma" not in names  # consented to partners, not the UN
    assert "MARKER-WITHHELD-NAME" not in names  # withheld whatever the consent


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("profile=internal", 403, "detail"),
        ("profile=everything", 400, "profile"),
        ("profile=public&recipient=un", 400, "recipient"),
        ("profile=partner&recipient=friends", 400, "recipient"),
        ("profile=public&bom=maybe", 400, "bom"),
    ],
)
def test_refused_export_requests_answer_in_json(client_for, advocate, query, status, field):
    response = client_for(advocate).get(f"/api/v1/detentions/?format=csv&{query}")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert field in response.json()


def test_accept_header_chooses_the_format_and_the_file_is_an_attachment(client_for, monitor, world):
    client = client_for(monitor)
    today = timezone.localdate().isoformat()
    for kind in KINDS:
        for fmt in FORMATS:
            response = client.get(f"/api/v1/{kind}/", HTTP_ACCEPT=MEDIA_TYPES[fmt])
            assert response.status_code == 200
            assert response["Content-Type"].startswith(MEDIA_TYPES[fmt])
            assert response["Content-Disposition"] == (
                f'attachment; filename="casebook-{kind}-{today}.{fmt}"'
            )
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["X-Casebook-Export-Profile"] == "public"
            assert "no-store" in response["Cache-Control"]
            assert world["public"].reference in text_of(content_of(response), fmt)


def test_unknown_format_is_404_and_json_stays_the_default(client_for, monitor, world):
    client = client_for(monitor)
    assert client.get("/api/v1/detentions/?format=pdf").status_code == 404
    response = client.get("/api/v1/detentions/", HTTP_ACCEPT="*/*")
    assert response["Content-Type"] == "application/json"
    assert not response.streaming


def test_detail_endpoints_do_not_export(client_for, monitor, world):
    url = f"/api/v1/cases/{world['public'].reference}/?format=csv"
    assert client_for(monitor).get(url).status_code == 404


def test_spreadsheet_formulas_are_neutralised_in_csv_and_xlsx(client_for, monitor, world):
    client = client_for(monitor)
    rows = list(
        csv.DictReader(
            io.StringIO(
                content_of(client.get("/api/v1/detentions/?format=csv&profile=internal")).decode()
            )
        )
    )
    assert "'" + FORMULA_NAME in {row["Name"] for row in rows}
    assert FORMULA_NAME not in {row["Name"] for row in rows}

    workbook = openpyxl.load_workbook(
        io.BytesIO(content_of(client.get("/api/v1/detentions/?format=xlsx&profile=internal")))
    )
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header == [column.label for column in DETENTION_COLUMNS]
    names = [row[header.index("Name")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'" + FORMULA_NAME in names
    assert not any(str(name).startswith("=") for name in names if name)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_geojson_is_a_feature_collection_of_lon_lat_points(client_for, advocate, world):
    response = client_for(advocate).get("/api/v1/cases/?format=geojson")
    collection = json.loads(content_of(response))
    assert collection["type"] == "FeatureCollection"
    (feature,) = collection["features"]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [93.79, 31.886]}
    assert feature["properties"]["reference"] == world["public"].reference
    assert feature["properties"]["people_detained"] == 5


def test_csv_keeps_tibetan_and_chinese_and_bom_is_optional(client_for, advocate, world):
    client = client_for(advocate)
    plain = content_of(client.get("/api/v1/detentions/?format=csv"))
    assert not plain.startswith(b"\xef\xbb\xbf")
    text = plain.decode("utf-8")
    assert "扎西" in text
    assert "བཀྲ་ཤིས" in text
    with_bom = content_of(client.get("/api/v1/detentions/?format=csv&bom=1"))
    assert with_bom.startswith(b"\xef\xbb\xbf")
    assert with_bom[3:] == plain


def test_exports_honour_the_list_filters(client_for, monitor, world):
    other = make_case(title="Arrest in 2016", occurred="2016-01")
    DetentionFactory(case=other, detained_on="2016-01-04")
    settle(other)
    client = client_for(monitor)
    lines = content_of(
        client.get("/api/v1/detentions/?format=jsonl&profile=internal&detained=2016")
    ).splitlines()
    assert {json.loads(line)["case_reference"] for line in lines} == {other.reference}
    cases = content_of(client.get("/api/v1/cases/?format=jsonl&profile=internal&q=MARKER-INTERNAL"))
    assert [json.loads(line)["reference"] for line in cases.splitlines()] == [
        world["internal"].reference
    ]


def test_read_only_token_may_export(token_client, advocate, world):
    response = token_client(advocate, read_only=True).get("/api/v1/detentions/?format=csv")
    assert response.status_code == 200
    assert world["public"].reference in content_of(response).decode()


def test_a_large_export_becomes_a_background_job(
    client_for, monitor, world, settings, django_capture_on_commit_callbacks
):
    from cases.models import ExportJob

    settings.EXPORT_SYNC_LIMIT = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(monitor).get("/api/v1/detentions/?format=csv&profile=internal")
    assert response.status_code == 202
    job = ExportJob.objects.get(public_id=response.json()["job"])
    assert response["Location"].endswith(f"/exports/{job.public_id}/")
    job.refresh_from_db()
    assert job.state == "done"
    assert job.progress == job.total > 1
