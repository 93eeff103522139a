"""The one place a domain row is written, and the version record that says who wrote it.

Every service saves through `save_validated` / `write_recorded` and deletes through
`delete_recorded`. Nothing is left to a signal: the row lock, the version number, the columns
written, the version record (with its many-to-many snapshot) and its link in the tamper-evident
chain (cases/history.py) are all done here, in the caller's transaction, so they are written or
rolled back together.

Lock order: a writing transaction locks the chain's head (`lock_chain`) before any row, so
that writers queue on one lock instead of deadlocking on two.

A `.save()` anywhere else still leaves a trace that `manage.py verify_history` reports:
django-simple-history's own signal writes a version for it that has no chain entry, or the row
no longer matches its latest version.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from django.db.models.signals import post_save
from django.dispatch.dispatcher import _make_id
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ..history import append_to_chain, lock_chain

ModelT = TypeVar("ModelT", bound=models.Model)


class EditConflict(Exception):
    """Someone saved the record after this edit began: saving would overwrite their work.

    `current` is the record as it is now; the caller keeps the rejected input (stale_edit_keep)
    and shows both versions, or answers 409 from the API.
    """

    def __init__(self, current: models.Model, expected_version: int) -> None:
        super().__init__(
            f"{current._meta.verbose_name} was changed by someone else "
            f"(version {current.version}, the edit started from version {expected_version})."
        )
        self.current = current
        self.expected_version = expected_version


def require_acting_user(acting_user: Any) -> None:
    """Every version names who made it: a person, or the named system user (system_user())
    for migrations, the demo loader, commands and tasks. An anonymous write is a bug."""
    if acting_user is None:
        raise TypeError(
            "acting_user is required: pass the user making the change, or "
            "casebook.accounts.system.system_user() when the application itself writes."
        )


def has_version(model: type[models.Model]) -> bool:
    return any(f.name == "version" for f in model._meta.concrete_fields)


@functools.cache
def _recorder(model: type[models.Model]) -> HistoricalRecords | None:
    """The django-simple-history registration of `model` (None if it keeps no history).

    django-simple-history keeps it only as the receiver of its post_save signal, so it is found
    there once per model.
    """
    if not hasattr(model._meta, "simple_history_manager_attribute"):
        return None
    sender_id = _make_id(model)
    for (_receiver_id, receiver_sender), receiver, _is_async in post_save.receivers:
        owner = getattr(receiver, "__self__", None)
        if receiver_sender == sender_id and isinstance(owner, HistoricalRecords):
            return owner
    return None


def _auto_now_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def _lock_and_claim(instance: models.Model) -> models.Model:
    """Lock the row and return it as it is now.

    A row with a version moves from the version this edit started from to the next by a
    conditional UPDATE, which also locks it until the transaction ends: of two writes from the
    same version exactly one succeeds, the other gets EditConflict. A row without a version is
    locked with SELECT … FOR UPDATE.
    """
    model = type(instance)
    rows = model._base_manager.filter(pk=instance.pk)
    if has_version(model):
        expected = instance.version
        if not rows.filter(version=expected).update(version=models.F("version") + 1):
            raise EditConflict(rows.get(), expected)
        instance.version = expected + 1
    return rows.select_for_update(no_key=True).get()


def lock_for_write(queryset: models.QuerySet[ModelT], pk: Any) -> ModelT:
    """Lock one row a service is about to change, and return it as stored now.

    The chain's head is locked first (the lock order above), so a service that locks a row and
    then writes a version cannot deadlock with another writer.
    """
    lock_chain()
    return queryset.select_for_update(no_key=True).get(pk=pk)


def _derived_from(model: type[models.Model], names: set[str]) -> set[str]:
    """Columns a field fills in as it is saved from the named ones (an uncertain date's
    earliest/latest bounds, a name's folded search text): written whenever their source is."""
    from ..fields import SearchTextField

    derived: set[str] = set()
    for model_field in model._meta.concrete_fields:
        if model_field.name in names and getattr(model_field, "earliest_field", None):
            derived |= {model_field.earliest_field, model_field.latest_field}
        if isinstance(model_field, SearchTextField) and model_field.source in names:
            derived.add(model_field.name)
    return derived


def _columns_to_write(
    instance: models.Model, current: models.Model, fields: Iterable[str] | None
) -> list[str]:
    """The columns this write owns: the named fields, or those that differ from the locked row.

    Never the whole row: a full-row save of a stale copy would write back columns that another
    transaction changed in the meantime (a case's `state` after a reviewer's step).
    """
    model = type(instance)
    bookkeeping = {"version", *_auto_now_fields(model)}
    if fields is not None:
        by_name = {f.name: f for f in model._meta.concrete_fields}
        by_name.update({f.attname: f for f in model._meta.concrete_fields})
        unknown = sorted(set(fields) - set(by_name))
        if unknown:
            raise ValueError(f"{model.__name__} has no field {', '.join(unknown)}")
        named = {by_name[name].name for name in fields}
        return sorted((named | _derived_from(model, named)) - bookkeeping)
    differing = {
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.name not in bookkeeping
        and getattr(instance, f.attname) != getattr(current, f.attname)
    }
    return sorted((differing | _derived_from(model, differing)) - bookkeeping)


def record_version(instance: models.Model, *, history_type: str, acting_user: Any) -> Any:
    """Write one version of `instance` as it is in memory (which must equal its row), with its
    many-to-many snapshot, authored by `acting_user`, and link it into the chain."""
    recorder = _recorder(type(instance))
    if recorder is None:
        return None
    manager = getattr(instance, recorder.manager_name)
    attrs = {f.attname: getattr(instance, f.attname) for f in recorder.fields_included(instance)}
    if getattr(manager.model, "history_relation", None) is not None:
        attrs["history_relation"] = instance
    version = manager.model(
        history_date=timezone.now(),
        history_type=history_type,
        history_user=acting_user,
        history_change_reason=None,
        **attrs,
    )
    version.save()
    recorder.create_historical_record_m2ms(version, instance)
    append_to_chain(version)
    return version


@transaction.atomic
def write_recorded(
    instance: ModelT,
    *,
    acting_user: Any,
    fields: Iterable[str] | None = None,
    m2m: Mapping[str, Iterable[Any]] | None = None,
) -> ModelT:
    """Write `instance` and exactly one version of it, with its chain entry.

    1. An existing row is locked and its version claimed (EditConflict if it moved on).
    2. Only `fields` are written (default: those that differ from the locked row), plus the
       bookkeeping columns (version, updated_at); the other columns are read back from the
       locked row, so the version records the row exactly as stored.
    3. Many-to-many sets in `m2m` ({"charges": [...]}) are replaced.
    4. One version, holding the new many-to-many sets, is recorded and chained.
    """
    require_acting_user(acting_user)
    lock_chain()
    adding = instance._state.adding
    # Tells django-simple-history's own signals (post_save, m2m_changed) to stay out: the
    # version is written below, once, after the many-to-many sets are in place.
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        if adding:
            instance.save()
        else:
            current = _lock_and_claim(instance)
            columns = _columns_to_write(instance, current, fields)
            for model_field in type(instance)._meta.concrete_fields:
                if model_field.name not in columns and model_field.name != "version":
                    setattr(instance, model_field.attname, getattr(current, model_field.attname))
            update_fields = [*columns, *_auto_now_fields(type(instance))]
            if update_fields:
                instance.save(update_fields=update_fields)
        for name, values in (m2m or {}).items():
            getattr(instance, name).set(values)
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]
    record_version(instance, history_type="+" if adding else "~", acting_user=acting_user)
    return instance


def save_validated(
    instance: ModelT,
    *,
    acting_user: Any,
    exclude_validation: Iterable[str] = (),
    fields: Iterable[str] | None = None,
    m2m: Mapping[str, Iterable[Any]] | None = None,
) -> ModelT:
    """Validate fully, then write through `write_recorded` (see there: lock, version, only the
    changed columns, one version record naming `acting_user`).

    Validation comes first so that bad input raises a ValidationError naming the field, before
    anything reaches the database.
    """
    require_acting_user(acting_user)
    instance.full_clean(exclude=list(exclude_validation) or None)
    return write_recorded(instance, acting_user=acting_user, fields=fields, m2m=m2m)


@transaction.atomic
def delete_recorded(instance: models.Model, *, acting_user: Any) -> None:
    """Delete a record, leaving a deletion version that names `acting_user` for it and for every
    record deleted with it (the earlier versions stay, so a deleted record can still be read and
    restored from its history).

    Deletion versions are made by django-simple-history's delete handling (it has no switch to
    turn that off per row); they are claimed here: authored, and linked into the chain.
    """
    require_acting_user(acting_user)
    lock_chain()
    model = type(instance)
    model._base_manager.select_for_update().filter(pk=instance.pk).first()
    collector = Collector(using=router.db_for_write(model, instance=instance))
    collector.collect([instance])
    doomed: dict[type[models.Model], set[Any]] = {}
    for doomed_model, objects in collector.data.items():
        if _recorder(doomed_model) is not None:
            doomed.setdefault(doomed_model, set()).update(obj.pk for obj in objects)
    marks = {
        doomed_model: doomed_model.history.model._default_manager.aggregate(
            last=models.Max("history_id")
        )["last"]
        or 0
        for doomed_model in doomed
    }
    instance.delete()
    for doomed_model, pks in doomed.items():
        history = doomed_model.history.model._default_manager
        pk_name = doomed_model._meta.pk.attname
        versions = history.filter(
            history_id__gt=marks[doomed_model],
            history_type="-",
            **{f"{pk_name}__in": pks},
        ).order_by("history_id")
        for version in versions:
            version.history_user = acting_user
            version.save(update_fields=["history_user"])
            append_to_chain(version)


def apply_changes(instance: models.Model, changes: Mapping[str, Any]) -> list[str]:
    """Set editable concrete fields from `changes`; return the names of those that changed.

    Unknown or non-editable field names are refused, so a caller cannot set derived values
    (reference, state, status, paths) behind the services' back. Pass the names on to
    `save_validated(..., fields=...)` so that only they are written.
    """
    editable = {
        field.name: field
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key
    }
    unknown = sorted(set(changes) - set(editable))
    if unknown:
        raise ValidationError(
            dict.fromkeys(unknown, "This field cannot be changed here."),
            code="not_editable",
        )
    changed = []
    for name, value in changes.items():
        field = editable[name]
        # A related object may be given as an instance or as its primary key.
        attribute = (
            field.attname if field.is_relation and not isinstance(value, models.Model) else name
        )
        if getattr(instance, attribute) != value:
            setattr(instance, attribute, value)
            changed.append(name)
    return changed
