"""Relations between cases: written through the services, shown on the case page, in the
dossier and in the case export, and never where the other case may not be seen."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import CaseRelation, CaseRelationKind, CaseState, Confidentiality
from cases.relations import relations_of
from cases.services.relations import (
    case_relation_create,
    case_relation_delete,
    case_relation_update,
)

from ..factories import CaseFactory

pytestmark = pytest.mark.django_db

HIDDEN_TITLE = "MARKER-HIDDEN-RELATED Arrests at the closed monastery"


def verified_public(title: str):
    return CaseFactory(
        title=title, state=CaseState.VERIFIED, confidentiality=Confidentiality.PUBLIC
    )


@pytest.fixture
def pair():
    return CaseFactory(title="Arrest in Sog"), CaseFactory(title="Arrest in Sog, second report")


@pytest.fixture
def hidden_link(administrator):
    """A verified public case related both ways to a restricted case nobody was granted, and
    to one open case."""
    shown = verified_public("Detention of Sonam at the county fair")
    hidden = CaseFactory(
        title=HIDDEN_TITLE, state=CaseState.VERIFIED, confidentiality=Confidentiality.RESTRICTED
    )
    other = verified_public("Detention of Dolma after the fair")
    case_relation_create(
        acting_user=administrator, case=shown, related=hidden, kind=CaseRelationKind.DUPLICATE_OF
    )
    case_relation_create(
        acting_user=administrator, case=hidden, related=shown, kind=CaseRelationKind.PART_OF
    )
    case_relation_create(
        acting_user=administrator, case=shown, related=other, kind=CaseRelationKind.RELATED_TO
    )
    for case in (shown, hidden, other):
        type(case).objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)
        case.refresh_from_db()
    return shown, hidden, other


# --- Services --------------------------------------------------------------------------------


def test_monitor_relates_two_cases_and_both_record_a_change_of_facts(monitor, pair):
    case, related = pair
    relation = case_relation_create(
        acting_user=monitor,
        case=case,
        related=related,
        kind=CaseRelationKind.DUPLICATE_OF,
        note=" same arrest ",
    )
    assert relation.note == "same arrest"
    version = relation.history.get()
    assert (version.history_type, version.history_user) == ("+", monitor)
    for end in pair:
        end.refresh_from_db()
        assert end.facts_changed_by == monitor


def test_relating_a_verified_case_sends_it_back_to_review(monitor, reviewer):
    case = CaseFactory(state=CaseState.VERIFIED)
    related = CaseFactory(state=CaseState.VERIFIED)
    case_relation_create(
        acting_user=monitor, case=case, related=related, kind=CaseRelationKind.PART_OF
    )
    case.refresh_from_db()
    related.refresh_from_db()
    assert (case.state, related.state) == (CaseState.SUBMITTED, CaseState.SUBMITTED)
    assert case.transitions.get().action == "edited"


def test_relation_update_and_delete_are_versioned(monitor, monitor2, pair):
    case, related = pair
    relation = case_relation_create(
        acting_user=monitor, case=case, related=related, kind=CaseRelationKind.RELATED_TO
    )
    case_relation_update(
        acting_user=monitor2,
        relation=relation,
        changes={"kind": CaseRelationKind.DUPLICATE_OF, "note": "same people"},
    )
    relation.refresh_from_db()
    assert (relation.kind, relation.note) == ("duplicate-of", "same people")
    pk = relation.pk
    case_relation_delete(acting_user=monitor, relation=relation)
    assert not CaseRelation.objects.filter(pk=pk).exists()
    versions = CaseRelation.history.filter(id=pk).order_by("history_date", "history_id")
    assert [(v.history_type, v.history_user, v.kind) for v in versions] == [
        ("+", monitor, "related-to"),
        ("~", monitor2, "duplicate-of"),
        ("-", monitor, "duplicate-of"),
    ]


def test_a_case_cannot_be_related_to_itself(monitor, pair):
    with pytest.raises(ValidationError) as refused:
        case_relation_create(
            acting_user=monitor, case=pair[0], related=pair[0], kind=CaseRelationKind.RELATED_TO
        )
    assert "related" in refused.value.message_dict
    assert not CaseRelation.objects.exists()


def test_the_same_relation_cannot_be_recorded_twice(monitor, pair):
    case_relation_create(
        acting_user=monitor, case=pair[0], related=pair[1], kind=CaseRelationKind.RELATED_TO
    )
    with pytest.raises(ValidationError) as refused:
        case_relation_create(
            acting_user=monitor, case=pair[0], related=pair[1], kind=CaseRelationKind.RELATED_TO
        )
    assert "related" in refused.value.message_dict
    assert CaseRelation.objects.count() == 1


def test_a_rejected_case_takes_no_new_relation(monitor, pair):
    rejected = CaseFactory(title="Rejected report", state=CaseState.REJECTED)
    with pytest.raises(ValidationError) as refused:
        case_relation_create(
            acting_user=monitor, case=pair[0], related=rejected, kind=CaseRelationKind.DUPLICATE_OF
        )
    assert "related" in refused.value.message_dict
    assert not CaseRelation.objects.exists()


def test_a_case_the_monitor_may_not_see_reads_as_missing(monitor, pair):
    hidden = CaseFactory(title=HIDDEN_TITLE, confidentiality=Confidentiality.RESTRICTED)
    with pytest.raises(ValidationError) as refused:
        case_relation_create(
            acting_user=monitor, case=pair[0], related=hidden, kind=CaseRelationKind.DUPLICATE_OF
        )
    assert refused.value.message_dict == {"related": ["No such case."]}
    assert not CaseRelation.objects.exists()


def test_an_unknown_kind_is_refused(monitor, pair):
    with pytest.raises(ValidationError) as refused:
        case_relation_create(acting_user=monitor, case=pair[0], related=pair[1], kind="same-event")
    assert "kind" in refused.value.message_dict


# --- Where relations show, and where they must not -------------------------------------------


def test_relations_are_seen_from_both_sides(hidden_link, administrator):
    shown, hidden, other = hidden_link
    seen = {(r.kind, r.reference) for r in relations_of(administrator, shown)}
    assert seen == {
        ("duplicate-of", hidden.reference),
        ("includes", hidden.reference),
        ("related-to", other.reference),
    }
    assert {(r.kind, r.reference) for r in relations_of(administrator, other)} == {
        ("related-to", shown.reference)
    }


@pytest.mark.parametrize("who", ["monitor", "reviewer", "advocate"])
def test_case_page_shows_only_relations_to_cases_the_reader_may_see(
    client, hidden_link, who, request
):
    shown, hidden, other = hidden_link
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse("cases:case-detail", args=[shown.reference])).content.decode()
    assert other.reference in page
    assert "Related to" in page
    assert hidden.reference not in page
    assert HIDDEN_TITLE not in page
    assert "Duplicate of" not in page and "Includes" not in page


def test_administrator_sees_every_relation_on_the_page(client, hidden_link, administrator):
    shown, hidden, _other = hidden_link
    client.force_login(administrator)
    page = client.get(reverse("cases:case-detail", args=[shown.reference])).content.decode()
    assert hidden.reference in page
    assert "Duplicate of" in page and "Includes" in page


def test_advocate_does_not_see_a_relation_to_an_unverified_case(client, advocate, monitor):
    shown = verified_public("Verified detention")
    draft = CaseFactory(title="MARKER-DRAFT-RELATED report", confidentiality=Confidentiality.PUBLIC)
    case_relation_create(
        acting_user=monitor, case=shown, related=draft, kind=CaseRelationKind.DUPLICATE_OF
    )
    type(shown).objects.filter(pk=shown.pk).update(state=CaseState.VERIFIED)
    client.force_login(advocate)
    page = client.get(reverse("cases:case-detail", args=[shown.reference])).content.decode()
    assert draft.reference not in page
    assert 'id="relations"' not in page


def test_case_page_costs_the_same_with_one_relation_and_five(client, monitor):
    case = CaseFactory(title="Many related reports")

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("cases:case-detail", args=[case.reference]))
        assert response.status_code == 200
        return len(queries)

    client.force_login(monitor)
    first = CaseFactory(title="Related 0")
    case_relation_create(
        acting_user=monitor, case=case, related=first, kind=CaseRelationKind.RELATED_TO
    )
    one = page_queries()
    for number in range(1, 5):
        case_relation_create(
            acting_user=monitor,
            case=CaseFactory(title=f"Related {number}"),
            related=case,
            kind=CaseRelationKind.PART_OF,
        )
    assert page_queries() == one


def test_case_export_lists_only_related_cases_the_reader_may_see(client, hidden_link, monitor):
    shown, hidden, other = hidden_link
    client.force_login(monitor)
    response = client.get("/api/v1/cases/?format=csv&profile=internal")
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert "Related cases" in body.splitlines()[0]
    assert f"related-to:{other.reference}" in body
    assert f"related-to:{shown.reference}" in body
    assert hidden.reference not in body
    assert HIDDEN_TITLE not in body


def test_administrator_export_names_both_sides_of_a_relation(client, hidden_link, administrator):
    shown, hidden, _other = hidden_link
    client.force_login(administrator)
    response = client.get("/api/v1/cases/?format=csv&profile=internal")
    body = b"".join(response.streaming_content).decode()
    assert f"duplicate-of:{hidden.reference}; related-to:" in body
    assert f"; includes:{hidden.reference}" in body
    assert f"duplicated-by:{shown.reference}" in body


def test_public_export_names_no_related_case_outside_the_public_set(client, administrator):
    shown = verified_public("Public verified case")
    internal = CaseFactory(title="Internal verified case", state=CaseState.VERIFIED)
    case_relation_create(
        acting_user=administrator, case=shown, related=internal, kind=CaseRelationKind.PART_OF
    )
    type(shown).objects.filter(pk__in=[shown.pk, internal.pk]).update(state=CaseState.VERIFIED)
    client.force_login(administrator)
    response = client.get("/api/v1/cases/?format=csv&profile=public")
    body = b"".join(response.streaming_content).decode()
    assert shown.reference in body
    assert internal.reference not in body


def test_dossier_lists_only_related_cases_the_reader_may_see(client, hidden_link, monitor):
    shown, hidden, other = hidden_link
    client.force_login(monitor)
    html = client.get(
        reverse("cases:case-dossier", args=[shown.reference]), {"format": "html"}
    ).content.decode()
    assert "Related cases" in html
    assert other.reference in html
    assert hidden.reference not in html
    assert HIDDEN_TITLE not in html


def test_dossier_for_administrator_names_the_duplicate(client, hidden_link, administrator):
    shown, hidden, _other = hidden_link
    client.force_login(administrator)
    html = client.get(
        reverse("cases:case-dossier", args=[shown.reference]), {"format": "html"}
    ).content.decode()
    assert f"Duplicate of {hidden.reference}" in html
