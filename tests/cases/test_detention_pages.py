"""Changing and removing a detention from the case page, and the grouped cards of people
whose names are unknown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casebook.accounts.system import system_user
from cases.models import CaseState, Confidentiality, Detention, StaleEdit, VocabularyKey
from cases.services.detentions import detention_update

from ..factories import CaseFactory, DetentionFactory, PersonFactory, term

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def edit_url(detention) -> str:
    return reverse("cases:detention-edit", args=[detention.public_id])


def remove_url(detention) -> str:
    return reverse("cases:detention-remove", args=[detention.public_id])


def case_url(case) -> str:
    return reverse("cases:case-detail", args=[case.reference])


def page(response) -> str:
    return response.content.decode()


def edit_data(detention, **changes) -> dict:
    data = {
        "detention-version": str(detention.version),
        "detention-detained_on": detention.detained_on,
        "detention-authority_description": detention.authority_description,
        "detention-alleged_reason": detention.alleged_reason,
        "detention-whereabouts": detention.whereabouts,
        "detention-lawyer_access": detention.lawyer_access,
        "detention-family_access": detention.family_access,
    }
    data.update({f"detention-{name}": value for name, value in changes.items()})
    return data


def test_monitor_changes_a_detention(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    assert client.get(edit_url(detention)).status_code == 200
    charge = term(VocabularyKey.CHARGE, "inciting-separatism")
    data = edit_data(detention, alleged_reason="Shouting slogans", charges=[str(charge.pk)])
    response = client.post(edit_url(detention), data)
    assert response.status_code == 302
    assert response["Location"].endswith("#people")
    detention.refresh_from_db()
    assert detention.alleged_reason == "Shouting slogans"
    assert list(detention.charges.all()) == [charge]


def test_other_roles_may_not_change_or_remove(client, advocate, administrator, outsider):
    detention = DetentionFactory(case=CaseFactory(state=CaseState.VERIFIED))
    for user in (advocate, administrator, outsider):
        client.force_login(user)
        assert client.get(edit_url(detention)).status_code in (403, 404)
        assert client.post(edit_url(detention), edit_data(detention)).status_code in (403, 404)
        assert client.post(remove_url(detention)).status_code in (403, 404)
    assert Detention.objects.filter(pk=detention.pk).exists()


def test_anonymous_is_sent_to_login(client):
    detention = DetentionFactory()
    assert client.get(edit_url(detention)).status_code == 302
    assert client.post(remove_url(detention)).status_code == 302


def test_restricted_case_answers_404(client, monitor):
    detention = DetentionFactory(case=CaseFactory(confidentiality=Confidentiality.RESTRICTED))
    client.force_login(monitor)
    assert client.get(edit_url(detention)).status_code == 404
    assert client.get(remove_url(detention)).status_code == 404
    assert client.post(remove_url(detention)).status_code == 404


def test_bad_input_is_refused_and_keeps_the_text(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    data = edit_data(detention, detained_on="yesterday-ish", alleged_reason="Kept words")
    response = client.post(edit_url(detention), data)
    assert response.status_code == 400
    assert "Nothing was saved" in page(response) and "Kept words" in page(response)
    detention.refresh_from_db()
    assert detention.alleged_reason == ""


def test_stale_version_shows_the_conflict_page_and_keeps_the_text(client, monitor, monitor2):
    detention = DetentionFactory()
    data = edit_data(detention, alleged_reason="My account")
    detention_update(
        acting_user=monitor2, detention=detention, changes={"alleged_reason": "Their account"}
    )
    client.force_login(monitor)
    response = client.post(edit_url(detention), data)
    assert response.status_code == 409
    body = page(response)
    assert "My account" in body and "Their account" in body
    assert StaleEdit.objects.filter(user=monitor, record_id=detention.pk).exists()
    detention.refresh_from_db()
    assert detention.alleged_reason == "Their account"
    assert f'value="{detention.version}"' in body


def test_htmx_change_returns_the_people_section(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    assert "<html" not in page(client.get(edit_url(detention), **HTMX))
    response = client.post(edit_url(detention), edit_data(detention, alleged_reason="x"), **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#people"


def test_remove_asks_then_removes(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    confirm = client.get(remove_url(detention))
    assert confirm.status_code == 200 and "Remove the detention" in page(confirm)
    assert Detention.objects.filter(pk=detention.pk).exists()
    response = client.post(remove_url(detention))
    assert response.status_code == 302
    assert not Detention.objects.filter(pk=detention.pk).exists()
    assert detention.history.filter(history_type="-", history_user=monitor).exists()


def test_htmx_remove_returns_the_section(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    response = client.post(remove_url(detention), **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#people"


# --- The cards -----------------------------------------------------------------------------


def _unnamed(case, description="Tibetan arrested with the monks"):
    person = PersonFactory(name="", description=description)
    return DetentionFactory(case=case, person=person, authority_description="police")


def test_cards_carry_ids_and_editor_links(client, monitor, advocate):
    detention = DetentionFactory()
    client.force_login(monitor)
    body = page(client.get(case_url(detention.case)))
    assert f'id="detention-{detention.public_id}"' in body
    assert edit_url(detention) in body and remove_url(detention) in body
    assert reverse("cases:person-edit", args=[detention.person.public_id]) in body


def test_unnamed_people_described_and_detained_alike_share_one_card(client, monitor):
    case = CaseFactory()
    named = DetentionFactory(case=case)
    alike = [_unnamed(case) for _ in range(3)]
    different = _unnamed(case, description="a nun")
    client.force_login(monitor)
    body = page(client.get(case_url(case)))
    assert "3 people, names unknown" in body
    assert body.count('class="detention detention--group"') == 1
    for detention in [*alike, named, different]:
        assert f'id="detention-{detention.public_id}"' in body
        assert edit_url(detention) in body
    assert body.count('<article class="detention') == 3


def test_unnamed_people_detained_differently_keep_their_own_cards(client, monitor):
    case = CaseFactory()
    first = _unnamed(case)
    second = _unnamed(case)
    detention_update(
        acting_user=system_user(), detention=second, changes={"detained_on": "2014-04"}
    )
    client.force_login(monitor)
    body = page(client.get(case_url(case)))
    assert "names unknown" not in body
    assert f'<article class="detention" id="detention-{first.public_id}"' in body


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_grouped_cards_keep_the_page_cost_fixed(client, monitor):
    small, large = CaseFactory(), CaseFactory()
    _unnamed(small)
    for _number in range(5):
        _unnamed(large)
    _unnamed(large, description="a nun")
    DetentionFactory(case=large)
    client.force_login(monitor)
    assert _queries(client, case_url(small)) == _queries(client, case_url(large))
