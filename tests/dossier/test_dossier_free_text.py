"""The UN-appeal dossier names nobody withheld: not as a person, and not in its free text."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from casebook.accounts.roles import Role
from cases.models import Case, Citation, Detention, DetentionEvent
from cases.queries import PLACEHOLDER

from ..factories import UserFactory
from .builders import CONSENTED_NAME, WITHHELD_NAME, WITHHELD_TIBETAN, rich_verified_case

pytestmark = pytest.mark.django_db

# Spellings of the withheld detainee's names that the free text below uses.
SPELLINGS = [WITHHELD_NAME, "LOBSANG GYATSO", "Lóbsang Gyátso", WITHHELD_TIBETAN]


@pytest.fixture
def named_case(db):
    """The rich dossier case, its free text naming the withheld detainee everywhere."""
    case = rich_verified_case(reviewer=UserFactory(roles=[Role.REVIEWER])).case
    Case.objects.filter(pk=case.pk).update(
        title=f"Arrest of {WITHHELD_NAME} and others",
        summary=f"LOBSANG GYATSO ({WITHHELD_TIBETAN}) and {CONSENTED_NAME} were arrested.",
        narrative="Lóbsang Gyátso was taken from his cell.",
    )
    DetentionEvent.objects.filter(detention__case=case).update(
        note=f"Formal arrest of {WITHHELD_NAME} reported by a relative."
    )
    Citation.objects.filter(detention__case=case).update(
        claim=f"{WITHHELD_NAME} was taken", excerpt=f"They took {WITHHELD_TIBETAN} away."
    )
    Detention.objects.filter(case=case).update(alleged_reason=f"Letters of {WITHHELD_NAME}")
    return case


def dossier(client, user, case, **params) -> bytes:
    client.force_login(user)
    response = client.get(reverse("cases:case-dossier", args=[case.reference]), params)
    assert response.status_code == 200
    return response.content


def test_un_appeal_dossier_names_nobody_withheld(client, named_case):
    advocate = UserFactory(roles=[Role.ADVOCATE])
    html = dossier(client, advocate, named_case, profile="partner", recipient="un").decode()
    for spelling in SPELLINGS:
        assert spelling not in html, spelling
    assert f"Arrest of {PLACEHOLDER} and others" in html
    assert f"Formal arrest of {PLACEHOLDER} reported by a relative." in html
    # Whom the UN may name (consent for UN mechanisms) is still named.
    assert CONSENTED_NAME in html


@pytest.mark.parametrize(("profile", "recipient"), [("partner", "partner"), ("public", "")])
def test_every_outward_dossier_names_nobody_withheld(client, named_case, profile, recipient):
    advocate = UserFactory(roles=[Role.ADVOCATE])
    params = {"profile": profile, **({"recipient": recipient} if recipient else {})}
    html = dossier(client, advocate, named_case, **params).decode()
    for spelling in SPELLINGS:
        assert spelling not in html, spelling
    assert PLACEHOLDER in html


def test_un_appeal_pdf_names_nobody_withheld(client, named_case):
    advocate = UserFactory(roles=[Role.ADVOCATE])
    content = dossier(client, advocate, named_case, profile="partner", recipient="un", format="pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    flat = "".join(text.split())
    for spelling in SPELLINGS:
        assert "".join(spelling.split()) not in flat, spelling
    assert "".join(PLACEHOLDER.split()) in flat


def test_internal_dossier_keeps_the_names_in_free_text(client, named_case):
    monitor = UserFactory(roles=[Role.MONITOR])
    html = dossier(client, monitor, named_case, profile="internal").decode()
    assert f"Arrest of {WITHHELD_NAME} and others" in html
    assert "Lóbsang Gyátso was taken" in html
