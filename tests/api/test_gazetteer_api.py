"""Places and organizations, with their name variants, written through the API and the
services: who may, what is validated, and the versions each write leaves."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casebook.accounts.system import system_user
from cases.models import (
    Organization,
    OrganizationName,
    Place,
    PlaceKind,
    PlaceName,
    VocabularyKey,
)
from cases.services.organizations import (
    organization_add_name,
    organization_create,
    organization_name_delete,
    organization_name_update,
    organization_update,
)
from cases.services.places import (
    place_add_name,
    place_create,
    place_name_delete,
    place_name_update,
)

from ..factories import term

pytestmark = pytest.mark.django_db

PLACES = "/api/v1/places/"
ORGANIZATIONS = "/api/v1/organizations/"


@pytest.fixture
def county(db):
    china = place_create(acting_user=system_user(), name="China", kind=PlaceKind.COUNTRY)
    tar = place_create(acting_user=system_user(), name="TAR", kind=PlaceKind.REGION, parent=china)
    nagchu = place_create(
        acting_user=system_user(), name="Nagchu", kind=PlaceKind.PREFECTURE, parent=tar
    )
    return place_create(
        acting_user=system_user(), name="Sog County", kind=PlaceKind.COUNTY, parent=nagchu
    )


def monastery_input(parent: Place) -> dict:
    return {
        "name": "Drilda monastery",
        "kind": "monastery",
        "parent": parent.pk,
        "names": [{"name": "འབྲི་ལྡན་དགོན།", "language": "bo"}],
    }


# --- Who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("monitor", True),
        ("reviewer", True),
        ("administrator", True),
        ("advocate", False),
        ("outsider", False),
    ],
)
def test_who_may_add_places_and_organizations(client_for, county, who, allowed, request):
    client = client_for(request.getfixturevalue(who))
    place = client.post(PLACES, monastery_input(county), format="json")
    organization = client.post(ORGANIZATIONS, {"name": "Sog County court"}, format="json")
    assert place.status_code == (201 if allowed else 403)
    assert organization.status_code == (201 if allowed else 403)
    assert Place.objects.filter(name="Drilda monastery").exists() == allowed
    assert Organization.objects.filter(name="Sog County court").exists() == allowed


@pytest.mark.parametrize(("who", "allowed"), [("monitor", True), ("advocate", False)])
def test_who_may_change_places_and_organizations(client_for, county, who, allowed, request):
    organization = organization_create(acting_user=system_user(), name="Sog PSB")
    client = client_for(request.getfixturevalue(who))
    place = client.patch(f"{PLACES}{county.pk}/", {"external_id": "geonames:1"}, format="json")
    changed = client.patch(
        f"{ORGANIZATIONS}{organization.public_id}/", {"notes": "County police"}, format="json"
    )
    assert place.status_code == changed.status_code == (200 if allowed else 403)
    county.refresh_from_db()
    assert (county.external_id == "geonames:1") == allowed


def test_the_permission_is_what_decides_not_the_role(client_for, advocate, county):
    from django.contrib.auth.models import Permission

    advocate.user_permissions.add(Permission.objects.get(codename="add_place"))
    response = client_for(advocate).post(PLACES, monastery_input(county), format="json")
    assert response.status_code == 201


def test_read_only_token_cannot_add_a_place(token_client, monitor, county):
    client = token_client(monitor, read_only=True)
    assert client.post(PLACES, monastery_input(county), format="json").status_code == 403


# --- Places ------------------------------------------------------------------------------------


def test_monitor_adds_a_monastery_under_a_county_with_a_tibetan_name(client_for, monitor, county):
    response = client_for(monitor).post(
        PLACES, {**monastery_input(county), "latitude": 31.9, "longitude": 93.8}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["depth"] == county.depth + 1
    assert body["path"] == f"{county.path}{body['id']}/"
    assert [(n["name"], n["language"]) for n in body["names"]] == [("འབྲི་ལྡན་དགོན།", "bo")]
    place = Place.objects.get(pk=body["id"])
    assert [v.history_user for v in place.history.all()] == [monitor, monitor]
    assert place.names.get().history.get().history_user == monitor


def test_coordinates_are_optional(client_for, monitor, county):
    response = client_for(monitor).post(PLACES, monastery_input(county), format="json")
    assert response.status_code == 201
    assert (response.json()["latitude"], response.json()["longitude"]) == (None, None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"latitude": 31.9}, "latitude"),
        ({"latitude": 91, "longitude": 10}, "latitude"),
        ({"kind": "castle"}, "kind"),
        ({"parent": 999999}, "parent"),
        ({"names": [{"name": "x", "language": "xx"}]}, "names"),
        ({"traditional_region": "nowhere"}, "traditional_region"),
    ],
)
def test_bad_place_input_answers_400_naming_the_field(client_for, monitor, county, change, field):
    before = Place.objects.count()
    response = client_for(monitor).post(
        PLACES, {**monastery_input(county), **change}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert Place.objects.count() == before


def test_monitor_may_not_add_a_place_other_than_a_country_without_a_parent(client_for, monitor):
    response = client_for(monitor).post(PLACES, {"name": "Sog", "kind": "county"}, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()
    assert not Place.objects.filter(name="Sog").exists()


def test_monitor_adds_a_country_once(client_for, monitor):
    client = client_for(monitor)
    first = client.post(PLACES, {"name": "Nepal", "kind": "country"}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["depth"] == 0
    again = client.post(PLACES, {"name": "nepal", "kind": "country"}, format="json")
    assert again.status_code == 400
    assert "name" in again.json()
    assert Place.objects.filter(name__iexact="Nepal").count() == 1


def test_monitor_may_not_move_a_place_to_the_top(client_for, monitor, county):
    response = client_for(monitor).patch(f"{PLACES}{county.pk}/", {"parent": None}, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()
    county.refresh_from_db()
    assert county.depth == 3


def test_administrator_adds_a_country(client_for, administrator):
    response = client_for(administrator).post(
        PLACES, {"name": "Nepal", "kind": "country"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["depth"] == 0


def test_moving_a_place_under_its_own_descendant_is_refused(client_for, monitor, county):
    nagchu = county.parent
    response = client_for(monitor).patch(
        f"{PLACES}{nagchu.pk}/", {"parent": county.pk}, format="json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()
    nagchu.refresh_from_db()
    assert nagchu.depth == 2


def test_monitor_moves_a_place_and_its_subtree_follows(client_for, monitor, county):
    china = Place.objects.get(name="China")
    qinghai = place_create(
        acting_user=system_user(), name="Qinghai", kind=PlaceKind.REGION, parent=china
    )
    nagchu = county.parent
    response = client_for(monitor).patch(
        f"{PLACES}{nagchu.pk}/", {"parent": qinghai.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    county.refresh_from_db()
    assert county.path.startswith(qinghai.path)
    assert nagchu.history.first().history_user == monitor


def test_place_name_variants_are_added_corrected_and_removed(client_for, monitor, county):
    client = client_for(monitor)
    added = client.post(
        f"{PLACES}{county.pk}/names/", {"name": "སོག་རྫོང", "language": "bo"}, format="json"
    )
    assert added.status_code == 201, added.json()
    name_id = added.json()["id"]
    fixed = client.patch(f"{PLACES}{county.pk}/names/{name_id}/", {"name": "སོག་རྫོང།"}, format="json")
    assert fixed.status_code == 200
    assert fixed.json()["name"] == "སོག་རྫོང།"
    again = client.post(
        f"{PLACES}{county.pk}/names/", {"name": "སོག་རྫོང།", "language": "bo"}, format="json"
    )
    assert again.status_code == 400
    assert "name" in again.json()
    assert client.delete(f"{PLACES}{county.pk}/names/{name_id}/").status_code == 204
    assert not PlaceName.objects.filter(pk=name_id).exists()
    versions = PlaceName.history.filter(id=name_id).order_by("history_date", "history_id")
    assert [(v.history_type, v.history_user) for v in versions] == [
        ("+", monitor),
        ("~", monitor),
        ("-", monitor),
    ]


def test_a_name_of_another_place_answers_404(client_for, monitor, county):
    other = county.parent
    variant = place_add_name(acting_user=system_user(), place=other, name="ནག་ཆུ", language="bo")
    response = client_for(monitor).delete(f"{PLACES}{county.pk}/names/{variant.pk}/")
    assert response.status_code == 404
    assert PlaceName.objects.filter(pk=variant.pk).exists()


def test_advocate_may_not_add_a_place_name(client_for, advocate, county):
    response = client_for(advocate).post(
        f"{PLACES}{county.pk}/names/", {"name": "Sog", "language": "en"}, format="json"
    )
    assert response.status_code == 403
    assert not county.names.exists()


def test_place_name_services_check_the_permission(advocate, monitor, county):
    with pytest.raises(PermissionDenied):
        place_add_name(acting_user=advocate, place=county, name="Sog", language="en")
    variant = place_add_name(acting_user=monitor, place=county, name="Sog", language="en")
    place_name_update(acting_user=monitor, place_name=variant, changes={"name": "Sok"})
    with pytest.raises(ValidationError):
        place_name_update(acting_user=monitor, place_name=variant, changes={"place": county.parent})
    place_name_delete(acting_user=monitor, place_name=variant)
    assert not county.names.exists()


def test_place_create_service_refuses_a_top_level_county_for_a_monitor(monitor):
    with pytest.raises(ValidationError) as refused:
        place_create(acting_user=monitor, name="Sog", kind=PlaceKind.COUNTY)
    assert "parent" in refused.value.message_dict


# --- Organizations -----------------------------------------------------------------------------


def test_monitor_adds_an_organization_with_kind_parent_place_and_names(client_for, monitor, county):
    bureau = organization_create(acting_user=system_user(), name="Nagchu PSB")
    response = client_for(monitor).post(
        ORGANIZATIONS,
        {
            "name": "Sog County PSB",
            "kind": "police",
            "parent": str(bureau.public_id),
            "place": county.pk,
            "names": [{"name": "索县公安局", "language": "zh-Hans"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["parent"], body["place"]) == (
        "police",
        str(bureau.public_id),
        county.pk,
    )
    organization = Organization.objects.get(public_id=body["public_id"])
    assert organization.history.get().history_user == monitor
    assert organization.names.get().name == "索县公安局"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "monastery-of-nowhere"}, "kind"),
        ({"parent": "not-a-uuid"}, "parent"),
        ({"parent": "00000000-0000-0000-0000-000000000000"}, "parent"),
        ({"place": 999999}, "place"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_organization_input_answers_400_naming_the_field(client_for, monitor, change, field):
    response = client_for(monitor).post(
        ORGANIZATIONS, {"name": "Sog County court", **change}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Organization.objects.exists()


def test_organization_update_is_versioned_and_refuses_a_loop(client_for, monitor, monitor2):
    bureau = organization_create(acting_user=system_user(), name="Nagchu PSB")
    unit = organization_create(acting_user=system_user(), name="Sog County PSB", parent=bureau)
    client = client_for(monitor2)
    response = client.patch(
        f"{ORGANIZATIONS}{unit.public_id}/",
        {"kind": "police", "notes": "Runs the county detention centre"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert unit.history.first().history_user == monitor2
    loop = client.patch(
        f"{ORGANIZATIONS}{bureau.public_id}/", {"parent": str(unit.public_id)}, format="json"
    )
    assert loop.status_code == 400
    assert "parent" in loop.json()
    bureau.refresh_from_db()
    assert bureau.parent is None


def test_organization_name_variants_through_the_api(client_for, monitor):
    court = organization_create(acting_user=system_user(), name="Lhasa Intermediate Court")
    client = client_for(monitor)
    base = f"{ORGANIZATIONS}{court.public_id}/names/"
    added = client.post(base, {"name": "拉萨市中级人民法院", "language": "zh-Hans"}, format="json")
    assert added.status_code == 201, added.json()
    name_id = added.json()["id"]
    fixed = client.put(
        f"{base}{name_id}/", {"name": "Lāsà Zhōngjí", "language": "zh-Latn-pinyin"}, format="json"
    )
    assert fixed.status_code == 200
    assert fixed.json()["language"] == "zh-Latn-pinyin"
    assert client.delete(f"{base}{name_id}/").status_code == 204
    versions = OrganizationName.history.filter(id=name_id).order_by("history_date", "history_id")
    assert [v.history_type for v in versions] == ["+", "~", "-"]


def test_organization_services_check_the_permission(advocate, monitor):
    with pytest.raises(PermissionDenied):
        organization_create(acting_user=advocate, name="Sog PSB")
    court = organization_create(
        acting_user=monitor,
        name="Sog court",
        kind=term(VocabularyKey.ORGANIZATION_KIND, "court"),
    )
    with pytest.raises(PermissionDenied):
        organization_update(acting_user=advocate, organization=court, changes={"notes": "x"})
    organization_update(acting_user=monitor, organization=court, changes={"notes": "County"})
    variant = organization_add_name(
        acting_user=monitor, organization=court, name="索县法院", language="zh-Hans"
    )
    organization_name_update(
        acting_user=monitor, organization_name=variant, changes={"name": "索县人民法院"}
    )
    organization_name_delete(acting_user=monitor, organization_name=variant)
    court.refresh_from_db()
    assert court.notes == "County"
    assert not court.names.exists()
    assert [v.history_type for v in court.history.order_by("history_date")] == ["+", "~"]
