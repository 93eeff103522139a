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


def _session_ended(client, user) -> None:
    """Signed in once; the session has since expired on the server, the cookie remains."""
    from django.contrib.sessions.models import Session

    client.force_login(user)
    Session.objects.all().delete()


def test_an_ended_session_keeps_the_text_until_the_next_login(client, monitor):
    _session_ended(client, monitor)
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


def test_an_ended_session_with_htmx_redirects_the_whole_page(client, monitor):
    _session_ended(client, monitor)
    answer = client.post(NEW_CASE, {"title": "x"}, headers={"HX-Request": "true"})
    assert answer["HX-Redirect"].startswith(reverse("login"))


def test_a_failed_login_keeps_nothing(client):
    client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    assert not StaleEdit.objects.exists()


def test_a_visitor_who_never_signed_in_fills_nothing(client, monitor):
    # No session cookie: nobody's text to keep, only the way to the login page.
    answer = client.post(NEW_CASE, {"title": "flood"})
    assert answer.status_code == 302 and not StaleEdit.objects.exists()
    # A browser whose session ended gets a bounded number of texts kept until someone signs in.
    from cases.kept_text import MAX_KEPT_PER_VISITOR

    _session_ended(client, monitor)
    for number in range(MAX_KEPT_PER_VISITOR + 5):
        client.post(NEW_CASE, {"title": f"text {number}"})
    assert StaleEdit.objects.count() == MAX_KEPT_PER_VISITOR


def test_the_api_keeps_nothing(client, monitor):
    _session_ended(client, monitor)
    answer = client.post("/api/v1/cases/", {"title": "x"})
    assert answer.status_code in (401, 403)
    assert not StaleEdit.objects.exists()


def test_kept_text_is_put_back_in_the_form_on_request(monitor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(monitor)
    client.post(NEW_CASE, {"title": "Five Tibetans detained in Sog", "summary": "On 6 March"})
    kept = StaleEdit.objects.get()
    page = client.get(NEW_CASE).content.decode()
    assert f'href="?restore={kept.pk}"' in page
    # Not in the title field until asked for: shown above the form only.
    assert 'name="title" value="Five Tibetans' not in page
    page = client.get(f"{NEW_CASE}?restore={kept.pk}").content.decode()
    assert 'value="Five Tibetans detained in Sog"' in page
    assert "It is back in the form below" in page
    # Another user's kept edit is never put in this user's form.
    from casebook.accounts.roles import Role
    from tests.factories import UserFactory

    other = Client()
    other.force_login(UserFactory(roles=[Role.MONITOR]))
    page = other.get(f"{NEW_CASE}?restore={kept.pk}").content.decode()
    assert "Five Tibetans" not in page
