"""A kept stale edit is listed to its owner until they mark it resolved; it is never deleted."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cases.models import Confidentiality, StaleEdit
from cases.services.history import stale_edit_keep, stale_edit_resolve

from ..factories import CaseFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("cases:stale-edits")


def keep(user, case, text: str) -> StaleEdit:
    return stale_edit_keep(acting_user=user, record=case, base_version=1, data={"title": text})


def resolve_url(edit: StaleEdit) -> str:
    return reverse("cases:stale-edit-resolve", args=[edit.pk])


def test_owner_resolves_a_kept_edit_and_it_stays_kept(monitor):
    edit = keep(monitor, CaseFactory(), "Arrest of five monks")
    resolved = stale_edit_resolve(acting_user=monitor, stale_edit=edit)
    assert resolved.resolved_by == monitor
    assert resolved.resolved_at is not None
    assert StaleEdit.objects.get(pk=edit.pk).data == {"title": "Arrest of five monks"}


def test_resolving_twice_keeps_the_first_resolution(monitor, administrator):
    edit = keep(monitor, CaseFactory(), "text")
    first = stale_edit_resolve(acting_user=monitor, stale_edit=edit).resolved_at
    again = stale_edit_resolve(acting_user=administrator, stale_edit=edit)
    assert (again.resolved_at, again.resolved_by) == (first, monitor)


def test_another_user_may_not_resolve_it(monitor, monitor2, reviewer):
    edit = keep(monitor, CaseFactory(), "text")
    for other in (monitor2, reviewer):
        with pytest.raises(PermissionDenied):
            stale_edit_resolve(acting_user=other, stale_edit=edit)
    assert StaleEdit.objects.get(pk=edit.pk).resolved_at is None


def test_an_administrator_may_resolve_it(monitor, administrator):
    edit = keep(monitor, CaseFactory(), "text")
    assert stale_edit_resolve(acting_user=administrator, stale_edit=edit).resolved_by == (
        administrator
    )


def test_page_lists_only_the_users_unresolved_edits(client, monitor, monitor2):
    case = CaseFactory(title="Arrest in Sog")
    open_edit = keep(monitor, case, "MARKER-OPEN my words")
    done = keep(monitor, case, "MARKER-DONE resolved words")
    stale_edit_resolve(acting_user=monitor, stale_edit=done)
    keep(monitor2, case, "MARKER-OTHER their words")
    client.force_login(monitor)
    page = client.get(LIST_URL).content.decode()
    assert "MARKER-OPEN my words" in page
    assert "MARKER-DONE" not in page
    assert "MARKER-OTHER" not in page
    assert case.reference in page
    assert resolve_url(open_edit) in page
    assert "csrfmiddlewaretoken" in page


def test_mark_resolved_is_a_plain_form_post(client, monitor):
    edit = keep(monitor, CaseFactory(), "MARKER-OPEN my words")
    client.force_login(monitor)
    response = client.post(resolve_url(edit))
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert "MARKER-OPEN" not in client.get(LIST_URL).content.decode()
    edit.refresh_from_db()
    assert edit.resolved_by == monitor


def test_resolving_needs_post(client, monitor):
    edit = keep(monitor, CaseFactory(), "text")
    client.force_login(monitor)
    assert client.get(resolve_url(edit)).status_code == 405
    edit.refresh_from_db()
    assert edit.resolved_at is None


def test_resolving_needs_the_csrf_token(monitor):
    from django.test import Client

    edit = keep(monitor, CaseFactory(), "text")
    client = Client(enforce_csrf_checks=True)
    client.force_login(monitor)
    assert client.post(resolve_url(edit)).status_code == 403
    edit.refresh_from_db()
    assert edit.resolved_at is None


def test_another_users_edit_answers_404_on_the_page(client, monitor, monitor2):
    edit = keep(monitor, CaseFactory(), "text")
    client.force_login(monitor2)
    assert client.post(resolve_url(edit)).status_code == 404
    edit.refresh_from_db()
    assert edit.resolved_at is None


def test_anonymous_visitor_is_sent_to_login(client):
    assert client.get(LIST_URL).status_code == 302


def test_a_case_the_user_may_no_longer_see_is_not_named(client, monitor):
    case = CaseFactory(title="MARKER-NOW-HIDDEN", confidentiality=Confidentiality.INTERNAL)
    keep(monitor, case, "my words")
    type(case).objects.filter(pk=case.pk).update(confidentiality=Confidentiality.RESTRICTED)
    client.force_login(monitor)
    page = client.get(LIST_URL).content.decode()
    assert "my words" in page
    assert case.reference not in page
    assert "MARKER-NOW-HIDDEN" not in page


def test_account_menu_links_to_kept_edits(client, monitor):
    client.force_login(monitor)
    assert LIST_URL in client.get(reverse("cases:notifications")).content.decode()
