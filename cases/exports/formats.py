"""File formats for the export rows: CSV, XLSX, GeoJSON and JSON Lines, each a generator of
bytes, so a response or a job writes as rows arrive and memory stays flat.

Spreadsheet safety: a text cell starting with =, +, -, @, a tab or a carriage return is how
formula injection reaches Excel and LibreOffice (a "name" like =HYPERLINK(...) that phones home
when the advocate opens the file), so CSV and XLSX cells starting so are prefixed with an
apostrophe. GeoJSON and JSON Lines carry values as data and are left exact.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .rows import Column

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FLUSH_BYTES = 64 * 1024


@dataclass(frozen=True)
class Format:
    key: str
    media_type: str
    extension: str


FORMATS = {
    "csv": Format("csv", "text/csv; charset=utf-8", "csv"),
    "xlsx": Format(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    ),
    "geojson": Format("geojson", "application/geo+json", "geojson"),
    "jsonl": Format("jsonl", "application/jsonl; charset=utf-8", "jsonl"),
}


def neutralise(value: Any) -> Any:
    """Make a text cell inert in a spreadsheet; leave other values alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date | uuid.UUID | decimal.Decimal):
        return str(value)
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date | uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _public(row: dict[str, Any], columns: list[Column]) -> dict[str, Any]:
    return {column.key: row.get(column.key) for column in columns}


def csv_stream(
    rows: Iterable[dict[str, Any]], columns: list[Column], *, bom: bool = False
) -> Iterator[bytes]:
    """UTF-8 CSV with a header of column labels; `bom` for Excel, which otherwise guesses the
    encoding and garbles Tibetan and Chinese. Lines end with LF, as PostgreSQL's COPY writes
    them (cases.exports.sql), so both paths give the same bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow([column.label for column in columns])
    for row in rows:
        writer.writerow([neutralise(_plain(row.get(column.key))) for column in columns])
        if buffer.tell() >= FLUSH_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def jsonl_stream(rows: Iterable[dict[str, Any]], columns: list[Column]) -> Iterator[bytes]:
    """One JSON object per line, keyed by column key, UTF-8 kept as is."""
    chunk: list[str] = []
    size = 0
    for row in rows:
        line = json.dumps(
            {k: _json_value(v) for k, v in _public(row, columns).items()}, ensure_ascii=False
        )
        chunk.append(line)
        size += len(line)
        if size >= FLUSH_BYTES:
            yield ("\n".join(chunk) + "\n").encode("utf-8")
            chunk, size = [], 0
    if chunk:
        yield ("\n".join(chunk) + "\n").encode("utf-8")


def geojson_stream(rows: Iterable[dict[str, Any]], columns: list[Column]) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection: [longitude, latitude] points in WGS 84; rows whose place
    has no coordinates (nor any place above it) are features with a null geometry."""
    yield b'{"type":"FeatureCollection","features":['
    separator = b""
    buffered: list[bytes] = []
    size = 0
    for row in rows:
        coordinates = row.get("_coordinates")
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(coordinates)}
            if coordinates
            else None,
            "properties": {k: _json_value(v) for k, v in _public(row, columns).items()},
        }
        encoded = separator + json.dumps(feature, ensure_ascii=False).encode("utf-8")
        separator = b","
        buffered.append(encoded)
        size += len(encoded)
        if size >= FLUSH_BYTES:
            yield b"".join(buffered)
            buffered, size = [], 0
    yield b"".join(buffered) + b"]}"


def xlsx_stream(
    rows: Iterable[dict[str, Any]], columns: list[Column], *, title: str = "Export"
) -> Iterator[bytes]:
    """An XLSX workbook written in openpyxl's write-only mode (rows are not kept in memory),
    spooled to a temporary file and then streamed: the format is a zip and cannot be streamed
    while it is being written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([neutralise(_xlsx_value(row.get(column.key))) for column in columns])
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        while block := spool.read(FLUSH_BYTES):
            yield block


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def stream(
    fmt: str, rows: Iterable[dict[str, Any]], columns: list[Column], *, bom: bool = False
) -> Iterator[bytes]:
    """The bytes of `rows` in format `fmt` (a key of FORMATS)."""
    if fmt == "csv":
        return csv_stream(rows, columns, bom=bom)
    if fmt == "jsonl":
        return jsonl_stream(rows, columns)
    if fmt == "geojson":
        return geojson_stream(rows, columns)
    if fmt == "xlsx":
        return xlsx_stream(rows, columns)
    raise ValueError(f"unknown export format {fmt!r}")
