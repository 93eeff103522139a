"""The PDF machinery on its own: no remote fetches, and a clear answer when WeasyPrint is
missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.urls import reverse

from cases.exports import dossier as dossier_module
from cases.models import CaseState, Confidentiality

from ..factories import CaseFactory


@pytest.fixture(scope="module")
def fetcher():
    weasyprint = pytest.importorskip("weasyprint")  # imports weasyprint.urls too
    root = dossier_module._static_root()
    return root, dossier_module._local_fetcher(weasyprint, root)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/tracker.png",
        "http://127.0.0.1:8000/static/css/dossier.css",
        "ftp://example.org/file.css",
        "data:text/css,body{}",
        "file://attacker.example/share/dossier.css",
    ],
)
def test_fetcher_refuses_anything_but_local_files(fetcher, url):
    _root, fetch = fetcher
    with pytest.raises(ValueError):
        fetch(url)


def test_fetcher_refuses_local_files_outside_static(fetcher):
    root, fetch = fetcher
    with pytest.raises(ValueError):
        fetch(Path("/etc/passwd").as_uri())
    with pytest.raises(ValueError):
        fetch(root.as_uri() + "/../casebook/settings.py")


def test_fetcher_reads_the_dossier_stylesheet(fetcher):
    root, fetch = fetcher
    response = fetch((root / "css" / "dossier.css").as_uri())
    assert b"@page" in response.read()
    response.close()


@pytest.mark.django_db
def test_missing_weasyprint_answers_503_and_html_still_works(client, monitor, monkeypatch):
    case = CaseFactory(state=CaseState.VERIFIED, confidentiality=Confidentiality.PUBLIC)
    # A None entry in sys.modules makes `import weasyprint` raise ImportError.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    client.force_login(monitor)
    url = reverse("cases:case-dossier", args=[case.reference])
    response = client.get(url, {"format": "pdf"})
    assert response.status_code == 503
    assert b"WeasyPrint" in response.content
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_dossier_never_decrypts_a_sensitive_field(client, monitor, monkeypatch):
    """The encrypted fields are deferred in every dossier query: not shown, not even read."""
    from encrypted_fields.fields import EncryptedFieldMixin

    from cases.models import VocabularyKey

    from ..factories import DetentionFactory, PersonFactory, SourceFactory, cite, term

    person = PersonFactory(contact_details="secret", family_details="secret", internal_notes="x")
    detention = DetentionFactory(person=person)
    testimony = SourceFactory(
        kind=term(VocabularyKey.SOURCE_KIND, "testimony"), originator="a", how_obtained="b"
    )
    cite(testimony, detention=detention, excerpt="Seen at the county police station.")

    def refuse(*args, **kwargs):
        raise AssertionError("an encrypted field was read")

    monkeypatch.setattr(EncryptedFieldMixin, "from_db_value", refuse)
    client.force_login(monitor)
    url = reverse("cases:case-dossier", args=[detention.case.reference])
    response = client.get(url)  # internal: the profile that shows the most
    assert response.status_code == 200
    assert b"Seen at the county police station." in response.content
