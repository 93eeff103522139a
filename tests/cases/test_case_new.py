"""Monitors and reviewers open a case in the site; nobody else can, and bad input writes nothing."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseState, Confidentiality, Term

pytestmark = pytest.mark.django_db


def _post(client, **fields):
    data = {"title": "Five Tibetans arrested over WeChat", "confidentiality": "internal"}
    data.update(fields)
    return client.post("/cases/new/", {k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize("role", ["monitor", "reviewer"])
def test_an_editor_opens_a_case_and_lands_on_its_page(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    violation = Term.objects.filter(vocabulary__key="violation-type").first()
    response = _post(
        client,
        summary="Two monks of Drilda monastery among them.",
        narrative="Line one\r\nLine two",
        occurred="6 March 2014",
        violation_types=[violation.pk] if violation else None,
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.reference}/"
    assert case.reference.startswith("CB-2014-")
    assert (case.state, case.occurred, case.narrative) == (
        CaseState.DRAFT,
        "2014-03-06",
        "Line one\nLine two",
    )
    assert case.created_by == user
    if violation:
        assert list(case.violation_types.all()) == [violation]
    page = client.get(response["Location"]).content.decode()
    assert "is open as a draft" in page


def test_a_monitor_is_assigned_by_default(client, monitor):
    client.force_login(monitor)
    form = client.get("/cases/new/").content.decode()
    assert f'<option value="{monitor.pk}" selected>' in form


def test_a_restricted_case_stays_visible_to_the_monitor_who_opened_it(client, monitor):
    client.force_login(monitor)
    response = _post(client, confidentiality=Confidentiality.RESTRICTED)
    case = Case.objects.get()
    assert client.get(response["Location"]).status_code == 200
    assert case.confidentiality == Confidentiality.RESTRICTED


@pytest.mark.parametrize("role", ["advocate", "administrator", "outsider"])
def test_others_may_not_open_a_case(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/cases/new/").status_code == 403
    assert _post(client).status_code == 403
    assert not Case.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/cases/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert _post(client).status_code == 302
    assert not Case.objects.exists()


def test_bad_input_keeps_what_was_typed_names_the_field_and_writes_nothing(client, monitor):
    client.force_login(monitor)
    response = _post(
        client, title="", summary="Kept summary text", occurred="in the spring, probably"
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert not Case.objects.exists()
    assert "Kept summary text" in html and 'value="in the spring, probably"' in html
    assert 'href="#id_title"' in html and 'href="#id_occurred"' in html
    assert "not a date we can read" in html


def test_the_dashboard_and_the_case_list_offer_new_case_to_editors_only(client, monitor, advocate):
    client.force_login(monitor)
    for page in ("/", "/cases/"):
        assert 'href="/cases/new/"' in client.get(page).content.decode()
    client.force_login(advocate)
    for page in ("/", "/cases/"):
        assert 'href="/cases/new/"' not in client.get(page).content.decode()


def test_the_form_needs_the_csrf_token(monitor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(monitor)
    assert _post(client).status_code == 403
    assert not Case.objects.exists()
