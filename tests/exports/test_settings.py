"""The export settings: defaults, and start-up refusing an EXPORT_ROOT the web server serves."""

from __future__ import annotations

import os

import pytest

from ..test_settings import PRODUCTION, ROOT, manage

pytestmark = pytest.mark.smoke


def test_export_defaults():
    import casebook.settings as configured

    if {"EXPORT_ROOT", "EXPORT_JOB_EXPIRY_HOURS"} & set(os.environ):
        pytest.skip("export settings come from the environment in this run")

    assert configured.EXPORT_JOB_EXPIRY_HOURS == 24
    assert configured.EXPORT_SYNC_LIMIT > 0
    assert configured.EXPORT_ROOT == ROOT / "var" / "exports"


@pytest.mark.parametrize("inside", ["var/static/exports", "static/exports"])
def test_export_root_inside_a_static_directory_stops_start_up(inside):
    result = manage("check", **{**PRODUCTION, "EXPORT_ROOT": str(ROOT / inside)})

    assert result.returncode != 0
    assert "EXPORT_ROOT" in result.stderr


@pytest.mark.parametrize("variable", ["EXPORT_JOB_EXPIRY_HOURS", "EXPORT_SYNC_LIMIT"])
def test_bad_export_number_stops_start_up_naming_it(variable):
    result = manage("check", **{**PRODUCTION, variable: "many"})

    assert result.returncode != 0
    assert variable in result.stderr


def test_production_without_export_encryption_keys_stops_start_up_naming_them():
    env = {key: value for key, value in PRODUCTION.items() if key != "EXPORT_ENCRYPTION_KEYS"}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "EXPORT_ENCRYPTION_KEYS" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


# Test ids must be the same in every pytest-xdist worker: the random production key is added
# inside the test, not in the parameters.
@pytest.mark.parametrize(
    ("keys", "after_a_good_key"),
    [("not-a-key", False), ("c2hvcnQ=", False), ("x", True)],
    ids=["not-base64", "too-short", "second-key-bad"],
)
def test_malformed_export_encryption_key_stops_start_up_naming_it(keys, after_a_good_key):
    if after_a_good_key:
        keys = f"{PRODUCTION['EXPORT_ENCRYPTION_KEYS']},{keys}"
    result = manage("check", **{**PRODUCTION, "EXPORT_ENCRYPTION_KEYS": keys})

    assert result.returncode != 0
    assert "EXPORT_ENCRYPTION_KEYS" in result.stderr


def test_debug_without_export_encryption_keys_uses_a_derived_key():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(len(settings.EXPORT_ENCRYPTION_KEYS))",
        DEBUG="1",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "1"
