"""Personal API tokens: stored as hashes, refused once expired or revoked, scoped, throttled,
issued by a command and managed on a page."""

from __future__ import annotations

import datetime
import hashlib
import io
import re

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from casebook.accounts.models import ApiToken
from casebook.accounts.tokens import token_issue
from cases.models import Case

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
TOKENS_PAGE = "/accounts/tokens/"


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_key_is_stored_only_as_its_hash(monitor):
    token, key = token_issue(user=monitor, name="stats script")
    assert key.startswith(f"cb_{token.prefix}_")
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    secret = key.rsplit("_", 1)[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in stored
    assert secret not in stored


def test_token_authenticates_as_its_user(monitor, demo_case):
    _token, key = token_issue(user=monitor, name="stats script")
    response = with_key(key).get(CASES)
    assert response.status_code == 200
    assert demo_case.reference in response.content.decode()
    token = ApiToken.objects.get()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Token cb_000000000000_nope", "Token", "Token a b", "Token cb_short_x", "Token ü"],
)
def test_unknown_or_malformed_token_is_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(CASES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_expired_token_is_401_but_a_current_one_works(monitor):
    _old, old_key = token_issue(user=monitor, name="old", expires_in_days=1)
    _new, new_key = token_issue(user=monitor, name="new", expires_in_days=1)
    ApiToken.objects.filter(name="old").update(expires_at=timezone.now() - datetime.timedelta(1))
    expired = with_key(old_key).get(CASES)
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
    assert with_key(new_key).get(CASES).status_code == 200


def test_revoked_token_is_401(monitor):
    token, key = token_issue(user=monitor, name="laptop")
    assert with_key(key).get(CASES).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    response = with_key(key).get(CASES)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_token_of_a_deactivated_user_is_401(monitor):
    _token, key = token_issue(user=monitor, name="laptop")
    monitor.is_active = False
    monitor.save(update_fields=["is_active"])
    assert with_key(key).get(CASES).status_code == 401


def test_read_only_token_reads_but_may_not_write(monitor):
    _ro, read_key = token_issue(user=monitor, name="reader", read_only=True)
    _rw, write_key = token_issue(user=monitor, name="writer")
    payload = {"title": "Arrest of a singer"}
    assert with_key(read_key).get(CASES).status_code == 200
    refused = with_key(read_key).post(CASES, payload, format="json")
    assert refused.status_code == 403
    assert "read-only" in refused.json()["detail"]
    assert not Case.objects.filter(title="Arrest of a singer").exists()
    assert with_key(write_key).post(CASES, payload, format="json").status_code == 201


def test_token_carries_its_users_role(advocate):
    _token, key = token_issue(user=advocate, name="advocate script")
    response = with_key(key).post(CASES, {"title": "x"}, format="json")
    assert response.status_code == 403


def test_requests_are_throttled_per_token(monitor, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "3/minute"},
    }
    cache.clear()
    try:
        _first, first_key = token_issue(user=monitor, name="busy")
        _second, second_key = token_issue(user=monitor, name="quiet")
        busy = with_key(first_key)
        assert [busy.get(CASES).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert "Retry-After" in busy.get(CASES)
        # Another token of the same user has its own allowance.
        assert with_key(second_key).get(CASES).status_code == 200
        # The browser session is not throttled by token.
        session = APIClient()
        session.force_login(monitor)
        assert all(session.get(CASES).status_code == 200 for _ in range(5))
    finally:
        cache.clear()


# --- The command -----------------------------------------------------------------------------


def test_issue_token_command_prints_a_working_key_once(monitor):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "issue_token",
        "monitor",
        "--read-only",
        "--expires",
        "30",
        "--name",
        "nightly export",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    assert re.fullmatch(r"cb_[0-9a-f]{12}_[-_A-Za-z0-9]{40,}", key)
    assert "cannot be shown again" in err.getvalue()
    token = ApiToken.objects.get(user=monitor)
    assert token.name == "nightly export"
    assert token.read_only
    assert token.expires_at - timezone.now() > datetime.timedelta(days=29)
    assert with_key(key).get(CASES).status_code == 200
    assert with_key(key).post(CASES, {"title": "x"}, format="json").status_code == 403


def test_issue_token_command_refuses_unknown_user_and_bad_expiry(monitor):
    with pytest.raises(CommandError, match="No user"):
        call_command("issue_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="between"):
        call_command(
            "issue_token", "monitor", "--expires", "0", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert not ApiToken.objects.exists()


# --- The page --------------------------------------------------------------------------------


def test_tokens_page_needs_a_login(client):
    response = client.get(TOKENS_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_tokens_page_creates_a_token_and_shows_the_key_once(client, monitor):
    client.force_login(monitor)
    page = client.get(TOKENS_PAGE)
    assert page.status_code == 200
    assert b"You have no API tokens" in page.content

    created = client.post(
        TOKENS_PAGE, {"name": "monthly statistics", "expires_in_days": "90", "read_only": "on"}
    )
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    html = created.content.decode()
    key = re.search(r'data-testid="new-token-key">(cb_[^<]+)<', html).group(1)
    token = ApiToken.objects.get(user=monitor)
    assert token.read_only and token.name == "monthly statistics"
    assert with_key(key).get(CASES).status_code == 200

    again = client.get(TOKENS_PAGE).content.decode()
    assert key not in again
    assert "monthly statistics" in again
    assert f"cb_{token.prefix}" in again


def test_tokens_page_rejects_a_nameless_token(client, monitor):
    client.force_login(monitor)
    response = client.post(TOKENS_PAGE, {"name": "", "expires_in_days": "90"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_user_revokes_own_token_but_not_someone_elses(client, monitor, monitor2):
    mine, key = token_issue(user=monitor, name="mine")
    theirs, their_key = token_issue(user=monitor2, name="theirs")
    client.force_login(monitor)
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert with_key(their_key).get(CASES).status_code == 200

    response = client.post(f"/accounts/tokens/{mine.pk}/revoke/")
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert with_key(key).get(CASES).status_code == 401
    assert "revoked" in client.get(TOKENS_PAGE).content.decode()


def test_tokens_page_lists_only_the_users_own_tokens(client, monitor, monitor2):
    token_issue(user=monitor2, name="someone else's script")
    client.force_login(monitor)
    assert "someone else" not in client.get(TOKENS_PAGE).content.decode()


def test_administrator_sees_and_revokes_tokens_in_the_admin(client, administrator, monitor):
    token, key = token_issue(user=monitor, name="lost laptop")
    client.force_login(administrator)
    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    assert "lost laptop" in listing.content.decode()
    assert token.key_hash not in listing.content.decode()
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert with_key(key).get(CASES).status_code == 401


def test_monitor_cannot_open_the_token_admin(client, monitor):
    client.force_login(monitor)
    assert client.get("/admin/accounts/apitoken/").status_code == 302
