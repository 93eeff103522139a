"""The gazetteer: "all cases in Nagchu" includes every place below Nagchu."""

import pytest

from casebook.accounts.system import system_user
from cases.models import Place, PlaceKind
from cases.queries import cases_in_place, visible_cases
from cases.services.places import place_create, place_update

from ..factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_cases_under_nagchu_include_those_at_drilda_monastery(demo_case, administrator):
    nagchu = Place.objects.get(name="Nagchu")
    elsewhere = place_create(acting_user=system_user(), name="Ngaba", kind=PlaceKind.PREFECTURE)
    other_case = CaseFactory(place=elsewhere)

    found = cases_in_place(visible_cases(administrator), nagchu)
    assert demo_case in found
    assert other_case not in found


def test_subtree_is_the_place_and_everything_below():
    china = place_create(acting_user=system_user(), name="China", kind=PlaceKind.COUNTRY)
    tar = place_create(acting_user=system_user(), name="TAR", kind=PlaceKind.REGION, parent=china)
    nagchu = place_create(
        acting_user=system_user(), name="Nagchu", kind=PlaceKind.PREFECTURE, parent=tar
    )
    sog = place_create(acting_user=system_user(), name="Sog", kind=PlaceKind.COUNTY, parent=nagchu)
    lhasa = place_create(
        acting_user=system_user(), name="Lhasa", kind=PlaceKind.PREFECTURE, parent=tar
    )

    assert set(Place.objects.subtree(nagchu)) == {nagchu, sog}
    assert set(Place.objects.subtree(tar)) == {tar, nagchu, sog, lhasa}
    assert sog.depth == 3
    assert sog.hierarchy_label == "Sog › Nagchu › TAR › China"


def test_ids_sharing_a_prefix_are_not_confused():
    """Place 1 must not claim place 12 as a descendant."""
    places = [
        place_create(acting_user=system_user(), name=f"P{i}", kind=PlaceKind.COUNTY)
        for i in range(12)
    ]
    first = places[0]
    assert list(Place.objects.subtree(first)) == [first]


def test_moving_a_place_moves_its_subtree():
    china = place_create(acting_user=system_user(), name="China", kind=PlaceKind.COUNTRY)
    tar = place_create(acting_user=system_user(), name="TAR", kind=PlaceKind.REGION, parent=china)
    qinghai = place_create(
        acting_user=system_user(), name="Qinghai", kind=PlaceKind.REGION, parent=china
    )
    nagchu = place_create(
        acting_user=system_user(), name="Nagchu", kind=PlaceKind.PREFECTURE, parent=tar
    )
    sog = place_create(acting_user=system_user(), name="Sog", kind=PlaceKind.COUNTY, parent=nagchu)

    place_update(acting_user=system_user(), place=nagchu, changes={"parent": qinghai})

    sog.refresh_from_db()
    assert sog.path == f"{qinghai.path}{nagchu.pk}/{sog.pk}/"
    assert sog.depth == 3
    assert set(Place.objects.subtree(qinghai)) == {qinghai, nagchu, sog}
    assert set(Place.objects.subtree(tar)) == {tar}


def test_a_place_cannot_move_inside_itself():
    from django.core.exceptions import ValidationError

    china = place_create(acting_user=system_user(), name="China", kind=PlaceKind.COUNTRY)
    tar = place_create(acting_user=system_user(), name="TAR", kind=PlaceKind.REGION, parent=china)
    with pytest.raises(ValidationError):
        place_update(acting_user=system_user(), place=china, changes={"parent": tar})
    china.refresh_from_db()
    assert china.parent is None
