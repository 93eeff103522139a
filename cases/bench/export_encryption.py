"""What encrypting export files at rest costs: a 50 MiB file written and read back, plain and
through cases.exports.storage, best of a few runs, with the peak Python memory of each.

    DEBUG=1 .venv/bin/python -m cases.bench.export_encryption [--mib 50] [--runs 3]

Not part of `make bench` and not a test: it needs no database, and timings on a shared machine
are only indicative. The rows are CSV-like text in the blocks the export writers hand over.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import django

BLOCK = 64 * 1024
JOB_ID = "00000000-0000-4000-8000-000000000000"


def blocks(total: int) -> Iterator[bytes]:
    row = "CB-2014-0001,Tashi Dorje,ཀྲ་ཤིས་རྡོ་རྗེ,扎西多吉,2014-03-06,Kardze,detained\r\n"
    block = (row * (BLOCK // len(row.encode()) + 1)).encode()[:BLOCK]
    for _ in range(total // BLOCK):
        yield block


def write_plain(path: Path, total: int) -> None:
    with open(path, "wb") as out:
        for block in blocks(total):
            out.write(block)
        out.flush()
        os.fsync(out.fileno())


def write_encrypted(path: Path, total: int) -> None:
    from cases.exports.storage import EncryptingWriter

    with open(path, "wb") as out:
        writer = EncryptingWriter(out, job_id=JOB_ID)
        for block in blocks(total):
            writer.write(block)
        writer.close()
        out.flush()
        os.fsync(out.fileno())


def read_plain(path: Path) -> int:
    size = 0
    with open(path, "rb") as source:
        while block := source.read(BLOCK):
            size += len(block)
    return size


def read_encrypted(path: Path) -> int:
    from cases.exports.storage import decrypted_chunks

    with open(path, "rb") as source:
        return sum(len(chunk) for chunk in decrypted_chunks(source, job_id=JOB_ID))


def measure(action: Callable[[], object], runs: int) -> tuple[float, int]:
    """Best time of `runs` in seconds, and the peak traced memory of one run in bytes."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")
    django.setup()
    total = options.mib * 1024 * 1024
    with tempfile.TemporaryDirectory() as directory:
        plain, sealed = Path(directory) / "plain.csv", Path(directory) / "sealed.csv"
        figures = {
            "write": (
                measure(lambda: write_plain(plain, total), options.runs),
                measure(lambda: write_encrypted(sealed, total), options.runs),
            ),
            "read": (
                measure(lambda: read_plain(plain), options.runs),
                measure(lambda: read_encrypted(sealed), options.runs),
            ),
        }
        if not read_encrypted(sealed) == read_plain(plain) == total:
            raise SystemExit("the encrypted file does not read back as the plain one")
        overhead = sealed.stat().st_size - plain.stat().st_size
    print(f"{options.mib} MiB, best of {options.runs}; overhead on disk {overhead} bytes")
    print("step    plain s  encrypted s  ratio  plain peak KiB  encrypted peak KiB")
    for step, ((plain_s, plain_peak), (sealed_s, sealed_peak)) in figures.items():
        print(
            f"{step:<6} {plain_s:8.3f} {sealed_s:12.3f} {sealed_s / plain_s:6.2f}"
            f" {plain_peak / 1024:15.0f} {sealed_peak / 1024:19.0f}"
        )


if __name__ == "__main__":
    main()
