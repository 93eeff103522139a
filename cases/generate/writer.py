"""Writing generated rows: COPY on PostgreSQL, batched INSERTs on SQLite.

The generator writes a row with `tables.event.add(id=…, detention_id=…, …)`: one keyword per
column, by attribute name, whichever database it writes to. Neither writer calls save() or
bulk_create(): those would run `pre_save`, which stamps auto_now timestamps with the wall clock
and so breaks determinism. Values are therefore passed exactly as stored; the generator
computes the derived columns (search text, date bounds, paths, statuses) with the
application's own functions.

Each table's `add` is a function compiled for that table and writer, with the table's columns
as its keyword-only parameters: a missing or misspelt column is a TypeError naming it, and the
per-row cost is that of one call, which matters at three million rows (a generic function
taking **row spent more time building dicts and converting values than the generator spent
deciding what to write).
"""

from __future__ import annotations

import enum
import io
import keyword
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

from ..fields import SearchTextField, UncertainDateField

_REQUIRED = object()

# COPY in CSV mode with control characters no generated value contains as delimiter, quote and
# NULL marker: every text value can then be written between quotes as it is, newlines and all,
# with no per-value escaping, and an empty text stays distinct from NULL.
DELIMITER, QUOTE, NULL = "\x1f", "\x1e", "\x1d"
_COPY_OPTIONS = "FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e', NULL E'\\x1d'"


class Table:
    """One table to fill: its columns, and the value a column takes when a row leaves it out.

    A column may be left out only if it is editable and has a plain default (or, as in Django,
    NULL or "" when it has none). Primary keys, derived columns (editable=False: search text,
    date bounds, paths, statuses, versions, timestamps) and defaults computed at run time
    (uuid4, now) must be given, so a forgotten derived value fails loudly instead of landing as
    a default.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self.defaults = [self._default(field) for field in self.fields]
        self.count = 0
        self.add: Callable[..., None] = self._unbound

    def _unbound(self, **row: Any) -> None:
        raise RuntimeError(f"{self.name}: no writer yet (writer_for binds one)")

    @staticmethod
    def _default(field: models.Field) -> Any:
        if field.primary_key or not field.editable or isinstance(field, SearchTextField):
            return _REQUIRED
        if field.has_default():
            if callable(field.default):
                return _REQUIRED
            default = field.default
            return default.value if isinstance(default, enum.Enum) else default
        # As Field.get_default: NULL where allowed, else "" for text, else nothing to fall back on.
        if field.null:
            return None
        return "" if field.empty_strings_allowed else _REQUIRED

    def compile_add(self, body: str, namespace: dict[str, Any]) -> Callable[..., None]:
        """def add(*, <column>[=default], …): <body>, with the columns as local names.

        The source is built from this table's own field names; nothing in it comes from data.
        """
        parameters = []
        for index, (name, default) in enumerate(zip(self.attnames, self.defaults, strict=True)):
            if keyword.iskeyword(name):
                raise ValueError(f"{self.name}.{name}: a column named like a Python keyword")
            if default is _REQUIRED:
                parameters.append(name)
            else:
                namespace[f"default{index}"] = default
                parameters.append(f"{name}=default{index}")
        source = f"def add(*, {', '.join(parameters)}):\n    {body}\n"
        exec(compile(source, f"<add to {self.name}>", "exec"), namespace)  # noqa: S102
        return namespace["add"]

    def __repr__(self) -> str:
        return f"Table({self.name})"


@dataclass
class TableReport:
    table: str
    rows: int
    load_seconds: float = 0.0
    index_seconds: float = 0.0


class Writer:
    """Binds each table's `add`; `finish` loads what is left and restores what loading set
    aside; `close` stops any loading still running (after an error)."""

    def __init__(self, tables: Iterable[Table]) -> None:
        self.tables = list(tables)
        self.reports: list[TableReport] = []

    def prepare(self) -> None:
        """Called inside the transaction, after the tables were found empty."""

    def finish(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stop loading without finishing: the transaction is about to roll back."""

    def reset_sequences(self, *others: type[models.Model]) -> None:
        """Ids were assigned here, not by the database: move each sequence past them (also
        those of `others`, written with explicit ids elsewhere)."""
        models_written = [table.model for table in self.tables] + list(others)
        statements = connection.ops.sequence_reset_sql(no_style(), models_written)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _csv_line(table: Table, namespace: dict[str, Any]) -> str:
    """An f-string formatting one row of `table` as COPY CSV (see DELIMITER), each column
    converted inline as its field type needs: text between quotes, NULL where None is allowed,
    dates in ISO form, booleans as t/f, UUIDs as hex.

    Dates and times repeat within a row (created and updated, earliest and latest of an exact
    day are one object), so the last one formatted is kept: isoformat() was the most expensive
    call left.
    """
    last_date: list[Any] = [None, ""]

    def iso(value: Any) -> str:
        last_date[0], last_date[1] = value, value.isoformat()
        return last_date[1]

    namespace.update(N=NULL, Q=QUOTE, L=last_date, iso=iso)
    parts = []
    for field, name in zip(table.fields, table.attnames, strict=True):
        internal = field.get_internal_type()
        if internal == "BooleanField":
            text = f"('t' if {name} else 'f')"
        elif internal in ("DateField", "DateTimeField"):
            text = f"(L[1] if {name} is L[0] else iso({name}))"
        elif internal == "UUIDField":
            text = f"{name}.hex"
        elif field.empty_strings_allowed and internal != "DecimalField":
            text = f"(Q + {name} + Q)"  # text: quoted, so newlines and "" survive
        else:
            text = name  # integers, decimals: f-string formatting prints them as PostgreSQL reads
        parts.append("{" + f"N if {name} is None else {text}" + "}")
    return 'f"""' + "\\x1f".join(parts) + '\\n"""'  # "\x1f": DELIMITER, escaped in the source


class CopyWriter(Writer):
    """PostgreSQL: COPY FROM STDIN in chunks of about a megabyte, sent by a second thread.

    The generator is pure Python on one core; PostgreSQL parses and stores on the other. A
    thread takes finished chunks from a short queue and COPYs each, so loading overlaps with
    generating, and memory stays bounded by the queue and one open chunk per table. The thread
    uses the same connection, hence the same transaction; the generator does not touch the
    database meanwhile. (psycopg2 releases the interpreter lock while it sends and waits.)

    The tables are emptied with TRUNCATE first (they hold nothing: the command checked), so
    that COPY may FREEZE the rows, which also marks the pages all-visible: benchmarks then see
    a vacuumed table, not one whose first reader sets hint bits on every page. Secondary
    indexes, unique constraints and foreign keys are dropped before loading and rebuilt after
    it from their own definitions, which is several times faster than maintaining them row by
    row; the rebuilt foreign keys check every row.
    """

    chunk_bytes = 1 << 20

    def __init__(self, tables: Iterable[Table], *, freeze: bool = True) -> None:
        super().__init__(tables)
        self.freeze = freeze
        self._lines: dict[Table, list[str]] = {}
        self._seconds: dict[str, float] = {table.name: 0.0 for table in self.tables}
        self._indexes: list[tuple[str, str]] = []  # (table, CREATE INDEX statement)
        self._constraints: list[tuple[str, str, str, str]] = []
        self._queue: queue.Queue[tuple[Table, bytes] | None] = queue.Queue(maxsize=8)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        for table in self.tables:
            table.add = self._adder(table)

    def _adder(self, table: Table) -> Callable[..., None]:
        lines = self._lines[table] = []
        size = [0]

        def full() -> None:
            size[0] = 0
            self._send(table)

        namespace: dict[str, Any] = {"lines": lines, "size": size, "full": full}
        line = _csv_line(table, namespace)
        return table.compile_add(
            f"line = {line}\n"
            "    lines.append(line)\n"
            "    size[0] += len(line)\n"
            f"    if size[0] >= {self.chunk_bytes}:\n"
            "        full()",
            namespace,
        )

    def _send(self, table: Table) -> None:
        lines = self._lines[table]
        if not lines:
            return
        if self._error is not None:
            raise self._error
        table.count += len(lines)
        self._queue.put((table, "".join(lines).encode()))
        lines.clear()

    def _load(self, raw: Any) -> None:
        """The loading thread: COPY each chunk until told to stop (None)."""
        freeze = ", FREEZE" if self.freeze else ""
        statements = {}
        for table in self.tables:
            columns = ", ".join(f'"{field.column}"' for field in table.fields)
            statements[table] = (
                f'COPY "{table.name}" ({columns}) FROM STDIN WITH ({_COPY_OPTIONS}{freeze})'
            )
        while (item := self._queue.get()) is not None:
            table, chunk = item
            if self._error is not None:
                continue  # drain, so the generator is never left blocked on a full queue
            started = time.monotonic()
            try:
                raw.copy_expert(statements[table], io.BytesIO(chunk), size=len(chunk))
            except BaseException as error:  # handed to the generating thread
                self._error = error
            self._seconds[table.name] += time.monotonic() - started

    def prepare(self) -> None:
        names = [table.name for table in self.tables]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT c.conrelid::regclass::text, c.conname, c.contype,
                       pg_get_constraintdef(c.oid)
                FROM pg_constraint c
                WHERE (c.contype = 'u' AND c.conrelid = ANY(%(tables)s::regclass[]))
                   OR (c.contype = 'f' AND (c.conrelid = ANY(%(tables)s::regclass[])
                                            OR c.confrelid = ANY(%(tables)s::regclass[])))
                ORDER BY c.contype DESC, c.conrelid::regclass::text, c.conname
                """,
                {"tables": names},
            )
            # Foreign keys first ('f' > 'u'): a unique constraint may be what one points at.
            self._constraints = cursor.fetchall()
            cursor.execute(
                """
                SELECT i.indrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
                  AND NOT EXISTS (
                      SELECT 1 FROM pg_constraint c
                      WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
                ORDER BY 2
                """,
                {"tables": names},
            )
            self._indexes = cursor.fetchall()
            for table, name, _kind, _definition in self._constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for _table, definition in self._indexes:
                cursor.execute(f"DROP INDEX {_index_name(definition)}")
            if self.freeze:
                cursor.execute("TRUNCATE " + ", ".join(f'"{name}"' for name in names))
        raw = connection.cursor().cursor  # psycopg2's own cursor: Django's has no copy_expert
        self._thread = threading.Thread(target=self._load, args=(raw,), name="copy", daemon=True)
        self._thread.start()

    def _stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        self._stop()

    def finish(self) -> None:
        for table in self.tables:
            self._send(table)
        self._stop()
        if self._error is not None:
            raise self._error
        self.reports = [
            TableReport(table.name, table.count, self._seconds[table.name]) for table in self.tables
        ]
        self._restore(connection.cursor().cursor)

    def _restore(self, raw: Any) -> None:
        by_table = {report.table: report for report in self.reports}

        def timed(table: str, sql: str) -> None:
            started = time.monotonic()
            raw.execute(sql)
            report = by_table.get(table.strip('"'))
            if report is not None:
                report.index_seconds += time.monotonic() - started

        raw.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for table, definition in self._indexes:
            timed(table, definition)
        # Unique constraints before the foreign keys that may rely on them.
        for table, name, _kind, definition in reversed(self._constraints):
            timed(table, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _index_name(definition: str) -> str:
    # "CREATE [UNIQUE] INDEX name ON table USING …": PostgreSQL's own rendering, quoted as needed.
    return definition.split(" INDEX ", 1)[1].split(" ON ", 1)[0]


# Fields whose values (ints, text, booleans, None) go to the database as they are: preparing them
# through Django changes nothing and cost most of a small run's time. Dates, UUIDs, decimals and
# encrypted fields (subclasses, so not listed) still go through get_db_prep_save.
_PLAIN_FIELDS = {
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.SmallIntegerField,
    models.BooleanField,
    models.CharField,
    models.TextField,
    models.SlugField,
    models.URLField,
    models.ForeignKey,
    SearchTextField,
    UncertainDateField,
}


class InsertWriter(Writer):
    """Any other database (SQLite, for small runs and tests): batched INSERTs of the values as
    Django would prepare them for this database, without pre_save."""

    chunk_rows = 1000

    def __init__(self, tables: Iterable[Table]) -> None:
        super().__init__(tables)
        self._rows: dict[Table, list[tuple[Any, ...]]] = {}
        self._seconds: dict[Table, float] = dict.fromkeys(self.tables, 0.0)
        for table in self.tables:
            rows = self._rows[table] = []
            namespace = {"rows": rows, "flush": self._flush, "table": table}
            table.add = table.compile_add(
                f"rows.append(({', '.join(table.attnames)},))\n"
                f"    if len(rows) >= {self.chunk_rows}:\n"
                "        flush(table)",
                namespace,
            )

    def _flush(self, table: Table) -> None:
        rows = self._rows[table]
        if not rows:
            return
        started = time.monotonic()
        plain = [type(field) in _PLAIN_FIELDS for field in table.fields]
        prepared = [
            [
                value if is_plain else field.get_db_prep_save(value, connection)
                for field, value, is_plain in zip(table.fields, row, plain, strict=True)
            ]
            for row in rows
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in table.fields)
        marks = ", ".join(["%s"] * len(table.fields))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})",  # noqa: S608
                prepared,
            )
        table.count += len(rows)
        rows.clear()
        self._seconds[table] += time.monotonic() - started

    def finish(self) -> None:
        for table in self.tables:
            self._flush(table)
            self.reports.append(TableReport(table.name, table.count, self._seconds[table]))


def writer_for(tables: Iterable[Table], *, freeze: bool = True) -> Writer:
    """The writer for this database, bound to `tables` (their `add` writes through it)."""
    if connection.vendor == "postgresql":
        return CopyWriter(tables, freeze=freeze)
    return InsertWriter(tables)
