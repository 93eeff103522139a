"""Encrypted backups of everything Casebook keeps, and a restore that checks before it writes.

A backup is one file, `casebook-backup-<UTC time>.tar.age`: a tar archive encrypted with age
(pyrage) to one or more recipient public keys, so the machine that writes backups cannot read
them and a stolen backup disk gives nothing away. Inside, in this order:

    manifest.json    format, time, Casebook version, database vendor, applied migrations, and
                     for every part its path, size and SHA-256
    manifest.hmac    HMAC-SHA256 of manifest.json under a key derived from HISTORY_KEY
    database.pgdump  `pg_dump --format=custom` (PostgreSQL) or database.sqlite3 (SQLite's
                     online backup API): a consistent snapshot either way
    media/…          evidence storage (MEDIA_ROOT)
    exports/…        export files (EXPORT_ROOT), so that finished downloads survive

Three layers answer three attacks. age authenticates every 64 KiB chunk, so one altered or
missing byte makes decryption fail. The manifest's hashes catch a part swapped in a re-encrypted
archive. And since recipient keys are public, anyone could encrypt a forged archive to them:
the HMAC, keyed from a secret only the installation holds, refuses it.

A restore decrypts into a private scratch directory, checks all three, checks that the target
database and file directories are empty — it never overwrites — and only then writes. It ends
by running the history check (cases.history.verify) on what it restored.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from .keys import pyrage_module

FORMAT = "casebook-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_MAC = "manifest.hmac"
FILE_PREFIX = "casebook-backup-"
FILE_SUFFIX = ".tar.age"
_CHUNK = 1024 * 1024
# Export jobs still being written: never part of a backup (cases.exports.jobs names them so).
_UNFINISHED_EXPORT_SUFFIX = ".part"


class BackupError(Exception):
    """A backup could not be written; nothing was left in the destination."""


class RestoreRefused(Exception):
    """The backup is damaged, altered, foreign or the target is not empty; nothing was written."""


@dataclass(frozen=True)
class Part:
    path: str
    size: int
    sha256: str


@dataclass
class BackupResult:
    path: Path
    size: int
    parts: list[Part]
    database_vendor: str

    @property
    def file_count(self) -> int:
        return sum(1 for part in self.parts if not part.path.startswith("database."))


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    parts: list[Part]
    history_findings: list[str] = field(default_factory=list)
    entries_checked: int = 0
    migrations_to_apply: list[str] = field(default_factory=list)

    @property
    def history_ok(self) -> bool:
        return not self.history_findings


# --- Keys -----------------------------------------------------------------------------------


def _manifest_key() -> bytes:
    # A key of its own, derived so that a backup MAC can never be replayed as a history MAC.
    return hmac.new(settings.HISTORY_KEY.encode(), b"casebook backup manifest", "sha256").digest()


def _manifest_mac(manifest_bytes: bytes, key: bytes | None = None) -> str:
    return hmac.new(key or _manifest_key(), manifest_bytes, hashlib.sha256).hexdigest()


# --- Writing a backup ---------------------------------------------------------------------------


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for the configured database, so no password is on a command line."""
    environment = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        environment["PGSSLMODE"] = sslmode
    return environment


def _run(command: list[str], environment: dict[str, str], failure: type[Exception]) -> None:
    try:
        # The programs are fixed (pg_dump, pg_restore); only paths and settings are arguments.
        completed = subprocess.run(  # noqa: S603
            command, env=environment, capture_output=True, text=True
        )
    except FileNotFoundError as error:
        raise failure(
            f"{command[0]} is not installed: install PostgreSQL's client programs "
            "(Debian: postgresql-client) in the same major version as the server."
        ) from error
    if completed.returncode != 0:
        raise failure(f"{command[0]} failed: {completed.stderr.strip() or completed.returncode}")


def _dump_database(scratch: Path, alias: str) -> Path:
    connection = connections[alias]
    if connection.vendor == "postgresql":
        target = scratch / "database.pgdump"
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
            _pg_environment(connection.settings_dict),
            BackupError,
        )
        return target
    if connection.vendor == "sqlite":
        target = scratch / "database.sqlite3"
        if connection.in_atomic_block:
            # SQLite's backup waits for the source's write lock to go, and this connection
            # would be the one holding it: it would wait forever.
            raise BackupError("A SQLite backup cannot run inside a transaction.")
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
        return target
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")


def _files_under(root: Path, *, skip_suffix: str = "") -> Iterator[tuple[Path, str]]:
    """Regular files below `root` with their path relative to it, in a stable order."""
    if not root.is_dir():
        return
    for directory, subdirectories, names in os.walk(root, followlinks=False):
        subdirectories.sort()
        for name in sorted(names):
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file():
                continue
            if skip_suffix and name.endswith(skip_suffix):
                continue
            yield path, path.relative_to(root).as_posix()


def _applied_migrations(alias: str) -> list[list[str]]:
    recorder = MigrationRecorder(connections[alias])
    return sorted([app, name] for app, name in recorder.applied_migrations())


def backup_file_name(moment: datetime.datetime) -> str:
    return f"{FILE_PREFIX}{moment.strftime('%Y%m%dT%H%M%SZ')}{FILE_SUFFIX}"


def create_backup(
    destination: Path, recipients: list[Any], *, alias: str = "default"
) -> BackupResult:
    """Write one encrypted backup file into `destination` and return what it holds.

    The file appears under its final name only once complete (written as .partial, then
    renamed), readable by the service's user alone.
    """
    if not recipients:
        raise BackupError(
            "No recipient: give --recipient or set BACKUP_RECIPIENTS. "
            "A backup is never written unencrypted."
        )
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    moment = timezone.now().astimezone(datetime.UTC)
    final = destination / backup_file_name(moment)
    if final.exists():
        raise BackupError(f"{final.name} already exists; wait a second and run it again.")
    partial = final.with_name(final.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="casebook-backup-", dir=destination) as scratch_dir:
        scratch = Path(scratch_dir)
        os.chmod(scratch, 0o700)
        dump = _dump_database(scratch, alias)
        members: list[tuple[Path, str]] = [(dump, dump.name)]
        members += [
            (path, f"media/{relative}")
            for path, relative in _files_under(Path(settings.MEDIA_ROOT))
        ]
        members += [
            (path, f"exports/{relative}")
            for path, relative in _files_under(
                Path(settings.EXPORT_ROOT), skip_suffix=_UNFINISHED_EXPORT_SUFFIX
            )
        ]
        parts = [Part(name, path.stat().st_size, _sha256_of(path)) for path, name in members]
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": moment.isoformat(),
            "casebook_version": _casebook_version(),
            "database_vendor": connections[alias].vendor,
            "migrations": _applied_migrations(alias),
            "parts": [part.__dict__ for part in parts],
        }
        manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
        archive = scratch / "backup.tar"
        with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
            _add_bytes(tar, MANIFEST, manifest_bytes)
            _add_bytes(tar, MANIFEST_MAC, _manifest_mac(manifest_bytes).encode())
            for (path, name), part in zip(members, parts, strict=True):
                info = tarfile.TarInfo(name)
                info.size = part.size
                info.mode = 0o600
                info.mtime = int(path.stat().st_mtime)
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with archive.open("rb") as reader, os.fdopen(descriptor, "wb") as writer:
                pyrage_module().encrypt_io(reader, writer, recipients)
                writer.flush()
                os.fsync(writer.fileno())
            os.replace(partial, final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(final, final.stat().st_size, parts, connections[alias].vendor)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _casebook_version() -> str:
    from cases.exports.jobs import casebook_version

    return casebook_version()


def prune_backups(destination: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest backup files in `destination`; returns those deleted."""
    if keep < 1 or not destination.is_dir():
        return []
    backups = sorted(
        path
        for path in destination.iterdir()
        if path.name.startswith(FILE_PREFIX) and path.name.endswith(FILE_SUFFIX)
    )
    deleted = backups[:-keep]
    for path in deleted:
        path.unlink()
    return deleted


# --- Restoring ---------------------------------------------------------------------------------


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _decrypt(source: Path, identities: list[Any], scratch: Path) -> Path:
    plain = scratch / "backup.tar"
    try:
        reader = source.open("rb")
    except OSError as error:
        raise RestoreRefused(f"Cannot read the backup: {error.strerror}.") from error
    try:
        with reader, plain.open("wb") as writer:
            pyrage_module().decrypt_io(reader, writer, identities)
    # pyrage raises DecryptError for a bad header and a bare OSError("decryption error") for a
    # chunk whose authentication fails: both mean the same to the operator.
    except Exception as error:
        raise RestoreRefused(
            "The backup cannot be decrypted with this identity: it is damaged or altered, or "
            "it was encrypted to another key."
        ) from error
    return plain


def _read_manifest(tar: tarfile.TarFile) -> tuple[dict[str, Any], list[tarfile.TarInfo]]:
    members = tar.getmembers()
    if len(members) < 3 or [m.name for m in members[:2]] != [MANIFEST, MANIFEST_MAC]:
        raise RestoreRefused("This is not a Casebook backup: its manifest is missing.")
    manifest_bytes = tar.extractfile(members[0]).read()
    mac = tar.extractfile(members[1]).read().decode("ascii", "replace").strip()
    keys = [_manifest_key()] + [
        hmac.new(fallback.encode(), b"casebook backup manifest", "sha256").digest()
        for fallback in getattr(settings, "HISTORY_KEY_FALLBACKS", [])
    ]
    if not any(hmac.compare_digest(_manifest_mac(manifest_bytes, key), mac) for key in keys):
        raise RestoreRefused(
            "The backup's manifest is not signed with this installation's HISTORY_KEY: it was "
            "altered, or made by another installation (set its HISTORY_KEY to restore it)."
        )
    manifest = json.loads(manifest_bytes)
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise RestoreRefused("This backup's format is not one this version of Casebook reads.")
    return manifest, members[2:]


def _extract_verified(
    tar: tarfile.TarFile, members: list[tarfile.TarInfo], manifest: dict[str, Any], into: Path
) -> list[Part]:
    expected = {part["path"]: Part(**part) for part in manifest["parts"]}
    seen: set[str] = set()
    for member in members:
        if not member.isreg() or not _safe_member_name(member.name):
            raise RestoreRefused(f"The backup holds an entry it should not: {member.name!r}.")
        part = expected.get(member.name)
        if part is None or member.name in seen:
            raise RestoreRefused(
                f"The backup holds a file its manifest does not list: {member.name}."
            )
        seen.add(member.name)
        target = into / member.name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with tar.extractfile(member) as reader, target.open("wb") as writer:
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                writer.write(chunk)
        if size != part.size or digest.hexdigest() != part.sha256:
            raise RestoreRefused(f"{member.name} does not match its SHA-256 in the manifest.")
    missing = sorted(set(expected) - seen)
    if missing:
        raise RestoreRefused(f"The backup lacks {len(missing)} listed parts, first {missing[0]}.")
    return list(expected.values())


def _check_migrations(manifest: dict[str, Any], alias: str) -> list[str]:
    """Refuse a backup from a newer Casebook; name the migrations the restored data still needs."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    recorded = {tuple(item) for item in manifest.get("migrations", [])}
    unknown = sorted(f"{app}.{name}" for app, name in recorded - known)
    if unknown:
        raise RestoreRefused(
            "The backup was made by a newer Casebook (it has migrations this code does not know, "
            f"first {unknown[0]}): upgrade Casebook, then restore."
        )
    return sorted(f"{app}.{name}" for app, name in known - recorded)


def _empty_directory(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _check_targets_empty(alias: str) -> None:
    connection = connections[alias]
    if connection.vendor == "sqlite" and _sqlite_is_in_memory(connection.settings_dict["NAME"]):
        raise RestoreRefused("Restore into a database file, not an in-memory SQLite database.")
    tables = connection.introspection.table_names()
    if tables:
        raise RestoreRefused(
            f"The database {connection.settings_dict['NAME']} already holds {len(tables)} "
            "tables. Restore only into an empty database (create a new one and point "
            "DATABASE_URL at it); nothing was changed."
        )
    for setting in ("MEDIA_ROOT", "EXPORT_ROOT"):
        if not _empty_directory(Path(getattr(settings, setting))):
            raise RestoreRefused(
                f"{setting} ({getattr(settings, setting)}) is not empty. Restore only into empty "
                "file directories; nothing was changed."
            )


def _sqlite_is_in_memory(name: Any) -> bool:
    text = str(name)
    return text == ":memory:" or "mode=memory" in text


def _restore_database(dump: Path, vendor: str, alias: str) -> None:
    connection = connections[alias]
    if vendor != connection.vendor:
        raise RestoreRefused(
            f"The backup holds a {vendor} database and DATABASE_URL names a {connection.vendor} "
            "one: restore into the same kind of database."
        )
    if vendor == "postgresql":
        connection.close()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                str(connection.settings_dict["NAME"]),
                str(dump),
            ],
            _pg_environment(connection.settings_dict),
            RestoreRefused,
        )
        return
    connection.close()
    source = sqlite3.connect(dump)
    target = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _copy_tree(source: Path, target: Path) -> None:
    if not source.is_dir():
        return
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path, relative in _files_under(source):
        destination = target / relative
        destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        os.chmod(destination, 0o600)


def restore_backup(
    source: Path, identities: list[Any], *, alias: str = "default", scratch_root: Path | None = None
) -> RestoreResult:
    """Restore `source` into the configured, empty database and file directories.

    Everything is checked before anything is written: RestoreRefused leaves the target as it
    was. The history check runs on the restored data; its findings are in the result.
    """
    with tempfile.TemporaryDirectory(prefix="casebook-restore-", dir=scratch_root) as scratch_dir:
        scratch = Path(scratch_dir)
        os.chmod(scratch, 0o700)
        plain = _decrypt(source, identities, scratch)
        extracted = scratch / "parts"
        extracted.mkdir(mode=0o700)
        try:
            with tarfile.open(plain, "r:") as tar:
                manifest, members = _read_manifest(tar)
                parts = _extract_verified(tar, members, manifest, extracted)
        except tarfile.TarError as error:
            raise RestoreRefused(f"The backup's archive is damaged: {error}.") from error
        plain.unlink()
        to_apply = _check_migrations(manifest, alias)
        _check_targets_empty(alias)
        database_part = next(p for p in parts if p.path.startswith("database."))
        _restore_database(extracted / database_part.path, manifest["database_vendor"], alias)
        _copy_tree(extracted / "media", Path(settings.MEDIA_ROOT))
        _copy_tree(extracted / "exports", Path(settings.EXPORT_ROOT))
    result = RestoreResult(manifest, parts, migrations_to_apply=to_apply)
    if not to_apply:
        from cases.history import verify

        report = verify(None)
        result.entries_checked = report.entries_checked
        result.history_findings = [f"{f.kind}: {f.detail}" for f in report.findings]
    return result
