"""Export jobs write under a private temporary EXPORT_ROOT, and a small set of cases to export."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseState, Confidentiality

from ..factories import CaseFactory, DetentionFactory, PersonFactory


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    root = tmp_path / "exports"
    settings.EXPORT_ROOT = root
    return root


@pytest.fixture
def export_cases(db):
    """Two detentions in an internal 2014 case, one in a public 2016 case, and one in a
    restricted 2014 case; all verified."""
    early = CaseFactory(title="Early protest", occurred="2014-03-06")
    late = CaseFactory(
        title="Late protest", occurred="2016-05-01", confidentiality=Confidentiality.PUBLIC
    )
    hidden = CaseFactory(
        title="Hidden protest", occurred="2014-03-07", confidentiality=Confidentiality.RESTRICTED
    )
    DetentionFactory(case=early, person=PersonFactory(name="Tashi Early"))
    DetentionFactory(case=early, person=PersonFactory(name="Lhamo Early"))
    DetentionFactory(case=late, person=PersonFactory(name="Dolma Late"), detained_on="2016-05-01")
    DetentionFactory(
        case=hidden, person=PersonFactory(name="Sonam Restricted"), detained_on="2014-03-07"
    )
    # Verified once their detentions are recorded (recording one sends a case back to review).
    Case.objects.filter(pk__in=[early.pk, late.pk, hidden.pk]).update(state=CaseState.VERIFIED)
    return {"early": early, "late": late, "hidden": hidden}
