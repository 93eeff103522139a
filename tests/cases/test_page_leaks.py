"""What an advocate reads on the HTML pages is what the API shows them: a person whose identity
is withheld appears as the placeholder, and their names — in Tibetan script, Chinese,
Wylie, pinyin and English — stand nowhere, not in the title, the summary, the narrative, an
event note, a citation excerpt or an intervention; a restricted case they were not granted
answers 404 on every page. Asserted on the bytes of every page an advocate can open.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Case,
    CaseState,
    Confidentiality,
    ExportJob,
    ExportJobState,
    LanguageTag,
    Notification,
    VocabularyKey,
)
from cases.queries import PLACEHOLDER
from cases.redaction import name_forms
from cases.services.detentions import detention_add_event
from cases.services.interventions import intervention_create
from cases.services.workflow import case_transition

from ..factories import (
    CaseFactory,
    DetentionFactory,
    PersonFactory,
    SourceFactory,
    cite,
    term,
)

pytestmark = pytest.mark.django_db

ENGLISH = "Tashi Dorje"
TIBETAN = "བཀྲ་ཤིས་རྡོ་རྗེ"
CHINESE = "扎西多吉"
WYLIE = "bkra shis rdo rje"
PINYIN = "Zhaxi Duoji"
NAMES = (ENGLISH, TIBETAN, CHINESE, WYLIE, PINYIN)
# Identifying, though no name: the API leaves it out of a withheld person.
DESCRIPTION = "chant master of Drilda, the one with a scar on his left hand"


def verify(case: Case, monitor, reviewer) -> Case:
    """Through the workflow, as on the pages: the monitor submits, a reviewer verifies."""
    case = Case.objects.get(pk=case.pk)
    case_transition(acting_user=monitor, case=case, action="submit")
    case = Case.objects.get(pk=case.pk)
    case_transition(acting_user=reviewer, case=case, action="verify", version=case.version)
    return Case.objects.get(pk=case.pk)


def corroborate(case: Case, **excerpts: str) -> None:
    cite(SourceFactory(outlet="Radio Free Asia"), case=case, excerpt=excerpts.get("first", ""))
    cite(SourceFactory(outlet="Tibet Watch"), case=case, excerpt=excerpts.get("second", ""))


@pytest.fixture
def withheld(monitor, reviewer, advocate):
    """A verified public case whose free text names a withheld person in every script."""
    person = PersonFactory(
        name=ENGLISH,
        description=DESCRIPTION,
        identity_withheld=True,
        birth_date="1987-04-12",
        names=[
            (TIBETAN, LanguageTag.TIBETAN),
            (CHINESE, LanguageTag.CHINESE_SIMPLIFIED),
            (WYLIE, LanguageTag.TIBETAN_LATIN),
            (PINYIN, LanguageTag.PINYIN),
        ],
    )
    case = CaseFactory(
        acting_user=monitor,
        title=f"Detention of {ENGLISH} at Drilda",
        summary=f"{TIBETAN}་ was taken from the assembly hall.",
        narrative=f"据报道，{CHINESE}于三月被带走。",
        confidentiality=Confidentiality.PUBLIC,
    )
    detention = DetentionFactory(case=case, person=person)
    detention_add_event(
        acting_user=monitor,
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "trial"),
        occurred="2014-05",
        note=f"{PINYIN} was tried in Nagchu.",
    )
    corroborate(case, first=f"{WYLIE}, a monk, was seen in custody.", second=f"Said {ENGLISH}.")
    cite(SourceFactory(outlet="Phayul"), detention=detention, excerpt=f"Relatives of {PINYIN}.")
    intervention_create(
        acting_user=advocate,
        case=case,
        kind=term(VocabularyKey.INTERVENTION_KIND, "un-urgent-appeal"),
        sent_on=datetime.date(2014, 6, 2),
        response=f"The authorities deny holding {ENGLISH}.",
    )
    case = verify(case, monitor, reviewer)
    Notification.objects.create(
        user=advocate,
        case=case,
        transition=case.transitions.last(),
        message=f"{case.reference}: reviewer – verify (now verified)",
    )
    now = timezone.now()
    job = ExportJob.objects.create(
        requested_by=advocate,
        kind="detentions",
        format="csv",
        profile="partner",
        state=ExportJobState.DONE,
        progress=1,
        total=1,
        started_at=now,
        finished_at=now,
        expires_at=now + datetime.timedelta(hours=24),
        manifest={"files": [{"name": "export.csv", "sha256": "ab" * 32}]},
    )
    return {"case": case, "person": person, "job": job}


@pytest.fixture
def restricted(monitor, reviewer, administrator):
    """A verified restricted case nobody in the cast was granted, with a person of its own."""
    person = PersonFactory(name="Lhamo Tsering", description="nun of the hidden nunnery")
    case = CaseFactory(
        acting_user=monitor,
        title="Arrest at the hidden nunnery",
        confidentiality=Confidentiality.RESTRICTED,
    )
    DetentionFactory(case=case, person=person)
    corroborate(case)
    # The creator is granted a restricted case; the reviewer needs a grant to verify it.
    from cases.services.workflow import access_grant

    access_grant(acting_user=administrator, case=case, user=reviewer)
    return {"case": verify(case, monitor, reviewer), "person": person}


def every_form() -> set[str]:
    return {form.casefold() for form in name_forms([*NAMES])}


def pages_of(withheld) -> dict[str, str]:
    case, person, job = withheld["case"], withheld["person"], withheld["job"]
    return {
        "case list": reverse("cases:case-list"),
        "case page": reverse("cases:case-detail", args=[case.reference]),
        "case history": reverse("cases:case-history", args=[case.reference]),
        "person history": reverse("cases:person-history", args=[person.public_id]),
        "notifications": reverse("cases:notifications"),
        "export jobs": reverse("cases:export-job-list"),
        "export job": reverse("cases:export-job-detail", args=[job.public_id]),
        "dossier": reverse("cases:case-dossier", args=[case.reference]),
    }


# The pages that show the person or the case's text, and so must show the placeholder.
SHOWS_THE_PERSON = ("case list", "case page", "case history", "person history", "dossier")


def test_the_names_are_on_the_monitors_pages(client, monitor, withheld):
    """The advocate's test below would pass on an empty page: here the same pages name him."""
    client.force_login(monitor)
    urls = pages_of(withheld)
    page = client.get(urls["case page"]).content.decode()
    for name in NAMES:
        assert name in page
    assert DESCRIPTION in page
    assert ENGLISH in client.get(urls["person history"]).content.decode()


@pytest.mark.parametrize(
    "page", ["case list", "case page", "case history", "person history", "notifications"]
)
def test_advocate_page_is_free_of_every_name_form(client, advocate, withheld, page):
    client.force_login(advocate)
    response = client.get(pages_of(withheld)[page])
    assert response.status_code == 200
    body = response.content.decode()
    folded = body.casefold()
    for form in every_form():
        assert form not in folded, f"{form!r} stands on the {page}"
    assert DESCRIPTION not in body
    assert "1987" not in body
    if page in SHOWS_THE_PERSON:
        assert PLACEHOLDER in body


@pytest.mark.parametrize("page", ["export jobs", "export job"])
def test_advocate_export_pages_are_free_of_every_name_form(client, advocate, withheld, page):
    client.force_login(advocate)
    response = client.get(pages_of(withheld)[page])
    assert response.status_code == 200
    folded = response.content.decode().casefold()
    for form in every_form():
        assert form not in folded, f"{form!r} stands on the {page}"


def test_advocate_dossier_is_free_of_every_name_form(client, advocate, withheld):
    client.force_login(advocate)
    response = client.get(pages_of(withheld)["dossier"])
    assert response.status_code == 200
    body = response.content.decode()
    folded = body.casefold()
    for form in every_form():
        assert form not in folded, f"{form!r} stands in the dossier"
    assert DESCRIPTION not in body
    assert PLACEHOLDER in body


def test_advocate_case_page_shows_the_texts_with_the_placeholder(client, advocate, withheld):
    client.force_login(advocate)
    body = client.get(pages_of(withheld)["case page"]).content.decode()
    assert f"Detention of {PLACEHOLDER} at Drilda" in body
    assert f"{PLACEHOLDER} was tried in Nagchu." in body
    assert f"The authorities deny holding {PLACEHOLDER}." in body
    assert "被带走" in body, "the Chinese sentence stays, without the name"
    assert "assembly hall" in body


def test_advocate_case_list_masks_titles_but_a_monitor_reads_them(
    client, advocate, monitor, withheld
):
    client.force_login(advocate)
    assert f"Detention of {PLACEHOLDER} at Drilda" in client.get("/").content.decode()
    client.force_login(monitor)
    assert f"Detention of {ENGLISH} at Drilda" in client.get("/").content.decode()


def test_restricted_case_answers_404_on_every_page(client, advocate, withheld, restricted):
    client.force_login(advocate)
    case, person = restricted["case"], restricted["person"]
    for url in (
        reverse("cases:case-detail", args=[case.reference]),
        reverse("cases:case-history", args=[case.reference]),
        reverse("cases:person-history", args=[person.public_id]),
        reverse("cases:case-dossier", args=[case.reference]),
        reverse("cases:case-dossier", args=[case.reference]) + "?format=pdf",
        reverse("cases:dossier-selection") + f"?cases={case.reference}",
    ):
        assert client.get(url).status_code == 404, url
    for name, url in pages_of(withheld).items():
        body = client.get(url).content.decode()
        for marker in (case.reference, case.title, person.name, person.description):
            assert marker not in body, f"{marker!r} leaked through the {name}"


def withheld_case(number: int) -> Case:
    person = PersonFactory(
        name=f"Withheld {number}",
        identity_withheld=True,
        names=[(f"{TIBETAN} {number}", LanguageTag.TIBETAN)],
    )
    case = CaseFactory(title=f"Detention of Withheld {number}", state=CaseState.VERIFIED)
    DetentionFactory(case=case, person=person)
    Case.objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)
    return case


def queries_of(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_masking_the_case_list_costs_the_same_with_1_and_5_withheld_cases(client, advocate):
    client.force_login(advocate)
    withheld_case(0)
    client.get("/")  # per-process caches: content types, translations
    one, _page = queries_of(client, "/")
    for number in range(1, 5):
        withheld_case(number)
    five, page = queries_of(client, "/")
    assert five == one
    assert page.count(f"Detention of {PLACEHOLDER}") == 5
