"""What a new user stumbled on: the export form's filters, the export job page's filters, who
last updated a case, and a history restore that needs confirming."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casebook.accounts.system import system_user
from cases.filters import CaseFilter, DetentionFilter
from cases.models import ExportJob, ExportJobState, VocabularyKey
from cases.services.organizations import organization_create
from tests.factories import CaseFactory, DetentionFactory, PlaceFactory, term

pytestmark = pytest.mark.django_db

NEW_EXPORT = reverse("cases:export-job-new")


# --- a. The export form's filters --------------------------------------------------------------


def test_export_form_labels_every_filter_in_words(client, monitor):
    client.force_login(monitor)
    page = client.get(NEW_EXPORT).content.decode()
    assert "[invalid name]" not in page
    assert "Place id" not in page
    assert "Public id" not in page
    assert "Term code" not in page
    for label in ("Detained", "Traditional region", "Detention status", "Detaining authority"):
        assert f">{label}<" in page


@pytest.mark.parametrize("kind", ["detentions", "cases"])
def test_export_form_picks_records_by_name(client, monitor, kind):
    county = PlaceFactory(name="Sog County")
    bureau = organization_create(
        acting_user=system_user(), name="Sog County Public Security Bureau", place=county
    )
    client.force_login(monitor)
    page = client.get(NEW_EXPORT, {"kind": kind}).content.decode()
    # Each option posts what the API takes: a place id, a term code, a public id.
    assert f'<option value="{county.pk}">Sog County</option>' in page
    assert (
        f'<option value="{bureau.public_id}">Sog County Public Security Bureau, Sog County' in page
    )
    assert '<option value="kham">Kham</option>' in page
    assert '<option value="inciting-separatism">Inciting separatism</option>' in page
    assert page.count('data-autocomplete="organizations"') == 2
    assert 'data-autocomplete="places"' in page
    assert 'data-autocomplete="terms"' in page


def test_the_api_keeps_its_technical_help_and_labels_are_translated():
    for filterset in (DetentionFilter, CaseFilter):
        filters = filterset.base_filters
        assert filters["place"].extra["help_text"].startswith("Place id")
        assert filters["authority"].extra["help_text"].startswith("Public id")
        assert filters["charge"].extra["help_text"].startswith("Term code")
        labels = {name: str(f.label) for name, f in filters.items()}
        assert all(labels.values()), labels
        assert "[invalid name]" not in labels.values()


def test_an_export_started_from_the_page_stores_the_apis_values(
    client, monitor, django_capture_on_commit_callbacks
):
    county = PlaceFactory(name="Sog County")
    bureau = organization_create(acting_user=system_user(), name="Sog PSB", place=county)
    client.force_login(monitor)
    response = client.post(
        NEW_EXPORT,
        {
            "kind": "detentions",
            "format": "csv",
            "profile": "internal",
            "place": str(county.pk),
            "region": ["kham"],
            "charge": ["inciting-separatism"],
            "authority": str(bureau.public_id),
        },
    )
    assert response.status_code == 302, response.content.decode()
    job = ExportJob.objects.get()
    assert job.filters == {
        "authority": str(bureau.public_id),
        "charge": "inciting-separatism",
        "place": str(county.pk),
        "region": "kham",
    }


# --- b. The export job page names what it filtered ----------------------------------------------


def test_export_job_page_shows_filters_by_label_and_name(client, monitor):
    tibet = PlaceFactory(name="Tibet", kind="region")
    county = PlaceFactory(name="Sog County", parent=tibet)
    bureau = organization_create(acting_user=system_user(), name="Sog PSB", place=county)
    job = ExportJob.objects.create(
        requested_by=monitor,
        kind="detentions",
        format="csv",
        profile="internal",
        state=ExportJobState.QUEUED,
        expires_at=timezone.now() + datetime.timedelta(hours=72),
        filters={
            "place": str(county.pk),
            "authority": str(bureau.public_id),
            "charge": ["inciting-separatism", "inciting-subversion"],
            "state": "verified",
            "occurred": "2014-03",
        },
    )
    client.force_login(monitor)
    page = client.get(reverse("cases:export-job-detail", args=[job.public_id])).content.decode()
    assert "Sog County › Tibet" in page
    assert "Place: " in page and f"place: {county.pk}" not in page
    assert 'Detaining authority: <span dir="auto">Sog PSB, Sog County</span>' in page
    charges = {
        term(VocabularyKey.CHARGE, c).label for c in ("inciting-separatism", "inciting-subversion")
    }
    assert all(label in page for label in charges)
    assert 'Verification state: <span dir="auto">verified' in page
    assert 'Case occurred: <span dir="auto">2014-03</span>' in page
    assert str(bureau.public_id) not in page


# --- c. "Last updated by" names who last changed the case ---------------------------------------


def _last_updated(client, case) -> str:
    page = client.get(reverse("cases:case-detail", args=[case.reference])).content.decode()
    start = page.index("Last updated</dt>")
    return page[start : page.index("</dd>", start)]


def test_last_updated_by_names_the_monitor_who_submitted(client, administrator, monitor):
    from cases.services.workflow import case_transition

    case = CaseFactory(acting_user=administrator, assigned_monitor=monitor)
    case_transition(acting_user=monitor, case=case, action="submit")
    case.refresh_from_db()
    assert case.updated_by == monitor
    client.force_login(monitor)
    assert "by monitor" in _last_updated(client, case)
    assert "administrator" not in _last_updated(client, case)


def test_last_updated_by_names_who_changed_a_detention(monitor, administrator):
    case = CaseFactory(acting_user=administrator, assigned_monitor=monitor)
    DetentionFactory(case=case, acting_user=monitor)
    case.refresh_from_db()
    assert case.updated_by == monitor


# --- d. A restore shows what will change and needs a confirming POST ----------------------------


@pytest.fixture
def edited_case(monitor):
    from cases.services.cases import case_update

    case = CaseFactory(title="Arrest of five", acting_user=monitor, assigned_monitor=monitor)
    original = case.history.latest()
    case_update(acting_user=monitor, case=case, changes={"title": "Arrest of six"})
    case.refresh_from_db()
    return case, original


def test_the_history_pages_restore_is_a_link_to_the_preview(client, monitor, edited_case):
    case, original = edited_case
    client.force_login(monitor)
    page = client.get(reverse("cases:case-history", args=[case.reference])).content.decode()
    restore_url = reverse("cases:case-restore", args=[case.reference])
    assert f'href="{restore_url}?history_id={original.history_id}"' in page
    assert f'action="{restore_url}' not in page
    preview = client.get(restore_url, {"history_id": original.history_id})
    assert preview.status_code == 200
    assert b"What the restore will change" in preview.content
    assert f'name="history_id" value="{original.history_id}"' in preview.content.decode()
    case.refresh_from_db()
    assert case.title == "Arrest of six"


def test_a_confirming_post_must_name_the_version_in_its_form(client, monitor, edited_case):
    case, original = edited_case
    client.force_login(monitor)
    restore_url = reverse("cases:case-restore", args=[case.reference])
    latest = case.history.order_by("-history_date", "-history_id").first().history_id
    answer = client.post(
        f"{restore_url}?history_id={original.history_id}",
        {"confirm": "restore", "version": case.version, "latest": latest},
    )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.title == "Arrest of six"
    answer = client.post(
        restore_url,
        {
            "history_id": original.history_id,
            "confirm": "restore",
            "version": case.version,
            "latest": latest,
        },
    )
    case.refresh_from_db()
    assert case.title == "Arrest of five"
