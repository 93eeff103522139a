"""docs/benchmarks.md: the run's figures between two markers; what is outside them is kept.

No absolute path of the machine is written: the command to reproduce is the make target.
"""

from __future__ import annotations

import datetime
import json
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django
from django.conf import settings

from .common import Section, count, secs

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
INTRO = """# Benchmarks

`make bench` generates a database (`manage.py generate_data`), then measures Casebook's
detention export, API, pages and queries against hand-written SQL on this machine, and writes
the figures below. The part between the `bench:begin` and `bench:end` markers is rewritten by
each run; text outside them is kept.

```sh
make bench                      # 100,000 cases, 300,000 detentions (BENCH_SCALE=1)
make bench BENCH_SCALE=0.1      # a tenth, in a few minutes
make bench BENCH_KEEP=1         # reuse the generated database
```

The harness lives in `cases/bench/` (the hand-written SQL in `cases/bench/sql.py`).
"""
PREPARE_FILE = "bench-prepare.json"
COUNTED_TABLES = [
    ("cases", "Case"),
    ("detentions", "Detention"),
    ("people", "Person"),
    ("person names", "PersonName"),
    ("affiliations", "Affiliation"),
    ("consents", "Consent"),
    ("detention events", "DetentionEvent"),
    ("sources", "Source"),
    ("citations", "Citation"),
    ("places", "Place"),
    ("organizations", "Organization"),
]


@dataclass
class RunInfo:
    started: datetime.datetime
    scale: float | None
    seed: int | None
    command: str
    elapsed: float = 0.0
    machine: dict[str, str] = field(default_factory=dict)
    rows: list[tuple[str, int]] = field(default_factory=list)
    prepare: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def machine() -> dict[str, str]:
    cpu = "unknown"
    cores = 0
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == "unknown":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("processor"):
                cores += 1
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(cores or "?"), "memory": memory}


def load_average() -> str:
    """The 1-minute load average: other work on the machine slows every figure down."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except (OSError, IndexError):
        return "?"


def postgresql_version(raw: Any) -> str:
    with raw.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def row_counts(raw: Any) -> list[tuple[str, int]]:
    from django.apps import apps

    counted = []
    with raw.cursor() as cursor:
        for label, model_name in COUNTED_TABLES:
            table = apps.get_model("cases", model_name)._meta.db_table
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a model's table
            counted.append((label, cursor.fetchone()[0]))
    return counted


def prepare_file() -> Path:
    return Path(settings.BASE_DIR) / "var" / PREPARE_FILE


def read_prepare(database: str) -> dict[str, Any]:
    """What `manage.py bench --prepare` recorded for this database (generation time)."""
    try:
        data = json.loads(prepare_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if data.get("database") == database else {}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(columns: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |"]
    lines.append("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        padded = [*row, *[""] * (len(columns) - len(row))]
        lines.append("| " + " | ".join(_cell(c) for c in padded[: len(columns)]) + " |")
    return lines


def render(info: RunInfo, sections: list[Section]) -> str:
    lines = [BEGIN, ""]
    when = info.started.strftime("%Y-%m-%d %H:%M UTC")
    lines.append(f"## Last run: {when}")
    lines.append("")
    scale = "as found" if info.scale is None else f"{info.scale:g}"
    seed = "?" if info.seed is None else str(info.seed)
    facts = [
        [
            "machine",
            f"{info.machine['cpu']}, {info.machine['cores']} cores, "
            f"{info.machine['memory']} RAM, shared with other work during the run (load "
            f"average {info.machine.get('load_start', '?')} at the start, "
            f"{info.machine.get('load_end', '?')} at the end)",
        ],
        [
            "PostgreSQL",
            f"{info.machine.get('postgresql', '?')}; {info.machine.get('settings', '?')} "
            "(set on the bench database as docs/configuration.md asks)",
        ],
        ["Python, Django", f"{platform.python_version()}, Django {django.get_version()}"],
        ["settings", "DEBUG off" if not settings.DEBUG else "DEBUG on (slower query logging)"],
        ["scale", f"{scale} (seed {seed})"],
        ["reproduce", f"`{info.command}`"],
        ["harness time", secs(info.elapsed)],
    ]
    if info.prepare:
        steps = ", ".join(
            f"{name} {secs(info.prepare[name])}"
            for name in ("create", "migrate", "generate")
            if name in info.prepare
        )
        kept = " (database kept from an earlier run)" if info.prepare.get("kept") else ""
        facts.append(["preparation", (steps or "–") + kept])
    lines += markdown_table(["", ""], facts)
    lines.append("")
    lines.append("### Data")
    lines.append("")
    lines += markdown_table(["table", "rows"], [[name, count(n)] for name, n in info.rows])
    lines.append("")

    failed = [(section, check) for section in sections for check in section.checks]
    failed = [(section, check) for section, check in failed if check.passed is False]
    lines.append("### Targets not met")
    lines.append("")
    if failed:
        for section, check in failed:
            note = f" — {check.note}" if check.note else ""
            lines.append(
                f"- **{section.title}**: {check.name}: {check.figure} (target {check.target}){note}"
            )
    else:
        lines.append("None: every target was met.")
    lines.append("")
    for note in info.notes:
        lines.append(f"> {note}")
        lines.append("")

    lines.append("### Time per section")
    lines.append("")
    preparation = [
        [f"preparation: {name}", secs(info.prepare[name]), ""]
        for name in ("create", "migrate", "generate")
        if name in info.prepare and not (info.prepare.get("kept") and name != "migrate")
    ]
    lines += markdown_table(
        ["section", "elapsed", "checks passed"],
        [
            *preparation,
            *[
                [
                    section.title,
                    secs(section.elapsed),
                    f"{sum(c.passed is True for c in section.checks)} / "
                    f"{sum(c.passed is not None for c in section.checks)}",
                ]
                for section in sections
            ],
            ["harness total", secs(info.elapsed), ""],
        ],
    )
    lines.append("")
    for section in sections:
        lines.append(f"### {section.title}")
        lines.append("")
        for table in section.tables:
            lines.append(f"**{table.title}**")
            lines.append("")
            lines += markdown_table(table.columns, table.rows)
            lines.append("")
            for note in table.notes:
                lines.append(note)
                lines.append("")
        for note in section.notes:
            lines.append(note)
            lines.append("")
    lines.append("### Every check")
    lines.append("")
    lines += markdown_table(
        ["section", "check", "figure", "target", "verdict"],
        [
            [section.title, check.name, check.figure, check.target, check.verdict]
            for section in sections
            for check in section.checks
        ],
    )
    lines.append("")
    lines.append(END)
    return "\n".join(lines) + "\n"


def write(path: Path, generated: str) -> None:
    """Put `generated` between the markers of `path`, keeping everything around them."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
    else:
        text = INTRO + "\n" + BEGIN + "\n" + END + "\n"
    start = text.find(BEGIN)
    end = text.find(END, start + len(BEGIN)) if start >= 0 else -1
    if start < 0 or end < 0:
        updated = text.rstrip("\n") + "\n\n" + generated
    else:
        updated = text[:start] + generated.rstrip("\n") + text[end + len(END) :]
        if not updated.endswith("\n"):
            updated += "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated, encoding="utf-8")
