"""Typed text survives a session that ended or a form that expired."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import StaleEdit
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_CASE = reverse("cases:case-new")


def test_a_csrf_failure_keeps_the_text_and_shows_it(monitor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(monitor)
    answer = client.post(
        NEW_CASE, {"title": "Arrest <b>of</b> monks", "password": "hunter2", "api_token": "x"}
    )
    assert answer.status_code == 403
    page = answer.content.decode()
    assert "The form had expired" in page
    assert "Arrest &lt;b&gt;of&lt;/b&gt; monks" in page
    assert "hunter2" not in page
    assert f'href="{NEW_CASE}"' in page
    kept = StaleEdit.objects.get()
    assert (kept.user, kept.path, kept.reason) == (monitor, NEW_CASE, "csrf")
    assert kept.data == {"title": "Arrest <b>of</b> monks"}
    # Offered back on the form, and listed under Kept edits.
    assert "Arrest &lt;b&gt;of&lt;/b&gt; monks" in client.get(NEW_CASE).content.decode()
    assert NEW_CASE in client.get(reverse("cases:stale-edits")).content.decode()


def test_an_ended_session_keeps_the_text_until_the_next_login(client, monitor):
    answer = client.post(NEW_CASE, {"title": "Detention of nuns"})
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("login"))
    kept = StaleEdit.objects.get()
    assert kept.user is None and kept.anonymous_key
    assert "Detention of nuns" not in str(dict(client.session))
    answer = client.post(
        reverse("login"), {"username": "monitor", "password": PASSWORD}, follow=True
    )
    kept.refresh_from_db()
    assert kept.user == monitor and kept.reason == "expired"
    assert "What you typed before your session ended is kept" in answer.content.decode()


def test_an_ended_session_with_htmx_redirects_the_whole_page(client):
    answer = client.post(NEW_CASE, {"title": "x"}, headers={"HX-Request": "true"})
    assert answer["HX-Redirect"].startswith(reverse("login"))


def test_login_and_the_api_are_not_affected(client):
    client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    assert not StaleEdit.objects.exists()
