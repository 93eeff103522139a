"""The review page's checks name each rule once: the corroboration refusal already starts with
the rule's name, so the check does not print it again in front of it."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseState

from ..factories import CaseFactory, DetentionFactory, SourceFactory, cite

pytestmark = pytest.mark.django_db


def review_page(client, reviewer, case) -> str:
    Case.objects.filter(pk=case.pk).update(state=CaseState.SUBMITTED)
    client.force_login(reviewer)
    response = client.get(f"/cases/{case.reference}/review/")
    assert response.status_code == 200
    checks = response.content.decode()
    return checks[checks.index('class="review-checks__list"') :].split("</ul>")[0]


def test_a_missing_corroboration_names_the_rule_once(client, monitor, reviewer):
    case = CaseFactory(title="One source only", assigned_monitor=monitor)
    DetentionFactory(case=case)
    cite(SourceFactory(outlet="Phayul"), case=case)
    checks = review_page(client, reviewer, case)
    assert checks.count("Corroboration:") == 1
    assert "Corroboration: the case needs 2 independent sources" in checks


def test_a_met_corroboration_keeps_its_label(client, monitor, reviewer):
    case = CaseFactory(title="Two outlets", assigned_monitor=monitor)
    cite(SourceFactory(outlet="Phayul"), case=case)
    cite(SourceFactory(outlet="Radio Free Asia"), case=case)
    checks = review_page(client, reviewer, case)
    assert checks.count("Corroboration:") == 1
    assert "met, with 2 independent sources" in checks
