"""The admin writes case relations, places, organizations and their names through the
services: the versions name the administrator, and a relation changes both cases' facts."""

from __future__ import annotations

import pytest

from casebook.accounts.system import system_user
from cases.models import (
    Case,
    CaseRelation,
    CaseRelationKind,
    CaseState,
    Organization,
    OrganizationName,
    Place,
    PlaceKind,
    PlaceName,
)
from cases.services.organizations import organization_add_name, organization_create
from cases.services.places import place_add_name, place_create
from cases.services.relations import case_relation_create

from ..factories import CaseFactory
from .test_admin import add_inline_row, form_data, inline_prefix, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def test_relation_added_inline_goes_through_the_service(admin_client, administrator):
    case = CaseFactory(title="Arrest in Sog", state=CaseState.VERIFIED)
    duplicate = CaseFactory(title="Arrest in Sog, again")
    page = admin_client.get(url(Case, "change", case.pk))
    data = form_data(page)
    add_inline_row(
        data,
        inline_prefix(page, CaseRelation),
        to_case=duplicate.pk,
        kind=CaseRelationKind.DUPLICATE_OF,
        note="same arrest",
    )
    response = admin_client.post(url(Case, "change", case.pk), data)
    assert response.status_code == 302
    relation = CaseRelation.objects.get()
    assert relation.history.get().history_user == administrator
    case.refresh_from_db()
    duplicate.refresh_from_db()
    # A relation is a fact of both cases: the verified one went back to review.
    assert case.state == CaseState.SUBMITTED
    assert duplicate.facts_changed_by == administrator


def test_relation_removed_inline_leaves_a_deletion_version(admin_client, administrator):
    case, other = CaseFactory(), CaseFactory()
    relation = case_relation_create(
        acting_user=administrator, case=case, related=other, kind=CaseRelationKind.RELATED_TO
    )
    page = admin_client.get(url(Case, "change", case.pk))
    data = form_data(page)
    data[f"{inline_prefix(page, CaseRelation)}-0-DELETE"] = "on"
    assert admin_client.post(url(Case, "change", case.pk), data).status_code == 302
    assert not CaseRelation.objects.exists()
    assert CaseRelation.history.filter(id=relation.pk).latest().history_type == "-"


def test_relation_admin_changes_a_relation_through_the_service(admin_client, administrator):
    case, other = CaseFactory(), CaseFactory()
    relation = case_relation_create(
        acting_user=system_user(), case=case, related=other, kind=CaseRelationKind.RELATED_TO
    )
    page = admin_client.get(url(CaseRelation, "change", relation.pk))
    data = {**form_data(page), "kind": CaseRelationKind.PART_OF}
    assert admin_client.post(url(CaseRelation, "change", relation.pk), data).status_code == 302
    relation.refresh_from_db()
    assert relation.kind == CaseRelationKind.PART_OF
    assert relation.history.latest().history_user == administrator
    case.refresh_from_db()
    assert case.facts_changed_by == administrator


def test_place_names_changed_and_removed_inline(admin_client, administrator):
    place = place_create(acting_user=system_user(), name="Sog County", kind=PlaceKind.COUNTY)
    kept = place_add_name(acting_user=system_user(), place=place, name="Sog", language="en")
    removed = place_add_name(
        acting_user=system_user(), place=place, name="索县", language="zh-Hans"
    )
    page = admin_client.get(url(Place, "change", place.pk))
    data = form_data(page)
    prefix = inline_prefix(page, PlaceName)
    rows = {data[f"{prefix}-{i}-id"]: i for i in range(int(data[f"{prefix}-TOTAL_FORMS"]))}
    data[f"{prefix}-{rows[kept.pk]}-name"] = "Sok"
    data[f"{prefix}-{rows[removed.pk]}-DELETE"] = "on"
    assert admin_client.post(url(Place, "change", place.pk), data).status_code == 302
    kept.refresh_from_db()
    assert kept.name == "Sok"
    assert kept.history.latest().history_user == administrator
    assert not PlaceName.objects.filter(pk=removed.pk).exists()
    assert PlaceName.history.filter(id=removed.pk).latest().history_user == administrator


def test_organization_change_and_names_go_through_the_services(admin_client, administrator):
    organization = organization_create(acting_user=system_user(), name="Sog PSB")
    variant = organization_add_name(
        acting_user=system_user(), organization=organization, name="索县公安局", language="zh-Hans"
    )
    page = admin_client.get(url(Organization, "change", organization.pk))
    data = {**form_data(page), "notes": "County police"}
    prefix = inline_prefix(page, OrganizationName)
    data[f"{prefix}-0-DELETE"] = "on"
    add_inline_row(data, prefix, name="Sog County PSB", language="en")
    assert admin_client.post(url(Organization, "change", organization.pk), data).status_code == 302
    organization.refresh_from_db()
    assert organization.notes == "County police"
    assert organization.history.latest().history_user == administrator
    assert not OrganizationName.objects.filter(pk=variant.pk).exists()
    added = organization.names.get()
    assert (added.name, added.history.get().history_user) == ("Sog County PSB", administrator)


def test_place_deleted_in_the_admin_leaves_a_deletion_version(admin_client, administrator):
    place = place_create(acting_user=system_user(), name="Nowhere", kind=PlaceKind.VILLAGE)
    response = admin_client.post(url(Place, "delete", place.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Place.objects.filter(pk=place.pk).exists()
    assert Place.history.filter(id=place.pk).latest().history_user == administrator
