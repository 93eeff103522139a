"""Every change of an account's rights, made through the application, is recorded and chained
(casebook/accounts/records.py). Connected in AccountsConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from .models import ApiToken, User
from .records import TOKEN, USER, record_account


def _record_users(user_ids: Any) -> None:
    for user_id in sorted(set(user_ids or ())):
        record_account(USER, user_id)


def user_saved_or_deleted(sender: Any, instance: User, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        record_account(USER, instance.pk)


def token_saved_or_deleted(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        record_account(TOKEN, instance.pk)


def memberships_changed(sender: Any, instance: Any, action: str, reverse: bool, **kwargs) -> None:
    """A membership or direct permission added, removed or cleared, from either side."""
    if action == "pre_clear" and reverse:
        # After a clear from the group's side its members can no longer be asked for.
        instance._members_before_clear = list(instance.user_set.values_list("pk", flat=True))
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        record_account(USER, instance.pk)
    elif action == "post_clear":
        _record_users(getattr(instance, "_members_before_clear", ()))
    else:
        _record_users(kwargs.get("pk_set"))


def group_saved(sender: Any, instance: Group, **kwargs: Any) -> None:
    """A renamed group changes its members' roles."""
    if not kwargs.get("raw") and not kwargs.get("created"):
        _record_users(instance.user_set.values_list("pk", flat=True))


def group_deleting(sender: Any, instance: Group, **kwargs: Any) -> None:
    instance._members_before_delete = list(instance.user_set.values_list("pk", flat=True))


def group_deleted(sender: Any, instance: Group, **kwargs: Any) -> None:
    _record_users(getattr(instance, "_members_before_delete", ()))


def connect() -> None:
    uid = "casebook.accounts.records"
    post_save.connect(user_saved_or_deleted, sender=User, dispatch_uid=f"{uid}.user_saved")
    post_delete.connect(user_saved_or_deleted, sender=User, dispatch_uid=f"{uid}.user_deleted")
    post_save.connect(token_saved_or_deleted, sender=ApiToken, dispatch_uid=f"{uid}.token_saved")
    post_delete.connect(
        token_saved_or_deleted, sender=ApiToken, dispatch_uid=f"{uid}.token_deleted"
    )
    for through in (User.groups.through, User.user_permissions.through):
        m2m_changed.connect(
            memberships_changed, sender=through, dispatch_uid=f"{uid}.{through._meta.model_name}"
        )
    post_save.connect(group_saved, sender=Group, dispatch_uid=f"{uid}.group_saved")
    pre_delete.connect(group_deleting, sender=Group, dispatch_uid=f"{uid}.group_deleting")
    post_delete.connect(group_deleted, sender=Group, dispatch_uid=f"{uid}.group_deleted")
