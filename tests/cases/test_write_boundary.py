"""No write crosses what the writer may see: a source, person or place shared with a restricted
case the writer was not granted cannot be changed by them, through the services or the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from casebook.accounts.system import system_user
from cases.models import CaseState, Confidentiality, Source
from cases.services.people import person_add_name, person_update
from cases.services.places import place_update
from cases.services.sources import source_update
from cases.services.workflow import access_grant

from ..api.conftest import client_for, make_case, settle
from ..factories import DetentionFactory, PersonFactory, PlaceFactory, SourceFactory, cite

pytestmark = pytest.mark.django_db
__all__ = ["client_for"]  # the API tests' signed-in client fixture

GENERIC = "used where your account may not see it"


@pytest.fixture
def shared():
    """A source, a person and a place each on a public case and on a verified restricted one
    that nobody in the cast was granted."""
    place = PlaceFactory(name="Ngaba")
    person = PersonFactory(name="Lobsang")
    source = SourceFactory(title="Witness account", outlet="Tibet Watch", reliability="B")
    open_case = make_case(title="Open case", place=place)
    hidden = make_case(title="HIDDEN-CASE-TITLE", level=Confidentiality.RESTRICTED, place=place)
    for case in (open_case, hidden):
        DetentionFactory(case=case, person=person)
        cite(source, case=case)
        settle(case)
    return {"source": source, "person": person, "place": place, "hidden": hidden}


def test_monitor_cannot_downgrade_a_source_of_a_hidden_case(monitor, shared):
    source = shared["source"]
    with pytest.raises(PermissionDenied) as refused:
        source_update(acting_user=monitor, source=source, changes={"reliability": "E"})
    assert GENERIC in str(refused.value)
    assert "HIDDEN" not in str(refused.value)
    shared["hidden"].refresh_from_db()
    assert shared["hidden"].state == CaseState.VERIFIED
    assert shared["hidden"].facts_changed_by != monitor
    assert Source.objects.get(pk=source.pk).reliability == "B"


def test_monitor_cannot_change_a_person_of_a_hidden_case(monitor, shared):
    with pytest.raises(PermissionDenied):
        person_update(acting_user=monitor, person=shared["person"], changes={"name": "X"})
    with pytest.raises(PermissionDenied):
        person_add_name(acting_user=monitor, person=shared["person"], name="Y", language="en")
    shared["person"].refresh_from_db()
    assert shared["person"].name == "Lobsang"
    assert shared["person"].names.count() == 0


def test_monitor_cannot_change_a_place_of_a_hidden_case(monitor, shared):
    with pytest.raises(PermissionDenied):
        place_update(acting_user=monitor, place=shared["place"], changes={"name": "Aba"})
    shared["place"].refresh_from_db()
    assert shared["place"].name == "Ngaba"


def test_once_granted_the_monitor_may_write_and_the_hidden_case_goes_back(
    monitor, administrator, shared
):
    access_grant(acting_user=administrator, case=shared["hidden"], user=monitor)
    source_update(acting_user=monitor, source=shared["source"], changes={"reliability": "E"})
    person_update(acting_user=monitor, person=shared["person"], changes={"name": "Lobsang G."})
    place_update(acting_user=monitor, place=shared["place"], changes={"name": "Aba"})
    shared["hidden"].refresh_from_db()
    assert shared["hidden"].state == CaseState.SUBMITTED
    assert shared["hidden"].facts_changed_by == monitor


def test_administrators_write_everywhere(administrator, shared):
    place_update(acting_user=administrator, place=shared["place"], changes={"name": "Aba"})


def test_a_record_of_visible_cases_only_is_writable(monitor):
    source = SourceFactory(title="Report")
    cite(source, case=make_case(title="Open case"))
    source_update(acting_user=monitor, source=source, changes={"reliability": "A"})
    assert Source.objects.get(pk=source.pk).reliability == "A"


# --- The API ---------------------------------------------------------------------------------


def test_api_source_patch_across_the_boundary_answers_403_generically(client_for, monitor, shared):
    source = shared["source"]
    answer = client_for(monitor).patch(
        f"/api/v1/sources/{source.public_id}/",
        {"reliability": "E", "version": source.version},
        format="json",
    )
    assert answer.status_code == 403
    assert "HIDDEN" not in answer.content.decode()
    assert Source.objects.get(pk=source.pk).reliability == "B"


def test_api_person_patch_across_the_boundary_answers_403(client_for, monitor, shared):
    person = shared["person"]
    answer = client_for(monitor).patch(
        f"/api/v1/people/{person.public_id}/",
        {"name": "X", "version": person.version},
        format="json",
    )
    assert answer.status_code == 403
    person.refresh_from_db()
    assert person.name == "Lobsang"


def test_api_writes_are_allowed_once_granted(client_for, monitor, administrator, shared):
    access_grant(acting_user=administrator, case=shared["hidden"], user=monitor)
    api = client_for(monitor)
    source, person = shared["source"], shared["person"]
    assert (
        api.patch(
            f"/api/v1/sources/{source.public_id}/",
            {"reliability": "E", "version": source.version},
            format="json",
        ).status_code
        == 200
    )
    assert (
        api.patch(
            f"/api/v1/people/{person.public_id}/",
            {"name": "Lobsang G.", "version": person.version},
            format="json",
        ).status_code
        == 200
    )


def test_the_cases_of_an_organization_and_of_a_citation_are_found(monitor, shared):
    from cases.models import Citation
    from cases.services.boundary import cases_of_citation, cases_of_organization
    from cases.services.organizations import organization_create
    from cases.services.people import person_add_affiliation

    hidden = shared["hidden"]
    citation = Citation.objects.get(case=hidden)
    assert list(cases_of_citation(citation)) == [hidden]
    union = organization_create(acting_user=system_user(), name="Drilda monastery")
    person_add_affiliation(acting_user=system_user(), person=shared["person"], organization=union)
    assert hidden in cases_of_organization(union)
    with pytest.raises(PermissionDenied):
        person_add_affiliation(acting_user=monitor, person=shared["person"], organization=union)
