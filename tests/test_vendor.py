"""The committed front-end assets are exactly what `make vendor` took from the registry."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.smoke


def test_committed_vendor_files_match_the_registry_tarballs():
    result = subprocess.run(
        [sys.executable, "tools/vendor.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_vendored_package_is_listed_with_its_version_and_licence():
    packages = tomllib.loads((ROOT / "vendor.toml").read_text())["package"]
    listing = (ROOT / "static/vendor/README.md").read_text()
    recorded = json.loads((ROOT / "static/vendor/files.json").read_text())
    for package in packages:
        assert f"| {package['name']} | {package['version']} | {package['licence']} |" in listing
        for destination in package["files"].values():
            assert destination in recorded
            assert (ROOT / destination).is_file()
        assert any("LICENSE" in destination for destination in package["files"].values())


def test_no_template_loads_an_asset_from_another_host():
    external = re.compile(r"""(?:src|href)=["'](?:https?:)?//""", re.I)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if external.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.django_db
def test_htmx_keeps_no_copy_of_pages_on_the_device(client, monitor):
    client.force_login(monitor)
    html = client.get("/").content.decode()
    assert "vendor/htmx/htmx.min.js" in html
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']*)'", html).group(1))
    assert config["historyCacheSize"] == 0
    assert config["allowEval"] is False and config["includeIndicatorStyles"] is False
