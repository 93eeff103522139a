"""Writing legal-process events, citations and interventions through the API."""

from __future__ import annotations

import datetime

import pytest

from casebook.accounts.system import system_user
from cases.api.serializers import DetentionSerializer
from cases.models import (
    Case,
    CaseState,
    Citation,
    Detention,
    DetentionEvent,
    Intervention,
    VocabularyKey,
)
from cases.services.detentions import detention_add_event
from cases.services.interventions import intervention_create

from ..factories import DetentionFactory, SourceFactory, cite, term
from .conftest import make_case, settle

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def detention(db):
    detention = DetentionFactory(
        case=make_case(title="Detention of Tenzin Gyatso"), detained_on="2014-03-06"
    )
    settle(detention.case)
    return detention


def add_event(detention, code, occurred):
    return detention_add_event(
        acting_user=system_user(),
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, code),
        occurred=occurred,
    )


def restricted_detention(restricted_case):
    return Detention.objects.get(case=restricted_case)


# --- Events ----------------------------------------------------------------------------------


def test_monitor_adds_trial_sentence_and_release_and_the_status_follows(
    client_for, monitor, detention
):
    client = client_for(monitor)
    url = "/api/v1/events/"
    detention_url = f"/api/v1/detentions/{detention.public_id}/"

    trial = client.post(
        url,
        {"detention": str(detention.public_id), "event_type": "trial", "occurred": "2014-08-01"},
        format="json",
    )
    assert trial.status_code == 201, trial.content
    assert trial.json()["event_type"] == "trial"
    assert trial.json()["detention"] == str(detention.public_id)

    sentencing = client.post(
        url,
        {
            "detention": str(detention.public_id),
            "event_type": "sentencing",
            "occurred": "2014-09-02",
            "note": "Three years for inciting separatism.",
        },
        format="json",
    )
    assert sentencing.status_code == 201, sentencing.content
    version = client.get(detention_url).json()["version"]
    sentenced = client.patch(
        detention_url,
        {"sentence_kind": "term", "sentence_years": 3, "version": version},
        format="json",
    )
    assert sentenced.status_code == 200, sentenced.content
    assert (sentenced.json()["status"], sentenced.json()["expected_release"]) == (
        "sentenced",
        "2017-03-06",
    )

    release = client.post(
        url,
        {
            "detention": str(detention.public_id),
            "event_type": "release-after-sentence",
            "occurred": "2017-03-06",
            "certainty": "believed",
        },
        format="json",
    )
    assert release.status_code == 201, release.content
    body = client.get(detention_url).json()
    assert (body["status"], body["status_certainty"], body["status_as_of"]) == (
        "released",
        "believed",
        "2017-03-06",
    )
    assert body["status_rests_on_undated"] is False
    assert [event["event_type"] for event in body["events"]] == [
        "trial",
        "sentencing",
        "release-after-sentence",
    ]
    event = DetentionEvent.objects.get(pk=release.json()["id"])
    assert event.history.latest().history_user == monitor
    case = Case.objects.get(pk=detention.case_id)
    assert (case.state, case.facts_changed_by) == (CaseState.SUBMITTED, monitor)


def test_event_patch_put_and_delete(client_for, monitor, detention):
    client = client_for(monitor)
    event = add_event(detention, "release", "2016-01-20")
    url = f"/api/v1/events/{event.pk}/"

    patched = client.patch(url, {"event_type": "sentencing"}, format="json")
    assert patched.status_code == 200, patched.content
    assert Detention.objects.get(pk=detention.pk).status == "sentenced"

    put = client.put(
        url, {"event_type": "release", "occurred": "", "note": "Date not known."}, format="json"
    )
    assert put.status_code == 200, put.content
    assert put.json()["occurred"] == ""
    stored = Detention.objects.get(pk=detention.pk)
    assert (stored.status, stored.status_rests_on_undated) == ("released", True)
    assert client.get(f"/api/v1/detentions/{detention.public_id}/").json()[
        "status_rests_on_undated"
    ]

    deleted = client.delete(url)
    assert deleted.status_code == 204
    assert not DetentionEvent.objects.filter(pk=event.pk).exists()
    assert Detention.objects.get(pk=detention.pk).status == "detained"
    versions = DetentionEvent.history.filter(id=event.pk).order_by("history_date", "history_id")
    assert [(v.history_type, v.history_user) for v in versions] == [
        ("+", system_user()),
        ("~", monitor),
        ("~", monitor),
        ("-", monitor),
    ]


def test_event_list_and_detail_show_only_visible_detentions(
    client_for, monitor, detention, restricted_case
):
    visible = add_event(detention, "trial", "2014-08-01")
    hidden = add_event(restricted_detention(restricted_case), "trial", "2014-08-01")
    client = client_for(monitor)
    listed = [row["id"] for row in client.get("/api/v1/events/").json()["results"]]
    assert listed == [visible.pk]
    for method in ("get", "patch", "put", "delete"):
        response = getattr(client, method)(f"/api/v1/events/{hidden.pk}/", {}, format="json")
        assert response.status_code == 404, method
        assert b"MARKER" not in response.content
    assert DetentionEvent.objects.filter(pk=hidden.pk).exists()


def test_event_on_a_hidden_detention_reads_as_a_missing_one(client_for, monitor, restricted_case):
    hidden = restricted_detention(restricted_case)
    response = client_for(monitor).post(
        "/api/v1/events/",
        {"detention": str(hidden.public_id), "event_type": "release", "occurred": "2016"},
        format="json",
    )
    assert response.status_code == 400
    assert "detention" in response.json()
    assert not DetentionEvent.objects.filter(detention=hidden).exists()


@pytest.mark.parametrize("user", ["advocate", "outsider"])
def test_advocates_and_outsiders_may_not_write_events(request, client_for, user, detention):
    event = add_event(detention, "trial", "2014-08-01")
    client = client_for(request.getfixturevalue(user))
    created = client.post(
        "/api/v1/events/",
        {"detention": str(detention.public_id), "event_type": "release", "occurred": "2016"},
        format="json",
    )
    assert created.status_code == 403
    assert client.patch(
        f"/api/v1/events/{event.pk}/", {"note": "x"}, format="json"
    ).status_code in (
        403,
        404,
    )
    assert client.delete(f"/api/v1/events/{event.pk}/").status_code in (403, 404)
    assert list(DetentionEvent.objects.filter(detention=detention)) == [event]
    assert DetentionEvent.objects.get(pk=event.pk).note == ""


def test_outsider_sees_no_events(client_for, outsider, detention):
    add_event(detention, "trial", "2014-08-01")
    assert client_for(outsider).get("/api/v1/events/").json()["results"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"event_type": "no-such-event"}, "event_type"),
        ({"event_type": "release", "occurred": "the spring"}, "occurred"),
        ({"event_type": "release", "certainty": "sure"}, "certainty"),
        ({"event_type": "release", "organization": "not-an-id"}, "organization"),
    ],
)
def test_bad_event_input_answers_400_naming_the_field(
    client_for, monitor, detention, payload, field
):
    response = client_for(monitor).post(
        "/api/v1/events/", {"detention": str(detention.public_id), **payload}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not DetentionEvent.objects.exists()
    assert Case.objects.get(pk=detention.case_id).state == CaseState.VERIFIED


def test_event_on_a_rejected_case_is_refused(client_for, monitor, detention):
    settle(detention.case, CaseState.REJECTED)
    response = client_for(monitor).post(
        "/api/v1/events/",
        {"detention": str(detention.public_id), "event_type": "release", "occurred": "2016"},
        format="json",
    )
    assert response.status_code == 400
    assert not DetentionEvent.objects.exists()


def test_events_are_read_only_inside_the_detention(client_for, monitor, detention):
    assert DetentionSerializer().fields["events"].read_only
    version = client_for(monitor).get(f"/api/v1/detentions/{detention.public_id}/").json()
    client_for(monitor).patch(
        f"/api/v1/detentions/{detention.public_id}/",
        {"events": [{"event_type": "release"}], "version": version["version"]},
        format="json",
    )
    assert not DetentionEvent.objects.exists()


# --- Citations -------------------------------------------------------------------------------


def test_monitor_changes_moves_and_deletes_a_citation(client_for, monitor, detention):
    other = make_case(title="Second case")
    citation = cite(SourceFactory(), case=detention.case)
    settle(detention.case)
    client = client_for(monitor)
    url = f"/api/v1/citations/{citation.pk}/"

    patched = client.patch(url, {"claim": "date of arrest", "credibility": 2}, format="json")
    assert patched.status_code == 200, patched.content
    assert (patched.json()["claim"], patched.json()["credibility"]) == ("date of arrest", 2)
    assert Case.objects.get(pk=detention.case_id).state == CaseState.SUBMITTED

    settle(detention.case)
    moved = client.patch(url, {"case": other.reference}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["case"] == other.reference
    assert Case.objects.get(pk=detention.case_id).state == CaseState.SUBMITTED
    assert Case.objects.get(pk=other.pk).state == CaseState.SUBMITTED

    to_detention = client.patch(url, {"detention": str(detention.public_id)}, format="json")
    assert to_detention.status_code == 200, to_detention.content
    assert (to_detention.json()["case"], to_detention.json()["detention"]) == (
        None,
        str(detention.public_id),
    )

    put = client.put(
        url,
        {"source": str(citation.source.public_id), "person": str(detention.person.public_id)},
        format="json",
    )
    assert put.status_code == 200, put.content
    assert (put.json()["detention"], put.json()["person"]) == (
        None,
        str(detention.person.public_id),
    )

    assert client.delete(url).status_code == 204
    assert not Citation.objects.filter(pk=citation.pk).exists()
    versions = Citation.history.filter(id=citation.pk).order_by("history_date", "history_id")
    assert [v.history_type for v in versions] == ["+", "~", "~", "~", "~", "-"]
    assert {v.history_user for v in versions[1:]} == {monitor}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"credibility": 9}, "credibility"),
        ({"source": "00000000-0000-0000-0000-000000000000"}, "source"),
        ({"case": None}, "non_field_errors"),
    ],
)
def test_bad_citation_input_answers_400_and_writes_nothing(
    client_for, monitor, detention, payload, field
):
    citation = cite(SourceFactory(), case=detention.case)
    settle(detention.case)
    response = client_for(monitor).patch(
        f"/api/v1/citations/{citation.pk}/", payload, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert Citation.history.filter(id=citation.pk).count() == 1
    assert Case.objects.get(pk=detention.case_id).state == CaseState.VERIFIED


def test_two_targets_in_one_citation_write_are_refused(client_for, monitor, detention):
    citation = cite(SourceFactory(), case=detention.case)
    response = client_for(monitor).patch(
        f"/api/v1/citations/{citation.pk}/",
        {"case": detention.case.reference, "detention": str(detention.public_id)},
        format="json",
    )
    assert response.status_code == 400
    assert Citation.objects.get(pk=citation.pk).detention_id is None


@pytest.mark.parametrize("user", ["advocate", "outsider"])
def test_advocates_and_outsiders_may_not_change_citations(request, client_for, user, detention):
    citation = cite(SourceFactory(), case=detention.case)
    client = client_for(request.getfixturevalue(user))
    url = f"/api/v1/citations/{citation.pk}/"
    assert client.patch(url, {"claim": "x"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    assert Citation.objects.get(pk=citation.pk).claim == ""


def test_citation_of_a_restricted_case_answers_404(client_for, monitor, restricted_case):
    citation = Citation.objects.get(case=restricted_case)
    client = client_for(monitor)
    url = f"/api/v1/citations/{citation.pk}/"
    assert client.patch(url, {"claim": "x"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert Citation.objects.get(pk=citation.pk).claim == "MARKER-RESTRICTED-CLAIM"


# --- Interventions ---------------------------------------------------------------------------


def appeal(case, **fields):
    return intervention_create(
        acting_user=system_user(),
        case=case,
        kind=term(VocabularyKey.INTERVENTION_KIND, "un-urgent-appeal"),
        **fields,
    )


def test_monitor_records_an_urgent_appeal_then_marks_it_sent(client_for, monitor, detention):
    client = client_for(monitor)
    created = client.post(
        "/api/v1/interventions/",
        {
            "case": detention.case.reference,
            "kind": "un-urgent-appeal",
            "addressed_to": "UN Special Rapporteur on human rights defenders",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert (created.json()["status"], created.json()["reply_due"]) == ("planned", None)

    sent = client.patch(
        f"/api/v1/interventions/{created.json()['id']}/",
        {"status": "sent", "sent_on": "2024-03-01"},
        format="json",
    )
    assert sent.status_code == 200, sent.content
    assert (sent.json()["reply_due"], sent.json()["reply_due_set_by_hand"]) == ("2024-04-30", False)

    pinned = client.put(
        f"/api/v1/interventions/{created.json()['id']}/",
        {"kind": "un-urgent-appeal", "sent_on": "2024-03-01", "reply_due": "2024-06-01"},
        format="json",
    )
    assert pinned.status_code == 200, pinned.content
    assert (pinned.json()["reply_due"], pinned.json()["reply_due_set_by_hand"]) == (
        "2024-06-01",
        True,
    )
    versions = Intervention.history.filter(id=created.json()["id"])
    assert versions.count() == 3
    assert {v.history_user for v in versions} == {monitor}
    # Advocacy is not a fact of the case: a verified case stays verified.
    assert Case.objects.get(pk=detention.case_id).state == CaseState.VERIFIED


def test_advocate_records_an_intervention_on_a_case_they_may_see(client_for, advocate, detention):
    client = client_for(advocate)
    editor_before = Case.objects.get(pk=detention.case_id).facts_changed_by
    created = client.post(
        "/api/v1/interventions/",
        {"case": detention.case.reference, "kind": "wgad-communication", "sent_on": "2024-03-01"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["reply_due"] == "2024-04-30"
    changed = client.patch(
        f"/api/v1/interventions/{created.json()['id']}/",
        {"status": "replied", "response": "The government denies the detention."},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    case = Case.objects.get(pk=detention.case_id)
    assert case.state == CaseState.VERIFIED
    assert case.facts_changed_by == editor_before != advocate


def test_advocate_may_not_write_on_an_unverified_or_restricted_case(
    client_for, advocate, restricted_case
):
    draft = make_case(title="Draft", state=CaseState.DRAFT)
    client = client_for(advocate)
    for case in (draft, restricted_case):
        response = client.post(
            "/api/v1/interventions/",
            {"case": case.reference, "kind": "letter"},
            format="json",
        )
        assert response.status_code == 400
        assert "case" in response.json()
    hidden = appeal(restricted_case)
    assert (
        client.patch(f"/api/v1/interventions/{hidden.pk}/", {"notes": "x"}, format="json")
    ).status_code == 404
    assert not Intervention.objects.exclude(pk=hidden.pk).exists()


def test_outsider_may_not_record_interventions(client_for, outsider, detention):
    existing = appeal(detention.case)
    client = client_for(outsider)
    response = client.post(
        "/api/v1/interventions/",
        {"case": detention.case.reference, "kind": "letter"},
        format="json",
    )
    assert response.status_code == 403
    patched = client.patch(f"/api/v1/interventions/{existing.pk}/", {"notes": "x"}, format="json")
    assert patched.status_code == 403
    assert Intervention.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "no-such-kind"}, "kind"),
        ({"kind": "letter", "status": "lost"}, "status"),
        ({"kind": "letter", "sent_on": "2024-03-01", "reply_due": "2024-01-01"}, None),
    ],
)
def test_bad_intervention_input_answers_400_and_writes_nothing(
    client_for, monitor, detention, payload, field
):
    response = client_for(monitor).post(
        "/api/v1/interventions/", {"case": detention.case.reference, **payload}, format="json"
    )
    assert response.status_code == 400
    if field:
        assert field in response.json()
    assert not Intervention.objects.exists()


def test_overdue_replies_are_findable(client_for, monitor, detention, monkeypatch):
    case = detention.case
    overdue = appeal(case, sent_on=D(2024, 3, 1), status="sent")
    appeal(case, sent_on=D(2024, 3, 1), status="replied", response="Denied.")
    appeal(case, sent_on=D(2024, 3, 1), status="acknowledged", response="They wrote back.")
    appeal(case, sent_on=D(2024, 4, 15), status="sent")  # due 14 June
    appeal(case)  # planned, no deadline
    monkeypatch.setattr("cases.filters.timezone.localdate", lambda: D(2024, 5, 15))
    client = client_for(monitor)
    body = client.get("/api/v1/interventions/?reply_overdue=true").json()
    assert [row["id"] for row in body["results"]] == [overdue.pk]
    others = client.get("/api/v1/interventions/?reply_overdue=false").json()["results"]
    assert overdue.pk not in {row["id"] for row in others} and len(others) == 4
    assert client.get("/api/v1/interventions/?reply_overdue=maybe").status_code == 400


def test_overdue_filter_keeps_restricted_cases_out(
    client_for, monitor, restricted_case, monkeypatch
):
    appeal(restricted_case, sent_on=D(2024, 3, 1), status="sent")
    monkeypatch.setattr("cases.filters.timezone.localdate", lambda: D(2024, 5, 15))
    body = client_for(monitor).get("/api/v1/interventions/?reply_overdue=true").json()
    assert body["results"] == []


def test_events_are_listed_by_detention_and_type(client_for, monitor, detention):
    other = DetentionFactory(case=detention.case)
    trial = add_event(detention, "trial", "2014-08-01")
    add_event(detention, "sentencing", "2014-09-02")
    add_event(other, "trial", "2014-08-01")
    client = client_for(monitor)
    mine = client.get(f"/api/v1/events/?detention={detention.public_id}").json()["results"]
    assert len(mine) == 2
    trials = client.get(f"/api/v1/events/?detention={detention.public_id}&event_type=trial").json()[
        "results"
    ]
    assert [row["id"] for row in trials] == [trial.pk]
    assert client.get("/api/v1/events/?detention=not-a-uuid").status_code == 400
