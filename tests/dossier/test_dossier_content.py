"""What a dossier says and what it keeps back, read from the bytes of the HTML and the text of
the PDF.

PDF rendering takes seconds, so one module-scoped fixture builds the case once and renders
every variant once (three PDFs in all); the tests only read the stored responses.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from casebook.accounts.roles import Role

from ..factories import UserFactory
from .builders import (
    ARREST_EXCERPT,
    CONSENTED_CHINESE,
    CONSENTED_NAME,
    CONSENTED_TIBETAN,
    DRILDA_HIERARCHY,
    INTERVENTION_RESPONSE,
    NEVER,
    RELATION,
    REVIEW_COMMENT,
    SENSITIVE,
    TESTIMONY_EXCERPT,
    UNCONSENTED_CHINESE,
    UNCONSENTED_NAME,
    WITHHELD_NAME,
    WITHHELD_TIBETAN,
    rich_verified_case,
)

# Marked django_db so that pytest-django runs these with the other database tests, before any
# transactional test flushes the roles and vocabularies the migrations seeded.
pytestmark = pytest.mark.django_db

REVIEWER_USERNAME = "pema-reviewer-x9"
REVIEWER_FULL_NAME = "Pema Reviewerson"

# (who, profile, recipient, format): the variants rendered once for the whole module.
VARIANTS = [
    ("monitor", "internal", "", "html"),
    ("monitor", "internal", "", "pdf"),
    ("advocate", "", "", "html"),  # the advocate's default: partner, for UN mechanisms
    ("advocate", "partner", "un", "pdf"),
    ("advocate", "partner", "partner", "html"),
    ("advocate", "partner", "media", "html"),
    ("advocate", "public", "", "html"),
]


@dataclass
class Rendered:
    status: int
    headers: dict[str, str]
    content: bytes

    @cached_property
    def text(self) -> str:
        """The HTML as text, or the text extracted from the PDF."""
        if self.content.startswith(b"%PDF"):
            reader = PdfReader(io.BytesIO(self.content))
            return "\n".join(page.extract_text() for page in reader.pages)
        return self.content.decode()

    @cached_property
    def flat(self) -> str:
        """The text with all whitespace removed: PDF extraction breaks lines, and splits
        Tibetan syllables with spaces where glyphs were positioned separately."""
        return "".join(self.text.split())

    @property
    def font_names(self) -> set[str]:
        reader = PdfReader(io.BytesIO(self.content))
        names = set()
        for page in reader.pages:
            fonts = page["/Resources"].get("/Font", {})
            for font in fonts.values():
                names.add(str(font.get_object()["/BaseFont"]))
        return names


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker):
    """Every variant of VARIANTS, rendered through the real views, then all data rolled back."""
    results: dict[tuple[str, str, str, str], Rendered] = {}
    with django_db_blocker.unblock(), transaction.atomic():
        users = {
            "monitor": UserFactory(username="monitor", roles=[Role.MONITOR]),
            "advocate": UserFactory(username="advocate", roles=[Role.ADVOCATE]),
        }
        reviewer = UserFactory(
            username=REVIEWER_USERNAME,
            first_name="Pema",
            last_name="Reviewerson",
            roles=[Role.REVIEWER],
        )
        rich = rich_verified_case(reviewer=reviewer)
        url = reverse("cases:case-dossier", args=[rich.case.reference])
        client = Client()
        for variant in VARIANTS:
            who, profile, recipient, output = variant
            client.force_login(users[who])
            params = {"format": output}
            if profile:
                params["profile"] = profile
            if recipient:
                params["recipient"] = recipient
            response = client.get(url, params)
            results[variant] = Rendered(
                response.status_code, dict(response.headers), response.content
            )
        results["case"] = rich.case  # type: ignore[assignment]
        transaction.set_rollback(True)
    return results


INTERNAL_HTML = ("monitor", "internal", "", "html")
INTERNAL_PDF = ("monitor", "internal", "", "pdf")
DEFAULT_HTML = ("advocate", "", "", "html")
UN_PDF = ("advocate", "partner", "un", "pdf")
PARTNER_HTML = ("advocate", "partner", "partner", "html")
MEDIA_HTML = ("advocate", "partner", "media", "html")
PUBLIC_HTML = ("advocate", "public", "", "html")
# Two PDFs in all (rendering is slow): the PDF is the same HTML, so the outward profiles are
# checked on their HTML and once on the text of an outward PDF.
OUTWARD = [DEFAULT_HTML, UN_PDF, PARTNER_HTML, MEDIA_HTML, PUBLIC_HTML]


def test_every_variant_renders(rendered):
    for variant in VARIANTS:
        assert rendered[variant].status == 200, variant


# --- The PDF --------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [INTERNAL_PDF, UN_PDF])
def test_pdf_is_an_attachment_named_after_the_case(rendered, variant):
    result = rendered[variant]
    reference = rendered["case"].reference
    assert result.content.startswith(b"%PDF")
    assert result.headers["Content-Type"] == "application/pdf"
    assert result.headers["Content-Disposition"] == (
        f'attachment; filename="{reference}-dossier.pdf"'
    )
    assert result.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in result.headers["Cache-Control"]


def test_pdf_holds_the_facts_of_the_case(rendered):
    case = rendered["case"]
    text = rendered[INTERNAL_PDF].text
    assert case.reference in text
    assert flat(case.title) in flat(text)
    assert "6 March 2014" in text
    assert flat(DRILDA_HIERARCHY) in flat(text)
    assert flat(ARREST_EXCERPT) in flat(text)
    assert flat(TESTIMONY_EXCERPT) in flat(text)
    assert "Kham" in text
    assert flat("Arbitrary detention") in flat(text)


def test_pdf_renders_tibetan_and_chinese_names(rendered):
    result = rendered[INTERNAL_PDF]
    # Chinese extracts as written.
    assert "索县" in result.text
    assert CONSENTED_CHINESE in result.text
    # Tibetan stacks are positioned glyph by glyph, so pypdf puts spaces inside syllables
    # ("སོ ག་རྫོ ང"); with whitespace removed the text is exact. The font check below is the
    # second line of defence: the glyphs come from a font that can shape Tibetan at all.
    assert CONSENTED_TIBETAN in result.flat
    assert "སོག་རྫོང" in result.flat
    fonts = result.font_names
    assert any("Tibetan" in name for name in fonts), fonts
    assert any("CJK" in name for name in fonts), fonts


def test_pdf_footer_carries_the_reference_and_page_numbers(rendered):
    result = rendered[INTERNAL_PDF]
    reader = PdfReader(io.BytesIO(result.content))
    pages = len(reader.pages)
    last = reader.pages[-1].extract_text()
    assert rendered["case"].reference in last
    assert f"{pages} / {pages}" in last


# --- Redaction ------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", OUTWARD)
def test_outward_dossier_omits_every_sensitive_field(rendered, variant):
    text = rendered[variant].text
    for marker in [*SENSITIVE, RELATION]:
        assert marker not in text, (variant, marker)


@pytest.mark.parametrize("variant", [INTERNAL_HTML, INTERNAL_PDF])
def test_internal_dossier_omits_contact_family_notes_and_originator(rendered, variant):
    text = rendered[variant].text
    for marker in NEVER:
        assert marker not in text, (variant, marker)


def test_internal_dossier_shows_originators_relation_and_every_name(rendered):
    text = rendered[INTERNAL_HTML].text
    assert RELATION in text
    assert INTERVENTION_RESPONSE in text
    for name in (CONSENTED_NAME, WITHHELD_NAME, WITHHELD_TIBETAN, UNCONSENTED_NAME):
        assert name in text


@pytest.mark.parametrize("variant", OUTWARD)
def test_withheld_identity_is_replaced_by_placeholder(rendered, variant):
    result = rendered[variant]
    assert WITHHELD_NAME not in result.text
    assert flat(WITHHELD_TIBETAN) not in result.flat
    assert "[identity withheld]" in result.text


@pytest.mark.parametrize("variant", OUTWARD)
def test_name_without_consent_is_never_shown(rendered, variant):
    result = rendered[variant]
    assert UNCONSENTED_NAME not in result.text
    assert UNCONSENTED_CHINESE not in result.text


@pytest.mark.parametrize("variant", [DEFAULT_HTML, UN_PDF])
def test_name_with_consent_for_un_is_shown_to_un(rendered, variant):
    result = rendered[variant]
    assert CONSENTED_NAME in result.text
    assert CONSENTED_CHINESE in result.text
    assert CONSENTED_TIBETAN in result.flat


@pytest.mark.parametrize("variant", [PARTNER_HTML, MEDIA_HTML, PUBLIC_HTML])
def test_name_with_consent_for_un_only_is_hidden_from_others(rendered, variant):
    result = rendered[variant]
    assert CONSENTED_NAME not in result.text
    assert CONSENTED_CHINESE not in result.text
    assert flat(CONSENTED_TIBETAN) not in result.flat


def test_html_holds_the_facts_with_places_and_names_in_their_scripts(rendered):
    html = rendered[INTERNAL_HTML].text
    assert "6 March 2014" in html
    assert "inferred" in html
    assert DRILDA_HIERARCHY in html
    assert '<span lang="bo" title="Tibetan (script)">སོག་རྫོང</span>' in html
    assert '<span lang="zh-Hans" title="Chinese (simplified)">索县</span>' in html
    assert f'<span lang="bo">{CONSENTED_TIBETAN}</span>' in html
    assert f'<span lang="zh-Hans">{CONSENTED_CHINESE}</span>' in html


def test_unknown_name_stays_name_unknown(rendered):
    # The five people of the demo case have no name: no placeholder, just "Name unknown".
    html = rendered[DEFAULT_HTML].text
    assert html.count("Name unknown") == 5
    # The withheld person and the one without consent; the person with consent for the UN is named.
    assert html.count("[identity withheld]</h3>") == 2


@pytest.mark.parametrize("variant", OUTWARD)
def test_outward_history_names_no_reviewer_and_quotes_no_comment(rendered, variant):
    text = rendered[variant].text
    assert flat("Verified by a reviewer on") in flat(text)
    assert REVIEWER_USERNAME not in text
    assert REVIEWER_FULL_NAME not in text
    assert REVIEW_COMMENT not in text
    assert INTERVENTION_RESPONSE not in text


def test_internal_history_names_the_reviewer_and_quotes_the_comment(rendered):
    text = rendered[INTERNAL_HTML].text
    assert REVIEWER_FULL_NAME in text
    assert REVIEW_COMMENT in text


def test_default_for_advocates_is_partner_for_un(rendered):
    html = rendered[DEFAULT_HTML].text
    assert "Confidential – prepared for UN mechanisms" in html
    assert "consent checked for UN mechanisms" in html


def test_html_dossier_is_inline_with_a_strict_policy(rendered):
    result = rendered[DEFAULT_HTML]
    assert result.headers["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in result.headers
    assert "default-src 'none'" in result.headers["Content-Security-Policy"]
    assert result.headers["X-Content-Type-Options"] == "nosniff"
