"""A restricted case leaks nowhere: not through a page, a count, an admin list, an autocomplete,
a notification or a related-object path, for anyone without a grant. Asserted on the bytes."""

import pytest
from django.contrib.auth.models import Permission

from casebook.accounts.roles import Role
from cases.models import CaseState, Confidentiality, Credibility
from cases.services.workflow import access_grant

from ..factories import (
    CaseFactory,
    DetentionFactory,
    PersonFactory,
    SourceFactory,
    UserFactory,
    cite,
)

pytestmark = pytest.mark.django_db

MARKERS = ("RESTRICTED-MARKER-TITLE", "RESTRICTED-MARKER-PERSON", "RESTRICTED-MARKER-SOURCE")


@pytest.fixture
def secret(db):
    """A verified restricted case with its own person, detention and source, beside an open one."""
    from cases.models import Case

    case = CaseFactory(title="RESTRICTED-MARKER-TITLE", confidentiality=Confidentiality.RESTRICTED)
    person = PersonFactory(name="RESTRICTED-MARKER-PERSON")
    detention = DetentionFactory(case=case, person=person)
    source = SourceFactory(title="RESTRICTED-MARKER-SOURCE")
    cite(source, case=case, credibility=Credibility.CONFIRMED)
    cite(source, detention=detention)
    Case.objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)
    case.refresh_from_db()
    open_case = CaseFactory(title="Open case", confidentiality=Confidentiality.PUBLIC)
    Case.objects.filter(pk=open_case.pk).update(state=CaseState.VERIFIED)
    return {"case": case, "person": person, "detention": detention, "source": source}


def assert_no_leak(response, case):
    body = response.content.decode()
    for marker in (*MARKERS, case.reference):
        assert marker not in body, f"{marker} leaked through {response.request['PATH_INFO']}"


@pytest.fixture
def staff_monitor(db):
    """A monitor an administrator made staff with every view permission: the admin must still
    hold back what the access gate holds back."""
    user = UserFactory(roles=[Role.MONITOR])
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_", content_type__app_label="cases")
    )
    return user


PAGES = [
    "/",
    "/cases/",
    "/cases/?page=1",
    "/notifications/",
]
CASE_PAGES = ["/cases/{ref}/", "/cases/{ref}/history/", "/cases/{ref}/edit/"]


@pytest.mark.parametrize("who", ["monitor", "reviewer", "advocate"])
def test_pages_hold_back_a_restricted_case(client, secret, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_leak(response, secret["case"])
    for url in CASE_PAGES:
        response = client.get(url.format(ref=secret["case"].reference))
        assert response.status_code == 404, url
        assert_no_leak(response, secret["case"])
        assert b"No case found" in response.content or response.status_code == 404


def test_the_case_count_does_not_count_it(client, secret, monitor):
    client.force_login(monitor)
    body = client.get("/cases/").content.decode()
    assert "Open case" in body
    assert "1 case" in body


ADMIN_LISTS = [
    "/admin/cases/case/",
    "/admin/cases/detention/",
    "/admin/cases/citation/",
    "/admin/cases/intervention/",
    "/admin/cases/casetransition/",
    "/admin/cases/detentionevent/",
    "/admin/cases/caserelation/",
    "/admin/cases/person/",
    "/admin/cases/personname/",
    "/admin/cases/affiliation/",
    "/admin/cases/consent/",
    "/admin/cases/source/",
    "/admin/cases/evidencefile/",
]


def test_admin_lists_hold_back_a_restricted_case(client, secret, staff_monitor):
    client.force_login(staff_monitor)
    for url in ADMIN_LISTS:
        response = client.get(url)
        assert response.status_code in (200, 403), url
        assert_no_leak(response, secret["case"])
    # The search box echoes the query, so the reference is in the page; the result is not.
    response = client.get(f"/admin/cases/case/?q={secret['case'].reference}")
    assert b"0 results" in response.content
    assert b"RESTRICTED-MARKER-TITLE" not in response.content
    for url in (
        f"/admin/cases/case/{secret['case'].pk}/change/",
        f"/admin/cases/person/{secret['person'].pk}/change/",
        f"/admin/cases/person/{secret['person'].pk}/history/",
        f"/admin/cases/source/{secret['source'].pk}/change/",
        f"/admin/cases/source/{secret['source'].pk}/history/",
    ):
        detail = client.get(url)
        assert detail.status_code in (302, 404), url
        assert_no_leak(detail, secret["case"])


@pytest.mark.parametrize(
    ("model", "field", "term"),
    [
        ("detention", "case", "RESTRICTED"),
        ("citation", "case", "RESTRICTED"),
        ("intervention", "case", "RESTRICTED"),
        ("caserelation", "to_case", "RESTRICTED"),
        ("detention", "person", "RESTRICTED"),
        ("citation", "person", "RESTRICTED"),
        ("citation", "source", "RESTRICTED"),
    ],
)
def test_admin_autocomplete_holds_back_a_restricted_case(
    client, secret, staff_monitor, model, field, term
):
    client.force_login(staff_monitor)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "cases", "model_name": model, "field_name": field, "term": term},
    )
    assert response.status_code in (200, 403)
    assert_no_leak(response, secret["case"])


def test_the_administrator_sees_it_and_a_granted_monitor_too(
    client, secret, administrator, monitor
):
    client.force_login(administrator)
    assert b"RESTRICTED-MARKER-TITLE" in client.get("/cases/").content
    access_grant(acting_user=administrator, case=secret["case"], user=monitor)
    client.force_login(monitor)
    assert b"RESTRICTED-MARKER-TITLE" in client.get("/cases/").content
    page = client.get(f"/cases/{secret['case'].reference}/")
    assert page.status_code == 200
    assert b"RESTRICTED-MARKER-PERSON" in page.content


def test_a_revoked_grant_closes_it_again(client, secret, administrator, monitor):
    from cases.services.workflow import access_revoke

    grant = access_grant(acting_user=administrator, case=secret["case"], user=monitor)
    access_revoke(acting_user=administrator, grant=grant)
    client.force_login(monitor)
    assert_no_leak(client.get("/"), secret["case"])
    assert_no_leak(client.get("/cases/"), secret["case"])
    assert client.get(f"/cases/{secret['case'].reference}/").status_code == 404
