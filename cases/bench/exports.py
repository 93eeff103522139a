"""The detention export through the real endpoint, beside the floor (hand-written SQL streamed
by COPY) and the careful first version (a ModelSerializer, run in a subprocess of its own)."""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from typing import Any

from .common import (
    Check,
    Section,
    Table,
    captured,
    client_for,
    consume,
    count,
    median,
    ratio,
    repeat,
    secs,
    sql_of,
    times,
)
from .context import Context
from .sql import FLOOR_COLUMNS, copy_statement, floor_export_sql

FORMATS = ("csv", "jsonl", "geojson", "xlsx")
PROFILES = ("internal", "public")
# Casebook's time over the floor's, per format.
TARGETS = {"csv": 1.5, "jsonl": 4.0, "geojson": 4.0, "xlsx": 12.0}
BASELINE_TARGET = 25.0
EQUIVALENCE_ROWS = 2_000
QUERY_COUNT_ROWS = 10_000
ENDPOINT = "/api/v1/detentions/"


class NullSink:
    """Where COPY writes: bytes are counted and dropped, as a client reading the file would."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: Any) -> int:
        self.size += len(data)
        return len(data)


def export_url(fmt: str, profile: str, params: str = "") -> str:
    query = f"format={fmt}&profile={profile}"
    return f"{ENDPOINT}?{query}&{params}" if params else f"{ENDPOINT}?{query}"


def copy_floor(raw: Any, statement: str) -> int:
    sink = NullSink()
    with raw.cursor() as cursor:
        cursor.copy_expert(statement, sink)
    return sink.size


def fetch_endpoint(client: Any, url: str) -> int:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}, not a streamed file")
    return consume(response)


def run_export(ctx: Context, client: Any, fmt: str, profile: str, params: str = "") -> dict:
    """The export, first with its queries captured (that run counts as a sample too: capturing a
    fixed number of queries costs nothing measurable), then as often as the budget allows: at
    least once more, unless the first run alone took longer than the whole budget."""
    url = export_url(fmt, profile, params)
    started = time.perf_counter()
    with captured() as context:
        size = fetch_endpoint(client, url)
    first = time.perf_counter() - started
    durations: list[float] = []
    if first <= ctx.options.export_budget:
        durations, _size = repeat(
            lambda: fetch_endpoint(client, url),
            budget=ctx.options.export_budget - first,
            min_runs=1,
            max_runs=4,
        )
    return {
        "durations": [first, *durations],
        "bytes": size,
        "queries": len(context),
        "sql": sql_of(context),
    }


def compare_csv(casebook: str, floor: str) -> dict[str, Any]:
    """Cell-by-cell comparison of two CSV files (headers, rows, differing cells per column)."""
    ours = list(csv.reader(io.StringIO(casebook)))
    theirs = list(csv.reader(io.StringIO(floor)))
    header_ours, header_theirs = (ours[0] if ours else []), (theirs[0] if theirs else [])
    differing: Counter[str] = Counter()
    example: dict[str, tuple[str, str]] = {}
    for row_ours, row_theirs in zip(ours[1:], theirs[1:], strict=False):
        for index, (mine, other) in enumerate(zip(row_ours, row_theirs, strict=False)):
            if mine != other:
                label = header_ours[index] if index < len(header_ours) else str(index)
                differing[label] += 1
                example.setdefault(label, (mine[:40], other[:40]))
    return {
        "rows": (len(ours) - 1, len(theirs) - 1),
        "same_header": header_ours == header_theirs,
        "header_diff": sorted(set(header_ours) ^ set(header_theirs)),
        "differing": differing,
        "example": example,
    }


def check_equivalence(ctx: Context, client: Any, table: Table) -> list[Check]:
    """The floor holds what the export holds: a slice of each profile, compared cell by cell,
    so that a ratio to the floor compares the same work."""
    import datetime

    checks = []
    for profile in PROFILES:
        params, _rows = ctx.filter_for_rows(EQUIVALENCE_ROWS, profile)
        until = datetime.date.fromisoformat(params.split("../", 1)[1]) if params else None
        response = client.get(export_url("csv", profile, params))
        casebook = b"".join(response.streaming_content).decode("utf-8")
        query = floor_export_sql(ctx.user, profile=profile, detained_until=until)
        buffer = io.BytesIO()
        with ctx.raw.cursor() as cursor:
            cursor.copy_expert(copy_statement(query.mogrified(ctx.raw)), buffer)
        result = compare_csv(casebook, buffer.getvalue().decode("utf-8"))
        same = (
            result["same_header"]
            and result["rows"][0] == result["rows"][1]
            and not result["differing"]
        )
        detail = []
        if not result["same_header"]:
            detail.append("header differs: " + ", ".join(result["header_diff"][:6]))
        for label, number in result["differing"].most_common(6):
            mine, other = result["example"][label]
            detail.append(f"{label}: {number} cells (e.g. {mine!r} vs {other!r})")
        table.rows.append(
            [
                profile,
                params or "(all rows)",
                f"{count(result['rows'][0])} / {count(result['rows'][1])}",
                "identical" if same else "; ".join(detail) or "row counts differ",
            ]
        )
        checks.append(
            Check(
                f"floor SQL matches the {profile} CSV export cell by cell",
                "identical" if same else "differs",
                "identical",
                same,
                ""
                if same
                else "the floor SQL (cases/bench/sql.py) no longer holds what the "
                "export holds: update it to the export's columns before reading the ratios",
            )
        )
    return checks


def section(ctx: Context) -> Section:
    from . import memory

    out = ctx.out
    result = Section("exports", "Detention export")
    client = client_for(ctx.user)
    total_rows = {profile: ctx.rows(profile) for profile in PROFILES}
    ctx.facts["export_rows"] = total_rows

    timing = Table(
        "Full detention export, consumed to the end (medians)",
        [
            "export",
            "profile",
            "rows",
            "size",
            "runs",
            "median",
            "vs floor",
            "target",
            "verdict",
        ],
    )
    out("Floor: hand-written SQL streamed with COPY … TO STDOUT (CSV) into a null sink")
    floors: dict[str, float] = {}
    for profile in PROFILES:
        query = floor_export_sql(ctx.user, profile=profile)
        statement = copy_statement(query.mogrified(ctx.raw))
        durations, size = repeat(
            lambda statement=statement: copy_floor(ctx.raw, statement),
            budget=ctx.options.floor_budget,
            min_runs=3,
            max_runs=7,
        )
        floors[profile] = median(durations)
        name = f"floor ({profile})"
        result.statements[name] = [query.mogrified(ctx.raw)]
        result.whole_table.add(name)
        timing.rows.append(
            [
                "floor: COPY (SQL) CSV",
                profile,
                count(total_rows[profile]),
                f"{size / 1e6:.1f} MB",
                str(len(durations)),
                secs(floors[profile]),
                "1.00×",
                "",
                "",
            ]
        )
        out.row(name, count(total_rows[profile]), secs(floors[profile]), f"{len(durations)} runs")
    ctx.facts["floor"] = floors

    out("Casebook: GET /api/v1/detentions/?format=…&profile=… (test client, in-process)")
    medians: dict[tuple[str, str], float] = {}
    for profile in PROFILES:
        for fmt in FORMATS:
            measured = run_export(ctx, client, fmt, profile)
            value = median(measured["durations"])
            medians[(fmt, profile)] = value
            factor = ratio(value, floors[profile])
            passed = factor <= TARGETS[fmt]
            name = f"{fmt} export ({profile})"
            result.statements[name] = measured["sql"]
            result.whole_table.add(name)
            timing.rows.append(
                [
                    fmt.upper() if fmt != "jsonl" else "JSON Lines",
                    profile,
                    count(total_rows[profile]),
                    f"{measured['bytes'] / 1e6:.1f} MB",
                    str(len(measured["durations"])),
                    secs(value),
                    times(factor),
                    f"≤ {TARGETS[fmt]:g}×",
                    "PASS" if passed else "FAIL",
                ]
            )
            result.checks.append(
                Check(
                    f"{name} vs floor",
                    times(factor),
                    f"≤ {TARGETS[fmt]:g}×",
                    passed,
                    f"{secs(value)} against {secs(floors[profile])}",
                )
            )
            out.row(
                name,
                count(total_rows[profile]),
                secs(value),
                times(factor),
                f"{'PASS' if passed else 'FAIL'} (≤ {TARGETS[fmt]:g}×)",
            )
            if (fmt, profile) == ("csv", "internal"):
                ctx.facts["csv_full_queries"] = measured["queries"]
    ctx.facts["export_medians"] = medians
    result.tables.append(timing)
    timing.notes.append(
        "Each export is read to its last byte (`streaming_content`), with "
        "`EXPORT_SYNC_LIMIT=0` so that it streams instead of becoming a background job. Public "
        "exports are compared with the floor of the public profile (verified public cases, "
        "names only with consent), internal ones with the internal floor. The first run of each "
        "export also captures its SQL (CaptureQueriesContext) and counts as a sample; exports "
        f"are run again while they fit in {ctx.options.export_budget:g} s (an export slower "
        "than that runs once). The "
        "floor runs on the same server settings as Casebook's statements (above)."
    )

    # The same number of queries for a slice and for everything: no query per row or chunk.
    queries = Table(
        "SQL queries per export (CSV, internal profile)", ["export", "rows", "queries", "verdict"]
    )
    params, slice_rows = ctx.filter_for_rows(QUERY_COUNT_ROWS)
    with captured() as context:
        fetch_endpoint(client, export_url("csv", "internal", params))
    slice_queries = len(context)
    result.statements["csv export (internal), ~10k rows"] = sql_of(context)
    full_queries = ctx.facts["csv_full_queries"]
    constant = slice_queries == full_queries
    queries.rows.append([f"`{params}`" if params else "all", count(slice_rows), str(slice_queries)])
    queries.rows.append(
        ["full", count(total_rows["internal"]), str(full_queries), "PASS" if constant else "FAIL"]
    )
    grows = ""
    if not constant and total_rows["internal"] > slice_rows:
        per_thousand = (full_queries - slice_queries) / (total_rows["internal"] - slice_rows) * 1000
        grows = f"grows by {per_thousand:.1f} queries per 1,000 rows"
    result.checks.append(
        Check(
            "queries per export constant (10k rows vs full)",
            f"{slice_queries} vs {full_queries}",
            "equal",
            constant,
            grows,
        )
    )
    out.row(
        "queries: slice / full", f"{slice_queries} / {full_queries}", "PASS" if constant else "FAIL"
    )
    result.tables.append(queries)

    # The careful first version, in a fresh process (its peak memory is reported there too).
    baseline = None
    if ctx.options.baseline:
        out("Careful first version: ModelSerializer + csv.writer, in a fresh process")
        try:
            baseline = memory.measure(ctx, "", fmt="csv", baseline=True)
        except RuntimeError as exc:
            # Holding every row as model instances may exhaust the machine's memory.
            result.checks.append(
                Check(
                    "Casebook CSV faster than the careful first version",
                    "not measured",
                    f"≥ {BASELINE_TARGET:g}×",
                    False,
                    f"the ModelSerializer process failed: {str(exc)[-300:]}",
                )
            )
            out(f"  the ModelSerializer process failed: {str(exc)[-300:]}")
    if baseline is not None:
        ctx.facts["baseline"] = baseline
        casebook = medians[("csv", "internal")]
        factor = ratio(baseline["seconds"], casebook)
        passed = factor >= BASELINE_TARGET
        careful = Table(
            "Careful first version (ModelSerializer, select/prefetch_related, csv.writer), "
            "internal profile, every row",
            ["version", "rows", "time", "SQL queries", "Casebook faster by", "target", "verdict"],
        )
        careful.rows.append(
            [
                "ModelSerializer",
                count(baseline["rows"]),
                secs(baseline["seconds"]),
                str(baseline["queries"]),
                times(factor),
                f"≥ {BASELINE_TARGET:g}×",
                "PASS" if passed else "FAIL",
            ]
        )
        careful.rows.append(
            [
                "Casebook CSV",
                count(total_rows["internal"]),
                secs(casebook),
                str(full_queries),
                "",
                "",
                "",
            ]
        )
        careful.notes.append(
            "The ModelSerializer runs once, in a subprocess of its own (`manage.py bench_export "
            "--baseline`), which also gives its peak memory below; its queries are counted with "
            "a counting execute wrapper, since capturing them would keep its large IN lists."
        )
        result.tables.append(careful)
        result.checks.append(
            Check(
                "Casebook CSV faster than the careful first version",
                times(factor),
                f"≥ {BASELINE_TARGET:g}×",
                passed,
                f"{secs(baseline['seconds'])} against {secs(casebook)}",
            )
        )
        out.row(
            "ModelSerializer baseline",
            count(baseline["rows"]),
            secs(baseline["seconds"]),
            times(factor),
            "PASS" if passed else "FAIL",
        )

    equivalence = Table(
        "Does the floor hold what the export holds? (a slice, cell by cell)",
        ["profile", "filter", "rows (Casebook / floor)", "result"],
    )
    result.checks.extend(check_equivalence(ctx, client, equivalence))
    equivalence.notes.append(
        f"Columns of the floor: {len(FLOOR_COLUMNS)}, those of cases/exports/rows.py "
        "DETENTION_COLUMNS when the SQL was written. Formula neutralisation (an apostrophe "
        "before a leading =, +, -, @) is not in the floor."
    )
    result.tables.append(equivalence)
    return result
