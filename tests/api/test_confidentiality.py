"""A restricted case leaks through nothing: no list, detail, related record, count or export
shows it to a user without a grant, while the granted user and administrators see it."""

from __future__ import annotations

import io

import openpyxl
import pytest

from cases.models import Detention, Person, Source
from cases.services.workflow import access_grant

from ..factories import DetentionFactory, PersonFactory, SourceFactory, cite
from .conftest import make_case

pytestmark = pytest.mark.django_db

MARKERS = (
    "MARKER-RESTRICTED-TITLE",
    "MARKER-RESTRICTED-PERSON",
    "MARKER-RESTRICTED-SOURCE",
    "MARKER-RESTRICTED-CLAIM",
)

LISTS = [
    "/api/v1/cases/",
    "/api/v1/detentions/",
    "/api/v1/people/",
    "/api/v1/sources/",
    "/api/v1/citations/",
    "/api/v1/interventions/",
    "/api/v1/stats/",
    "/api/v1/cases/?q=MARKER",
    "/api/v1/detentions/?q=MARKER",
]
EXPORTS = [
    f"/api/v1/{kind}/?format={fmt}&profile={profile}"
    for kind in ("cases", "detentions")
    for fmt in ("csv", "jsonl", "geojson", "xlsx")
    for profile in ("internal", "partner", "public")
]


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in workbook
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return content.decode("utf-8")


def detail_urls(case) -> list[str]:
    detention = Detention.objects.get(case=case)
    person = Person.objects.get(name__startswith="MARKER-RESTRICTED-PERSON")
    source = Source.objects.get(title__startswith="MARKER-RESTRICTED-SOURCE")
    citation = source.citations.get()
    return [
        f"/api/v1/cases/{case.reference}/",
        f"/api/v1/cases/{case.reference}/transitions/",
        f"/api/v1/detentions/{detention.public_id}/",
        f"/api/v1/people/{person.public_id}/",
        f"/api/v1/sources/{source.public_id}/",
        f"/api/v1/citations/{citation.pk}/",
    ]


def assert_absent(text: str, case) -> None:
    assert case.reference not in text
    for marker in MARKERS:
        assert marker not in text


@pytest.mark.parametrize("role", ["monitor", "reviewer", "advocate"])
def test_restricted_case_is_absent_everywhere_without_a_grant(
    client_for, request, role, restricted_case, demo_case
):
    client = client_for(request.getfixturevalue(role))
    for url in LISTS + EXPORTS:
        response = client.get(url)
        assert response.status_code in {200, 403}, url
        assert_absent(body_text(response), restricted_case)
    for url in detail_urls(restricted_case):
        response = client.get(url)
        assert response.status_code == 404, url
        assert_absent(body_text(response), restricted_case)


def test_stats_do_not_count_a_restricted_case(client_for, monitor, restricted_case):
    assert client_for(monitor).get("/api/v1/stats/").json()["total"] == 0


def test_granted_monitor_and_administrator_see_the_restricted_case(
    client_for, monitor, administrator, restricted_case
):
    access_grant(acting_user=administrator, case=restricted_case, user=monitor)
    for user in (monitor, administrator):
        client = client_for(user)
        listed = client.get("/api/v1/cases/").content.decode()
        assert restricted_case.reference in listed
        for url in detail_urls(restricted_case):
            assert client.get(url).status_code == 200, url
        assert client.get("/api/v1/stats/").json()["total"] == 1
        exported = body_text(client.get("/api/v1/detentions/?format=csv&profile=internal"))
        assert "MARKER-RESTRICTED-PERSON" in exported


def test_person_in_a_hidden_case_keeps_the_hidden_detention_and_citations_out(client_for, monitor):
    """A person detained in a visible and a hidden case: the visible one shows, the hidden one
    and anything cited on the person (which may speak of the hidden case) do not."""
    person = PersonFactory(name="Shared Ngawang")
    visible = make_case(title="Visible detention of Ngawang")
    hidden = make_case(title="MARKER-RESTRICTED-TITLE", level="restricted")
    DetentionFactory(case=visible, person=person)
    DetentionFactory(case=hidden, person=person)
    source = SourceFactory(title="MARKER-RESTRICTED-SOURCE about the person")
    cite(source, person=person, claim="MARKER-RESTRICTED-CLAIM arrested again")
    client = client_for(monitor)
    detail = client.get(f"/api/v1/people/{person.public_id}/")
    assert detail.status_code == 200
    assert [row["case"] for row in detail.json()["detentions"]] == [visible.reference]
    for url in ["/api/v1/sources/", "/api/v1/citations/", f"/api/v1/people/{person.public_id}/"]:
        assert_absent(client.get(url).content.decode(), hidden)
    assert client.get(f"/api/v1/sources/{source.public_id}/").status_code == 404


def test_source_cited_on_both_shows_only_the_visible_citation(client_for, monitor, restricted_case):
    visible = make_case(title="Visible detention")
    source = Source.objects.get(title__startswith="MARKER-RESTRICTED-SOURCE")
    cite(source, case=visible, claim="visible claim")
    body = client_for(monitor).get(f"/api/v1/sources/{source.public_id}/").json()
    assert [citation["case"] for citation in body["citations"]] == [visible.reference]
    assert "MARKER-RESTRICTED-CLAIM" not in str(body)


def test_repeated_upstream_source_is_named_only_if_visible(client_for, monitor, restricted_case):
    upstream = Source.objects.get(title__startswith="MARKER-RESTRICTED-SOURCE")
    downstream = SourceFactory(title="Repeats the hidden testimony", repeats=upstream)
    cite(downstream, case=make_case(title="Visible"))
    body = client_for(monitor).get(f"/api/v1/sources/{downstream.public_id}/").json()
    assert body["repeats"] is None
