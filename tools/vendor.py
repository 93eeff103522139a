"""Copy the front-end assets listed in vendor.toml out of their npm registry tarballs.

Each tarball is checked against the integrity hash recorded in vendor.toml before any file is
taken from it, so a changed or substituted package stops the run instead of landing in the
repository. Standard library only: `make vendor` needs neither Node.js nor the virtualenv.

    python3 tools/vendor.py            # download, verify, copy, rewrite the listing
    python3 tools/vendor.py --check    # only verify the committed files against the listing
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import tomllib
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "vendor.toml"
LISTING = ROOT / "static" / "vendor" / "README.md"
LOCK = ROOT / "static" / "vendor" / "files.json"
REGISTRY = "https://registry.npmjs.org"


def tarball_url(name: str, version: str) -> str:
    bare = name.rsplit("/", 1)[-1]
    return f"{REGISTRY}/{name}/-/{bare}-{version}.tgz"


def verify_integrity(data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"integrity mismatch: expected {integrity}, got {algorithm}-{actual}")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(package: dict) -> dict[str, str]:
    url = tarball_url(package["name"], package["version"])
    print(f"{package['name']} {package['version']}: {url}")
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (a fixed https URL)
        data = response.read()
    verify_integrity(data, package["integrity"])
    written = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for source, destination in package["files"].items():
            member = archive.extractfile(f"package/{source}")
            if member is None:
                raise SystemExit(f"{package['name']}: {source} is not a file in the tarball")
            target = ROOT / destination
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(member.read())
            written[destination] = sha256(target)
    return written


def write_listing(packages: list[dict], hashes: dict[str, str]) -> None:
    lines = [
        "# Vendored front-end assets",
        "",
        "Written by `make vendor` from `vendor.toml`; do not edit by hand. Each file comes from",
        "the npm registry tarball named, verified against the integrity hash in `vendor.toml`.",
        "",
        "| package | version | licence | why | files |",
        "|---|---|---|---|---|",
    ]
    for package in packages:
        files = "<br>".join(f"`{path}`" for path in package["files"].values())
        lines.append(
            f"| {package['name']} | {package['version']} | {package['licence']} "
            f"| {package['why']} | {files} |"
        )
    LISTING.parent.mkdir(parents=True, exist_ok=True)
    LISTING.write_text("\n".join(lines) + "\n", encoding="utf-8")
    LOCK.write_text(json.dumps(hashes, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def check() -> int:
    recorded = json.loads(LOCK.read_text(encoding="utf-8"))
    wrong = [path for path, digest in recorded.items() if sha256(ROOT / path) != digest]
    for path in wrong:
        print(f"{path} differs from the file make vendor wrote", file=sys.stderr)
    return 1 if wrong else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed files only")
    if parser.parse_args().check:
        return check()
    packages = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))["package"]
    hashes: dict[str, str] = {}
    for package in packages:
        hashes.update(fetch(package))
    write_listing(packages, hashes)
    print(f"{len(hashes)} files written; listing in {LISTING.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
