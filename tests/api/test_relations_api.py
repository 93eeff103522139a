"""/api/v1/case-relations/ and the `relations` of a case's detail."""

from __future__ import annotations

import pytest

from cases.models import CaseRelation, CaseRelationKind, CaseState, Confidentiality
from cases.services.relations import case_relation_create

from ..factories import CaseFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/case-relations/"
HIDDEN_TITLE = "MARKER-HIDDEN-RELATED closed monastery"


@pytest.fixture
def pair():
    return CaseFactory(title="Arrest in Sog"), CaseFactory(title="Arrest in Sog, again")


@pytest.fixture
def hidden(administrator):
    """An open case related to a restricted case nobody in the cast was granted."""
    shown = CaseFactory(title="Open case", confidentiality=Confidentiality.PUBLIC)
    secret = CaseFactory(title=HIDDEN_TITLE, confidentiality=Confidentiality.RESTRICTED)
    relation = case_relation_create(
        acting_user=administrator, case=shown, related=secret, kind=CaseRelationKind.DUPLICATE_OF
    )
    return shown, secret, relation


def test_monitor_links_a_duplicate_case(client_for, monitor, pair):
    case, duplicate = pair
    response = client_for(monitor).post(
        URL,
        {
            "case": duplicate.reference,
            "related": case.reference,
            "kind": "duplicate-of",
            "note": "Same arrest, second report",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["case"], body["related"], body["kind"]) == (
        duplicate.reference,
        case.reference,
        "duplicate-of",
    )
    relation = CaseRelation.objects.get(pk=body["id"])
    assert relation.history.get().history_user == monitor
    detail = client_for(monitor).get(f"/api/v1/cases/{case.reference}/").json()
    assert detail["relations"] == [
        {
            "id": relation.pk,
            "kind": "duplicated-by",
            "reference": duplicate.reference,
            "title": duplicate.title,
            "note": "Same arrest, second report",
            "outgoing": False,
        }
    ]


def test_monitor_changes_and_removes_a_relation(client_for, monitor, monitor2, pair):
    relation = case_relation_create(
        acting_user=monitor, case=pair[0], related=pair[1], kind=CaseRelationKind.RELATED_TO
    )
    client = client_for(monitor2)
    response = client.patch(f"{URL}{relation.pk}/", {"kind": "part-of"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["kind"] == "part-of"
    assert client.delete(f"{URL}{relation.pk}/").status_code == 204
    assert not CaseRelation.objects.exists()
    versions = CaseRelation.history.filter(id=relation.pk).order_by("history_date", "history_id")
    assert [(v.history_type, v.history_user, v.kind) for v in versions] == [
        ("+", monitor, "related-to"),
        ("~", monitor2, "part-of"),
        ("-", monitor2, "part-of"),
    ]


@pytest.mark.parametrize("who", ["advocate", "administrator", "outsider"])
def test_only_monitors_and_reviewers_relate_cases(client_for, pair, who, request):
    response = client_for(request.getfixturevalue(who)).post(
        URL,
        {"case": pair[0].reference, "related": pair[1].reference, "kind": "related-to"},
        format="json",
    )
    assert response.status_code == 403
    assert not CaseRelation.objects.exists()


def test_reviewer_relates_cases(client_for, reviewer, pair):
    response = client_for(reviewer).post(
        URL,
        {"case": pair[0].reference, "related": pair[1].reference, "kind": "part-of"},
        format="json",
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "same-event"}, "kind"),
        ({"related": "CB-1999-9999"}, "related"),
        ({"note": "x" * 301}, "note"),
    ],
)
def test_bad_input_answers_400_naming_the_field(client_for, monitor, pair, change, field):
    data = {"case": pair[0].reference, "related": pair[1].reference, "kind": "related-to"}
    response = client_for(monitor).post(URL, {**data, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not CaseRelation.objects.exists()


def test_self_relation_answers_400(client_for, monitor, pair):
    response = client_for(monitor).post(
        URL,
        {"case": pair[0].reference, "related": pair[0].reference, "kind": "related-to"},
        format="json",
    )
    assert response.status_code == 400
    assert "related" in response.json()


def test_relating_to_a_restricted_case_reads_like_a_missing_one(client_for, monitor, hidden):
    shown, secret, _relation = hidden
    response = client_for(monitor).post(
        URL,
        {"case": shown.reference, "related": secret.reference, "kind": "related-to"},
        format="json",
    )
    missing = client_for(monitor).post(
        URL,
        {"case": shown.reference, "related": "CB-1999-9999", "kind": "related-to"},
        format="json",
    )
    assert response.status_code == missing.status_code == 400
    assert response.json()["related"][0].replace(secret.reference, "?") == missing.json()[
        "related"
    ][0].replace("CB-1999-9999", "?")


def test_a_relation_to_a_restricted_case_is_hidden_everywhere(
    client_for, monitor, advocate, hidden
):
    shown, secret, relation = hidden
    client = client_for(monitor)
    detail = client.get(f"/api/v1/cases/{shown.reference}/")
    assert detail.json()["relations"] == []
    assert secret.reference.encode() not in detail.content
    assert client.get(URL).json()["results"] == []
    assert client.get(f"{URL}?case={shown.reference}").json()["results"] == []
    for method in ("get", "patch", "delete"):
        answer = getattr(client, method)(f"{URL}{relation.pk}/", {}, format="json")
        assert answer.status_code == 404, method
        assert HIDDEN_TITLE.encode() not in answer.content
    assert CaseRelation.objects.filter(pk=relation.pk).exists()


def test_administrator_sees_the_relation(client_for, administrator, hidden):
    shown, secret, relation = hidden
    detail = client_for(administrator).get(f"/api/v1/cases/{shown.reference}/").json()
    assert [(r["kind"], r["reference"]) for r in detail["relations"]] == [
        ("duplicate-of", secret.reference)
    ]
    listed = client_for(administrator).get(URL).json()["results"]
    assert [item["id"] for item in listed] == [relation.pk]


def test_relation_to_a_rejected_case_answers_400(client_for, monitor, pair):
    rejected = CaseFactory(title="Rejected", state=CaseState.REJECTED)
    response = client_for(monitor).post(
        URL,
        {"case": pair[0].reference, "related": rejected.reference, "kind": "duplicate-of"},
        format="json",
    )
    assert response.status_code == 400
    assert "related" in response.json()
