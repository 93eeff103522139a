"""Accounts in the history chain: every change of who may do what is recorded and chained.

An account's rights live outside the versioned case records: group memberships, direct
permissions, the superuser, staff and active flags, the password, API tokens. Someone who can
write to the database could otherwise make themselves an administrator, set a password they
know or insert a token, and leave no trace. So every change made through the application (the
signals in casebook/accounts/signals.py) writes an AccountRecord of the new state, linked into
the chain like a version (cases/history.py), and `verify_history` compares every account and
token with its latest record (`account_findings`).

Only digests of the password hash and of a token's key hash are kept: a record shows that the
password changed, and cannot be used to guess it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from django.apps import apps as global_apps
from django.db import models, transaction
from django.utils import timezone

USER = "user"
TOKEN = "token"  # noqa: S105 - a kind of record, not a secret


def _digest(value: str) -> str:
    return hashlib.sha256((value or "").encode()).hexdigest()


def _moment(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(datetime.UTC).isoformat(timespec="milliseconds")


def user_state(user: Any) -> dict[str, Any]:
    """What decides what `user` may do. Reads prefetched groups and permissions if there."""
    return {
        "username": user.username,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "password": _digest(user.password),
        "groups": sorted(group.name for group in user.groups.all()),
        "permissions": sorted(
            f"{permission.content_type.app_label}.{permission.codename}"
            for permission in user.user_permissions.all()
        ),
    }


def token_state(token: Any) -> dict[str, Any]:
    """What decides what `token` opens. `last_used_at` is left out: it is a note, not a right."""
    return {
        "user": token.user_id,
        "name": token.name,
        "prefix": token.prefix,
        "key": _digest(token.key_hash),
        "read_only": token.read_only,
        "expires_at": _moment(token.expires_at),
        "revoked_at": _moment(token.revoked_at),
    }


def _users(apps: Any) -> models.QuerySet:
    return apps.get_model("accounts", "User")._default_manager.prefetch_related(
        "groups", "user_permissions__content_type"
    )


def _tokens(apps: Any) -> models.QuerySet:
    return apps.get_model("accounts", "ApiToken")._default_manager.all()


def current_state(kind: str, object_id: int, *, apps: Any = global_apps) -> dict[str, Any] | None:
    """The state of one account or token as stored now; None if it does not exist."""
    if kind == USER:
        user = _users(apps).filter(pk=object_id).first()
        return None if user is None else user_state(user)
    token = _tokens(apps).filter(pk=object_id).first()
    return None if token is None else token_state(token)


def _same(left: Any, right: Any) -> bool:
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def _request_user_id() -> int | None:
    """The signed-in user of the request being served, if any (set by simple_history's
    HistoryRequestMiddleware)."""
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


@transaction.atomic
def record_account(kind: str, object_id: int, *, apps: Any = global_apps) -> Any:
    """Record the stored state of an account or token if it differs from its latest record, and
    chain the record; return it (None when nothing changed, e.g. a login's last_login)."""
    from cases.history import append_to_chain, lock_chain

    record_model = apps.get_model("accounts", "AccountRecord")
    state = current_state(kind, object_id, apps=apps)
    latest = (
        record_model._default_manager.filter(kind=kind, object_id=object_id).order_by("-id").first()
    )
    if (latest is None and state is None) or (latest is not None and _same(latest.state, state)):
        return None
    lock_chain(apps=apps)
    record = record_model._default_manager.create(
        kind=kind,
        object_id=object_id,
        state=state,
        recorded_at=timezone.now(),
        actor_id=_request_user_id() if apps is global_apps else None,
    )
    append_to_chain(record, apps=apps)
    return record


def record_all(*, apps: Any = global_apps) -> int:
    """Record every account and token not yet recorded as it is (the baseline of a database
    that had accounts before they were chained); return how many records were written."""
    written = 0
    for user_id in apps.get_model("accounts", "User")._default_manager.values_list("pk", flat=True):
        written += record_account(USER, user_id, apps=apps) is not None
    for token_id in _tokens(apps).values_list("pk", flat=True):
        written += record_account(TOKEN, token_id, apps=apps) is not None
    return written


def _latest_records() -> dict[tuple[str, int], Any]:
    from .models import AccountRecord

    latest: dict[tuple[str, int], Any] = {}
    for kind, object_id, state in AccountRecord.objects.order_by("id").values_list(
        "kind", "object_id", "state"
    ):
        latest[(kind, object_id)] = state
    return latest


def _current_states() -> Iterator[tuple[tuple[str, int], dict[str, Any]]]:
    for user in _users(global_apps).order_by("pk").iterator(chunk_size=500):
        yield (USER, user.pk), user_state(user)
    for token in _tokens(global_apps).order_by("pk").iterator(chunk_size=500):
        yield (TOKEN, token.pk), token_state(token)


def account_findings() -> Iterator[tuple[str, str]]:
    """(kind, detail) for every account or token whose stored state matches no record."""
    latest = _latest_records()
    seen = set()
    for key, state in _current_states():
        seen.add(key)
        label = f"{'account' if key[0] == USER else 'API token'} #{key[1]}"
        if key not in latest or latest[key] is None:
            yield "account written outside the application", f"{label} has no recorded state"
            continue
        recorded = latest[key]
        changed = sorted(name for name in state if not _same(state[name], recorded.get(name)))
        if changed:
            yield "account changed outside the application", f"{label}: {', '.join(changed)}"
    for key, recorded in latest.items():
        if key not in seen and recorded is not None:
            label = f"{'account' if key[0] == USER else 'API token'} #{key[1]}"
            yield "account deleted outside the application", label


def accounts_checked() -> int:
    return _users(global_apps).count() + _tokens(global_apps).count()
