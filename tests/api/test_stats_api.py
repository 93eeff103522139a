"""GET /api/v1/stats/: head counts by month, place, status, violation type, charge and gender."""

from __future__ import annotations

import pytest

from casebook.accounts.system import system_user
from cases.models import CaseState, PlaceKind, Sex, VocabularyKey
from cases.services.detentions import detention_add_event

from ..factories import DetentionFactory, PersonFactory, PlaceFactory, term
from .conftest import make_case, settle

pytestmark = pytest.mark.django_db

STATS = "/api/v1/stats/"


@pytest.fixture
def counted(db):
    """Tibet > Nagchu > Sog County, and Tibet > Lhasa: a group of three and two individuals
    detained in Sog County, one woman in Lhasa, and one detention before 2013 with no place."""
    tibet = PlaceFactory(name="Tibet", kind=PlaceKind.REGION)
    nagchu = PlaceFactory(name="Nagchu", kind=PlaceKind.PREFECTURE, parent=tibet)
    sog = PlaceFactory(name="Sog County", kind=PlaceKind.COUNTY, parent=nagchu)
    lhasa = PlaceFactory(name="Lhasa", kind=PlaceKind.PREFECTURE, parent=tibet)
    torture = term(VocabularyKey.VIOLATION_TYPE, "torture")
    arbitrary = term(VocabularyKey.VIOLATION_TYPE, "arbitrary-detention")

    in_sog = make_case(title="Sog arrests", place=sog, violation_types=[arbitrary, torture])
    separatism = term(VocabularyKey.CHARGE, "inciting-separatism")
    quarrels = term(VocabularyKey.CHARGE, "picking-quarrels")
    DetentionFactory(
        case=in_sog,
        person=PersonFactory(
            name="", description="three other Tibetans", is_group=True, head_count=3
        ),
        detained_on="2014-03-06",
        charges=[separatism],
    )
    DetentionFactory(
        case=in_sog,
        person=PersonFactory(sex=Sex.MALE),
        detained_on="2014-03",
        charges=[separatism, quarrels],
    )
    released = DetentionFactory(
        case=in_sog, person=PersonFactory(sex=Sex.MALE), detained_on="2014-04-02"
    )
    detention_add_event(
        acting_user=system_user(),
        detention=released,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "release"),
        occurred="2014-06",
    )
    settle(in_sog)
    in_lhasa = make_case(title="Lhasa arrest", place=lhasa, violation_types=[arbitrary])
    DetentionFactory(case=in_lhasa, person=PersonFactory(sex=Sex.FEMALE), detained_on="2015-07")
    settle(in_lhasa)
    nowhere = make_case(title="Old arrest", occurred="../2012")
    DetentionFactory(case=nowhere, detained_on="../2012")
    settle(nowhere)
    draft = make_case(title="Draft arrest", place=sog)
    DetentionFactory(case=draft, person=PersonFactory(sex=Sex.MALE), detained_on="2014-03-07")
    settle(draft, CaseState.DRAFT)
    return {"tibet": tibet, "nagchu": nagchu, "sog": sog, "lhasa": lhasa}


def test_monitor_gets_head_counts_in_every_breakdown(client_for, monitor, counted):
    response = client_for(monitor).get(f"{STATS}?place_level=1")
    assert response.status_code == 200
    body = response.json()
    # 3 + 1 + 1 in Sog, 1 in Lhasa, 1 undated and unplaced, 1 in the draft case.
    assert body["total"] == 8
    assert body["place_level"] == 1
    # "Before 2013" has no month; the draft's 7 March and the group count in March 2014.
    assert body["by_month"] == [
        {"month": "2014-03", "count": 5},
        {"month": "2014-04", "count": 1},
        {"month": "2015-07", "count": 1},
    ]
    by_place = {row["name"]: row["count"] for row in body["by_place"]}
    assert by_place == {"Nagchu": 6, "Lhasa": 1, None: 1}
    assert {row["status"]: row["count"] for row in body["by_status"]} == {
        "detained": 7,
        "released": 1,
    }
    assert {row["gender"]: row["count"] for row in body["by_gender"]} == {
        "unknown": 4,
        "male": 3,
        "female": 1,
    }
    by_type = {row["code"]: row["count"] for row in body["by_violation_type"]}
    assert by_type == {"arbitrary-detention": 6, "torture": 5, None: 2}


def test_charges_count_heads_under_each_charge_of_a_detention(client_for, monitor, counted):
    body = client_for(monitor).get(STATS).json()
    # The group of three and one man charged with separatism, the man with quarrels too;
    # everyone else (1 + 1 + 1 + 1 heads) has no charge recorded.
    # Largest first; on a tie, "none recorded" (null) first, as in by_violation_type.
    assert body["by_charge"] == [
        {"code": None, "label": None, "count": 4},
        {"code": "inciting-separatism", "label": "Inciting separatism", "count": 4},
        {"code": "picking-quarrels", "label": "Picking quarrels and provoking trouble", "count": 1},
    ]
    assert client_for(monitor).get(f"{STATS}?charge=picking-quarrels").json()["by_charge"] == [
        {"code": "inciting-separatism", "label": "Inciting separatism", "count": 1},
        {"code": "picking-quarrels", "label": "Picking quarrels and provoking trouble", "count": 1},
    ]


def test_place_level_rolls_up_through_the_path(client_for, monitor, counted):
    client = client_for(monitor)
    top = {
        row["name"]: row["count"] for row in client.get(f"{STATS}?place_level=0").json()["by_place"]
    }
    assert top == {"Tibet": 7, None: 1}
    deep = client.get(f"{STATS}?place_level=2").json()["by_place"]
    by_name = {row["name"]: (row["count"], row["depth"]) for row in deep}
    # Lhasa is a prefecture (depth 1 here): above level 2, it stays itself.
    assert by_name == {"Sog County": (6, 2), "Lhasa": (1, 1), None: (1, None)}


def test_stats_honour_the_detention_filters(client_for, monitor, counted):
    client = client_for(monitor)
    assert client.get(f"{STATS}?status=released").json()["total"] == 1
    assert client.get(f"{STATS}?gender=female").json()["total"] == 1
    assert client.get(f"{STATS}?place={counted['nagchu'].pk}").json()["total"] == 6
    assert client.get(f"{STATS}?detained=2014-03").json()["total"] == 5
    assert client.get(f"{STATS}?state=verified").json()["total"] == 7


def test_advocate_counts_verified_cases_only(client_for, advocate, outsider, counted):
    assert client_for(advocate).get(STATS).json()["total"] == 7
    empty = client_for(outsider).get(STATS).json()
    assert empty["total"] == 0
    assert empty["by_month"] == empty["by_place"] == empty["by_status"] == []
    assert empty["by_charge"] == []


@pytest.mark.parametrize("level", ["-1", "x", "99"])
def test_bad_place_level_is_400(client_for, monitor, level):
    response = client_for(monitor).get(f"{STATS}?place_level={level}")
    assert response.status_code == 400
    assert "place_level" in response.json()
