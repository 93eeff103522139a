"""Clients and records for the API tests."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from casebook.accounts.tokens import token_issue
from cases.models import Case, CaseState, Confidentiality

from ..factories import CaseFactory, DetentionFactory, PersonFactory, SourceFactory, cite


@pytest.fixture
def client_for():
    """A signed-in API client for a user (session authentication, as in the browser)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def token_client():
    """An API client authenticating with a fresh personal token of `user`."""

    def make(user, **options) -> APIClient:
        _token, key = token_issue(user=user, name="tests", **options)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


def make_case(*, title: str, state=CaseState.VERIFIED, level=Confidentiality.PUBLIC, **fields):
    return CaseFactory(title=title, state=state, confidentiality=level, **fields)


def settle(case, state=CaseState.VERIFIED):
    """Put `case` in `state` once its records are in place: adding a detention or a citation
    changes a case's facts, which sends a verified case back to review."""
    Case.objects.filter(pk=case.pk).update(state=state)
    case.refresh_from_db()
    return case


@pytest.fixture
def restricted_case(db):
    """A restricted case nobody in the cast was granted, with a person and a source of its
    own, each carrying a distinctive marker."""
    case = make_case(
        title="MARKER-RESTRICTED-TITLE Arrest at the hidden monastery",
        level=Confidentiality.RESTRICTED,
    )
    person = PersonFactory(name="MARKER-RESTRICTED-PERSON Lhamo")
    DetentionFactory(case=case, person=person, detained_on="2014-03-10")
    source = SourceFactory(title="MARKER-RESTRICTED-SOURCE testimony", outlet="Hidden outlet")
    cite(source, case=case, claim="MARKER-RESTRICTED-CLAIM")
    return settle(case)
