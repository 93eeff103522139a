"""The cases endpoints: who may call them, the shapes they answer with, writes through the
services with optimistic locking, workflow steps, and keyset pagination."""

from __future__ import annotations

import pytest

from casebook.accounts.roles import Role
from cases.models import Case, CaseState, CaseTransition, Confidentiality, VocabularyKey

from ..cases.test_workflow import corroborated_case
from ..factories import CaseFactory, DetentionFactory, PersonFactory, UserFactory, term
from .conftest import make_case

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"

CASE_KEYS = {
    "reference",
    "title",
    "summary",
    "narrative",
    "occurred",
    "occurred_earliest",
    "occurred_latest",
    "occurred_display",
    "occurred_inferred",
    "place",
    "place_name",
    "violation_types",
    "confidentiality",
    "state",
    "assigned_monitor",
    "version",
    "created_at",
    "updated_at",
}


def case_url(case_or_reference) -> str:
    reference = getattr(case_or_reference, "reference", case_or_reference)
    return f"{CASES}{reference}/"


# --- Who may call ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        CASES,
        "/api/v1/detentions/",
        "/api/v1/people/",
        "/api/v1/sources/",
        "/api/v1/citations/",
        "/api/v1/interventions/",
        "/api/v1/places/",
        "/api/v1/organizations/",
        "/api/v1/vocabularies/",
        "/api/v1/terms/",
        "/api/v1/stats/",
    ],
)
def test_anonymous_request_is_told_to_authenticate(client_for, demo_case, url):
    response = client_for().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert set(response.json()) == {"detail"}
    assert demo_case.title.encode() not in response.content


def test_anonymous_detail_is_401_not_404(client_for, demo_case):
    assert client_for().get(case_url(demo_case)).status_code == 401


def test_monitor_lists_cases_and_outsider_gets_an_empty_list(client_for, monitor, outsider):
    case = make_case(title="Detention of Sonam in Lhasa")
    mine = client_for(monitor).get(CASES)
    assert mine.status_code == 200
    assert [row["reference"] for row in mine.json()["results"]] == [case.reference]

    theirs = client_for(outsider).get(CASES)
    assert theirs.status_code == 200
    assert theirs.json() == {"next": None, "previous": None, "results": []}


def test_outsider_gets_404_for_a_case_the_monitor_reads(client_for, monitor, outsider, demo_case):
    assert client_for(monitor).get(case_url(demo_case)).status_code == 200
    response = client_for(outsider).get(case_url(demo_case))
    assert response.status_code == 404
    assert demo_case.title.encode() not in response.content


def test_hidden_and_missing_cases_answer_alike(client_for, monitor, restricted_case):
    hidden = client_for(monitor).get(case_url(restricted_case))
    missing = client_for(monitor).get(case_url("CB-1999-9999"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_advocate_sees_verified_cases_only(client_for, advocate):
    verified = make_case(title="Verified detention of Dolma")
    draft = make_case(title="Draft detention of Pema", state=CaseState.DRAFT)
    response = client_for(advocate).get(CASES)
    assert [row["reference"] for row in response.json()["results"]] == [verified.reference]
    assert client_for(advocate).get(case_url(draft)).status_code == 404


# --- Shapes ----------------------------------------------------------------------------------


def test_case_list_shape(client_for, monitor, demo_case):
    response = client_for(monitor).get(CASES)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    (row,) = body["results"]
    assert set(row) == CASE_KEYS
    assert row["reference"] == demo_case.reference
    assert row["violation_types"] == ["arbitrary-detention", "freedom-of-expression"]
    assert row["place_name"] == "Drilda monastery"
    assert row["occurred_display"] == "6 March 2014 (inferred)"
    assert row["version"] == demo_case.version


def test_case_detail_nests_detentions_and_citations(client_for, monitor, demo_case):
    body = client_for(monitor).get(case_url(demo_case)).json()
    assert set(body) == CASE_KEYS | {"detentions", "citations", "relations"}
    assert len(body["detentions"]) == 5
    detention = body["detentions"][0]
    assert set(detention) == {
        "public_id",
        "person",
        "detained_on",
        "detained_on_display",
        "status",
        "status_certainty",
    }
    assert detention["person"]["description"].startswith("Monk of Drilda monastery")
    (citation,) = body["citations"]
    assert citation["case"] == demo_case.reference
    assert citation["credibility"] == 3


# --- Writes ----------------------------------------------------------------------------------


def test_monitor_opens_a_case(client_for, monitor):
    response = client_for(monitor).post(
        CASES,
        {
            "title": "Arrest of two nuns in Kardze",
            "occurred": "2015-06",
            "confidentiality": "internal",
            "violation_types": ["arbitrary-detention"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("CB-2015-")
    assert body["state"] == "draft"
    assert body["version"] == 1
    assert body["violation_types"] == ["arbitrary-detention"]
    case = Case.objects.get(reference=body["reference"])
    assert case.created_by == monitor
    assert case.history.first().history_user == monitor


def test_invalid_case_is_400_with_field_messages_and_nothing_written(client_for, monitor):
    before = Case.objects.count()
    response = client_for(monitor).post(
        CASES,
        {"title": "Arrest in Ngaba", "occurred": "sometime in spring", "place": 999999},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"place"}
    response = client_for(monitor).post(
        CASES, {"title": "Arrest in Ngaba", "occurred": "sometime in spring"}, format="json"
    )
    assert response.status_code == 400
    assert "not a date we can read" in response.json()["occurred"][0]
    assert Case.objects.count() == before


def test_unknown_violation_type_is_400(client_for, monitor):
    response = client_for(monitor).post(
        CASES, {"title": "Arrest", "violation_types": ["no-such-term"]}, format="json"
    )
    assert response.status_code == 400
    assert "violation_types" in response.json()


@pytest.mark.parametrize("method", ["post", "patch", "put"])
def test_advocate_cannot_write_but_monitor_can(client_for, advocate, monitor, method):
    case = make_case(title="Verified detention of Norbu")
    url = CASES if method == "post" else case_url(case)
    payload = {"title": "Changed by an advocate"}
    if method != "post":  # a create carries no version
        payload["version"] = case.version
    refused = getattr(client_for(advocate), method)(url, payload, format="json")
    assert refused.status_code == 403
    case.refresh_from_db()
    assert case.title == "Verified detention of Norbu"

    allowed = getattr(client_for(monitor), method)(url, payload, format="json")
    assert allowed.status_code in {200, 201}, allowed.json()


def test_update_moves_the_version_on(client_for, monitor):
    case = make_case(title="Detention of Jigme", state=CaseState.DRAFT)
    response = client_for(monitor).patch(
        case_url(case), {"summary": "Taken from his home at night.", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response.json()["summary"] == "Taken from his home at night."


def test_update_without_version_is_refused(client_for, monitor):
    case = make_case(title="Detention of Jigme", state=CaseState.DRAFT)
    response = client_for(monitor).patch(case_url(case), {"summary": "x"}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()
    case.refresh_from_db()
    assert case.summary == ""


def test_stale_write_is_409_with_current_record_and_changes_nothing(client_for, monitor, monitor2):
    case = make_case(title="Detention of Tsering", state=CaseState.DRAFT)
    first, second = client_for(monitor), client_for(monitor2)
    loaded = first.get(case_url(case)).json()["version"]
    assert second.get(case_url(case)).json()["version"] == loaded

    won = second.patch(
        case_url(case), {"title": "Detention of Tsering Dorje", "version": loaded}, format="json"
    )
    assert won.status_code == 200
    lost = first.patch(
        case_url(case),
        {"title": "Detention of Tsering Wangmo", "summary": "lost words", "version": loaded},
        format="json",
    )
    assert lost.status_code == 409
    body = lost.json()
    assert set(body) == {"detail", "current"}
    assert body["current"]["version"] == loaded + 1
    assert body["current"]["title"] == "Detention of Tsering Dorje"
    assert "version" in body["detail"]
    case.refresh_from_db()
    assert (case.title, case.summary, case.version) == ("Detention of Tsering Dorje", "", 2)


def test_editing_a_verified_case_sends_it_back_to_review(client_for, monitor):
    case = make_case(title="Detention of Kalsang")
    response = client_for(monitor).patch(
        case_url(case), {"summary": "New facts.", "version": case.version}, format="json"
    )
    assert response.json()["state"] == "submitted"


def test_put_needs_the_required_fields(client_for, monitor):
    case = make_case(title="Detention of Kalsang", state=CaseState.DRAFT)
    response = client_for(monitor).put(case_url(case), {"version": 1}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()


# --- Workflow --------------------------------------------------------------------------------


def transitions_url(case) -> str:
    return f"{case_url(case)}transitions/"


def test_monitor_submits_and_the_history_lists_it(client_for, monitor, advocate):
    case = make_case(title="Detention of Yeshe", state=CaseState.DRAFT)
    response = client_for(monitor).post(
        transitions_url(case), {"action": "submit", "comment": "Ready."}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["to_state"] == "submitted"
    assert response.json()["user"] == "monitor"
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED

    history = client_for(monitor).get(transitions_url(case))
    assert history.status_code == 200
    assert [(step["action"], step["from_state"], step["to_state"]) for step in history.json()] == [
        ("submit", "draft", "submitted")
    ]


def test_verify_refused_by_four_eyes_is_409(client_for, reviewer):
    case = corroborated_case(state=CaseState.SUBMITTED)
    # The reviewer changes the facts, and so may not be the one to verify them.
    client_for(reviewer).patch(
        case_url(case), {"summary": "Corrected date.", "version": case.version}, format="json"
    )
    case.refresh_from_db()
    response = client_for(reviewer).post(
        transitions_url(case), {"action": "verify", "version": case.version}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "four-eyes"
    assert "Four eyes" in response.json()["detail"]
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert not CaseTransition.objects.filter(case=case, action="verify").exists()


def test_another_reviewer_verifies(client_for, reviewer):
    case = corroborated_case(state=CaseState.SUBMITTED)
    response = client_for(reviewer).post(
        transitions_url(case), {"action": "verify", "version": case.version}, format="json"
    )
    assert response.status_code == 201, response.json()
    case.refresh_from_db()
    assert case.state == CaseState.VERIFIED


def test_monitor_may_not_verify_403_with_rule(client_for, monitor):
    case = corroborated_case(state=CaseState.SUBMITTED)
    response = client_for(monitor).post(
        transitions_url(case), {"action": "verify", "version": case.version}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["rule"] == "role"


def test_step_from_the_wrong_state_is_409(client_for, reviewer):
    case = corroborated_case(state=CaseState.DRAFT)
    response = client_for(reviewer).post(
        transitions_url(case), {"action": "verify", "version": case.version}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "state"


def test_return_without_comment_is_400(client_for, reviewer):
    case = corroborated_case(state=CaseState.SUBMITTED)
    response = client_for(reviewer).post(
        transitions_url(case), {"action": "return", "version": case.version}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "comment"


def test_unknown_action_is_400(client_for, reviewer):
    case = corroborated_case(state=CaseState.SUBMITTED)
    response = client_for(reviewer).post(transitions_url(case), {"action": "burn"}, format="json")
    assert response.status_code == 400
    assert "action" in response.json()


def test_advocate_may_read_history_but_not_take_steps(client_for, advocate):
    case = corroborated_case(state=CaseState.VERIFIED, confidentiality=Confidentiality.PUBLIC)
    assert client_for(advocate).get(transitions_url(case)).status_code == 200
    response = client_for(advocate).post(
        transitions_url(case), {"action": "dispute", "comment": "Wrong person."}, format="json"
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.VERIFIED


def test_transitions_of_a_hidden_case_are_404(client_for, monitor, restricted_case):
    assert client_for(monitor).get(transitions_url(restricted_case)).status_code == 404
    response = client_for(monitor).post(
        transitions_url(restricted_case), {"action": "dispute", "comment": "x"}, format="json"
    )
    assert response.status_code == 404


# --- Pagination and order --------------------------------------------------------------------


def test_cursor_walks_forward_and_back_without_repeats(client_for, monitor):
    # Three cases share a day: the cursor must step through ties, not skip or repeat them.
    made = [make_case(title=f"Detention {n}", occurred="2014-03-06") for n in range(3)]
    made.append(make_case(title="Undated detention", occurred=""))
    made.append(make_case(title="Older detention", occurred="2012"))
    client = client_for(monitor)
    seen, url = [], f"{CASES}?page_size=2"
    pages = []
    while url:
        body = client.get(url).json()
        pages.append(body)
        seen += [row["reference"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(case.reference for case in made)
    assert len(seen) == len(set(seen))
    # Newest first; unknown dates last.
    assert seen[-1] == made[3].reference
    assert seen[-2] == made[4].reference
    back = client.get(pages[-1]["previous"]).json()
    assert [row["reference"] for row in back["results"]] == seen[2:4]


def test_ordering_comes_from_the_shared_filter(client_for, monitor):
    made = [make_case(title=f"Detention {n}") for n in range(3)]
    body = client_for(monitor).get(f"{CASES}?ordering=-reference").json()
    assert [row["reference"] for row in body["results"]] == sorted(
        (case.reference for case in made), reverse=True
    )


def test_invalid_ordering_and_cursor(client_for, monitor):
    client = client_for(monitor)
    assert client.get(f"{CASES}?ordering=title").status_code == 400
    assert client.get(f"{CASES}?cursor=not-a-cursor").status_code == 404
    assert client.get(f"{CASES}?page_size=100000").status_code == 400


def test_detention_list_pages_through_a_shared_day(client_for, monitor):
    case = make_case(title="Mass detention")
    for number in range(5):
        DetentionFactory(case=case, person=PersonFactory(name=f"Monk {number}"))
    client, url, seen = client_for(monitor), "/api/v1/detentions/?page_size=2", []
    while url:
        body = client.get(url).json()
        seen += [row["public_id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 5


def test_case_filters_apply_to_the_list(client_for, monitor):
    lhasa = make_case(
        title="Detention in Lhasa",
        violation_types=[term(VocabularyKey.VIOLATION_TYPE, "torture")],
    )
    make_case(title="Detention elsewhere")
    body = client_for(monitor).get(f"{CASES}?violation_type=torture").json()
    assert [row["reference"] for row in body["results"]] == [lhasa.reference]


def test_administrator_reads_but_does_not_edit(client_for, administrator):
    case = make_case(title="Restricted detention", level=Confidentiality.RESTRICTED)
    assert client_for(administrator).get(case_url(case)).status_code == 200
    response = client_for(administrator).patch(
        case_url(case), {"title": "x", "version": case.version}, format="json"
    )
    assert response.status_code == 403


def test_user_holding_monitor_and_advocate_roles_may_edit(client_for):
    both = UserFactory(roles=[Role.MONITOR, Role.ADVOCATE])
    case = CaseFactory(title="Draft detention")
    response = client_for(both).patch(
        case_url(case), {"summary": "x", "version": case.version}, format="json"
    )
    assert response.status_code == 200


def test_a_token_fetches_the_verified_case_dossier_as_pdf(advocate):
    from rest_framework.test import APIClient

    from casebook.accounts.tokens import token_issue

    from .conftest import make_case

    world_verified_case = make_case(title="Arrest of five Tibetans over WeChat messages")

    _token, key = token_issue(user=advocate, name="curl", read_only=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(f"/api/v1/cases/{world_verified_case.reference}/dossier/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    refused = client.get(f"/api/v1/cases/{world_verified_case.reference}/dossier/?profile=internal")
    assert refused.status_code == 403
    anonymous = APIClient().get(f"/api/v1/cases/{world_verified_case.reference}/dossier/")
    assert anonymous.status_code == 401
