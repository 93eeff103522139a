"""`make bench`: prepare the bench database, then measure and write docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...bench.common import DATABASE_PREFIX, Out, database_name
from ...bench.context import Options
from ...bench.run import SECTION_TITLES


class Command(BaseCommand):
    help = (
        "Benchmark Casebook on a generated PostgreSQL database: the detention export against "
        "hand-written SQL (COPY) and a ModelSerializer, export memory, API and page latency, "
        "query counts and EXPLAIN. --prepare drops, creates, migrates and generates the "
        "database first (only databases named casebook_bench*)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--prepare", action="store_true", help="Prepare the database only.")
        parser.add_argument(
            "--keep",
            action="store_true",
            help="With --prepare: reuse the database if it already holds cases.",
        )
        parser.add_argument("--scale", type=float, default=None, help="generate_data's scale.")
        parser.add_argument("--seed", type=int, default=None, help="generate_data's seed.")
        parser.add_argument("--output", default="", help="Markdown file to write, e.g. docs/…")
        parser.add_argument(
            "--sections",
            default=",".join(SECTION_TITLES),
            help=f"Comma-separated, in order: {', '.join(SECTION_TITLES)}.",
        )
        parser.add_argument("--requests", type=int, default=50, help="Timed requests each.")
        parser.add_argument(
            "--latency-budget",
            type=float,
            default=15.0,
            help="Seconds of timed requests per latency benchmark (fewer requests if slower).",
        )
        parser.add_argument(
            "--export-budget",
            type=float,
            default=15.0,
            help="Seconds of repeated runs per export format and profile (at least two runs).",
        )
        parser.add_argument(
            "--no-baseline", action="store_true", help="Skip the ModelSerializer baseline."
        )

    def handle(self, *args, **options):
        out = Out(self.stdout)
        if options["prepare"]:
            from ...bench.prepare import prepare

            try:
                prepare(
                    scale=options["scale"] if options["scale"] is not None else 1.0,
                    seed=options["seed"] if options["seed"] is not None else 1,
                    keep=options["keep"],
                    out=out,
                )
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc
            return

        if not database_name().startswith(DATABASE_PREFIX):
            raise CommandError(
                f"The bench writes to its database (a bench user, ANALYZE): point DATABASE_URL "
                f"at a database whose name starts with {DATABASE_PREFIX!r}."
            )
        sections = tuple(part.strip() for part in options["sections"].split(",") if part.strip())
        unknown = [part for part in sections if part not in SECTION_TITLES]
        if unknown:
            raise CommandError(f"Unknown sections: {', '.join(unknown)}.")
        from ...bench.report import read_prepare
        from ...bench.run import run

        prepared = read_prepare(database_name())
        scale = options["scale"] if options["scale"] is not None else prepared.get("scale")
        seed = options["seed"] if options["seed"] is not None else prepared.get("seed")
        if prepared.get("kept") and "scale" in prepared:
            scale, seed = prepared["scale"], prepared.get("seed")
        command = "make bench"
        if scale is not None and scale != 1:
            command += f" BENCH_SCALE={scale:g}"
        if seed is not None and seed != 1:
            command += f" BENCH_SEED={seed}"
        output = Path(options["output"]) if options["output"] else None
        if output is not None and not output.is_absolute():
            output = Path(settings.BASE_DIR) / output
        try:
            run(
                Options(
                    scale=scale,
                    seed=seed,
                    requests=options["requests"],
                    latency_budget=options["latency_budget"],
                    export_budget=options["export_budget"],
                    baseline=not options["no_baseline"],
                    sections=sections,
                ),
                out=out,
                output=output,
                command=command,
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
