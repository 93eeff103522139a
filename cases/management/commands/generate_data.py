from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from ...generate.generator import (
    CASES_AT_SCALE_ONE,
    NotEmpty,
    VocabulariesMissing,
    generate,
)


class Command(BaseCommand):
    help = (
        "Fill an EMPTY database with deterministic benchmark data: cases, people with names in "
        "several scripts, detentions with their timelines, sources and citations, a gazetteer "
        "and organisations (--scale 1 = 100,000 cases). The rows are written in bulk without "
        "version history or the tamper-evident chain, so `verify_history` reports every one of "
        "them: this is benchmark data, never evidence. Refuses to run when the database holds "
        "any case (or other case records). Needs the vocabularies seeded by `migrate`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        size = parser.add_mutually_exclusive_group()
        size.add_argument("--cases", type=int, help="Number of cases to generate.")
        size.add_argument(
            "--scale",
            type=float,
            help=f"Size in multiples of {CASES_AT_SCALE_ONE:,} cases (0.1 = 10,000). Default 0.01.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Random seed: the same seed and size give the same rows. Default 1.",
        )

    def handle(self, *args, cases: int | None, scale: float | None, seed: int, **options) -> None:
        if cases is None:
            cases = round((0.01 if scale is None else scale) * CASES_AT_SCALE_ONE)
        if cases < 1:
            raise CommandError("Generate at least one case (--cases 1 or a larger --scale).")
        self.stdout.write(
            f"Generating {cases:,} cases with seed {seed} into {connection.vendor} "
            f"database {connection.settings_dict['NAME']!r} …"
        )
        try:
            summary = generate(cases=cases, seed=seed, log=self.stdout.write)
        except NotEmpty as refusal:
            holding = ", ".join(f"{count:,} {what}" for what, count in refusal.args[0].items())
            raise CommandError(
                f"Refusing to generate: the database already holds {holding}. generate_data "
                "writes benchmark data without version history or the tamper-evident chain, "
                "so it only fills an empty database (create one and run `migrate`). Nothing "
                "was written."
            ) from None
        except VocabulariesMissing as missing:
            raise CommandError(str(missing)) from None

        self.stdout.write("")
        self.stdout.write(f"{'table':<36} {'rows':>11} {'load s':>8} {'index s':>8}")
        for report in summary.reports:
            self.stdout.write(
                f"{report.table:<36} {report.rows:>11,} {report.load_seconds:>8.1f} "
                f"{report.index_seconds:>8.1f}"
            )
        total_rows = sum(report.rows for report in summary.reports)
        self.stdout.write(f"{'total':<36} {total_rows:>11,}")
        self.stdout.write("")
        for phase, seconds in summary.phases:
            self.stdout.write(f"{phase:<36} {seconds:>8.1f} s")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {cases:,} cases ({total_rows:,} rows, seed {seed}) in "
                f"{summary.seconds:.1f} s. Benchmark data only: it has no version history."
            )
        )
