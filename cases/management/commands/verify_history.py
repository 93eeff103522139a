from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...history import verify


class Command(BaseCommand):
    help = (
        "Check the tamper-evident history: walk the chain of versions, recompute every hash with "
        "the key of its segment, and compare each current row, many-to-many set, account and API "
        "token with its latest record. With --checkpoints, also check that the chain reaches and "
        "passes through every signed checkpoint in FILE. Exits non-zero on any finding."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints",
            metavar="FILE",
            help="a file of signed checkpoints (HISTORY_CHECKPOINT_FILE, or the checkpoint log)",
        )

    def handle(self, *args, **options):
        checkpoint_lines = None
        if options["checkpoints"]:
            try:
                checkpoint_lines = Path(options["checkpoints"]).read_text("utf-8").splitlines()
            except OSError as error:
                raise CommandError(f"Cannot read the checkpoints: {error}") from error
        started = time.monotonic()
        report = verify(checkpoint_lines)
        elapsed = time.monotonic() - started
        for finding in report.findings:
            self.stdout.write(f"{finding.kind}: {finding.detail}")
        summary = (
            f"{report.entries_checked} chain entries, {report.rows_checked} rows and "
            f"{report.accounts_checked} accounts and tokens checked"
        )
        if checkpoint_lines is not None:
            summary += f" against {report.checkpoints_checked} checkpoints"
        summary += f" in {elapsed:.1f} s"
        if not report.ok:
            raise CommandError(f"{len(report.findings)} problems found; {summary}.")
        self.stdout.write(self.style.SUCCESS(f"History intact: {summary}."))
