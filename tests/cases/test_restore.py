"""Restoring a version: many-to-many sets a version did not record are kept, the preview lists
exactly what will change, nothing is written without the confirmation, no-op versions are not
listed, and people have a history page of their own."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from cases.models import Case, CaseState, Confidentiality, Detention, PersonName, VocabularyKey
from cases.services.cases import case_update
from cases.services.detentions import detention_update
from cases.services.history import record_restore, restore_plan
from cases.services.people import person_add_name, person_update
from cases.services.workflow import case_facts_changed, case_transition

from ..api.conftest import make_case, settle
from ..factories import CaseFactory, DetentionFactory, PersonFactory, SourceFactory, cite, term

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)


def violation(code):
    return term(VocabularyKey.VIOLATION_TYPE, code)


def from_before_tracking(version):
    """Make `version` look like one written before its many-to-many field was tracked: older
    than every snapshot, and holding none itself."""
    for accessor in ("violation_types", "charges", "treatment_concerns"):
        snapshots = getattr(version, accessor, None)
        if snapshots is not None:
            snapshots.all().delete()
    type(version).objects.filter(history_id=version.history_id).update(history_date=LONG_AGO)
    return type(version).objects.get(history_id=version.history_id)


def confirm_data(record, version):
    return {
        "history_id": version.history_id,
        "confirm": "restore",
        "version": getattr(record, "version", ""),
        "latest": record.history.order_by("-history_date", "-history_id").first().history_id,
    }


# --- Many-to-many sets a version did not record -----------------------------------------------


def test_restoring_a_version_without_a_snapshot_keeps_the_violation_types(monitor):
    case = CaseFactory(title="Old title", violation_types=[violation("torture")])
    old = from_before_tracking(case.history.filter(title="Old title").earliest())
    case_update(acting_user=monitor, case=case, changes={"title": "New title"})

    plan = restore_plan(case, old)
    assert plan.changes == {"title": "Old title"}
    assert plan.m2m == {}
    assert plan.m2m_unknown == ["violation_types"]

    record_restore(acting_user=monitor, instance=case, history_id=old.history_id)
    case = Case.objects.get(pk=case.pk)
    assert case.title == "Old title"
    assert set(case.violation_types.all()) == {violation("torture")}


def test_an_empty_set_recorded_after_the_first_one_is_restored_as_empty(monitor):
    case = CaseFactory(violation_types=[violation("torture")])
    case_update(acting_user=monitor, case=case, changes={}, violation_types=[])
    emptied = case.history.latest()
    case_update(acting_user=monitor, case=case, changes={}, violation_types=[violation("torture")])
    assert restore_plan(case, emptied).m2m == {"violation_types": set()}
    record_restore(acting_user=monitor, instance=case, history_id=emptied.history_id)
    assert not Case.objects.get(pk=case.pk).violation_types.exists()


def test_a_version_older_than_the_first_recorded_set_keeps_the_set(monitor):
    case = CaseFactory(title="Opened")  # the first version records no violation type
    first = case.history.earliest()
    case_update(
        acting_user=monitor,
        case=case,
        changes={"title": "Renamed"},
        violation_types=[violation("torture")],
    )
    plan = restore_plan(case, first)
    assert plan.m2m_unknown == ["violation_types"]
    record_restore(acting_user=monitor, instance=case, history_id=first.history_id)
    case = Case.objects.get(pk=case.pk)
    assert case.title == "Opened"
    assert set(case.violation_types.all()) == {violation("torture")}


def test_restoring_a_detention_without_snapshots_keeps_charges_and_concerns(monitor):
    charge = term(VocabularyKey.CHARGE, "picking-quarrels")
    detention = DetentionFactory(alleged_reason="A photo", charges=[charge])
    old = from_before_tracking(detention.history.earliest())
    detention_update(acting_user=monitor, detention=detention, changes={"alleged_reason": "A flag"})
    record_restore(acting_user=monitor, instance=detention, history_id=old.history_id)
    detention = Detention.objects.get(pk=detention.pk)
    assert detention.alleged_reason == "A photo"
    assert set(detention.charges.all()) == {charge}


def test_restoring_a_detention_brings_back_its_recorded_charges(monitor):
    picking, separatism = (
        term(VocabularyKey.CHARGE, "picking-quarrels"),
        term(VocabularyKey.CHARGE, "illegal-business"),
    )
    detention = DetentionFactory(charges=[picking])
    with_picking = detention.history.latest()
    detention_update(acting_user=monitor, detention=detention, changes={}, charges=[separatism])
    record_restore(acting_user=monitor, instance=detention, history_id=with_picking.history_id)
    assert set(Detention.objects.get(pk=detention.pk).charges.all()) == {picking}


def test_a_restore_never_changes_confidentiality(monitor, reviewer):
    from cases.services.confidentiality import case_set_confidentiality

    case = CaseFactory(title="Old", confidentiality=Confidentiality.RESTRICTED)
    first = case.history.earliest()
    case_set_confidentiality(acting_user=reviewer, case=case, level="internal", reason="Why")
    case_update(acting_user=monitor, case=case, changes={"title": "New"})
    plan = restore_plan(case, first)
    assert plan.not_restored == ["confidentiality"]
    record_restore(acting_user=monitor, instance=case, history_id=first.history_id)
    case.refresh_from_db()
    assert (case.title, case.confidentiality) == ("Old", "internal")


# --- The preview and the confirmation --------------------------------------------------------


@pytest.fixture
def edited_case(monitor):
    case = CaseFactory(
        title="Arrest of five", summary="Five monks.", violation_types=[violation("torture")]
    )
    original = case.history.latest()
    case_update(
        acting_user=monitor,
        case=case,
        changes={"title": "Arrest of six"},
        violation_types=[violation("arbitrary-detention")],
    )
    case.refresh_from_db()
    return case, original


def test_the_preview_lists_exactly_what_will_change(client, monitor, edited_case):
    case, original = edited_case
    client.force_login(monitor)
    page = client.get(
        reverse("cases:case-restore", args=[case.reference]), {"history_id": original.history_id}
    )
    assert page.status_code == 200
    html = page.content.decode()
    changes = html[html.index("What the restore will change") : html.index("</table>")]
    assert changes.count('<th scope="row">') == 2
    assert "<del>Arrest of six</del>" in changes and "<ins>Arrest of five</ins>" in changes
    assert str(violation("arbitrary-detention")) in changes
    assert str(violation("torture")) in changes
    assert "Five monks." not in changes  # unchanged: not listed
    assert 'name="confirm" value="restore"' in html
    # Looking writes nothing.
    assert Case.objects.get(pk=case.pk).title == "Arrest of six"


def test_a_post_without_the_confirmation_writes_nothing(client, monitor, edited_case):
    case, original = edited_case
    versions = case.history.count()
    client.force_login(monitor)
    data = confirm_data(case, original)
    del data["confirm"]
    answer = client.post(reverse("cases:case-restore", args=[case.reference]), data)
    assert answer.status_code == 302
    assert f"history_id={original.history_id}" in answer["Location"]
    assert case.history.count() == versions
    assert Case.objects.get(pk=case.pk).title == "Arrest of six"


def test_the_confirmed_restore_writes_the_previewed_changes(client, monitor, edited_case):
    case, original = edited_case
    client.force_login(monitor)
    answer = client.post(
        reverse("cases:case-restore", args=[case.reference]),
        confirm_data(case, original),
        follow=True,
    )
    assert b"Restored." in answer.content
    case = Case.objects.get(pk=case.pk)
    assert case.title == "Arrest of five"
    assert set(case.violation_types.all()) == {violation("torture")}
    assert case.history.latest().history_user == monitor


def test_a_record_changed_since_the_preview_is_not_restored(client, monitor, monitor2, edited_case):
    case, original = edited_case
    client.force_login(monitor)
    data = confirm_data(case, original)
    case_update(acting_user=monitor2, case=case, changes={"summary": "Six monks."})
    answer = client.post(reverse("cases:case-restore", args=[case.reference]), data, follow=True)
    assert b"changed after you looked" in answer.content
    case = Case.objects.get(pk=case.pk)
    assert (case.title, case.summary) == ("Arrest of six", "Six monks.")


def test_advocate_cannot_open_the_preview(client, advocate, monitor):
    case = make_case(title="Old")
    case_update(acting_user=monitor, case=case, changes={"title": "New"})
    settle(case)
    client.force_login(advocate)
    answer = client.get(
        reverse("cases:case-restore", args=[case.reference]),
        {"history_id": case.history.earliest().history_id},
    )
    assert answer.status_code == 403


# --- Versions that changed nothing -----------------------------------------------------------


def test_versions_that_changed_nothing_are_not_listed(client, monitor):
    case = CaseFactory(title="Arrest of five")
    case_update(acting_user=monitor, case=case, changes={"title": "Arrest of six"})
    for _ in range(3):  # bookkeeping saves: who last changed the facts, updated_at
        case_facts_changed(acting_user=monitor, case=Case.objects.get(pk=case.pk))
    assert case.history.count() >= 5
    client.force_login(monitor)
    html = client.get(reverse("cases:case-history", args=[case.reference])).content.decode()
    listed = html[html.index('id="case-versions"') : html.index('id="detention-versions"')]
    assert listed.count('<article class="version') == 2
    assert listed.count("current version") == 1
    assert "No change to these fields" not in html


# --- A person's history ----------------------------------------------------------------------


@pytest.fixture
def withheld_person(monitor):
    case = make_case(title="Arrest in Sog", state=CaseState.VERIFIED)
    person = PersonFactory(
        name="Tenzin Wangmo", identity_withheld=True, contact_details="Phone +86 139"
    )
    DetentionFactory(case=case, person=person)
    settle(case)
    person_add_name(acting_user=monitor, person=person, name="བསྟན་འཛིན", language="bo")
    person.refresh_from_db()
    person_update(
        acting_user=monitor,
        person=person,
        changes={"description": "nun of Drilda", "contact_details": "Phone +86 150"},
    )
    settle(case)
    return person


def person_url(person, name="cases:person-history"):
    return reverse(name, args=[person.public_id])


def test_monitor_reads_every_version_of_a_person_and_their_names(client, monitor, withheld_person):
    client.force_login(monitor)
    page = client.get(person_url(withheld_person))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tenzin Wangmo" in html
    assert "བསྟན་འཛིན" in html
    assert "<ins>nun of Drilda</ins>" in html
    assert "Phone" not in html  # a sensitive field shows only that it changed
    assert "sensitive: not shown" in html


def test_advocate_sees_a_withheld_person_under_the_placeholder(client, advocate, withheld_person):
    client.force_login(advocate)
    page = client.get(person_url(withheld_person))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tenzin Wangmo" not in html
    assert "བསྟན་འཛིན" not in html
    assert "[identity withheld]" in html
    assert "Restore this version" not in html


def test_outsider_and_ungranted_readers_get_404_on_a_person_history(
    client, outsider, monitor, withheld_person
):
    client.force_login(outsider)
    assert client.get(person_url(withheld_person)).status_code == 404
    hidden = make_case(title="Hidden", level=Confidentiality.RESTRICTED)
    secret = PersonFactory(name="Secret Person")
    DetentionFactory(case=hidden, person=secret)
    client.force_login(monitor)
    answer = client.get(person_url(secret))
    assert answer.status_code == 404
    assert b"Secret Person" not in answer.content


def test_a_person_and_a_name_variant_are_restored_after_a_preview(client, monitor, withheld_person):
    person = withheld_person
    variant = person.names.get()
    first_variant = variant.history.latest()
    from cases.services.common import save_validated

    variant.name = "Tenzin"
    save_validated(variant, acting_user=monitor)
    client.force_login(monitor)
    html = client.get(person_url(person)).content.decode()
    assert "record=name" in html

    url = person_url(person, "cases:person-restore")
    preview = client.get(url, {"history_id": first_variant.history_id, "record": "name"})
    assert "<ins>བསྟན་འཛིན</ins>" in preview.content.decode()
    data = confirm_data(variant, first_variant) | {"record": "name"}
    client.post(url, data)
    assert PersonName.objects.get(pk=variant.pk).name == "བསྟན་འཛིན"

    person.refresh_from_db()
    first = person.history.earliest()
    client.post(url, confirm_data(person, first))
    person.refresh_from_db()
    assert person.description == ""
    assert person.history.latest().history_user == monitor


def test_advocate_cannot_restore_a_person(client, advocate, withheld_person):
    client.force_login(advocate)
    first = withheld_person.history.earliest()
    answer = client.post(
        person_url(withheld_person, "cases:person-restore"),
        confirm_data(withheld_person, first),
    )
    assert answer.status_code == 403
    withheld_person.refresh_from_db()
    assert withheld_person.description == "nun of Drilda"


def test_case_history_links_each_person_and_masks_withheld_ones_for_advocates(
    client, advocate, monitor, reviewer, withheld_person
):
    case = withheld_person.detentions.get().case
    # Advocates read the versions a reviewer verified: verify it through the workflow.
    cite(SourceFactory(outlet="Radio Free Asia"), case=case)
    cite(SourceFactory(outlet="Tibet Watch"), case=case)
    settle(case, CaseState.SUBMITTED)
    case_transition(acting_user=reviewer, case=case, action="verify", version=case.version)
    client.force_login(monitor)
    html = client.get(reverse("cases:case-history", args=[case.reference])).content.decode()
    assert person_url(withheld_person) in html
    assert "Tenzin Wangmo" in html
    client.force_login(advocate)
    html = client.get(reverse("cases:case-history", args=[case.reference])).content.decode()
    assert "Tenzin Wangmo" not in html
    assert "[identity withheld]" in html


def test_a_detention_is_restored_from_the_case_history_after_a_preview(client, monitor):
    charge = term(VocabularyKey.CHARGE, "picking-quarrels")
    detention = DetentionFactory(alleged_reason="A photo", charges=[charge])
    case = detention.case
    first = detention.history.latest()
    detention_update(
        acting_user=monitor, detention=detention, changes={"alleged_reason": "A flag"}, charges=[]
    )
    client.force_login(monitor)
    html = client.get(reverse("cases:case-history", args=[case.reference])).content.decode()
    assert f"record=detention&amp;history_id={first.history_id}" in html

    url = reverse("cases:case-restore", args=[case.reference])
    preview = client.get(url, {"record": "detention", "history_id": first.history_id})
    text = preview.content.decode()
    assert "<ins>A photo</ins>" in text and str(charge) in text
    assert 'name="record" value="detention"' in text
    detention.refresh_from_db()
    unconfirmed = confirm_data(detention, first) | {"record": "detention"}
    del unconfirmed["confirm"]
    assert "record=detention" in client.post(url, unconfirmed)["Location"]
    assert Detention.objects.get(pk=detention.pk).alleged_reason == "A flag"

    client.post(url, confirm_data(detention, first) | {"record": "detention"})
    detention = Detention.objects.get(pk=detention.pk)
    assert detention.alleged_reason == "A photo"
    assert set(detention.charges.all()) == {charge}


def test_a_detention_version_from_another_case_is_not_restored_here(client, monitor):
    detention = DetentionFactory(alleged_reason="A photo")
    other = CaseFactory(title="Other")
    client.force_login(monitor)
    answer = client.get(
        reverse("cases:case-restore", args=[other.reference]),
        {"record": "detention", "history_id": detention.history.earliest().history_id},
        follow=True,
    )
    assert b"That version does not belong to this record." in answer.content
