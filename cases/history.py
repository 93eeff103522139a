"""A tamper-evident chain over every version record.

django-simple-history keeps a full copy of a record on every save. Each copy is linked here
into one chain: its content is hashed, and each entry's hash covers the previous entry's. Both
hashes are HMACs keyed from SECRET_KEY, so someone who can write to the database but does not
hold the key can neither alter a version unnoticed nor rebuild the chain after altering one, and
cannot test guesses of encrypted values against a stored hash.

`manage.py verify_history` walks the chain and compares every current row with its latest
version (`verify()` below).

The link is made explicitly by the one function that writes every version
(cases/services/common.py, `write_recorded` and `delete_recorded`), inside the writing
transaction, so a version and its chain entry are written or rolled back together. A version
written any other way (a plain `.save()`, which django-simple-history still records) has no chain
entry, and verification reports it.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import hmac
import json
import operator
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as global_apps
from django.conf import settings
from django.db import models

KEY_SALT = b"casebook.history-chain.v1"
GENESIS = "0" * 64


def _keys() -> list[bytes]:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [hashlib.sha256(KEY_SALT + secret.encode()).digest() for secret in secrets]


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _canonical(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, decimal.Decimal):
        places = getattr(field, "decimal_places", None)
        return f"{value:.{places}f}" if places is not None else str(value)
    if isinstance(value, datetime.datetime):
        # Milliseconds: the precision every supported database and Django's own serializer keep,
        # so a backup restored through dumpdata/loaddata still verifies.
        return value.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
    if isinstance(value, datetime.date | uuid.UUID):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    if isinstance(value, models.fields.files.FieldFile):
        return value.name
    return value


def m2m_snapshots(history_model: type[models.Model]) -> list[tuple[str, str]]:
    """(field name, reverse accessor) of the many-to-many snapshots kept with each version."""
    found = []
    for relation in history_model._meta.related_objects:
        snapshot_model = relation.related_model
        if relation.field.name == "history" and snapshot_model is not history_model:
            found.append((snapshot_model._meta.model_name, relation.get_accessor_name()))
    return sorted(found)


# Columns added to a versioned model after versions of it were chained (model label → columns,
# with the migration that added them). Versions written before hold the column's empty value and
# were hashed without it, so a column left empty is left out of the content again; once a version
# holds a value the column is part of its content, so setting, changing or emptying it later by
# SQL still shows. A column added to a versioned model goes here, or is excluded from its history.
ADDED_COLUMNS: dict[str, frozenset[str]] = {
    # 0009_affiliation_dates
    "cases.historicalaffiliation": frozenset(
        {
            "started_on",
            "started_on_earliest",
            "started_on_latest",
            "ended_on",
            "ended_on_earliest",
            "ended_on_latest",
        }
    ),
}
EMPTY_VALUES = (None, "")


def version_content(history_row: models.Model) -> str:
    """The canonical JSON of a version as stored, m2m snapshots included."""
    data: dict[str, Any] = {}
    added = ADDED_COLUMNS.get(history_row._meta.label_lower, frozenset())
    for model_field in history_row._meta.concrete_fields:
        value = getattr(history_row, model_field.attname)
        if model_field.attname in added and value in EMPTY_VALUES:
            continue
        data[model_field.attname] = _canonical(model_field, value)
    for name, accessor in m2m_snapshots(type(history_row)):
        rows = getattr(history_row, accessor).all()
        data[f"m2m:{name}"] = sorted(
            json.dumps(
                {
                    f.attname: _canonical(f, getattr(row, f.attname))
                    for f in row._meta.concrete_fields
                    if not f.primary_key and f.name != "history"
                },
                sort_keys=True,
            )
            for row in rows
        )
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def _hashes(key: bytes, content: str, previous_hash: str) -> tuple[str, str]:
    content_hash = _mac(key, content)
    return content_hash, _mac(key, f"{content_hash}:{previous_hash}")


def lock_chain(*, apps: Any = global_apps) -> Any:
    """Lock the chain's head until the transaction ends, and return it.

    Every writing transaction holds this lock from its first version to its commit, so writers
    are serialised on it anyway. A service takes it *first*, before locking any row (a case it
    is about to step, a reference counter): were a transaction to lock a case and then wait for
    the head while another held the head and waited for the case, both would deadlock.
    Taking it again in the same transaction costs one indexed query.
    """
    head_model = apps.get_model("cases", "HistoryChainHead")
    head_model._default_manager.get_or_create(id=1)
    return head_model._default_manager.select_for_update().get(id=1)


def append_to_chain(history_row: models.Model, *, apps: Any = global_apps) -> None:
    """Link one stored version into the chain (call inside the transaction that wrote it)."""
    entry_model = apps.get_model("cases", "HistoryChainEntry")
    stored = type(history_row)._default_manager.get(pk=history_row.pk)
    # Locking the head serialises writers: each entry names the one before it, never a sibling.
    head = lock_chain(apps=apps)
    content_hash, entry_hash = _hashes(_keys()[0], version_content(stored), head.last_hash)
    entry_model._default_manager.create(
        history_model=stored._meta.label_lower,
        history_id=stored.pk,
        content_hash=content_hash,
        previous_hash=head.last_hash,
        entry_hash=entry_hash,
    )
    head.last_hash = entry_hash
    head.length += 1
    head.save(update_fields=["last_hash", "length"])


def tracked_models() -> list[type[models.Model]]:
    """Every model with a version history."""
    from simple_history.models import registered_models

    return [
        model
        for model in registered_models.values()
        if model._meta.app_label == "cases"
        # Many-to-many tables are registered too; their snapshots belong to the owner's versions.
        and getattr(model._meta, "simple_history_manager_attribute", None) == "history"
    ]


# --- Verification -----------------------------------------------------------------------------


@dataclass
class Finding:
    kind: str
    detail: str


@dataclass
class Report:
    entries_checked: int = 0
    rows_checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, kind: str, detail: str) -> None:
        self.findings.append(Finding(kind, detail))


def _iterate(queryset: models.QuerySet, chunk_size: int = 2000) -> Iterator[Any]:
    return queryset.iterator(chunk_size=chunk_size)


def _merge(
    left: Iterator[Any], right: Iterator[Any], left_key: Any, right_key: Any
) -> Iterator[tuple[Any, Any]]:
    """Pair two streams sorted by key (a merge join): memory stays flat however large they are."""
    sentinel = object()
    a, b = next(left, sentinel), next(right, sentinel)
    while a is not sentinel or b is not sentinel:
        if b is sentinel or (a is not sentinel and left_key(a) < right_key(b)):
            yield a, None
            a = next(left, sentinel)
        elif a is sentinel or right_key(b) < left_key(a):
            yield None, b
            b = next(right, sentinel)
        else:
            yield a, b
            a, b = next(left, sentinel), next(right, sentinel)


def verify_chain_links(report: Report) -> None:
    """Each entry names the one before it, and its hash covers that link."""
    from .models import HistoryChainEntry, HistoryChainHead

    keys = _keys()
    previous = GENESIS
    entries = HistoryChainEntry.objects.order_by("seq").values_list(
        "seq", "content_hash", "previous_hash", "entry_hash"
    )
    for seq, content_hash, previous_hash, entry_hash in _iterate(entries):
        report.entries_checked += 1
        if previous_hash != previous:
            report.add("chain broken", f"entry #{seq} does not follow the entry before it")
        if not any(_mac(key, f"{content_hash}:{previous_hash}") == entry_hash for key in keys):
            report.add("chain entry altered", f"entry #{seq} does not match its own hash")
        previous = entry_hash
    head = HistoryChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != previous or head.length != report.entries_checked):
        report.add("chain truncated", "the chain's last entries are missing or were replaced")


def verify_versions(report: Report) -> None:
    """Every version is in the chain and still has the content that was hashed."""
    from .models import HistoryChainEntry

    keys = _keys()
    for model in tracked_models():
        history_model = model.history.model
        label = history_model._meta.label_lower
        accessors = [accessor for _name, accessor in m2m_snapshots(history_model)]
        versions = history_model._default_manager.order_by("pk").prefetch_related(*accessors)
        entries = HistoryChainEntry.objects.filter(history_model=label).order_by("history_id")
        for version, entry in _merge(
            _iterate(versions), _iterate(entries), lambda v: v.pk, lambda e: e.history_id
        ):
            if entry is None:
                report.add(
                    "version not chained",
                    f"{label} #{version.pk} was written outside the application",
                )
            elif version is None:
                report.add("version deleted", f"{label} #{entry.history_id} (entry #{entry.seq})")
            elif not any(_mac(key, version_content(version)) == entry.content_hash for key in keys):
                report.add(
                    "version altered",
                    f"{label} #{version.pk} (entry #{entry.seq}) no longer matches its hash",
                )


def _comparable(model: type[models.Model]) -> list[models.Field]:
    history_fields = {f.attname for f in model.history.model._meta.concrete_fields}
    return [f for f in model._meta.concrete_fields if f.attname in history_fields]


def _latest_versions(model: type[models.Model]) -> Iterator[models.Model]:
    """The newest version of each record, in primary-key order."""
    pk_name = model._meta.pk.attname
    versions = model.history.model._default_manager.order_by(
        pk_name, "-history_date", "-history_id"
    )
    last_key = object()
    for version in _iterate(versions):
        key = getattr(version, pk_name)
        if key != last_key:
            last_key = key
            yield version


def verify_current_rows(
    report: Report, models_to_check: Iterable[type[models.Model]] | None = None
) -> None:
    """Every current row equals its latest version; a row with none was written by hand."""
    for model in models_to_check or tracked_models():
        fields = _comparable(model)
        pk_name = model._meta.pk.attname
        rows = _iterate(model._default_manager.order_by(pk_name))
        for row, version in _merge(
            rows,
            _latest_versions(model),
            operator.attrgetter(pk_name),
            operator.attrgetter(pk_name),
        ):
            if row is None:
                if version.history_type != "-":
                    report.add(
                        "row deleted outside the application",
                        f"{model._meta.label} #{getattr(version, pk_name)}",
                    )
                continue
            report.rows_checked += 1
            label = f"{model._meta.label} #{getattr(row, pk_name)}"
            if version is None:
                report.add("row without history", f"{label} was written outside the application")
            elif version.history_type == "-":
                report.add("deleted row reappeared", label)
            else:
                changed = sorted(
                    f.name
                    for f in fields
                    if _canonical(f, getattr(row, f.attname))
                    != _canonical(f, getattr(version, f.attname))
                )
                if changed:
                    report.add(
                        "row changed outside the application", f"{label}: {', '.join(changed)}"
                    )


def verify() -> Report:
    report = Report()
    verify_chain_links(report)
    verify_versions(report)
    verify_current_rows(report)
    return report
