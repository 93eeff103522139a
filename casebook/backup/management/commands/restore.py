from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...archive import RestoreRefused, restore_backup
from ...keys import IdentityError, read_identities


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the EMPTY database named by "
        "DATABASE_URL and the empty MEDIA_ROOT and EXPORT_ROOT. The backup is decrypted and "
        "every part checked against its signed manifest before anything is written; a damaged "
        "or altered backup is refused. The history check runs on the result."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", metavar="SRC", help="a .tar.age file written by backup")
        parser.add_argument(
            "--identity",
            required=True,
            metavar="FILE",
            help="the age identity file holding the secret key (AGE-SECRET-KEY-1…)",
        )

    def handle(self, *args, **options):
        try:
            identities = read_identities(Path(options["identity"]))
            result = restore_backup(Path(options["source"]), identities)
        except (IdentityError, RestoreRefused) as error:
            raise CommandError(f"Restore refused: {error}") from error
        files = len(result.parts) - 1
        self.stdout.write(
            f"Restored the {result.manifest['database_vendor']} database and {files} files of "
            f"the backup made {result.manifest['created_at']} by Casebook "
            f"{result.manifest['casebook_version']}; every part matched its SHA-256."
        )
        if result.migrations_to_apply:
            self.stdout.write(
                self.style.WARNING(
                    f"This code has {len(result.migrations_to_apply)} migrations the backup "
                    "predates: run `manage.py migrate`, then `manage.py verify_history`."
                )
            )
            return
        for finding in result.history_findings:
            self.stdout.write(finding)
        if not result.history_ok:
            raise CommandError(
                f"The restored history has {len(result.history_findings)} problems (above)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"History intact: {result.entries_checked} chain entries checked.")
        )
