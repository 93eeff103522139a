"""Access grants through the API (administrators), and the creator of a restricted case."""

from __future__ import annotations

import pytest

from cases.models import AccessGrant, Case, CaseState, Confidentiality
from cases.services.cases import grant_creator_access

from .conftest import make_case

pytestmark = pytest.mark.django_db

GRANTS = "/api/v1/access-grants/"


@pytest.fixture
def hidden(db):
    return make_case(
        title="MARKER-HIDDEN Arrest", state=CaseState.DRAFT, level=Confidentiality.RESTRICTED
    )


def test_administrator_grants_and_the_grantee_then_sees_the_case(
    client_for, administrator, monitor, hidden
):
    case_url = f"/api/v1/cases/{hidden.reference}/"
    assert client_for(monitor).get(case_url).status_code == 404
    response = client_for(administrator).post(
        GRANTS,
        {"case": hidden.reference, "user": "monitor", "reason": "Documents the county"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["case"] == hidden.reference
    assert body["user"] == "monitor"
    assert body["granted_by"] == "administrator"
    assert body["active"] is True and body["revoked_at"] is None
    grant = AccessGrant.objects.get(pk=body["id"])
    assert grant.history.count() == 1
    assert grant.history.first().history_user == administrator
    assert client_for(monitor).get(case_url).status_code == 200


def test_administrator_revokes_and_the_grantee_loses_the_case(
    client_for, administrator, monitor, hidden
):
    grant = AccessGrant.objects.create(case=hidden, user=monitor, granted_by=administrator)
    assert client_for(monitor).get(f"/api/v1/cases/{hidden.reference}/").status_code == 200
    response = client_for(administrator).post(f"{GRANTS}{grant.pk}/revoke/", format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["active"] is False
    assert response.json()["revoked_by"] == "administrator"
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert client_for(monitor).get(f"/api/v1/cases/{hidden.reference}/").status_code == 404


def test_administrator_lists_grants_by_case_and_state(client_for, administrator, monitor, hidden):
    other = make_case(title="Other", level=Confidentiality.RESTRICTED)
    AccessGrant.objects.create(case=hidden, user=monitor, granted_by=administrator)
    AccessGrant.objects.create(case=other, user=monitor, granted_by=administrator)
    client = client_for(administrator)
    assert len(client.get(GRANTS).json()["results"]) == 2
    only = client.get(GRANTS, {"case": hidden.reference}).json()["results"]
    assert [grant["case"] for grant in only] == [hidden.reference]
    assert client.get(GRANTS, {"active": "0"}).json()["results"] == []


@pytest.mark.parametrize("who", ["monitor", "reviewer", "advocate", "outsider"])
def test_only_administrators_reach_grants(client_for, request, administrator, hidden, who):
    user = request.getfixturevalue(who)
    grant = AccessGrant.objects.create(case=hidden, user=user, granted_by=administrator)
    client = client_for(user)
    assert client.get(GRANTS).status_code == 403
    assert client.get(f"{GRANTS}{grant.pk}/").status_code == 403
    made = client.post(GRANTS, {"case": hidden.reference, "user": who}, format="json")
    assert made.status_code == 403
    assert client.post(f"{GRANTS}{grant.pk}/revoke/", format="json").status_code == 403
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert AccessGrant.objects.count() == 1


def test_grants_need_a_login(client_for):
    assert client_for().get(GRANTS).status_code in {401, 403}


def test_a_grant_for_a_case_that_is_not_restricted_is_400(client_for, administrator, monitor):
    case = make_case(title="Public")
    response = client_for(administrator).post(
        GRANTS, {"case": case.reference, "user": "monitor"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"case"}
    assert not AccessGrant.objects.exists()


def test_a_grant_to_an_unknown_user_or_case_is_400(client_for, administrator, hidden):
    client = client_for(administrator)
    unknown_user = client.post(GRANTS, {"case": hidden.reference, "user": "nobody"}, format="json")
    assert unknown_user.status_code == 400 and set(unknown_user.json()) == {"user"}
    unknown_case = client.post(GRANTS, {"case": "CB-1999-9999", "user": "nobody"}, format="json")
    assert unknown_case.status_code == 400 and {"case", "user"} == set(unknown_case.json())
    assert not AccessGrant.objects.exists()


def test_a_read_only_token_of_an_administrator_cannot_grant(
    token_client, administrator, monitor, hidden
):
    client = token_client(administrator, read_only=True)
    assert client.get(GRANTS).status_code == 200
    made = client.post(GRANTS, {"case": hidden.reference, "user": "monitor"}, format="json")
    assert made.status_code == 403
    assert not AccessGrant.objects.exists()


# --- The creator of a restricted case --------------------------------------------------------


def test_monitor_who_creates_a_restricted_case_sees_it_at_once(client_for, monitor, monitor2):
    response = client_for(monitor).post(
        "/api/v1/cases/",
        {"title": "Arrest at the monastery", "confidentiality": "restricted"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Arrest at the monastery"
    assert body["confidentiality"] == "restricted"
    case = Case.objects.get(reference=body["reference"])
    grant = AccessGrant.objects.get(case=case)
    assert grant.user == monitor and grant.granted_by == monitor
    assert grant.reason == "created the case"
    assert grant.history.first().history_user == monitor
    assert client_for(monitor).get(f"/api/v1/cases/{case.reference}/").status_code == 200
    assert client_for(monitor2).get(f"/api/v1/cases/{case.reference}/").status_code == 404


def test_creating_a_case_that_is_not_restricted_grants_nothing(client_for, monitor):
    response = client_for(monitor).post("/api/v1/cases/", {"title": "Public"}, format="json")
    assert response.status_code == 201
    assert not AccessGrant.objects.exists()


def test_grant_creator_access_keeps_an_active_grant_and_skips_administrators(
    monitor, administrator, hidden
):
    first = grant_creator_access(case=hidden, user=monitor)
    assert grant_creator_access(case=hidden, user=monitor) == first
    assert grant_creator_access(case=hidden, user=administrator) is None
    assert AccessGrant.objects.filter(case=hidden).count() == 1
