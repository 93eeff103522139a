"""The bench database: dropped and created anew, migrated, filled by `generate_data`.

Only a database whose name starts with `casebook_bench` is ever dropped. With `keep`, a
database that already holds cases is reused as it is (migrated, not regenerated).
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.db import connection

from .common import DATABASE_PREFIX, Out
from .report import prepare_file, read_prepare


def _maintenance_connection() -> Any:
    import psycopg2

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params["dbname"] = "postgres"
    raw = psycopg2.connect(**params)
    raw.autocommit = True
    return raw


def _holds_cases(name: str) -> bool:
    import psycopg2

    from cases.models import Case

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    try:
        raw = psycopg2.connect(**params)
    except psycopg2.OperationalError:
        return False
    try:
        with raw.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [Case._meta.db_table])
            if cursor.fetchone()[0] is None:
                return False
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {Case._meta.db_table})")  # noqa: S608
            return bool(cursor.fetchone()[0])
    finally:
        raw.close()


def _manage(*arguments: str) -> None:
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), *arguments]
    subprocess.run(command, check=True)  # noqa: S603 - our own interpreter and manage.py


def prepare(*, scale: float, seed: int, keep: bool, out: Out) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise RuntimeError("the benchmarks need PostgreSQL (set BENCH_DATABASE_URL)")
    name = str(connection.settings_dict["NAME"])
    if not name.startswith(DATABASE_PREFIX):
        raise RuntimeError(
            f"refusing to touch database {name!r}: the bench only drops and fills databases "
            f"whose names start with {DATABASE_PREFIX!r}"
        )
    connection.close()
    record: dict[str, Any] = {"database": name, "scale": scale, "seed": seed}
    kept = keep and _holds_cases(name)
    if kept:
        out(f"Keeping database {name}: it already holds cases (BENCH_KEEP=1).")
        # What it was generated with, if this harness generated it.
        earlier = read_prepare(name)
        record.update({k: earlier[k] for k in ("scale", "seed", "generate") if k in earlier})
    else:
        started = time.perf_counter()
        maintenance = _maintenance_connection()
        try:
            with maintenance.cursor() as cursor:
                quoted = '"' + name.replace('"', '""') + '"'
                cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
                cursor.execute(f"CREATE DATABASE {quoted}")
        finally:
            maintenance.close()
        record["create"] = time.perf_counter() - started
        out(f"Created database {name} ({record['create']:.1f} s).")
    started = time.perf_counter()
    _manage("migrate", "--noinput", "--verbosity", "0")
    record["migrate"] = time.perf_counter() - started
    out(f"Migrated ({record['migrate']:.1f} s).")
    if not kept:
        if not (settings.BASE_DIR / "cases/management/commands/generate_data.py").exists():
            raise RuntimeError("manage.py generate_data is not there yet: nothing to bench")
        started = time.perf_counter()
        _manage("generate_data", "--scale", f"{scale:g}", "--seed", str(seed))
        record["generate"] = time.perf_counter() - started
        out(f"Generated scale {scale:g}, seed {seed} ({record['generate']:.0f} s).")
    record["kept"] = kept
    record["at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    path = prepare_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2))
    return record
