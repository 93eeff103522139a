"""The prisoner list written by PostgreSQL itself: one `COPY … TO STDOUT` per export.

On PostgreSQL the detention export builds no Python object per row. The rows of
`cases.exports.rows.detention_rows` — the same columns, the same redaction for the profile and
recipient, the same formula neutralisation — are one SQL statement, and the database's own CSV
writer (or its JSON and text functions, for JSON Lines, GeoJSON and the XLSX sheet) makes the
bytes, which stream to the response as they arrive: 1.7–2.5× a hand-written COPY of the same
rows and 14× faster than model instances through a serializer (docs/benchmarks.md), one
statement per export, memory bounded by a small queue.

tests/exports/test_sql_exports.py holds both paths to the same output (byte for byte for CSV),
so a column or a redaction rule cannot change in one and not in the other.

Withheld names in the free text of partner and public rows are masked by the very function the
row writer uses (cases.redaction), not by a regular expression of the database's: its word
and syllable boundaries, its case folding and its comparison without diacritics would each
differ a little. Before the statement, the rows of cases with a withheld detainee are read
(their free text only) and masked in Python; the few whose text changes reach the statement as
arrays, which it prefers to the stored text (`masked`).

psycopg2 hands COPY data to a file object's `write()` and returns only at the end, so the
statement runs in a helper thread feeding a bounded queue that the response's generator reads.
A client that goes away cancels the statement on the server.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import queue
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from django.db import connections
from django.db.models import QuerySet
from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from ..models import (
    Affiliation,
    Case,
    Citation,
    ConsentDecision,
    Detention,
    DetentionEvent,
    Organization,
    Person,
    PersonName,
    Place,
    Term,
)
from ..models.person import Consent
from ..redaction import withheld_masks
from .profiles import PLACEHOLDER, Profile
from .rows import CHUNK_SIZE, DETENTION_COLUMNS, MASKED_DETENTION_TEXT, NAME_COLUMNS, Column

CHUNK_BYTES = 256 * 1024
QUEUE_CHUNKS = 8
EXCEL_EPOCH = datetime.date(1899, 12, 30)
# COPY's CSV mode quotes a value that holds its delimiter, its quote character or a line
# break. With two control characters as delimiter and quote — JSON escapes both, and the XML
# here never holds them — one-column output is exactly the values, one per line.
RAW_LINES = "(FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')"
# The columns of the `masked` arrays, as `masked_text` gathers them.
_MASKED_COLUMNS = ("case_title", "description", "alleged_reason", "authority")


def available(using: str = "default") -> bool:
    """Whether exports can be written by the database (PostgreSQL); elsewhere rows.py runs."""
    return connections[using].vendor == "postgresql"


# --- The statement ------------------------------------------------------------------------------


def _table(model: Any) -> str:
    return connections["default"].ops.quote_name(model._meta.db_table)


def _term_label(alias: str) -> str:
    # rows._Lookups.term: the English label, else the code; no term is an empty string.
    return f"COALESCE({alias}.labels->>'en', {alias}.code, '')"


def _literal(text: str) -> str:
    """A string constant for the statement (E'' quoting holds whatever the server settings)."""
    return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _columns(profile: Profile, recipient: Any, case_url: tuple[str, str] | None) -> dict:
    """DETENTION_COLUMNS as SQL values over the aliases of `_FROM`, with their kinds."""
    if profile == Profile.INTERNAL:
        shown = "TRUE"
    elif recipient is None:
        shown = "FALSE"
    else:
        # profiles.identity_shown: never a withheld person; others with the recipient's consent.
        shown = "(NOT p.identity_withheld AND cs.person_id IS NOT NULL)"
    sentence = """CASE d.sentence_kind
        WHEN 'term' THEN concat_ws(', ',
            CASE WHEN d.sentence_years > 0 THEN d.sentence_years || ' years' END,
            CASE WHEN d.sentence_months > 0 THEN d.sentence_months || ' months' END)
        WHEN '' THEN ''
        WHEN 'unknown-term' THEN 'sentenced, term unknown'
        WHEN 'life' THEN 'life imprisonment'
        WHEN 'suspended-death' THEN 'death, suspended'
        WHEN 'death' THEN 'death'
        ELSE d.sentence_kind END"""
    link = "''"
    if case_url and profile != Profile.PUBLIC:
        link = f"{_literal(case_url[0])} || c.reference || {_literal(case_url[1])}"
    authority = "COALESCE(NULLIF(ao.name, ''), d.authority_description)"
    values = {
        "case_reference": ("text", "c.reference"),
        "case_title": ("text", "COALESCE(mk.case_title, c.title)"),
        "detention_id": ("text", "d.public_id::text"),
        "person_id": ("text", "p.public_id::text" if profile == Profile.INTERNAL else "''"),
        # A placeholder stands for a name that is kept back; an unknown name stays empty.
        "name": (
            "text",
            f"CASE WHEN {shown} THEN p.name WHEN p.name <> '' OR nm.person_id IS NOT NULL "
            f"THEN {_literal(PLACEHOLDER)} ELSE '' END",
        ),
        **{
            column: ("text", f"CASE WHEN {shown} THEN COALESCE(nm.{column}, '') ELSE '' END")
            for column in NAME_COLUMNS.values()
        },
        "name_other": ("text", f"CASE WHEN {shown} THEN COALESCE(nm.other, '') ELSE '' END"),
        "description": (
            "text",
            f"CASE WHEN {shown} THEN COALESCE(mk.description, p.description) ELSE '' END",
        ),
        "identity_withheld": ("bool", f"NOT {shown}"),
        "head_count": ("int", "p.head_count"),
        "gender": ("text", "p.sex"),
        "ethnicity": ("text", _term_label("eth")),
        "religion": ("text", _term_label("rel")),
        "occupation": ("text", _term_label("occ")),
        "affiliation": ("text", f"CASE WHEN {shown} THEN COALESCE(af.labels, '') ELSE '' END"),
        "age_at_detention": ("age", "d.age_at_detention"),
        "detained_on": ("text", "d.detained_on"),
        "detained_on_earliest": ("date", "d.detained_on_earliest"),
        "detained_on_latest": ("date", "d.detained_on_latest"),
        "place": ("text", "COALESCE(pc.label, '')"),
        "traditional_region": ("text", "COALESCE(pc.region, '')"),
        "latitude": ("float", "pc.latitude"),
        "longitude": ("float", "pc.longitude"),
        "authority": ("text", f"COALESCE(mk.authority, {authority})"),
        "held_at": ("text", "COALESCE(NULLIF(ho.name, ''), ph.label, '')"),
        "alleged_reason": ("text", "COALESCE(mk.alleged_reason, d.alleged_reason)"),
        "charges": ("text", "COALESCE(ch.labels, '')"),
        "detention_type": ("text", _term_label("dty")),
        "status": ("text", "d.status"),
        "status_certainty": ("text", "d.status_certainty"),
        "status_as_of": ("date", "d.status_as_of"),
        "sentence": ("text", sentence),
        "expected_release": ("date", "d.expected_release"),
        "wgad_category": ("text", "d.wgad_category"),
        "case_state": ("text", "c.state"),
        "sources_count": ("int", "COALESCE(sc.sources, 0)"),
        "case_url": ("text", link),
    }
    if MASKED_DETENTION_TEXT != _MASKED_COLUMNS:
        raise RuntimeError("SQL export masked text out of step with rows.py")
    missing = {column.key for column in DETENTION_COLUMNS} ^ set(values)
    if missing:
        raise RuntimeError(f"SQL export columns out of step with rows.py: {sorted(missing)}")
    return values


_WITH = """
WITH sel AS MATERIALIZED ({selection}),
names AS (
    SELECT n.person_id, {name_columns},
        string_agg(n.name || ' [' || n.language || ']', '; '
            ORDER BY n.language COLLATE "C", n.kind, n.name)
            FILTER (WHERE n.language NOT IN ({name_languages})) AS other
    FROM {personname} n
    WHERE n.person_id IN (SELECT person_id FROM sel)
    GROUP BY n.person_id
),
charges AS (
    SELECT dc.detention_id, string_agg({charge_label}, '; ' ORDER BY dc.id) AS labels
    FROM {detention_charges} dc JOIN {term} ct ON ct.id = dc.term_id
    WHERE dc.detention_id IN (SELECT id FROM sel)
    GROUP BY dc.detention_id
),
affiliations AS (
    SELECT a.person_id, string_agg(
        CASE WHEN {role_label} = '' THEN o.name ELSE {role_label} || ', ' || o.name END,
        '; ' ORDER BY o.name, a.id) AS labels
    FROM {affiliation} a
    JOIN {organization} o ON o.id = a.organization_id
    LEFT JOIN {term} ar ON ar.id = a.role_id
    WHERE a.person_id IN (SELECT person_id FROM sel)
    GROUP BY a.person_id
),
consented AS (
    SELECT DISTINCT k.person_id FROM {consent} k
    WHERE k.decision = %s AND k.recipient = %s AND k.person_id IN (SELECT person_id FROM sel)
),
cited AS (
    -- UNION drops a source cited twice on one case in one hashing pass.
    SELECT ci.case_id, ci.source_id FROM {citation} ci
    WHERE ci.case_id IN (SELECT case_id FROM sel)
    UNION
    SELECT cd.case_id, ci.source_id FROM {citation} ci
    JOIN {detention} cd ON cd.id = ci.detention_id
    WHERE cd.case_id IN (SELECT case_id FROM sel)
    UNION
    SELECT cd.case_id, ci.source_id FROM {citation} ci
    JOIN {detentionevent} ce ON ce.id = ci.detention_event_id
    JOIN {detention} cd ON cd.id = ce.detention_id
    WHERE cd.case_id IN (SELECT case_id FROM sel)
),
sources AS (SELECT case_id, count(*) AS sources FROM cited GROUP BY case_id),
places AS (
    -- Each place with the names up its path ("Drilda › Sog County › Nagchu › …"), and the
    -- region and coordinates of the nearest place on that path that has them.
    SELECT x.id,
        string_agg(up.name, ' › ' ORDER BY step.depth DESC) AS label,
        (array_agg({region_label} ORDER BY step.depth DESC)
            FILTER (WHERE up.traditional_region_id IS NOT NULL))[1] AS region,
        (array_agg(up.latitude::float8 ORDER BY step.depth DESC)
            FILTER (WHERE up.latitude IS NOT NULL))[1] AS latitude,
        (array_agg(up.longitude::float8 ORDER BY step.depth DESC)
            FILTER (WHERE up.latitude IS NOT NULL))[1] AS longitude
    FROM {place} x
    CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from x.path), '/'))
        WITH ORDINALITY AS step(ancestor, depth)
    JOIN {place} up ON up.id = step.ancestor::bigint
    LEFT JOIN {term} rt ON rt.id = up.traditional_region_id
    GROUP BY x.id
),
masked AS (
    SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])
        AS m(detention_id, case_title, description, alleged_reason, authority)
)"""

# OFFSET 0 keeps the inner select whole: each value is computed once, however many times the
# format's rendering refers to it.
_ROWS = """
SELECT {format_list} FROM (
    SELECT {value_list}, d.age_is_approximate AS age_is_approximate
    FROM sel
    JOIN {detention} d ON d.id = sel.id
    JOIN {case} c ON c.id = d.case_id
    JOIN {person} p ON p.id = d.person_id
    LEFT JOIN names nm ON nm.person_id = d.person_id
    LEFT JOIN charges ch ON ch.detention_id = d.id
    LEFT JOIN affiliations af ON af.person_id = d.person_id
    LEFT JOIN consented cs ON cs.person_id = d.person_id
    LEFT JOIN sources sc ON sc.case_id = d.case_id
    LEFT JOIN places pc ON pc.id = c.place_id
    LEFT JOIN places ph ON ph.id = d.held_in_place_id
    LEFT JOIN masked mk ON mk.detention_id = d.id
    LEFT JOIN {organization} ao ON ao.id = d.detaining_authority_id
    LEFT JOIN {organization} ho ON ho.id = d.held_at_id
    LEFT JOIN {term} eth ON eth.id = p.ethnicity_id
    LEFT JOIN {term} rel ON rel.id = p.religion_id
    LEFT JOIN {term} occ ON occ.id = p.occupation_id
    LEFT JOIN {term} dty ON dty.id = d.detention_type_id
    ORDER BY d.id
    OFFSET 0
) AS r"""

Render = Callable[[list[tuple[str, str]]], str]


def masked_text(detentions: QuerySet[Detention], profile: Profile) -> list[list[Any]]:
    """The free text of partner and public rows that names a withheld person, masked as
    rows.detention_rows masks it: [detention ids, *one list per MASKED_DETENTION_TEXT key].

    Two queries find the cases with a withheld detainee and their masks; a third reads only
    their rows, in chunks, and keeps those whose text the mask changes.
    """
    found: list[list[Any]] = [[] for _ in range(1 + len(MASKED_DETENTION_TEXT))]
    if profile == Profile.INTERNAL:
        return found
    selected = detentions.order_by().values("case_id")
    masks = withheld_masks(
        Detention.objects.filter(case_id__in=selected, person__identity_withheld=True)
        .values_list("case_id", flat=True)
        .distinct()
    )
    if not masks:
        return found
    rows = (
        detentions.filter(case_id__in=list(masks))
        .order_by("id")
        .values_list(
            "id",
            "case_id",
            "case__title",
            "person__description",
            "alleged_reason",
            "detaining_authority__name",
            "authority_description",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for pk, case_id, title, description, reason, authority_name, authority_text in rows:
        # In the order of MASKED_DETENTION_TEXT; the authority as rows.py composes it.
        stored = [title, description, reason, authority_name or authority_text]
        mask = masks[case_id]
        shown = [mask.apply(text) for text in stored]
        if shown != stored:
            for column, value in zip(found, [pk, *shown], strict=True):
                column.append(value)
    return found


def detention_statement(
    detentions: QuerySet[Detention],
    *,
    profile: Profile,
    recipient: Any,
    case_url: Callable[[str], str] | None,
    render: Render,
) -> tuple[str, list[Any]]:
    """The SELECT of the export rows and its parameters.

    `render([(key, kind), …])` gives the outer select list of the format over the inner
    values `r.<key>` (and `r.age_is_approximate`).
    """
    link = None
    if case_url is not None:
        marker = "CB-REFERENCE-MARKER"
        prefix, _, suffix = case_url(marker).partition(marker)
        link = (prefix, suffix)
    values = _columns(profile, recipient, link)
    selection_sql, selection_params = (
        detentions.order_by().values("id", "case_id", "person_id").query.sql_with_params()
    )
    tables = {
        name: _table(model)
        for name, model in {
            "detention": Detention,
            "case": Case,
            "person": Person,
            "personname": PersonName,
            "organization": Organization,
            "place": Place,
            "term": Term,
            "affiliation": Affiliation,
            "consent": Consent,
            "citation": Citation,
            "detentionevent": DetentionEvent,
            "detention_charges": Detention.charges.through,
        }.items()
    }
    languages = list(NAME_COLUMNS)
    with_sql = _WITH.format(
        selection=selection_sql,
        name_columns=", ".join(
            f"string_agg(n.name, '; ' ORDER BY n.kind, n.name) "
            f"FILTER (WHERE n.language = %s) AS {column}"
            for column in NAME_COLUMNS.values()
        ),
        name_languages=", ".join(["%s"] * len(languages)),
        charge_label=_term_label("ct"),
        role_label=_term_label("ar"),
        region_label=_term_label("rt"),
        **tables,
    )
    params = [
        *selection_params,
        *languages,
        *languages,
        ConsentDecision.GRANTED.value,
        str(getattr(recipient, "value", recipient) or ""),
        *masked_text(detentions, profile),
    ]
    rows_sql = _ROWS.format(
        format_list=render([(key, kind) for key, (kind, _sql) in values.items()]),
        value_list=", ".join(f"{sql} AS {key}" for key, (_kind, sql) in values.items()),
        **tables,
    )
    return f"{with_sql}{rows_sql}", params


# --- Formats ------------------------------------------------------------------------------------


def _neutralised(value: str) -> str:
    """formats.neutralise: an apostrophe before a cell a spreadsheet would evaluate."""
    return (
        f"CASE WHEN left({value}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
        f"THEN '''' || {value} ELSE {value} END"
    )


def _csv_value(key: str, kind: str) -> str:
    value = f"r.{key}"
    # COPY writes NULL as an empty field and quotes an empty string; csv.writer writes both
    # bare, so every empty value becomes NULL.
    if kind == "text":
        return f"NULLIF({_neutralised(value)}, '')"
    if kind == "bool":
        return f"CASE WHEN {value} THEN 'yes' ELSE 'no' END"
    if kind == "date":
        return f"to_char({value}, 'YYYY-MM-DD')"
    if kind == "float":
        # Python writes a whole float as "30.0", PostgreSQL as "30".
        return (
            f"CASE WHEN {value} = trunc({value}) THEN trunc({value})::bigint || '.0' "
            f"ELSE {value}::text END"
        )
    if kind == "age":
        return f"CASE WHEN r.age_is_approximate THEN 'about ' || {value} ELSE {value}::text END"
    return f"{value}::text"


def _json_value(key: str, kind: str) -> str:
    value = f"r.{key}"
    if kind == "date":
        return f"to_char({value}, 'YYYY-MM-DD')"
    if kind == "age":
        return (
            f"CASE WHEN {value} IS NULL THEN to_json(''::text) "
            f"WHEN r.age_is_approximate THEN to_json('about ' || {value}) "
            f"ELSE to_json({value}) END"
        )
    return value


def _json_object(columns: list[tuple[str, str]]) -> str:
    pairs = ", ".join(f"'{key}', {_json_value(key, kind)}" for key, kind in columns)
    return f"json_build_object({pairs})"


def _render_csv(columns: list[tuple[str, str]]) -> str:
    return ", ".join(_csv_value(key, kind) for key, kind in columns)


def _render_jsonl(columns: list[tuple[str, str]]) -> str:
    return f"{_json_object(columns)}::text"


def _render_geojson(columns: list[tuple[str, str]]) -> str:
    # formats.geojson_stream: a point where the place (or one above it) has coordinates.
    return (
        "json_build_object('type', 'Feature', 'geometry', "
        "CASE WHEN r.latitude IS NULL THEN NULL ELSE json_build_object('type', 'Point', "
        "'coordinates', json_build_array(r.longitude, r.latitude)) END, "
        f"'properties', {_json_object(columns)})::text"
    )


# XML 1.0 forbids these characters, and a spreadsheet refuses a file holding one: dropped.
_XML_FORBIDDEN = " || ".join(
    f"chr({code})" for code in [*range(1, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF]
)


def _xml_text(value: str) -> str:
    escaped = f"translate({value}, {_XML_FORBIDDEN}, '')"
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        escaped = f"replace({escaped}, '{raw}', '{entity}')"
    # A line break inside a value would end the COPY line; as a character reference it is the
    # same text to the spreadsheet.
    return f"replace(replace({escaped}, chr(10), '&#10;'), chr(13), '&#13;')"


def _inline_string(text_sql: str) -> str:
    return f"'<c t=\"inlineStr\"><is><t xml:space=\"preserve\">' || {text_sql} || '</t></is></c>'"


def _xlsx_cell(key: str, kind: str) -> str:
    value = f"r.{key}"
    if kind == "text":
        return (
            f"CASE WHEN {value} IS NULL OR {value} = '' THEN '<c/>' "
            f"ELSE {_inline_string(_xml_text(_neutralised(value)))} END"
        )
    if kind == "bool":
        yes, no = _inline_string("'yes'"), _inline_string("'no'")
        return f"CASE WHEN {value} THEN {yes} ELSE {no} END"
    if kind == "date":
        return (
            f"CASE WHEN {value} IS NULL THEN '<c/>' "
            f"ELSE '<c s=\"1\"><v>' || ({value} - DATE '{EXCEL_EPOCH.isoformat()}') "
            "|| '</v></c>' END"
        )
    if kind == "age":
        return (
            f"CASE WHEN {value} IS NULL THEN '<c/>' "
            f"WHEN r.age_is_approximate THEN {_inline_string(repr('about ') + ' || ' + value)} "
            f"ELSE '<c><v>' || {value} || '</v></c>' END"
        )
    return f"CASE WHEN {value} IS NULL THEN '<c/>' ELSE '<c><v>' || {value} || '</v></c>' END"


def _render_xlsx(columns: list[tuple[str, str]]) -> str:
    cells = " || ".join(_xlsx_cell(key, kind) for key, kind in columns)
    return f"'<row>' || {cells} || '</row>'"


# --- Streaming COPY out ------------------------------------------------------------------------


class _Sink:
    """The file object COPY writes to: rows gathered into chunks on a bounded queue."""

    def __init__(self, chunks: queue.Queue, stop: threading.Event) -> None:
        self.chunks = chunks
        self.stop = stop
        self.parts: list[bytes] = []
        self.size = 0
        self.rows = 0

    def write(self, data: bytes) -> None:
        if self.stop.is_set():
            return  # the statement is being cancelled; nobody reads any more
        # psycopg2 writes one row per call.
        self.rows += 1
        self.parts.append(data)
        self.size += len(data)
        if self.size >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.parts and not self.stop.is_set():
            self.chunks.put(b"".join(self.parts))
        self.parts, self.size = [], 0


_DONE = object()


def copy_out(
    sql: str,
    params: list[Any],
    *,
    options: str = "(FORMAT csv)",
    on_rows: Callable[[int], None] | None = None,
    using: str = "default",
) -> Iterator[bytes]:
    """Run `COPY (sql) TO STDOUT WITH options` and yield its output in chunks as it arrives.

    One statement on the current connection; at most QUEUE_CHUNKS chunks wait in memory.
    Closing the generator early cancels the statement.
    """
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        statement = cursor.mogrify(f"COPY ({sql}) TO STDOUT WITH {options}", params).decode()
    chunks: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
    stop = threading.Event()
    sink = _Sink(chunks, stop)

    def run() -> None:
        try:
            with raw.cursor() as cursor:
                # The statement's cost estimate is high enough for PostgreSQL to compile it
                # with LLVM, which takes longer than running it: seconds, on a full export.
                cursor.execute("SET jit = off")
                try:
                    cursor.copy_expert(statement, sink, size=CHUNK_BYTES)
                finally:
                    if raw.get_transaction_status() != TRANSACTION_STATUS_INERROR:
                        cursor.execute("RESET jit")
            sink.flush()
            chunks.put(_DONE)
        except BaseException as exc:  # handed to the reader, which raises it
            chunks.put(exc)

    started = time.monotonic()
    worker = threading.Thread(target=run, name="casebook-copy-out", daemon=True)
    worker.start()
    finished = False
    try:
        while True:
            item = chunks.get()
            if item is _DONE:
                finished = True
                return
            if isinstance(item, BaseException):
                finished = True
                raise item
            if on_rows is not None:
                on_rows(sink.rows)
            yield item
    finally:
        if not finished:
            stop.set()
            raw.cancel()
            while worker.is_alive():
                with contextlib.suppress(queue.Empty):
                    chunks.get(timeout=0.05)
            if connection.in_atomic_block:
                connection.needs_rollback = True
        worker.join()
        if connection.queries_logged:
            # Counted like any other statement, so query counts and the debug log show it.
            connection.queries_log.append(
                {"sql": statement, "time": f"{time.monotonic() - started:.3f}"}
            )


# --- The files -----------------------------------------------------------------------------------


def _csv_header(columns: list[Column], bom: bool) -> bytes:
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    csv.writer(buffer, lineterminator="\n").writerow([column.label for column in columns])
    return buffer.getvalue().encode("utf-8")


def detention_stream(
    fmt: str,
    detentions: QuerySet[Detention],
    *,
    profile: Profile,
    recipient: Any = None,
    case_url: Callable[[str], str] | None = None,
    bom: bool = False,
    on_rows: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The bytes of the detention export in `fmt`, written by PostgreSQL (see the module doc).

    `detentions` must already be limited to visible_cases(user, purpose of the profile);
    `on_rows(n)` hears the running row count as the rows arrive.
    """
    renderers: dict[str, Render] = {
        "csv": _render_csv,
        "jsonl": _render_jsonl,
        "geojson": _render_geojson,
        "xlsx": _render_xlsx,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown export format {fmt!r}")
    sql, params = detention_statement(
        detentions, profile=profile, recipient=recipient, case_url=case_url, render=renderers[fmt]
    )
    if fmt == "csv":
        return _csv_file(copy_out(sql, params, on_rows=on_rows), bom)
    body = copy_out(sql, params, options=RAW_LINES, on_rows=on_rows)
    if fmt == "jsonl":
        return body
    if fmt == "geojson":
        return _geojson_file(body)
    return _xlsx_file(body, DETENTION_COLUMNS)


def _csv_file(body: Iterator[bytes], bom: bool) -> Iterator[bytes]:
    yield _csv_header(DETENTION_COLUMNS, bom)
    yield from body


def _geojson_file(body: Iterator[bytes]) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    separator = b""
    for chunk in body:
        # One feature a line, and JSON holds no raw line break: the breaks become the commas.
        yield separator + chunk.rstrip(b"\n").replace(b"\n", b",")
        separator = b","
    yield b"]}"


class _Pipe:
    """A write-only, unseekable file that hands on what it is given: zipfile then writes a
    streamable archive (sizes in data descriptors after each member)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.written = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts = []
        return data


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    # Styles: 0 plain, 1 ISO date, 2 bold (the header).
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def _xlsx_file(
    body: Iterator[bytes], columns: list[Column], title: str = "Export"
) -> Iterator[bytes]:
    """A workbook streamed as it is zipped: the sheet's rows come from PostgreSQL as XML.

    Written by hand because the rows are already XML: openpyxl would parse nothing here, and
    building its cell objects costs more than the whole COPY.
    """
    pipe = _Pipe()
    archive = zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    for name, content in _XLSX_PARTS.items():
        archive.writestr(name, content.replace("{title}", xml_escape(title[:31])))
    yield pipe.take()
    header = "".join(
        f'<c t="inlineStr" s="2"><is><t>{xml_escape(column.label)}</t></is></c>'
        for column in columns
    )
    with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
        sheet.write(
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f"<sheetData><row>{header}</row>"
            ).encode()
        )
        for chunk in body:
            sheet.write(chunk)
            if pipe.parts:
                yield pipe.take()
        sheet.write(b"</sheetData></worksheet>")
    archive.close()
    yield pipe.take()
