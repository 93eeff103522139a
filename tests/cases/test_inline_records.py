"""Adding a missing place or organization from the field that needs it: a page of its own
without JavaScript, a dialog with HTMX that hands the new record back to the field."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from cases.models import LanguageTag, Organization, Place, PlaceKind, PlaceName, VocabularyKey

from ..factories import CaseFactory, PlaceFactory, term

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PLACE_NEW = reverse("cases:place-new")
ORGANIZATION_NEW = reverse("cases:organization-new")


def page(response) -> str:
    return response.content.decode()


def variants(rows=()) -> dict:
    rows = list(rows) + [("", "")] * (3 - len(rows))
    data = {
        "record-names-TOTAL_FORMS": "3",
        "record-names-INITIAL_FORMS": "0",
        "record-names-MIN_NUM_FORMS": "0",
        "record-names-MAX_NUM_FORMS": "3",
    }
    for number, (name, language) in enumerate(rows):
        data[f"record-names-{number}-name"] = name
        data[f"record-names-{number}-language"] = language
    return data


def place_post(parent=None, *, name="Tsanden", kind=PlaceKind.VILLAGE, names=(), **extra) -> dict:
    data = {
        "record-parent": str(parent.pk) if parent else "",
        "record-kind": kind,
        "record-name": name,
        "record-latitude": "",
        "record-longitude": "",
        **variants(names),
    }
    data.update(extra)
    return data


def organization_post(*, name="Sog County Detention Centre", place=None, **extra) -> dict:
    data = {
        "record-name": name,
        "record-kind": "",
        "record-place": str(place.pk) if place else "",
        "record-parent": "",
        **variants(),
    }
    data.update(extra)
    return data


@pytest.fixture
def sog(db):
    china = PlaceFactory(name="China", kind=PlaceKind.COUNTRY)
    nagchu = PlaceFactory(name="Nagchu", kind=PlaceKind.PREFECTURE, parent=china)
    return PlaceFactory(name="Sog County", kind=PlaceKind.COUNTY, parent=nagchu)


# --- Who may add ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PLACE_NEW, ORGANIZATION_NEW])
def test_monitor_reviewer_and_administrator_open_the_form(
    client, url, monitor, reviewer, administrator
):
    for user in (monitor, reviewer, administrator):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert "<h1" in page(response) and "Names in other scripts" in page(response)


def test_advocate_and_outsider_are_refused_and_write_nothing(client, advocate, outsider, sog):
    before = Place.objects.count()
    for user in (advocate, outsider):
        client.force_login(user)
        assert client.get(PLACE_NEW).status_code == 403
        assert client.post(PLACE_NEW, place_post(sog)).status_code == 403
        assert client.get(ORGANIZATION_NEW).status_code == 403
        assert client.post(ORGANIZATION_NEW, organization_post(place=sog)).status_code == 403
    assert Place.objects.count() == before
    assert not Organization.objects.exists()


@pytest.mark.parametrize("url", [PLACE_NEW, ORGANIZATION_NEW])
def test_anonymous_is_sent_to_login(client, url):
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 302 and reverse("login") in response["Location"]


# --- A place, without JavaScript -----------------------------------------------------------


def test_a_monitor_adds_a_village_with_its_names_and_goes_back(client, monitor, sog):
    client.force_login(monitor)
    back = reverse("cases:case-new")
    response = client.post(
        PLACE_NEW,
        place_post(
            sog,
            names=[("ཙན་ལྡན", LanguageTag.TIBETAN), ("赞丹", LanguageTag.CHINESE_SIMPLIFIED)],
            **{"record-latitude": "31.9", "record-longitude": "93.8", "next": back},
        ),
    )
    assert response.status_code == 302 and response["Location"] == back
    place = Place.objects.get(name="Tsanden")
    assert place.parent == sog and place.kind == PlaceKind.VILLAGE
    assert str(place.latitude) == "31.900000" and place.path.startswith(sog.path)
    assert set(PlaceName.objects.filter(place=place).values_list("name", flat=True)) == {
        "ཙན་ལྡན",
        "赞丹",
    }
    followed = page(client.get(back))
    assert "Tsanden › Sog County › Nagchu › China" in followed
    assert "was added" in followed


def test_next_to_another_site_is_ignored(client, monitor, sog):
    client.force_login(monitor)
    response = client.post(PLACE_NEW, place_post(sog, next="https://example.org/"))
    assert response.status_code == 302 and response["Location"] == PLACE_NEW
    response = client.post(PLACE_NEW, place_post(sog, name="Other", next="//example.org/"))
    assert response["Location"] == PLACE_NEW


def test_a_monitor_may_not_add_a_country_and_is_told_why(client, monitor):
    client.force_login(monitor)
    response = client.post(PLACE_NEW, place_post(None, name="Bhutan", kind=PlaceKind.COUNTRY))
    assert response.status_code == 400
    body = page(response)
    assert "only administrators add countries" in body
    assert "Nothing was saved" in body and 'href="#id_record-parent"' in body
    assert 'value="Bhutan"' in body
    assert not Place.objects.filter(name="Bhutan").exists()


def test_an_administrator_adds_a_country(client, administrator):
    client.force_login(administrator)
    response = client.post(PLACE_NEW, place_post(None, name="Bhutan", kind=PlaceKind.COUNTRY))
    assert response.status_code == 302
    assert Place.objects.get(name="Bhutan").parent is None


def test_bad_input_keeps_everything_typed_and_writes_nothing(client, monitor, sog):
    client.force_login(monitor)
    before = (Place.objects.count(), PlaceName.objects.count())
    response = client.post(
        PLACE_NEW,
        place_post(
            sog,
            name="Tsanden",
            kind="",
            names=[("ཙན་ལྡན", "")],
            **{"record-latitude": "95", "record-longitude": "", "next": "/cases/new/"},
        ),
    )
    assert response.status_code == 400
    body = page(response)
    for field in ("id_record-kind", "id_record-latitude", "id_record-names-0-language"):
        assert f'href="#{field}"' in body
    assert 'value="Tsanden"' in body and 'value="ཙན་ལྡན"' in body and 'value="95"' in body
    assert 'aria-describedby="id_record-kind_error"' in body
    assert 'name="next" value="/cases/new/"' in body
    assert (Place.objects.count(), PlaceName.objects.count()) == before


def test_a_repeated_name_variant_is_refused_whole(client, monitor, sog):
    client.force_login(monitor)
    repeated = [("ཙན་ལྡན", LanguageTag.TIBETAN), ("ཙན་ལྡན", LanguageTag.TIBETAN)]
    response = client.post(PLACE_NEW, place_post(sog, names=repeated))
    assert response.status_code == 400
    assert "already has this name" in page(response)
    assert not Place.objects.filter(name="Tsanden").exists()


def test_the_name_typed_in_the_field_is_offered(client, monitor):
    client.force_login(monitor)
    body = page(client.get(PLACE_NEW, {"name": "Tsan  den", "field": "id_place"}))
    assert 'value="Tsan den"' in body and 'name="field" value="id_place"' in body


def test_a_field_id_that_is_not_an_id_is_dropped(client, monitor):
    client.force_login(monitor)
    body = page(client.get(PLACE_NEW, {"field": '"><script>x</script>'}))
    assert "<script>x" not in body and 'name="field" value=""' in body


# --- With HTMX -----------------------------------------------------------------------------


def test_htmx_gets_the_form_alone(client, monitor):
    client.force_login(monitor)
    body = page(client.get(PLACE_NEW, {"field": "id_place"}, **HTMX))
    assert "<html" not in body and "<h1" not in body
    assert 'id="record-form-place"' in body and 'hx-post="/places/new/"' in body
    assert "data-close-record-dialog" in body


def test_htmx_save_hands_the_record_to_the_field_that_asked(client, monitor, sog):
    client.force_login(monitor)
    response = client.post(PLACE_NEW, place_post(sog, field="id_place"), **HTMX)
    assert response.status_code == 200
    place = Place.objects.get(name="Tsanden")
    event = json.loads(response["HX-Trigger"])["casebook:record-added"]
    assert event["id"] == place.pk and event["field"] == "id_place"
    assert event["label"] == "Tsanden › Sog County › Nagchu › China"
    assert event["kind"] == "place"
    assert "was added" in page(response)
    response["HX-Trigger"].encode("ascii")


def test_htmx_refusal_answers_400_with_the_form(client, monitor, sog):
    client.force_login(monitor)
    response = client.post(PLACE_NEW, place_post(sog, kind="", field="id_place"), **HTMX)
    assert response.status_code == 400
    assert "HX-Trigger" not in response
    body = page(response)
    assert "Nothing was saved" in body and 'id="record-form-place"' in body
    assert not Place.objects.filter(name="Tsanden").exists()


# --- An organization -----------------------------------------------------------------------


def test_a_monitor_adds_an_organization_with_its_kind_place_and_parent(client, monitor, sog):
    client.force_login(monitor)
    bureau_response = client.post(
        ORGANIZATION_NEW,
        organization_post(name="Sog County Public Security Bureau", place=sog),
    )
    assert bureau_response.status_code == 302
    bureau = Organization.objects.get(name="Sog County Public Security Bureau")
    kind = term(VocabularyKey.ORGANIZATION_KIND, "monastery")
    data = organization_post(
        place=sog,
        **{
            "record-kind": str(kind.pk),
            "record-parent": str(bureau.pk),
            "field": "id_detention-held_at",
            "record-names-0-name": "索县看守所",
            "record-names-0-language": LanguageTag.CHINESE_SIMPLIFIED,
        },
    )
    response = client.post(ORGANIZATION_NEW, data, **HTMX)
    assert response.status_code == 200
    centre = Organization.objects.get(name="Sog County Detention Centre")
    assert centre.parent == bureau and centre.place == sog and centre.kind == kind
    assert list(centre.names.values_list("name", flat=True)) == ["索县看守所"]
    event = json.loads(response["HX-Trigger"])["casebook:record-added"]
    assert event == {
        "id": centre.pk,
        "label": "Sog County Detention Centre, Sog County",
        "field": "id_detention-held_at",
        "kind": "organization",
        "message": event["message"],
    }


def test_an_organization_without_a_name_is_refused(client, monitor, sog):
    client.force_login(monitor)
    response = client.post(ORGANIZATION_NEW, organization_post(name="", place=sog))
    assert response.status_code == 400
    assert 'href="#id_record-name"' in page(response)
    assert not Organization.objects.exists()


# --- The links beside the fields -----------------------------------------------------------


def test_the_new_case_form_links_to_add_a_missing_place(client, monitor):
    client.force_login(monitor)
    body = page(client.get(reverse("cases:case-new")))
    assert 'href="/places/new/?field=id_place&amp;next=/cases/new/"' in body
    assert 'target="_blank"' in body and 'data-add-record="id_place"' in body
    assert 'data-autocomplete-url="/lookup/places/"' in body


def test_the_detention_fields_link_to_add_places_and_organizations(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    body = page(client.get(reverse("cases:case-person-new", args=[case.reference])))
    assert 'data-add-record="id_detention-held_in_place"' in body
    assert 'data-add-record="id_detention-held_at"' in body
    assert "Add a missing organization" in body


def test_no_add_link_for_those_who_may_not_add(client, monitor):
    from django.contrib.auth.models import Permission

    client.force_login(monitor)
    monitor.user_permissions.clear()
    for group in monitor.groups.all():
        group.permissions.remove(*Permission.objects.filter(codename="add_place"))
    client.force_login(monitor)
    body = page(client.get(reverse("cases:case-new")))
    assert "Add a missing place" not in body
