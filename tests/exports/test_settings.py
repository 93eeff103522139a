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
