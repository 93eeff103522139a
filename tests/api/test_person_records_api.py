"""A person's name variants, affiliations and consents through the API (/api/v1/person-names/,
/affiliations/, /consents/): who may write, what is versioned, what stays hidden or masked."""

from __future__ import annotations

import json

import pytest

from casebook.accounts.system import system_user
from cases.api.serializers import PersonSerializer
from cases.models import (
    Affiliation,
    CaseState,
    Consent,
    LanguageTag,
    Person,
    PersonName,
)
from cases.services.organizations import organization_create
from cases.services.people import consent_record, person_add_affiliation
from cases.services.workflow import access_grant

from ..factories import DetentionFactory, PersonFactory
from .conftest import make_case, settle
from .test_exports_api import content_of

pytestmark = pytest.mark.django_db

NAMES, AFFILIATIONS, CONSENTS = (
    "/api/v1/person-names/",
    "/api/v1/affiliations/",
    "/api/v1/consents/",
)


@pytest.fixture
def tashi(db):
    """A named person detained in a verified public case."""
    person = PersonFactory(name="Tashi", names=[("Tashi", LanguageTag.TIBETAN_LATIN)])
    settle(DetentionFactory(case=make_case(title="Arrest at Drilda"), person=person).case)
    return Person.objects.get(pk=person.pk)


@pytest.fixture
def drilda(db):
    return organization_create(acting_user=system_user(), name="Drilda monastery")


@pytest.fixture
def hidden_person(restricted_case):
    """Detained only in a restricted case nobody in the cast was granted."""
    person = restricted_case.detentions.get().person
    PersonName.objects.filter(person=person).delete()
    return person


def person_url(person: Person) -> str:
    return f"/api/v1/people/{person.public_id}/"


def case_of(person: Person):
    case = person.detentions.get().case
    case.refresh_from_db()
    return case


# --- Name variants -------------------------------------------------------------------------------


def test_monitor_adds_changes_and_removes_a_name_with_versions(client_for, monitor, tashi):
    client = client_for(monitor)
    added = client.post(
        NAMES,
        {"person": str(tashi.public_id), "name": "བཀྲ་ཤིས", "language": "bo"},
        format="json",
    )
    assert added.status_code == 201, added.json()
    body = added.json()
    assert (body["name"], body["language"], body["kind"], body["primary"]) == (
        "བཀྲ་ཤིས",
        "bo",
        "birth",
        False,
    )
    variant = PersonName.objects.get(pk=body["id"])
    assert variant.history.get().history_user == monitor
    assert case_of(tashi).state == CaseState.SUBMITTED, "a name is a fact of the case"

    changed = client.patch(f"{NAMES}{variant.pk}/", {"kind": "religious"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["kind"] == "religious"
    assert variant.history.latest().history_user == monitor

    assert client.delete(f"{NAMES}{variant.pk}/").status_code == 204
    deletion = PersonName.history.filter(id=body["id"]).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", monitor)
    names = client.get(person_url(tashi)).json()["names"]
    assert [(n["name"], n["primary"]) for n in names] == [("Tashi", True)]


def test_make_primary_changes_the_display_name_everywhere(client_for, monitor, tashi):
    client = client_for(monitor)
    pinyin = client.post(
        NAMES,
        {"person": str(tashi.public_id), "name": "Zhāxī", "language": "zh-Latn-pinyin"},
        format="json",
    ).json()
    answer = client.post(f"{NAMES}{pinyin['id']}/make-primary/")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["primary"] is True
    person = client.get(person_url(tashi)).json()
    assert person["name"] == "Zhāxī"
    assert person["version"] == 2
    assert {n["name"]: n["primary"] for n in person["names"]} == {"Tashi": False, "Zhāxī": True}
    detention = client.get("/api/v1/detentions/?q=zhaxi").json()["results"]
    assert [d["person_detail"]["name"] for d in detention] == ["Zhāxī"]
    tashi.refresh_from_db()
    assert tashi.history.latest().history_user == monitor


def test_a_newly_added_variant_finds_the_person(client_for, monitor, tashi):
    client = client_for(monitor)
    for url in ("/api/v1/people/?q=dondrub", "/api/v1/detentions/?q=dondrub"):
        assert client.get(url).json()["results"] == []
    client.post(
        NAMES,
        {"person": str(tashi.public_id), "name": "Tashi Döndrub", "language": "bo-Latn"},
        format="json",
    )
    people = client.get("/api/v1/people/?q=dondrub").json()["results"]
    assert [p["public_id"] for p in people] == [str(tashi.public_id)]
    detentions = client.get("/api/v1/detentions/?q=dondrub").json()["results"]
    assert [d["person"] for d in detentions] == [str(tashi.public_id)]


def test_names_are_read_only_when_updating_a_person(tashi):
    """The generic rule answers 400 for read-only input; `names` is read-only once the person
    exists (names are changed at /api/v1/person-names/)."""
    assert PersonSerializer(tashi).fields["names"].read_only
    assert not PersonSerializer().fields["names"].read_only


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"name": "Tashi", "language": "bo-Latn"}, "name"),  # the variant the person has
        ({"name": "", "language": "bo"}, "name"),
        ({"name": "Tashi", "language": "klingon"}, "language"),
        ({"name": "Tashi", "language": "bo", "kind": "nickname"}, "kind"),
        ({"name": "x" * 301, "language": "bo"}, "name"),
        (
            {"person": "00000000-0000-0000-0000-000000000000", "name": "T", "language": "bo"},
            "person",
        ),
    ],
)
def test_a_bad_name_is_400_naming_the_field_and_writes_nothing(
    client_for, monitor, tashi, given, field
):
    response = client_for(monitor).post(
        NAMES, {"person": str(tashi.public_id), **given}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert tashi.names.count() == 1
    assert case_of(tashi).state == CaseState.VERIFIED


def test_the_last_name_of_a_named_person_stays(client_for, monitor, tashi):
    response = client_for(monitor).delete(f"{NAMES}{tashi.names.get().pk}/")
    assert response.status_code == 400
    assert "name" in response.json()
    assert tashi.names.count() == 1


def test_a_variant_stays_with_its_person(client_for, monitor, tashi):
    """`person` is read-only once the variant exists: it cannot be moved."""
    other = PersonFactory(name="Dawa")
    variant = tashi.names.get()
    client_for(monitor).patch(f"{NAMES}{variant.pk}/", {"person": str(other.public_id)})
    assert PersonName.objects.get(pk=variant.pk).person == tashi


# --- Who may write -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["advocate", "outsider", "administrator"])
def test_only_monitors_and_reviewers_write_a_persons_records(
    client_for, request, tashi, drilda, who
):
    client = client_for(request.getfixturevalue(who))
    variant = tashi.names.get()
    attempts = [
        client.post(
            AFFILIATIONS, {"person": str(tashi.public_id), "organization": str(drilda.public_id)}
        ),
        client.post(NAMES, {"person": str(tashi.public_id), "name": "T", "language": "bo"}),
        client.patch(f"{NAMES}{variant.pk}/", {"name": "T"}),
        client.delete(f"{NAMES}{variant.pk}/"),
        client.post(f"{NAMES}{variant.pk}/make-primary/"),
        client.post(
            CONSENTS, {"person": str(tashi.public_id), "recipient": "un", "decision": "granted"}
        ),
    ]
    assert [response.status_code for response in attempts] == [403] * len(attempts)
    assert tashi.names.count() == 1
    assert not Consent.objects.exists()
    assert not Affiliation.objects.exists()


def test_a_bad_change_to_a_name_is_400_and_changes_nothing(client_for, monitor, tashi):
    variant = tashi.names.get()
    response = client_for(monitor).patch(
        f"{NAMES}{variant.pk}/", {"name": "Tashi Dorje", "language": "klingon"}, format="json"
    )
    assert response.status_code == 400
    assert "language" in response.json()
    tashi.refresh_from_db()
    assert (tashi.name, tashi.version) == ("Tashi", 1)
    assert variant.history.count() == 1


def test_reviewer_writes_and_a_read_only_token_does_not(client_for, token_client, reviewer, tashi):
    given = {"person": str(tashi.public_id), "name": "Zhaxi", "language": "zh-Latn-pinyin"}
    assert token_client(reviewer, read_only=True).post(NAMES, given).status_code == 403
    assert client_for(reviewer).post(NAMES, given).status_code == 201


def test_records_of_a_person_in_a_hidden_case_are_404(client_for, monitor, hidden_person, drilda):
    PersonName.objects.create(person=hidden_person, name="MARKER-HIDDEN-VARIANT", language="bo")
    variant = hidden_person.names.get()
    affiliation = person_add_affiliation(
        acting_user=system_user(), person=hidden_person, organization=drilda
    )
    consent = consent_record(
        acting_user=system_user(), person=hidden_person, recipient="un", decision="granted"
    )
    client = client_for(monitor)
    for url in (NAMES, AFFILIATIONS, CONSENTS):
        listed = client.get(url)
        assert listed.json()["results"] == [], url
        assert client.get(f"{url}?person={hidden_person.public_id}").json()["results"] == []
    for url in (
        f"{NAMES}{variant.pk}/",
        f"{AFFILIATIONS}{affiliation.pk}/",
        f"{CONSENTS}{consent.pk}/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.patch(url, {"note": "x"}).status_code == 404, url
        assert client.delete(url).status_code == 404, url
    assert client.post(f"{NAMES}{variant.pk}/make-primary/").status_code == 404
    created = client.post(
        NAMES, {"person": str(hidden_person.public_id), "name": "T", "language": "bo"}
    )
    assert created.status_code == 400
    assert "person" in created.json()
    assert b"MARKER" not in created.content
    assert hidden_person.names.count() == 1


def test_a_granted_monitor_writes_a_restricted_persons_names(
    client_for, monitor, administrator, hidden_person, restricted_case
):
    access_grant(acting_user=administrator, case=restricted_case, user=monitor)
    response = client_for(monitor).post(
        NAMES, {"person": str(hidden_person.public_id), "name": "ལྷ་མོ", "language": "bo"}
    )
    assert response.status_code == 201, response.json()


def test_a_person_also_in_a_hidden_case_keeps_their_names(
    client_for, monitor, tashi, restricted_case
):
    DetentionFactory(case=restricted_case, person=tashi)
    response = client_for(monitor).post(
        NAMES, {"person": str(tashi.public_id), "name": "Zhaxi", "language": "zh-Latn-pinyin"}
    )
    assert response.status_code == 403
    assert tashi.names.count() == 1


# --- Masking -------------------------------------------------------------------------------------


@pytest.fixture
def withheld(drilda):
    person = PersonFactory(
        name="MARKER-WITHHELD-NAME",
        identity_withheld=True,
        names=[("MARKER-WITHHELD-VARIANT", LanguageTag.TIBETAN_LATIN)],
    )
    person_add_affiliation(
        acting_user=system_user(), person=person, organization=drilda, note="MARKER-AFF"
    )
    consent_record(
        acting_user=system_user(),
        person=person,
        recipient="un",
        decision="granted",
        note="MARKER-NOTE",
    )
    settle(DetentionFactory(case=make_case(title="Arrest"), person=person).case)
    return person


def test_an_advocate_never_reaches_a_withheld_persons_names(
    client_for, advocate, monitor, withheld, tashi
):
    client = client_for(advocate)
    for url in (NAMES, AFFILIATIONS, CONSENTS):
        for query in ("", f"?person={withheld.public_id}"):
            response = client.get(f"{url}{query}")
            assert response.status_code == 200
            assert b"MARKER" not in response.content, url
            assert str(withheld.public_id) not in response.content.decode()
    ids = [
        f"{NAMES}{withheld.names.get().pk}/",
        f"{AFFILIATIONS}{withheld.affiliations.get().pk}/",
        f"{CONSENTS}{withheld.consents.get().pk}/",
    ]
    for url in ids:
        assert client.get(url).status_code == 404, url
    person = client.get(person_url(withheld)).json()
    assert (person["names"], person["affiliations"], person["consents"]) == ([], [], [])
    # Not withheld: the advocate reads the names of a verified case's person.
    assert [
        n["name"] for n in client.get(f"{NAMES}?person={tashi.public_id}").json()["results"]
    ] == ["Tashi"]
    # Monitors see everything.
    for url in ids:
        assert b"MARKER" in client_for(monitor).get(url).content, url


def test_an_advocate_cannot_search_by_a_withheld_variant(client_for, advocate, withheld):
    response = client_for(advocate).get("/api/v1/people/?q=MARKER-WITHHELD-VARIANT")
    assert response.json()["results"] == []


# --- Affiliations --------------------------------------------------------------------------------


def test_monitor_records_an_affiliation_with_dates(client_for, monitor, tashi, drilda):
    client = client_for(monitor)
    response = client.post(
        AFFILIATIONS,
        {
            "person": str(tashi.public_id),
            "organization": str(drilda.public_id),
            "role": "monk",
            "started_on": "2005",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["role"], body["organization_name"], body["started_on_earliest"]) == (
        "monk",
        "Drilda monastery",
        "2005-01-01",
    )
    assert body["ended_on_earliest"] is None
    affiliation = Affiliation.objects.get(pk=body["id"])
    assert affiliation.history.get().history_user == monitor
    shown = client.get(person_url(tashi)).json()["affiliations"]
    assert [(a["id"], a["started_on"]) for a in shown] == [(body["id"], "2005")]

    changed = client.patch(f"{AFFILIATIONS}{body['id']}/", {"ended_on": "2012~"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["ended_on"] == "2012~"
    assert affiliation.history.latest().history_type == "~"

    assert client.delete(f"{AFFILIATIONS}{body['id']}/").status_code == 204
    deletion = Affiliation.history.filter(id=body["id"]).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", monitor)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"started_on": "2012", "ended_on": "2005"}, "ended_on"),
        ({"started_on": "long ago"}, "started_on"),
        ({"role": "bishop"}, "role"),
        ({"organization": "00000000-0000-0000-0000-000000000000"}, "organization"),
    ],
)
def test_a_bad_affiliation_is_400_naming_the_field(
    client_for, monitor, tashi, drilda, given, field
):
    response = client_for(monitor).post(
        AFFILIATIONS,
        {"person": str(tashi.public_id), "organization": str(drilda.public_id), **given},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Affiliation.objects.exists()
    assert case_of(tashi).state == CaseState.VERIFIED


# --- Consents ------------------------------------------------------------------------------------


def export_names(client) -> set[str]:
    response = client.get("/api/v1/detentions/?format=jsonl&profile=partner&recipient=un")
    assert response.status_code == 200
    return {json.loads(line)["name"] for line in content_of(response).decode().splitlines()}


def test_recording_a_un_consent_shows_the_name_to_the_un(client_for, monitor, advocate, tashi):
    assert "Tashi" not in export_names(client_for(advocate)), "no consent, no name"
    client = client_for(monitor)
    given = {"person": str(tashi.public_id), "recipient": "un", "decision": "granted"}
    created = client.post(CONSENTS, {**given, "given_by": "the person"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["recorded_by"] == "monitor"
    assert "Tashi" in export_names(client_for(advocate))
    assert case_of(tashi).state == CaseState.VERIFIED, "a consent is no fact of the case"

    withdrawn = client.post(CONSENTS, {**given, "decision": "refused"}, format="json")
    assert withdrawn.status_code == 200, withdrawn.json()
    assert withdrawn.json()["id"] == created.json()["id"]
    assert "Tashi" not in export_names(client_for(advocate))
    consent = Consent.objects.get()
    assert [v.decision for v in consent.history.order_by("history_date")] == [
        "granted",
        "refused",
    ]
    assert client.get(person_url(tashi)).json()["consents"][0]["decision"] == "refused"


def test_a_consent_is_corrected_and_removed(client_for, monitor, reviewer, tashi):
    consent = consent_record(
        acting_user=monitor, person=tashi, recipient="media", decision="granted"
    )
    client = client_for(reviewer)
    changed = client.patch(
        f"{CONSENTS}{consent.pk}/", {"note": "Confirmed by phone"}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["recorded_by"] == "monitor"
    assert consent.history.latest().history_user == reviewer
    moved = client.patch(f"{CONSENTS}{consent.pk}/", {"recipient": "un"}, format="json")
    assert moved.status_code == 200
    assert moved.json()["recorded_by"] == "reviewer", "a new recipient is a new decision"
    consent_record(acting_user=monitor, person=tashi, recipient="media", decision="refused")
    clash = client.patch(f"{CONSENTS}{consent.pk}/", {"recipient": "media"}, format="json")
    assert clash.status_code == 400
    assert "recipient" in clash.json()
    assert client.delete(f"{CONSENTS}{consent.pk}/").status_code == 204
    deletion = Consent.history.filter(id=consent.pk).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", reviewer)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({"recipient": "friends"}, "recipient"),
        ({"recorded_on": "last spring"}, "recorded_on"),
    ],
)
def test_a_bad_consent_is_400_naming_the_field(client_for, monitor, tashi, given, field):
    response = client_for(monitor).post(
        CONSENTS,
        {"person": str(tashi.public_id), "recipient": "un", "decision": "granted", **given},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Consent.objects.exists()


def test_lists_are_filtered_by_person(client_for, monitor, tashi):
    other = PersonFactory(name="Dawa", names=[("Dawa", LanguageTag.TIBETAN_LATIN)])
    client = client_for(monitor)
    listed = client.get(f"{NAMES}?person={tashi.public_id}").json()["results"]
    assert [n["person"] for n in listed] == [str(tashi.public_id)]
    assert len(client.get(NAMES).json()["results"]) == 2
    assert other.names.exists()
    bad = client.get(f"{NAMES}?person=not-an-id")
    assert bad.status_code == 400
    assert "person" in bad.json()


def test_a_second_decision_for_a_recipient_replaces_the_first(client_for, monitor, tashi):
    """201 for the first decision for a recipient, 200 when it replaces one: one record, whose
    history keeps both decisions."""
    client = client_for(monitor)
    body = {"person": str(tashi.public_id), "recipient": "un", "decision": "granted"}
    first = client.post(CONSENTS, body, format="json")
    assert first.status_code == 201, first.json()
    withdrawn = client.post(CONSENTS, {**body, "decision": "refused"}, format="json")
    assert withdrawn.status_code == 200, withdrawn.json()
    assert withdrawn.json()["id"] == first.json()["id"]
    consent = Consent.objects.get(person=tashi, recipient="un")
    assert [v.decision for v in consent.history.order_by("history_id")] == ["granted", "refused"]
