from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...keys import new_identity


class Command(BaseCommand):
    help = (
        "Create an age key pair for backups: the secret key goes into FILE (readable by you "
        "alone; keep it OFF the server, e.g. on the administrators' offline media), the public "
        "key is printed for BACKUP_RECIPIENTS."
    )

    def add_arguments(self, parser):
        parser.add_argument("identity_file", metavar="FILE")

    def handle(self, *args, **options):
        path = Path(options["identity_file"])
        secret, public = new_identity()
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as error:
            raise CommandError(f"{path} exists; choose a new file name.") from error
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(f"# Casebook backup identity; public key: {public}\n{secret}\n")
        self.stdout.write(f"Secret key written to {path}.\nPublic key (BACKUP_RECIPIENTS):")
        self.stdout.write(public)
