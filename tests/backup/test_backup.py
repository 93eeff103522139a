"""Backups that restore: everything kept comes back byte for byte, and nothing altered does.

The round trip runs the real commands as an operator would — `backup` in this process, against
the test database, and `restore` in a fresh process pointed at a new, empty database — so the
restored installation shares nothing with this one but the backup file and the secrets.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from casebook.accounts.roles import Role
from casebook.accounts.system import system_user
from casebook.backup import archive
from casebook.backup.archive import RestoreRefused, create_backup, restore_backup
from casebook.backup.keys import IdentityError, new_identity, parse_recipients, read_identities
from casebook.backup.tasks import backup_task
from cases.models import EvidenceFile
from cases.services.common import save_validated

from ..factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
# Writing a backup reads the database from outside the test's transaction (pg_dump is another
# process; SQLite's backup cannot run inside one), so these tests commit. serialized_rollback:
# the flush after each would otherwise also drop the vocabularies the migrations load.
COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)
EVIDENCE_BYTES = b"%PDF-1.4 the article as it was published\n" + bytes(range(256)) * 64
EXPORT_BYTES = b"reference,title\r\nTCB-2014-0001,Arrest of five Tibetans\r\n"


@pytest.fixture
def keys(tmp_path):
    secret, public = new_identity()
    identity_file = tmp_path / "identity.txt"
    identity_file.write_text(f"# test identity\n{secret}\n")
    return public, identity_file


@pytest.fixture
def roots(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EXPORT_ROOT = str(tmp_path / "exports")
    return Path(settings.MEDIA_ROOT), Path(settings.EXPORT_ROOT)


@pytest.fixture
def kept_files(roots, demo_case):
    """An evidence file with its row, a finished export file and an unfinished one."""
    media, exports = roots
    digest = hashlib.sha256(EVIDENCE_BYTES).hexdigest()
    (media / "evidence").mkdir(parents=True)
    (media / "evidence" / digest).write_bytes(EVIDENCE_BYTES)
    save_validated(
        EvidenceFile(
            source=demo_case.citations.first().source,
            file=f"evidence/{digest}",
            original_name="article.pdf",
            sha256=digest,
            size=len(EVIDENCE_BYTES),
            media_type="application/pdf",
        ),
        acting_user=system_user(),
    )
    exports.mkdir(parents=True)
    finished = exports / f"{uuid.uuid4()}.csv"
    finished.write_bytes(EXPORT_BYTES)
    (exports / f"{uuid.uuid4()}.1.part").write_bytes(b"half a file")
    return {f"evidence/{digest}": EVIDENCE_BYTES, finished.name: EXPORT_BYTES}


def _csv_export(client) -> bytes:
    response = client.get("/api/v1/detentions/?format=csv&profile=internal")
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


EXPORT_SCRIPT = """
import sys, django
django.setup()
from django.test import Client
from django.contrib.auth import get_user_model
client = Client()
client.force_login(get_user_model().objects.get(username=sys.argv[1]))
response = client.get("/api/v1/detentions/?format=csv&profile=internal")
assert response.status_code == 200, response.status_code
body = b"".join(response.streaming_content) if response.streaming else response.content
sys.stdout.buffer.write(body)
"""


class FreshInstallation:
    """An empty database and empty file directories, and a way to run manage.py against them."""

    def __init__(self, tmp_path: Path):
        self.media = tmp_path / "restored-media"
        self.exports = tmp_path / "restored-exports"
        if connection.vendor == "postgresql":
            self.name = f"casebook_restore_{uuid.uuid4().hex[:12]}"
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.name}"')
            params = connection.settings_dict
            self.url = (
                f"postgres://{params['USER']}:{params['PASSWORD'] or ''}@{params['HOST'] or ''}"
                f":{params['PORT'] or 5432}/{self.name}"
            )
        else:
            self.name = None
            self.url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            # The Django test client of the export script calls itself "testserver".
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": self.url,
            "MEDIA_ROOT": str(self.media),
            "EXPORT_ROOT": str(self.exports),
        }

    def run(self, *arguments: str, script: str | None = None) -> subprocess.CompletedProcess:
        command = (
            [sys.executable, "-c", script, *arguments]
            if script
            else [
                sys.executable,
                "manage.py",
                *arguments,
            ]
        )
        return subprocess.run(  # noqa: S603 - our own manage.py and script
            command, cwd=ROOT, env=self.environment(), capture_output=True, timeout=300
        )

    def drop(self) -> None:
        if self.name:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def fresh(tmp_path):
    installation = FreshInstallation(tmp_path)
    yield installation
    installation.drop()


@COMMITTED
def test_restore_into_a_fresh_database_gives_back_every_record_and_file(
    client, keys, kept_files, fresh, tmp_path
):
    public, identity_file = keys
    administrator = UserFactory(username="backup-admin", roles=[Role.ADMINISTRATOR])
    client.force_login(administrator)
    exported_before = _csv_export(client)
    assert b"TCB-" in exported_before or len(exported_before.splitlines()) > 1

    call_command("backup", str(tmp_path / "backups"), "--recipient", public, stdout=io.StringIO())
    (backup_file,) = (tmp_path / "backups").iterdir()
    assert backup_file.name.endswith(".tar.age")
    assert backup_file.stat().st_mode & 0o077 == 0
    assert EVIDENCE_BYTES[:40] not in backup_file.read_bytes()

    restored = fresh.run("restore", str(backup_file), "--identity", str(identity_file))
    output = restored.stdout.decode() + restored.stderr.decode()
    assert restored.returncode == 0, output
    assert "every part matched its SHA-256" in output
    assert "History intact" in output

    for relative, data in kept_files.items():
        root = fresh.media if relative.startswith("evidence/") else fresh.exports
        assert (root / relative).read_bytes() == data
    assert not list(fresh.exports.glob("*.part")), "an unfinished export came back"

    exported_after = fresh.run("backup-admin", script=EXPORT_SCRIPT)
    assert exported_after.returncode == 0, exported_after.stderr.decode()
    assert exported_after.stdout == exported_before

    again = fresh.run("restore", str(backup_file), "--identity", str(identity_file))
    assert again.returncode != 0
    assert b"Restore only into an empty database" in again.stderr


def _flip_one_byte(path: Path, offset: int) -> Path:
    damaged = path.with_name("damaged-" + path.name)
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    damaged.write_bytes(bytes(data))
    return damaged


@pytest.fixture
def backup_file(keys, kept_files, tmp_path):
    public, _identity_file = keys
    return create_backup(tmp_path / "backups", parse_recipients([public])).path


@COMMITTED
@pytest.mark.parametrize("where", ["header", "middle", "end"])
def test_a_backup_with_one_altered_byte_is_refused_before_anything_is_written(
    backup_file, keys, where, roots
):
    _public, identity_file = keys
    size = backup_file.stat().st_size
    offset = {"header": 40, "middle": size // 2, "end": size - 5}[where]
    damaged = _flip_one_byte(backup_file, offset)
    media, _exports = roots
    files_before = sorted(media.rglob("*"))

    with pytest.raises(RestoreRefused, match="cannot be decrypted"):
        restore_backup(damaged, read_identities(identity_file))
    assert sorted(media.rglob("*")) == files_before


@COMMITTED
def test_a_truncated_backup_is_refused(backup_file, keys, tmp_path):
    _public, identity_file = keys
    truncated = tmp_path / "truncated.tar.age"
    truncated.write_bytes(backup_file.read_bytes()[:-1000])
    with pytest.raises(RestoreRefused, match="cannot be decrypted"):
        restore_backup(truncated, read_identities(identity_file))


@COMMITTED
def test_a_backup_encrypted_to_another_key_is_refused(backup_file, tmp_path):
    other_secret, _other_public = new_identity()
    other = tmp_path / "other.txt"
    other.write_text(other_secret + "\n")
    with pytest.raises(RestoreRefused, match="encrypted to another key"):
        restore_backup(backup_file, read_identities(other))


def _rewrite(backup_file: Path, identity_file: Path, public: str, change) -> Path:
    """Decrypt, let `change` edit the tar members (name → bytes), re-encrypt to the same key:
    what an attacker holding only the public key can do."""
    import pyrage

    plain = pyrage.decrypt(backup_file.read_bytes(), read_identities(identity_file))
    members: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        for member in tar.getmembers():
            members[member.name] = tar.extractfile(member).read()
    change(members)
    rebuilt = io.BytesIO()
    with tarfile.open(fileobj=rebuilt, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    forged = backup_file.with_name("forged-" + backup_file.name)
    forged.write_bytes(pyrage.encrypt(rebuilt.getvalue(), parse_recipients([public])))
    return forged


@COMMITTED
def test_a_part_swapped_in_a_re_encrypted_backup_is_refused(backup_file, keys):
    public, identity_file = keys

    def swap_evidence(members):
        name = next(name for name in members if name.startswith("media/evidence/"))
        members[name] = b"a different document"

    forged = _rewrite(backup_file, identity_file, public, swap_evidence)
    with pytest.raises(RestoreRefused, match="does not match its SHA-256"):
        restore_backup(forged, read_identities(identity_file))


@COMMITTED
def test_a_manifest_rewritten_to_match_a_swapped_part_is_refused(backup_file, keys):
    public, identity_file = keys

    def swap_and_cover(members):
        name = next(name for name in members if name.startswith("media/evidence/"))
        members[name] = b"a different document"
        manifest = json.loads(members[archive.MANIFEST])
        for part in manifest["parts"]:
            if part["path"] == name:
                part["sha256"] = hashlib.sha256(members[name]).hexdigest()
                part["size"] = len(members[name])
        members[archive.MANIFEST] = json.dumps(manifest).encode()

    forged = _rewrite(backup_file, identity_file, public, swap_and_cover)
    with pytest.raises(RestoreRefused, match="not signed with this installation's HISTORY_KEY"):
        restore_backup(forged, read_identities(identity_file))


@COMMITTED
def test_an_extra_file_smuggled_into_a_backup_is_refused(backup_file, keys):
    public, identity_file = keys

    def smuggle(members):
        members["media/evidence/../../etc/cron.d/casebook"] = b"* * * * * root id\n"

    forged = _rewrite(backup_file, identity_file, public, smuggle)
    with pytest.raises(RestoreRefused, match="should not"):
        restore_backup(forged, read_identities(identity_file))


@COMMITTED
def test_restore_refuses_a_database_that_is_not_empty(backup_file, keys, monkeypatch):
    _public, identity_file = keys
    # The suite's SQLite database lives in memory, which restore refuses first.
    monkeypatch.setattr(archive, "_sqlite_is_in_memory", lambda name: False)
    with pytest.raises(RestoreRefused, match="Restore only into an empty database"):
        restore_backup(backup_file, read_identities(identity_file))


@COMMITTED
def test_restore_refuses_file_directories_that_are_not_empty(
    backup_file, keys, settings, tmp_path, monkeypatch
):
    _public, identity_file = keys
    monkeypatch.setattr(archive, "_sqlite_is_in_memory", lambda name: False)
    monkeypatch.setattr(archive.connections["default"].introspection, "table_names", lambda: [])
    settings.MEDIA_ROOT = str(tmp_path / "fresh-media")
    settings.EXPORT_ROOT = str(tmp_path / "busy")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "someone-else.csv").write_text("x")
    with pytest.raises(RestoreRefused, match=r"EXPORT_ROOT .* is not empty"):
        restore_backup(backup_file, read_identities(identity_file))


@COMMITTED
def test_a_backup_from_a_newer_casebook_is_refused(backup_file, keys):
    public, identity_file = keys

    def newer(members):
        manifest = json.loads(members[archive.MANIFEST])
        manifest["migrations"].append(["cases", "9999_from_the_future"])
        data = json.dumps(manifest).encode()
        members[archive.MANIFEST] = data
        members[archive.MANIFEST_MAC] = archive._manifest_mac(data).encode()

    forged = _rewrite(backup_file, identity_file, public, newer)
    with pytest.raises(RestoreRefused, match="newer Casebook"):
        restore_backup(forged, read_identities(identity_file))


def test_a_sqlite_backup_inside_a_transaction_is_refused_not_left_waiting(db, keys, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("pg_dump takes its own snapshot; only SQLite's backup waits on this connection")
    with pytest.raises(archive.BackupError, match="inside a transaction"):
        create_backup(tmp_path / "backups", parse_recipients([keys[0]]))
    assert not any((tmp_path / "backups").iterdir())


def test_backup_without_a_recipient_writes_nothing(db, settings, tmp_path):
    settings.BACKUP_RECIPIENTS = []
    with pytest.raises(CommandError, match="never written unencrypted"):
        call_command("backup", str(tmp_path / "backups"))
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


def test_a_recipient_that_is_not_an_age_key_is_named(db, tmp_path):
    with pytest.raises(CommandError, match="recipient 2 is not an age public key"):
        call_command(
            "backup", str(tmp_path), "--recipient", new_identity()[1], "--recipient", "ssh-rsa x"
        )


def test_an_identity_file_without_a_secret_key_is_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n")
    with pytest.raises(IdentityError, match="holds no age secret key"):
        read_identities(empty)


def test_backup_identity_writes_a_private_key_file_and_prints_the_public_key(tmp_path):
    out = io.StringIO()
    call_command("backup_identity", str(tmp_path / "id.txt"), stdout=out)
    public = out.getvalue().strip().splitlines()[-1]
    assert parse_recipients([public])
    assert (tmp_path / "id.txt").stat().st_mode & 0o077 == 0
    assert read_identities(tmp_path / "id.txt")
    with pytest.raises(CommandError, match="exists"):
        call_command("backup_identity", str(tmp_path / "id.txt"), stdout=io.StringIO())


@COMMITTED
def test_the_scheduled_backup_keeps_the_newest_files(keys, settings, tmp_path):
    public, _identity_file = keys
    settings.BACKUP_DIR = tmp_path / "scheduled"
    settings.BACKUP_RECIPIENTS = [public]
    settings.BACKUP_KEEP = 2
    settings.BACKUP_DIR.mkdir()
    for stamp in ("20200101T000000Z", "20200102T000000Z"):
        (settings.BACKUP_DIR / f"casebook-backup-{stamp}.tar.age").write_bytes(b"old")
    name = backup_task.apply().get()
    kept = sorted(path.name for path in settings.BACKUP_DIR.iterdir())
    assert kept == ["casebook-backup-20200102T000000Z.tar.age", name]


def test_a_failed_scheduled_backup_tells_the_administrators(db, settings, tmp_path, monkeypatch):
    settings.BACKUP_DIR = tmp_path / "scheduled"
    settings.BACKUP_RECIPIENTS = [new_identity()[1]]
    UserFactory(username="admin1", email="admin1@example.org", roles=[Role.ADMINISTRATOR])
    UserFactory(username="monitor1", email="monitor1@example.org", roles=[Role.MONITOR])

    def fail(*args, **kwargs):
        raise archive.BackupError("pg_dump failed: server version mismatch")

    monkeypatch.setattr("casebook.backup.tasks.create_backup", fail)
    with pytest.raises(archive.BackupError):
        backup_task.apply()
    assert [message.to for message in mail.outbox] == [["admin1@example.org"]]
    assert "server version mismatch" in mail.outbox[0].body


def test_settings_schedule_backups_only_with_recipients():
    from tests.test_settings import PRODUCTION, manage

    public = new_identity()[1]
    script = "from django.conf import settings; print(settings.CELERY_BEAT_SCHEDULE.get('backup'))"
    scheduled = manage("shell", "-c", script, **PRODUCTION, BACKUP_RECIPIENTS=public)
    assert scheduled.returncode == 0, scheduled.stderr
    assert "casebook.backup.tasks.backup_task" in scheduled.stdout
    assert "86400" in scheduled.stdout
    refused = manage("check", **PRODUCTION, BACKUP_RECIPIENTS="not-a-key")
    assert refused.returncode != 0
    assert "BACKUP_RECIPIENTS: recipient 1 is not an age public key" in refused.stderr
    no_keys = manage("check", **PRODUCTION, BACKUP_INTERVAL_HOURS="6")
    assert no_keys.returncode != 0
    assert "BACKUP_RECIPIENTS is empty" in no_keys.stderr


def test_settings_are_documented():
    configuration = (ROOT / "docs" / "configuration.md").read_text()
    for name in ("BACKUP_DIR", "BACKUP_RECIPIENTS", "BACKUP_INTERVAL_HOURS", "BACKUP_KEEP"):
        assert name in configuration
    assert settings.BACKUP_KEEP >= 1
