"""A tamper-evident chain over every version record.

django-simple-history keeps a full copy of a record on every save. Each copy is linked here
into one chain: its content is hashed, and each entry's hash covers the previous entry's. Both
hashes are HMACs keyed from HISTORY_KEY (a setting of its own, not SECRET_KEY), so someone who
can write to the database but does not hold the key can neither alter a version unnoticed nor
rebuild the chain after altering one, and cannot test guesses of encrypted values against a
stored hash.

`manage.py verify_history` walks the chain and compares every current row with its latest
version, every current many-to-many set with the set its latest version holds, and every account
and API token with its latest AccountRecord (`verify()` below).

Three things a writer to the database could still do unseen are closed here:
- roll the head back (delete the newest entries and reset the head): signed checkpoints of the
  head are written outside the database (`write_checkpoint`: the `casebook.history.checkpoint`
  log and HISTORY_CHECKPOINT_FILE), and `verify_history --checkpoints FILE` reports a chain
  shorter than, or diverging from, any of them;
- change an account's rights: casebook/accounts/records.py chains their states;
- keep the key forever: `rotate_history_key` writes a HistoryKeyAnchor signed by the old and
  the new key, and each segment of the chain is verified with its own key (`KeySchedule`).

The link is made explicitly by the one function that writes every version
(cases/services/common.py, `write_recorded` and `delete_recorded`), inside the writing
transaction, so a version and its chain entry are written or rolled back together. A version
written any other way (a plain `.save()`, which django-simple-history still records) has no chain
entry, and verification reports it.
"""

from __future__ import annotations

import bisect
import datetime
import decimal
import hashlib
import hmac
import json
import logging
import operator
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as global_apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

KEY_SALT = b"casebook.history-chain.v1"
GENESIS = "0" * 64


KEY_ID_MESSAGE = "casebook.history-key-id"
CHECKPOINT_LOGGER = "casebook.history.checkpoint"
checkpoint_logger = logging.getLogger(CHECKPOINT_LOGGER)


def derive_key(secret: str) -> bytes:
    return hashlib.sha256(KEY_SALT + secret.encode()).digest()


def _keys() -> list[bytes]:
    """The chain keys configured: the signing key first, then the fallbacks."""
    secrets = [settings.HISTORY_KEY, *getattr(settings, "HISTORY_KEY_FALLBACKS", [])]
    return [derive_key(secret) for secret in secrets]


def key_id(key: bytes) -> str:
    """A public name of a key: lets an anchor say which key it hands over to, revealing nothing."""
    return _mac(key, KEY_ID_MESSAGE)[:32]


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
    accounts_checked: int = 0
    checkpoints_checked: int = 0
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


@dataclass
class KeySchedule:
    """Which key each stretch of the chain was made with: one segment before the first
    HistoryKeyAnchor, one after each. A segment whose key is not configured has no keys."""

    boundaries: list[int] = field(default_factory=list)  # after_seq of each anchor
    segments: list[list[bytes]] = field(default_factory=list)

    def keys_for(self, seq: int) -> list[bytes]:
        return self.segments[bisect.bisect_left(self.boundaries, seq)]


def anchor_message(anchor: Any) -> str:
    created = _canonical(models.DateTimeField(), anchor.created_at)
    return (
        f"{anchor.after_seq}:{anchor.previous_hash}:{anchor.old_key_id}:{anchor.new_key_id}:"
        f"{created}"
    )


def key_schedule(report: Report | None = None) -> KeySchedule:
    """The schedule from the anchors; with `report`, anchors that do not hold are reported."""
    from .models import HistoryChainEntry, HistoryKeyAnchor

    configured = {key_id(key): key for key in _keys()}
    anchors = list(HistoryKeyAnchor.objects.order_by("after_seq"))
    if not anchors:
        # One key for the whole chain, the one its first entry was made with: entries under
        # another key (those after a deleted anchor) then fail rather than pass under a fallback.
        first = HistoryChainEntry.objects.order_by("seq").first()
        keys = [
            key
            for key in configured.values()
            if first is None
            or _mac(key, f"{first.content_hash}:{first.previous_hash}") == first.entry_hash
        ]
        return KeySchedule([], [keys[:1] or list(configured.values())])

    def keys(name: str, after_seq: int) -> list[bytes]:
        if name in configured:
            return [configured[name]]
        if report is not None:
            report.add(
                "history key missing",
                f"the entries after #{after_seq} were made with key {name}: add that key to "
                "HISTORY_KEY_FALLBACKS to verify them",
            )
        return []

    schedule = KeySchedule([], [keys(anchors[0].old_key_id, 0)])
    for index, anchor in enumerate(anchors):
        schedule.boundaries.append(anchor.after_seq)
        schedule.segments.append(keys(anchor.new_key_id, anchor.after_seq))
        if report is None:
            continue
        label = f"key change after entry #{anchor.after_seq}"
        message = anchor_message(anchor)
        old, new = schedule.segments[-2], schedule.segments[-1]
        if (old and _mac(old[0], message) != anchor.old_key_signature) or (
            new and _mac(new[0], message) != anchor.new_key_signature
        ):
            report.add("key anchor forged", f"{label} is not signed by its keys")
        if index and anchor.old_key_id != anchors[index - 1].new_key_id:
            report.add("key anchor broken", f"{label} does not follow the key change before it")
        if anchor.after_seq:
            entry = HistoryChainEntry.objects.filter(seq=anchor.after_seq).first()
            if entry is not None and entry.entry_hash != anchor.previous_hash:
                report.add("key anchor broken", f"{label} names another entry than the chain")
    return schedule


def verify_chain_links(report: Report, schedule: KeySchedule | None = None) -> None:
    """Each entry names the one before it, and its hash covers that link."""
    from .models import HistoryChainEntry, HistoryChainHead

    schedule = schedule or key_schedule()
    previous = GENESIS
    entries = HistoryChainEntry.objects.order_by("seq").values_list(
        "seq", "content_hash", "previous_hash", "entry_hash"
    )
    for seq, content_hash, previous_hash, entry_hash in _iterate(entries):
        report.entries_checked += 1
        if previous_hash != previous:
            report.add("chain broken", f"entry #{seq} does not follow the entry before it")
        keys = schedule.keys_for(seq)
        if keys and not any(
            _mac(key, f"{content_hash}:{previous_hash}") == entry_hash for key in keys
        ):
            report.add("chain entry altered", f"entry #{seq} does not match its own hash")
        previous = entry_hash
    head = HistoryChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != previous or head.length != report.entries_checked):
        report.add("chain truncated", "the chain's last entries are missing or were replaced")


def chained_records() -> list[tuple[str, models.QuerySet]]:
    """(label, queryset in primary-key order) of every kind of record linked into the chain."""
    from casebook.accounts.models import AccountRecord

    found = []
    for model in tracked_models():
        history_model = model.history.model
        accessors = [accessor for _name, accessor in m2m_snapshots(history_model)]
        found.append(
            (
                history_model._meta.label_lower,
                history_model._default_manager.order_by("pk").prefetch_related(*accessors),
            )
        )
    found.append((AccountRecord._meta.label_lower, AccountRecord.objects.order_by("pk")))
    return found


def verify_versions(report: Report, schedule: KeySchedule | None = None) -> None:
    """Every version is in the chain and still has the content that was hashed."""
    from .models import HistoryChainEntry

    schedule = schedule or key_schedule()
    for label, versions in chained_records():
        entries = HistoryChainEntry.objects.filter(history_model=label).order_by("history_id")
        for version, entry in _merge(
            _iterate(versions), _iterate(entries), lambda v: v.pk, lambda e: e.history_id
        ):
            if entry is None:
                report.add(
                    "version not chained",
                    f"{label} #{version.pk} was written outside the application",
                )
                continue
            if version is None:
                report.add("version deleted", f"{label} #{entry.history_id} (entry #{entry.seq})")
                continue
            keys = schedule.keys_for(entry.seq)
            content = version_content(version)
            if keys and not any(_mac(key, content) == entry.content_hash for key in keys):
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


def _latest_version_ids(model: type[models.Model]) -> dict[Any, int]:
    """Primary key → history_id of the newest version, for records not deleted."""
    pk_name = model._meta.pk.attname
    rows = model.history.model._default_manager.order_by(
        pk_name, "-history_date", "-history_id"
    ).values_list(pk_name, "history_id", "history_type")
    latest: dict[Any, int] = {}
    seen = set()
    for pk, history_id, history_type in _iterate(rows):
        if pk not in seen:
            seen.add(pk)
            if history_type != "-":
                latest[pk] = history_id
    return latest


def verify_current_links(
    report: Report, models_to_check: Iterable[type[models.Model]] | None = None
) -> None:
    """Every current many-to-many set equals the set its record's latest version holds: a
    link added or deleted by SQL changes the set but writes no version."""
    from .services.history import _snapshot_model, snapshot_accessors

    for model in models_to_check or tracked_models():
        accessors = snapshot_accessors(model)
        if not accessors:
            continue
        latest = _latest_version_ids(model)
        version_of = {history_id: pk for pk, history_id in latest.items()}
        for name, (accessor, target) in sorted(accessors.items()):
            m2m = model._meta.get_field(name)
            through = m2m.remote_field.through
            current: dict[Any, set[Any]] = {}
            links = through._default_manager.values_list(
                f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
            )
            for owner, linked in _iterate(links):
                current.setdefault(owner, set()).add(linked)
            recorded: dict[Any, set[Any]] = {}
            snapshots = _snapshot_model(model, accessor)._default_manager.values_list(
                "history_id", f"{target}_id"
            )
            for history_id, linked in _iterate(snapshots):
                if history_id in version_of:
                    recorded.setdefault(version_of[history_id], set()).add(linked)
            for owner in sorted(set(current) | set(recorded), key=str):
                if owner in latest and current.get(owner, set()) != recorded.get(owner, set()):
                    added = sorted(current.get(owner, set()) - recorded.get(owner, set()))
                    removed = sorted(recorded.get(owner, set()) - current.get(owner, set()))
                    report.add(
                        "links changed outside the application",
                        f"{model._meta.label} #{owner}: {name}"
                        + (f", added {added}" if added else "")
                        + (f", removed {removed}" if removed else ""),
                    )


def verify_accounts(report: Report) -> None:
    """Every account and API token is in the state its latest chained record holds."""
    from casebook.accounts.records import account_findings, accounts_checked

    for kind, detail in account_findings():
        report.add(kind, detail)
    report.accounts_checked = accounts_checked()


# --- Checkpoints --------------------------------------------------------------------------------


def checkpoint_message(checkpoint: dict[str, Any]) -> str:
    return f"{checkpoint['entry']}:{checkpoint['hash']}:{checkpoint['length']}:{checkpoint['at']}"


def make_checkpoint() -> dict[str, Any]:
    """The head as committed now (entry, hash, length, time), signed with the chain key."""
    from .models import HistoryChainEntry, HistoryChainHead

    head = HistoryChainHead.objects.filter(id=1).first()
    last_hash, length = (head.last_hash, head.length) if head is not None else (GENESIS, 0)
    # Found by its hash, not as the newest row: a writer committing in between cannot make the
    # entry and the head disagree.
    entry = (
        HistoryChainEntry.objects.filter(entry_hash=last_hash).values_list("seq", flat=True).first()
    )
    checkpoint = {
        "entry": entry or 0,
        "hash": last_hash,
        "length": length,
        "at": timezone.now().astimezone(datetime.UTC).isoformat(timespec="seconds"),
    }
    checkpoint["signature"] = _mac(_keys()[0], checkpoint_message(checkpoint))
    return checkpoint


def write_checkpoint() -> dict[str, Any]:
    """Write a signed checkpoint of the head to the log and to HISTORY_CHECKPOINT_FILE."""
    checkpoint = make_checkpoint()
    line = json.dumps(checkpoint, sort_keys=True)
    checkpoint_logger.info("history checkpoint %s", line)
    path = getattr(settings, "HISTORY_CHECKPOINT_FILE", "")
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(line + "\n")
            file.flush()
            os.fsync(file.fileno())
    return checkpoint


def checkpoint_on_commit() -> None:
    """Write a checkpoint once the current transaction commits (at once outside one)."""
    transaction.on_commit(write_checkpoint)


def read_checkpoints(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(line number, checkpoint or None if unreadable) for every non-empty line; a log line is
    read from its first brace, so the log itself can be checked."""
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            checkpoint = json.loads(text[text.index("{") :])
            checkpoint_message(checkpoint)
            str(checkpoint["signature"])
        except (ValueError, KeyError, TypeError):
            yield number, None
            continue
        yield number, checkpoint


def verify_checkpoints(report: Report, lines: Iterable[str]) -> None:
    """The chain reaches every checkpoint and passes through the entry and hash it names."""
    from .models import HistoryChainEntry

    keys = _keys()
    for number, checkpoint in read_checkpoints(lines):
        report.checkpoints_checked += 1
        if checkpoint is None:
            report.add("checkpoint unreadable", f"line {number}")
            continue
        label = f"checkpoint of {checkpoint['at']} (line {number})"
        message = checkpoint_message(checkpoint)
        if not any(
            hmac.compare_digest(_mac(key, message), checkpoint["signature"]) for key in keys
        ):
            report.add("checkpoint forged", f"{label} is not signed with the history key")
            continue
        seq = int(checkpoint["entry"])
        entry_hash = (
            HistoryChainEntry.objects.filter(seq=seq).values_list("entry_hash", flat=True).first()
            if seq
            else GENESIS
        )
        if int(checkpoint["length"]) > report.entries_checked:
            report.add(
                "chain shorter than a checkpoint",
                f"{label} saw entry #{seq} and {checkpoint['length']} entries; the chain has "
                f"{report.entries_checked}",
            )
        elif entry_hash != checkpoint["hash"]:
            report.add(
                "chain diverges from a checkpoint",
                f"{label}: entry #{seq} was {'removed' if entry_hash is None else 'replaced'}",
            )


def verify(checkpoint_lines: Iterable[str] | None = None) -> Report:
    report = Report()
    schedule = key_schedule(report)
    verify_chain_links(report, schedule)
    verify_versions(report, schedule)
    verify_current_rows(report)
    verify_current_links(report)
    verify_accounts(report)
    if checkpoint_lines is not None:
        verify_checkpoints(report, checkpoint_lines)
    return report


# --- Key rotation -------------------------------------------------------------------------------


class KeyRotationRefused(Exception):
    pass


@transaction.atomic
def rotate_key() -> Any:
    """Hand the chain over from the key it is made with now to HISTORY_KEY: write a
    HistoryKeyAnchor after the newest entry, signed by both keys. Old entries keep their hashes.

    Run it with the new key as HISTORY_KEY and the old one in HISTORY_KEY_FALLBACKS, while
    nothing else writes: an entry written under the new key before the anchor would not verify.
    """
    from .models import HistoryChainEntry, HistoryKeyAnchor

    head = lock_chain()
    new_key = _keys()[0]
    last = HistoryChainEntry.objects.filter(entry_hash=head.last_hash).first()
    after_seq = last.seq if last is not None else 0
    if HistoryKeyAnchor.objects.filter(after_seq__gte=after_seq).exists():
        raise KeyRotationRefused(
            "The key was already changed after the newest entry: nothing was written under it yet."
        )
    if HistoryKeyAnchor.objects.exists():
        candidates = key_schedule().keys_for(after_seq + 1)
    elif last is not None:
        candidates = [
            key
            for key in _keys()
            if _mac(key, f"{last.content_hash}:{last.previous_hash}") == last.entry_hash
        ]
    else:
        candidates = _keys()[1:2]
    if not candidates:
        raise KeyRotationRefused(
            "The key the chain is made with now is not configured: put it in HISTORY_KEY_FALLBACKS."
        )
    old_key = candidates[0]
    if old_key == new_key:
        raise KeyRotationRefused(
            "HISTORY_KEY is already the chain's key: set HISTORY_KEY to the new key and move the "
            "old one to HISTORY_KEY_FALLBACKS, then run this again."
        )
    anchor = HistoryKeyAnchor(
        after_seq=after_seq,
        previous_hash=head.last_hash,
        old_key_id=key_id(old_key),
        new_key_id=key_id(new_key),
        created_at=timezone.now(),
    )
    message = anchor_message(anchor)
    anchor.old_key_signature = _mac(old_key, message)
    anchor.new_key_signature = _mac(new_key, message)
    anchor.save()
    checkpoint_on_commit()
    return anchor
