"""The standard cast of CONVENTIONS.md, and the demo case."""

from __future__ import annotations

import pytest

from casebook.accounts.roles import Role

from .factories import UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashers are slow by design; tests check behaviour, not key stretching."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def monitor(db):
    return UserFactory(username="monitor", roles=[Role.MONITOR])


@pytest.fixture
def monitor2(db):
    return UserFactory(username="monitor2", roles=[Role.MONITOR])


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", roles=[Role.REVIEWER])


@pytest.fixture
def advocate(db):
    return UserFactory(username="advocate", roles=[Role.ADVOCATE])


@pytest.fixture
def administrator(db):
    return UserFactory(username="administrator", roles=[Role.ADMINISTRATOR])


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def demo_case(db):
    from casebook.accounts.system import system_user
    from cases.demo.drilda import load_drilda_case

    case, _created = load_drilda_case(acting_user=system_user())
    return case


@pytest.fixture(scope="session")
def list_costs(django_db_setup, django_db_blocker):
    """The SQL queries of every list of the site with 1 row and with 50, measured once per
    session on rows that are rolled back before any test runs (tests/list_costs.py)."""
    from .list_costs import measure_every_list

    return measure_every_list(django_db_blocker)
