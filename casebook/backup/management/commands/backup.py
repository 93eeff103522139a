from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...archive import BackupError, create_backup, prune_backups
from ...keys import parse_recipients


class Command(BaseCommand):
    help = (
        "Write an encrypted backup of the database, the evidence files and the export files "
        "into DEST (default BACKUP_DIR): one .tar.age file, encrypted to the age public keys "
        "of BACKUP_RECIPIENTS or --recipient, with a manifest of every part's SHA-256."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", nargs="?", metavar="DEST", help="a directory")
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            metavar="AGE_PUBLIC_KEY",
            help="age public key (age1…) to encrypt to; repeat for several; "
            "default BACKUP_RECIPIENTS",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            metavar="N",
            help="afterwards delete all but the N newest backups in DEST (default: keep all)",
        )

    def handle(self, *args, **options):
        destination = Path(options["destination"] or settings.BACKUP_DIR)
        try:
            recipients = parse_recipients(options["recipient"] or settings.BACKUP_RECIPIENTS)
        except ValueError as error:
            raise CommandError(str(error)) from error
        try:
            result = create_backup(destination, recipients)
        except BackupError as error:
            raise CommandError(str(error)) from error
        deleted = prune_backups(destination, options["keep"]) if options["keep"] else []
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {result.path} ({result.size:,} bytes; the "
                f"{result.database_vendor} database and {result.file_count} files, each with "
                "its SHA-256 in the manifest)."
            )
        )
        if deleted:
            self.stdout.write(f"Deleted {len(deleted)} older backups.")
