"""EXPLAIN every statement the benchmarks ran, and name the sequential scans of large tables.

The statements are those captured during the benchmark requests (CaptureQueriesContext, with
their parameters already in them) and the floor. A Seq Scan on a table of more than
LARGE_TABLE rows (pg_class.reltuples) is what grows with the data; the target is none. Full
exports and unfiltered statistics read whole tables by design: their scans are listed, not
judged.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .common import Check, Section, Table, count
from .context import Context

LARGE_TABLE = 10_000
EXPLAINABLE = ("SELECT", "WITH", "(")


def table_sizes(raw: Any) -> dict[str, float]:
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reltuples FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname = current_schema()"
        )
        return dict(cursor.fetchall())


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found.extend(_nodes(child))
    return found


def jit_thresholds(raw: Any) -> tuple[float, float] | None:
    """The plan costs above which PostgreSQL compiles a statement with JIT, and above which it
    also optimizes and inlines the compiled code (seconds, on this machine); None when off."""
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('jit'), current_setting('jit_above_cost')::float, "
            "current_setting('jit_optimize_above_cost')::float"
        )
        enabled, above, optimize = cursor.fetchone()
    if enabled != "on" or above < 0:
        return None
    return above, optimize if optimize >= 0 else float("inf")


def explain(
    raw: Any, statement: str, sizes: dict[str, float]
) -> tuple[list[tuple[str, float]], float]:
    """(table, estimated rows) of each Seq Scan on a large table in the plan of `statement`,
    and the plan's total cost."""
    with raw.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement)
        (document,) = cursor.fetchone()
    plan = document[0]["Plan"]
    scans = []
    for node in _nodes(plan):
        if node.get("Node Type") == "Seq Scan":
            table = node.get("Relation Name", "?")
            if sizes.get(table, 0) > LARGE_TABLE:
                scans.append((table, sizes[table]))
    return scans, float(plan.get("Total Cost", 0))


def section(ctx: Context) -> Section:
    out = ctx.out
    result = Section("explain", "EXPLAIN: sequential scans of large tables")
    sizes = table_sizes(ctx.raw)
    jit = jit_thresholds(ctx.raw)
    columns = ["benchmark", "statements", "Seq Scans (table × statements)", "verdict"]
    if jit is not None:
        columns.insert(3, "JIT")
    table = Table(
        f"Seq Scan nodes on tables of more than {count(LARGE_TABLE)} rows, per benchmark", columns
    )
    jitted_benchmarks = []
    for measured in ctx.sections:
        for benchmark, statements in measured.statements.items():
            scans: dict[str, int] = defaultdict(int)
            errors = []
            explained = 0
            jitted = 0
            optimized = 0
            for statement in dict.fromkeys(statements):
                if not statement.lstrip().upper().startswith(EXPLAINABLE):
                    continue
                try:
                    found, cost = explain(ctx.raw, statement, sizes)
                except Exception as exc:  # reported in the table, not fatal
                    errors.append(str(exc).splitlines()[0][:120])
                    continue
                explained += 1
                if jit is not None and cost > jit[0]:
                    jitted += 1
                    optimized += cost > jit[1]
                for name, _rows in set(found):
                    scans[name] += 1
            listed = ", ".join(
                f"{name} ({count(int(sizes[name]))} rows) × {n}"
                for name, n in sorted(scans.items())
            )
            whole = benchmark in measured.whole_table
            if whole:
                verdict = "n/a (reads whole tables)"
                passed = None
            else:
                passed = not scans and not errors
                verdict = "PASS" if passed else "FAIL"
            if errors:
                listed = (listed + "; " if listed else "") + "EXPLAIN failed: " + errors[0]
            if jitted:
                jitted_benchmarks.append(benchmark)
            jit_cell = str(jitted) if jitted else ""
            if optimized:
                jit_cell += f" ({optimized} optimized)"
            cells = [benchmark, str(explained), listed or "none", verdict]
            if jit is not None:
                cells.insert(3, jit_cell)
            table.rows.append(cells)
            result.checks.append(
                Check(
                    f"{benchmark}: no Seq Scan on a large table",
                    listed or "none",
                    "none",
                    passed,
                    "a full export or unfiltered count reads whole tables by design"
                    if whole
                    else "",
                )
            )
            if scans or errors:
                out.row(benchmark, listed or "", verdict, widths=(34, 70, 10))
    if jit is not None:
        table.notes.append(
            f"JIT: statements whose estimated cost exceeds `jit_above_cost` ({jit[0]:g}), which "
            "PostgreSQL compiles before running (JIT is on, the server's default), and of them "
            f"those above `jit_optimize_above_cost` ({jit[1]:g}), whose compiled code is also "
            "optimized and inlined: seconds on this machine, each time the statement runs, "
            "whatever the number of rows. "
            + (
                "Benchmarks with such statements: " + ", ".join(jitted_benchmarks) + "."
                if jitted_benchmarks
                else "No statement measured here is that expensive."
            )
        )
    table.notes.append(
        "Sizes are pg_class.reltuples after the ANALYZE the run starts with. Statements are "
        "explained as they were sent (EXPLAIN (FORMAT JSON), parameters included); a statement "
        "run several times by one benchmark counts once. Full exports and unfiltered statistics "
        "read whole tables by design, so their scans are listed but not judged."
    )
    result.tables.append(table)
    return result
