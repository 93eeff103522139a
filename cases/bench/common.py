"""What every section shares: results, timing statistics, the bench user, connections."""

from __future__ import annotations

import math
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from casebook.accounts.roles import Role

BENCH_USERNAME = "bench-monitor"
# Names of databases the harness may drop, create or fill: never anyone else's.
DATABASE_PREFIX = "casebook_bench"


# --- Results ---------------------------------------------------------------------------------


@dataclass
class Check:
    """One figure judged against its target; `passed` None means not judged (and why)."""

    name: str
    figure: str
    target: str
    passed: bool | None
    note: str = ""

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "n/a"}[self.passed]


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    elapsed: float = 0.0
    tables: list[Table] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # SQL statements run on behalf of each benchmark, for the EXPLAIN section.
    statements: dict[str, list[str]] = field(default_factory=dict)
    # Benchmarks that read whole tables by design (full exports, unfiltered statistics).
    whole_table: set[str] = field(default_factory=set)


class Out:
    """Lines to stdout as they are measured, so a long run shows where it is."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.quiet = quiet

    def __call__(self, text: str = "") -> None:
        if not self.quiet:
            self.stream.write(text + "\n")
            self.stream.flush()

    def row(self, *cells: Any, widths: tuple[int, ...] = (34, 14, 14, 12, 30)) -> None:
        parts = [
            str(cell).ljust(widths[i] if i < len(widths) else 12) for i, cell in enumerate(cells)
        ]
        self("  " + " ".join(parts).rstrip())


# --- Numbers ---------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: p95 of 50 samples is the 48th smallest, a value that was seen."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def ms(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def secs(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds:.2f} s"


def ratio(numerator: float, denominator: float) -> float:
    if not denominator or math.isnan(numerator) or math.isnan(denominator):
        return math.nan
    return numerator / denominator


def times(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}×"


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MB"


def count(value: int) -> str:
    return f"{value:,}"


def repeat(
    action: Callable[[], Any], *, budget: float, min_runs: int = 1, max_runs: int = 5
) -> tuple[list[float], Any]:
    """Wall times of `action`, run until `budget` seconds are spent (at least `min_runs`, at
    most `max_runs`), and the last result: a full export is too slow to run a fixed number of
    times at every scale."""
    durations: list[float] = []
    result = None
    spent = 0.0
    while len(durations) < max_runs:
        started = time.perf_counter()
        result = action()
        duration = time.perf_counter() - started
        durations.append(duration)
        spent += duration
        if len(durations) >= min_runs and spent + duration > budget:
            break
    return durations, result


# --- The user and the clients ----------------------------------------------------------------


def bench_user(role: Role = Role.MONITOR) -> Any:
    """A user holding `role` and nothing else, made on first use (the bench database is
    throw-away); it has no password, so it can only be logged in by `force_login`."""
    username = f"bench-{role.value.lower()}" if role != Role.MONITOR else BENCH_USERNAME
    model = get_user_model()
    try:
        with transaction.atomic():
            user, created = model.objects.get_or_create(
                username=username, defaults={"email": f"{username}@bench.invalid"}
            )
    except IntegrityError:
        # Users loaded with explicit ids leave the id sequence behind; move it past them.
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(statement)
        user, created = model.objects.get_or_create(
            username=username, defaults={"email": f"{username}@bench.invalid"}
        )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.set([Group.objects.get(name=role.value)])
    return get_user_model().objects.get(pk=user.pk)


def client_for(user: Any) -> Client:
    # Sessions, as in the browser: the token throttle (API_TOKEN_RATE) does not apply to them.
    client = Client()
    client.force_login(user)
    return client


@contextmanager
def bench_settings() -> Iterator[None]:
    """Exports stream instead of answering 202, and the test client is let in whatever the
    environment says about hosts and HTTPS."""
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(EXPORT_SYNC_LIMIT=0, SECURE_SSL_REDIRECT=False, ALLOWED_HOSTS=hosts):
        yield


def consume(response: Any) -> int:
    """Read a response to the end, as a client would; the number of bytes."""
    if getattr(response, "streaming", False):
        total = 0
        for block in response.streaming_content:
            total += len(block)
        return total
    return len(response.content)


_DECLARE = re.compile(r"^DECLARE\s+\S+\s+NO SCROLL CURSOR\s+WITH(?:OUT)? HOLD FOR\s+", re.I)
_COPY = re.compile(r"^COPY\s*\((.*)\)\s*TO\s+STDOUT\b.*$", re.I | re.S)


def statement_of(sql: str) -> str:
    """The query itself, without the DECLARE of a server-side cursor or the COPY around it."""
    text = _DECLARE.sub("", sql.strip())
    copied = _COPY.match(text)
    return copied.group(1).strip() if copied else text


class Captured:
    """The queries of a block, kept when the block ends: CaptureQueriesContext slices the
    connection's log when asked, and the next request clears that log (reset_queries)."""

    def __init__(self) -> None:
        self.queries: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.queries)


@contextmanager
def captured() -> Iterator[Captured]:
    kept = Captured()
    with CaptureQueriesContext(connection) as context:
        yield kept
    kept.queries = list(context.captured_queries)


def sql_of(kept: Captured) -> list[str]:
    return [statement_of(query["sql"]) for query in kept.queries]


# --- Raw connections -------------------------------------------------------------------------


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def raw_connection() -> Any:
    """A psycopg2 connection of its own to the database Django uses, for the hand-written SQL:
    nothing Django does (wrapping, logging, capturing) sits between it and the server."""
    import psycopg2

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    raw = psycopg2.connect(**params)
    raw.autocommit = True
    return raw


def database_name() -> str:
    return str(connection.settings_dict["NAME"])
