"""One run of the harness: the sections in order, each timed, then the report."""

from __future__ import annotations

import datetime
import time
import traceback
from pathlib import Path
from typing import Any

from django.db import connection

from .common import Check, Out, Section, bench_settings, bench_user, database_name, is_postgresql
from .common import raw_connection as open_raw
from .context import Context, Options
from .report import (
    RunInfo,
    load_average,
    machine,
    postgresql_version,
    read_prepare,
    render,
    row_counts,
    write,
)

# What docs/configuration.md asks of a Casebook database at this size; set on the bench database
# (ALTER DATABASE, so every session has them, the memory subprocesses' included).
SERVER_SETTINGS = {"random_page_cost": "1.1", "jit": "off", "work_mem": "32MB"}

SECTION_TITLES = {
    "exports": "Detention export",
    "memory": "Peak memory",
    "latency": "API latency",
    "html": "HTML pages",
    "explain": "EXPLAIN",
}


def _runner(key: str):
    from . import explain, exports, latency, memory

    return {
        "exports": exports.section,
        "memory": memory.section,
        "latency": latency.section,
        "html": latency.html_section,
        "explain": explain.section,
    }[key]


def apply_server_settings() -> None:
    raw = open_raw()
    try:
        with raw.cursor() as cursor:
            quoted = '"' + database_name().replace('"', '""') + '"'
            for name, value in SERVER_SETTINGS.items():
                cursor.execute(f"ALTER DATABASE {quoted} SET {name} = %s", [value])
    finally:
        raw.close()
    # Sessions opened from now on have the settings; Django's own opens anew when next used.
    if not connection.in_atomic_block:
        connection.close()


def server_settings(raw: Any) -> str:
    with raw.cursor() as cursor:
        shown = []
        for name in SERVER_SETTINGS:
            cursor.execute("SELECT current_setting(%s)", [name])
            shown.append(f"{name} = {cursor.fetchone()[0]}")
    return ", ".join(shown)


def run(
    options: Options,
    *,
    out: Out | None = None,
    output: Path | None = None,
    command: str = "make bench",
) -> tuple[RunInfo, list[Section]]:
    if not is_postgresql():
        raise RuntimeError("the benchmarks need PostgreSQL (set DATABASE_URL to a postgres URL)")
    out = out or Out()
    started = time.perf_counter()
    info = RunInfo(
        started=datetime.datetime.now(datetime.UTC),
        scale=options.scale,
        seed=options.seed,
        command=command,
    )
    apply_server_settings()
    raw = open_raw()
    try:
        # A freshly generated database has no planner statistics until autovacuum gets to it;
        # a production database has them, so the plans measured here should too.
        out("ANALYZE (planner statistics for the freshly loaded tables)")
        with raw.cursor() as cursor:
            cursor.execute("ANALYZE")
        info.machine = {
            **machine(),
            "postgresql": postgresql_version(raw),
            "load_start": load_average(),
            "settings": server_settings(raw),
        }
        info.rows = row_counts(raw)
        info.prepare = read_prepare(database_name())
        out("  " + ", ".join(f"{name} {n:,}" for name, n in info.rows))
        with bench_settings():
            ctx = Context(user=bench_user(), raw=raw, out=out, options=options)
            for key in options.sections:
                out()
                out(f"== {SECTION_TITLES[key]} ==")
                section_started = time.perf_counter()
                try:
                    section = _runner(key)(ctx)
                except Exception as exc:  # one broken section must not lose the others
                    traceback.print_exc()
                    section = Section(key, SECTION_TITLES[key])
                    section.checks.append(
                        Check(
                            "the section ran to its end",
                            f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                            if str(exc)
                            else type(exc).__name__,
                            "no error",
                            False,
                        )
                    )
                    out(f"   {SECTION_TITLES[key]} failed: {exc}")
                section.elapsed = time.perf_counter() - section_started
                ctx.sections.append(section)
                out(f"   ({SECTION_TITLES[key]}: {section.elapsed:.1f} s)")
        info.elapsed = time.perf_counter() - started
        info.machine["load_end"] = load_average()
        sections = ctx.sections
        failed = [c for s in sections for c in s.checks if c.passed is False]
        out()
        out(f"Done in {info.elapsed:.0f} s: {len(failed)} targets not met.")
        for section in sections:
            for check in section.checks:
                if check.passed is False:
                    out(f"  FAIL {check.name}: {check.figure} (target {check.target})")
        if output is not None:
            write(output, render(info, sections))
            out(f"Wrote {output.name}.")
        return info, sections
    finally:
        raw.close()
