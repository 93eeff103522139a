"""Configuration from the environment: production refuses to start half-configured."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "casebook.example.org",
    "FIELD_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
    "EXPORT_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    "HISTORY_KEY": secrets.token_urlsafe(64),
    "DATABASE_URL": "sqlite:///var/deploy-check.sqlite3",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("SECRET_KEY", "SECRET_KEY"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS"),
        ("FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_KEYS"),
        ("HISTORY_KEY", "HISTORY_KEY"),
    ],
)
def test_missing_production_value_stops_start_up_naming_it(missing, named):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert named in result.stderr
    assert "ImproperlyConfigured" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "ture"),
        ("SECRET_KEY", "short"),
        ("HISTORY_KEY", "short"),
        ("DATABASE_URL", "mysq://nowhere"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("SECURE_SSL_REDIRECT", "maybe"),
    ],
)
def test_bad_value_stops_start_up_naming_the_variable(variable, value):
    result = manage("check", **{**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert variable in result.stderr


def test_debug_runs_with_embedded_defaults():
    result = manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_tasks_run_in_process_without_a_broker(settings):
    from django.conf import settings as live

    if os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("a broker is configured for this run")
    assert live.CELERY_TASK_ALWAYS_EAGER is True


def test_production_refuses_the_secret_key_as_the_history_key():
    result = manage("check", **{**PRODUCTION, "HISTORY_KEY": PRODUCTION["SECRET_KEY"]})
    assert result.returncode != 0
    assert "HISTORY_KEY" in result.stderr
