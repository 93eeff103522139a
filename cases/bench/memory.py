"""Peak memory of an export, each in a fresh process: `manage.py bench_export` runs one export
and reports its peak resident set (getrusage ru_maxrss) and the growth over the process once
Django is set up and the user logged in.

The target (100 MB) is judged on the growth: a Django process at rest, before any row, is
already near that size, and what the export must not do is grow with the rows."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from .common import Check, Section, Table, bench_settings, client_for, count, mib, secs
from .context import Context, filtered_detentions

TARGET_MB = 100
# Flat: the largest export grows the process by at most this much more than the smallest.
FLAT_MB = 25


def database_url() -> str:
    """DATABASE_URL of the database this process uses (the subprocess must use the same one,
    a test database included)."""
    data = connection.settings_dict
    auth = quote(str(data.get("USER") or ""), safe="")
    if data.get("PASSWORD"):
        auth += ":" + quote(str(data["PASSWORD"]), safe="")
    host = data.get("HOST") or "127.0.0.1"
    port = f":{data['PORT']}" if data.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{quote(str(data['NAME']), safe='')}"


def measure(
    ctx: Context | None,
    params: str,
    *,
    fmt: str = "csv",
    profile: str = "internal",
    baseline: bool = False,
) -> dict[str, Any]:
    """Run one export in a fresh process; what it reports (rows, bytes, seconds, queries, RSS)."""
    command = [
        sys.executable,
        str(settings.BASE_DIR / "manage.py"),
        "bench_export",
        "--format",
        fmt,
        "--profile",
        profile,
        "--filter",
        params,
    ]
    if baseline:
        command.append("--baseline")
    environment = {**os.environ, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
    finished = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        command, capture_output=True, text=True, env=environment, check=False
    )
    if finished.returncode != 0:
        raise RuntimeError(
            f"bench_export failed ({finished.returncode}): {finished.stderr.strip()[-2000:]}"
        )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def _maxrss_kib() -> int:
    # Linux reports kibibytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_kib() -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Start ru_maxrss afresh (Linux: clear_refs 5), so that the peak is the export's own and
    not one left by start-up; False where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


class _Counter:
    def __init__(self) -> None:
        self.queries = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries += 1
        return execute(sql, params, many, context)


class _TextSink:
    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text.encode("utf-8"))
        return len(text)


def export_in_this_process(
    *, fmt: str, profile: str, params: str, baseline: bool
) -> dict[str, Any]:
    """The body of `manage.py bench_export`: one export, measured from a process that has only
    set Django up and logged the user in."""
    from django.urls import get_resolver

    from .baseline import write_baseline_csv
    from .common import bench_user
    from .exports import export_url, fetch_endpoint

    user = bench_user()
    rows = filtered_detentions(user, profile, params).count()
    # Every view module (and what they import) loaded, as in a process that has served.
    get_resolver().url_patterns  # noqa: B018 - imported for its side effect
    with bench_settings():
        client = client_for(user)
        gc.collect()
        started_peak = _maxrss_kib()
        reset = _reset_peak()
        base = (_rss_kib() if reset else None) or started_peak
        # Only the baseline's queries are counted here (with a wrapper, since capturing them
        # would keep its long IN lists in memory); Casebook's are captured in the main run.
        counter = _Counter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter) if baseline else contextlib.nullcontext():
            if baseline:
                sink = _TextSink()
                written = write_baseline_csv(filtered_detentions(user, profile, params), sink)
                size = sink.size
                if written != rows:
                    raise RuntimeError(f"the baseline wrote {written} rows, not {rows}")
            else:
                size = fetch_endpoint(client, export_url(fmt, profile, params))
        seconds = time.perf_counter() - started
    peak = _maxrss_kib()
    return {
        "format": fmt,
        "profile": profile,
        "filter": params,
        "baseline": baseline,
        "rows": rows,
        "bytes": size,
        "seconds": seconds,
        "queries": counter.queries if baseline else None,
        "start_peak_kib": started_peak,
        "peak_reset": reset,
        "base_kib": base,
        "peak_kib": peak,
        "growth_kib": max(0, peak - base),
    }


def section(ctx: Context) -> Section:
    out = ctx.out
    result = Section("memory", "Peak memory of an export process")
    table = Table(
        "Peak resident memory of one export in a fresh process",
        [
            "export",
            "rows asked",
            "rows",
            "time",
            "RSS before",
            "peak RSS",
            "growth",
            "target",
            "verdict",
        ],
    )
    available = ctx.rows("internal")
    for fmt in ("csv", "xlsx"):
        growths = []
        for wanted in ctx.options.memory_sizes:
            params, rows = ctx.filter_for_rows(wanted)
            capped = wanted > available
            if capped and growths and growths[-1][0] == rows:
                # The data holds fewer rows: this size is the previous one again.
                table.rows.append(
                    [fmt.upper(), count(wanted), "same as above (all the data holds)"]
                )
                continue
            measured = measure(ctx, params, fmt=fmt)
            ctx.facts.setdefault("peak_resets", []).append(measured["peak_reset"])
            growth = measured["growth_kib"]
            growths.append((rows, growth))
            passed = growth <= TARGET_MB * 1024
            table.rows.append(
                [
                    fmt.upper(),
                    count(wanted),
                    count(measured["rows"]) + (" (all; capped)" if capped else ""),
                    secs(measured["seconds"]),
                    mib(measured["base_kib"]),
                    mib(measured["peak_kib"]),
                    mib(growth),
                    f"≤ {TARGET_MB} MB",
                    "PASS" if passed else "FAIL",
                ]
            )
            result.checks.append(
                Check(
                    f"{fmt.upper()} export memory growth at {count(measured['rows'])} rows",
                    mib(growth),
                    f"≤ {TARGET_MB} MB",
                    passed,
                    f"peak RSS {mib(measured['peak_kib'])}, of which {mib(measured['base_kib'])} "
                    "before the export",
                )
            )
            out.row(
                f"{fmt} export, {count(measured['rows'])} rows",
                f"peak {mib(measured['peak_kib'])}",
                f"+{mib(growth)}",
                secs(measured["seconds"]),
                "PASS" if passed else "FAIL",
            )
        if len(growths) >= 2:
            spread = (growths[-1][1] - growths[0][1]) / 1024
            flat = spread <= FLAT_MB
            result.checks.append(
                Check(
                    f"{fmt.upper()} export memory flat from {count(growths[0][0])} to "
                    f"{count(growths[-1][0])} rows",
                    f"{spread:+.0f} MB",
                    f"≤ +{FLAT_MB} MB",
                    flat,
                    "growth of the largest export minus that of the smallest",
                )
            )
    if not all(ctx.facts.get("peak_resets", [True])):
        table.notes.append(
            "The kernel did not let the peak be reset: the growth is ru_maxrss after the export "
            "minus ru_maxrss before it, and may hide a peak below the one left by start-up."
        )
    baseline = ctx.facts.get("baseline")
    if baseline:
        table.rows.append(
            [
                "ModelSerializer baseline (CSV)",
                "all",
                count(baseline["rows"]),
                secs(baseline["seconds"]),
                mib(baseline["base_kib"]),
                mib(baseline["peak_kib"]),
                mib(baseline["growth_kib"]),
                "(for comparison)",
                "",
            ]
        )
    if available < max(ctx.options.memory_sizes):
        table.notes.append(
            f"The data holds {count(available)} rows for the internal profile: larger sizes are "
            "capped at that."
        )
    table.notes.append(
        "Each export runs in a fresh `manage.py bench_export` process. RSS before: the resident "
        "set once Django is set up, the URLconf loaded and the user logged in, after which the "
        "kernel's peak counter is reset (`/proc/self/clear_refs`), so that the peak is the "
        "export's own; peak: ru_maxrss after the export; "
        f"growth: the difference, which the target (≤ {TARGET_MB} MB) is judged on, since the "
        "process at rest is already about that size. Flat: the largest export grows the "
        f"process by at most {FLAT_MB} MB more than the smallest. The database server's memory "
        "is not included. Rows are limited with the API's own filter `detained=../<day>`."
    )
    result.tables.append(table)
    return result
