"""A person's name variants, affiliations and consents, written through the services: each
write versioned with its author, the display name following "make primary", and the person's
cases counting a name or affiliation change as a change of their facts."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casebook.accounts.system import system_user
from cases.filters import people_named
from cases.models import (
    Affiliation,
    CaseState,
    Confidentiality,
    Consent,
    ConsentDecision,
    LanguageTag,
    NameKind,
    Person,
    PersonName,
    Recipient,
    VocabularyKey,
)
from cases.services.organizations import organization_create
from cases.services.people import (
    affiliation_delete,
    affiliation_update,
    consent_delete,
    consent_record,
    consent_update,
    person_add_affiliation,
    person_add_name,
    person_name_delete,
    person_name_make_primary,
    person_name_update,
)

from ..api.conftest import make_case, settle
from ..factories import DetentionFactory, PersonFactory, term

pytestmark = pytest.mark.django_db


def found(text: str, person: Person) -> bool:
    return Person.objects.filter(pk__in=people_named(text), pk=person.pk).exists()


@pytest.fixture
def tashi(db):
    """A named person detained in two verified cases, with the display name as a variant."""
    person = PersonFactory(name="Tashi", names=[("Tashi", LanguageTag.TIBETAN_LATIN)])
    for title in ("First arrest", "Second arrest"):
        settle(DetentionFactory(case=make_case(title=title), person=person).case)
    return Person.objects.get(pk=person.pk)


@pytest.fixture
def drilda(db):
    return organization_create(acting_user=system_user(), name="Drilda monastery")


def cases_of(person: Person) -> list:
    return [detention.case for detention in person.detentions.select_related("case")]


def assert_facts_changed_by(person: Person, user) -> None:
    for case in cases_of(person):
        case.refresh_from_db()
        assert case.facts_changed_by == user, case.reference
        assert case.state == CaseState.SUBMITTED, "a verified case goes back to review"


# --- Name variants -------------------------------------------------------------------------------


def test_adding_a_name_is_versioned_and_changes_the_facts_of_every_case(tashi, monitor):
    variant = person_add_name(
        acting_user=monitor, person=tashi, name=" བཀྲ་ཤིས ", language=LanguageTag.TIBETAN
    )
    assert variant.name == "བཀྲ་ཤིས"
    version = variant.history.get()
    assert (version.history_type, version.history_user) == ("+", monitor)
    assert_facts_changed_by(tashi, monitor)
    assert found("བཀྲ་ཤིས", tashi)


def test_renaming_the_primary_variant_renames_the_person(tashi, monitor):
    variant = tashi.names.get()
    person_name_update(acting_user=monitor, name=variant, changes={"name": "Tashi Dorje"})
    tashi.refresh_from_db()
    assert tashi.name == "Tashi Dorje"
    assert tashi.version == 2
    assert tashi.history.latest().history_user == monitor
    latest = variant.history.latest()
    assert (latest.history_type, latest.name, latest.history_user) == ("~", "Tashi Dorje", monitor)
    assert_facts_changed_by(tashi, monitor)


def test_renaming_another_variant_leaves_the_display_name(tashi, monitor):
    pinyin = person_add_name(
        acting_user=system_user(), person=tashi, name="Zhaxi", language=LanguageTag.PINYIN
    )
    person_name_update(acting_user=monitor, name=pinyin, changes={"name": "Zhāxī"})
    tashi.refresh_from_db()
    assert (tashi.name, tashi.version) == ("Tashi", 1)
    assert found("zhaxi", tashi)
    assert_facts_changed_by(tashi, monitor)


def test_changing_a_variant_to_nothing_new_writes_no_version(tashi, monitor):
    variant = tashi.names.get()
    person_name_update(acting_user=monitor, name=variant, changes={"name": "Tashi"})
    assert variant.history.count() == 1


def test_make_primary_makes_the_spelling_the_display_name(monitor):
    person = PersonFactory(name="Tashi")  # the display name was typed, never recorded as a variant
    settle(DetentionFactory(case=make_case(title="Arrest"), person=person).case)
    pinyin = person_add_name(
        acting_user=monitor, person=person, name="Zhāxī Dūnzhū", language=LanguageTag.PINYIN
    )
    person_name_make_primary(acting_user=monitor, name=pinyin)
    person.refresh_from_db()
    assert person.name == "Zhāxī Dūnzhū"
    assert str(person) == "Zhāxī Dūnzhū"
    assert person.history.latest().history_user == monitor
    assert found("Zhāxī Dūnzhū", person)
    assert not found("Tashi", person), "the old display name was no variant: search forgets it"
    assert Person.objects.filter(name__startswith="Zh").get() == person
    assert_facts_changed_by(person, monitor)


def test_make_primary_of_the_primary_name_writes_nothing(tashi, monitor):
    person_name_make_primary(acting_user=monitor, name=tashi.names.get())
    tashi.refresh_from_db()
    assert tashi.version == 1
    assert all(case.state == CaseState.VERIFIED for case in cases_of(tashi))


def test_removing_a_name_leaves_a_deletion_version(tashi, monitor):
    pinyin = person_add_name(
        acting_user=system_user(), person=tashi, name="Zhaxi", language=LanguageTag.PINYIN
    )
    pk = pinyin.pk
    person_name_delete(acting_user=monitor, name=pinyin)
    assert not tashi.names.filter(name="Zhaxi").exists()
    deletion = PersonName.history.filter(id=pk).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", monitor)
    assert not found("zhaxi", tashi)
    assert_facts_changed_by(tashi, monitor)


def test_the_last_name_of_a_named_person_cannot_be_removed(monitor):
    person = PersonFactory(name="Tashi", names=[("བཀྲ་ཤིས", LanguageTag.TIBETAN)])
    with pytest.raises(ValidationError) as refused:
        person_name_delete(acting_user=monitor, name=person.names.get())
    assert "name" in refused.value.message_dict
    assert person.names.count() == 1


def test_the_display_name_goes_only_once_another_name_is_primary(tashi, monitor):
    person_add_name(
        acting_user=system_user(), person=tashi, name="Zhaxi", language=LanguageTag.PINYIN
    )
    primary = tashi.names.get(name="Tashi")
    with pytest.raises(ValidationError) as refused:
        person_name_delete(acting_user=monitor, name=primary)
    assert "primary" in refused.value.message_dict["name"][0]
    person_name_make_primary(acting_user=monitor, name=tashi.names.get(name="Zhaxi"))
    person_name_delete(acting_user=monitor, name=primary)
    tashi.refresh_from_db()
    assert tashi.name == "Zhaxi"
    assert list(tashi.names.values_list("name", flat=True)) == ["Zhaxi"]


def test_an_unnamed_person_may_lose_every_variant(monitor):
    person = PersonFactory(
        name="", description="monk of Drilda", names=[("Lobsang", LanguageTag.TIBETAN_LATIN)]
    )
    person_name_delete(acting_user=monitor, name=person.names.get())
    assert not person.names.exists()


@pytest.mark.parametrize(
    ("name", "language", "kind", "field"),
    [
        ("Tashi", LanguageTag.TIBETAN_LATIN, NameKind.BIRTH, "name"),  # the same variant again
        ("   ", LanguageTag.TIBETAN, NameKind.BIRTH, "name"),
        ("Tashi", "xx-nowhere", NameKind.BIRTH, "language"),
        ("Tashi", LanguageTag.TIBETAN_LATIN, "nickname", "kind"),
    ],
)
def test_a_bad_name_is_refused_naming_the_field_and_writes_nothing(
    tashi, monitor, name, language, kind, field
):
    with pytest.raises(ValidationError) as refused:
        person_add_name(acting_user=monitor, person=tashi, name=name, language=language, kind=kind)
    assert field in refused.value.message_dict
    assert tashi.names.count() == 1
    assert all(case.state == CaseState.VERIFIED for case in cases_of(tashi))


def test_changing_a_variant_into_a_duplicate_is_refused(tashi, monitor):
    other = person_add_name(
        acting_user=system_user(), person=tashi, name="Tashi", language=LanguageTag.ENGLISH
    )
    with pytest.raises(ValidationError) as refused:
        person_name_update(
            acting_user=monitor, name=other, changes={"language": LanguageTag.TIBETAN_LATIN}
        )
    assert "name" in refused.value.message_dict
    assert PersonName.objects.get(pk=other.pk).language == LanguageTag.ENGLISH


def test_a_variant_cannot_be_moved_to_another_person(tashi, monitor):
    with pytest.raises(ValidationError) as refused:
        person_name_update(
            acting_user=monitor, name=tashi.names.get(), changes={"person": PersonFactory()}
        )
    assert "person" in refused.value.message_dict


def test_a_name_of_a_person_in_a_rejected_case_cannot_change(monitor):
    person = PersonFactory(name="Dawa")
    settle(DetentionFactory(case=make_case(title="Rejected"), person=person).case, "rejected")
    with pytest.raises(ValidationError):
        person_add_name(
            acting_user=monitor, person=person, name="ཟླ་བ", language=LanguageTag.TIBETAN
        )
    assert not person.names.exists()


def test_names_of_a_person_also_in_a_hidden_case_are_refused(tashi, monitor):
    hidden = make_case(title="Hidden", level=Confidentiality.RESTRICTED)
    DetentionFactory(case=hidden, person=tashi)
    with pytest.raises(PermissionDenied):
        person_add_name(
            acting_user=monitor, person=tashi, name="Zhaxi", language=LanguageTag.PINYIN
        )
    with pytest.raises(PermissionDenied):
        person_name_make_primary(acting_user=monitor, name=tashi.names.get())
    assert tashi.names.count() == 1


# --- Affiliations --------------------------------------------------------------------------------


def test_an_affiliation_has_its_own_dates_and_role(tashi, drilda, monitor):
    monk = term(VocabularyKey.AFFILIATION_ROLE, "monk")
    affiliation = person_add_affiliation(
        acting_user=monitor, person=tashi, organization=drilda, role=monk, started_on="2005"
    )
    affiliation.refresh_from_db()
    assert affiliation.started_on_earliest == datetime.date(2005, 1, 1)
    assert affiliation.started_on_latest == datetime.date(2005, 12, 31)
    assert affiliation.ended_on_earliest is None
    assert affiliation.history.get().history_user == monitor
    assert_facts_changed_by(tashi, monitor)

    affiliation_update(
        acting_user=monitor, affiliation=affiliation, changes={"ended_on": "2012-03"}
    )
    affiliation.refresh_from_db()
    assert affiliation.ended_on_latest == datetime.date(2012, 3, 31)
    assert affiliation.history.latest().history_type == "~"

    pk = affiliation.pk
    affiliation_delete(acting_user=monitor, affiliation=affiliation)
    deletion = Affiliation.history.filter(id=pk).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", monitor)
    assert not tashi.affiliations.exists()


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        ({"started_on": "2012", "ended_on": "2005"}, "ended_on"),
        ({"started_on": "the year of the horse"}, "started_on"),
        ({"ended_on": "2014-13-45"}, "ended_on"),
    ],
)
def test_bad_affiliation_dates_are_refused_naming_the_field(tashi, drilda, monitor, dates, field):
    with pytest.raises(ValidationError) as refused:
        person_add_affiliation(acting_user=monitor, person=tashi, organization=drilda, **dates)
    assert field in refused.value.message_dict
    assert not tashi.affiliations.exists()


def test_the_same_tie_twice_is_refused_but_a_second_stint_is_not(tashi, drilda, monitor):
    monk = term(VocabularyKey.AFFILIATION_ROLE, "monk")
    person_add_affiliation(
        acting_user=monitor, person=tashi, organization=drilda, role=monk, started_on="2005"
    )
    with pytest.raises(ValidationError) as refused:
        person_add_affiliation(
            acting_user=monitor, person=tashi, organization=drilda, role=monk, started_on="2005"
        )
    assert "organization" in refused.value.message_dict
    person_add_affiliation(
        acting_user=monitor, person=tashi, organization=drilda, role=monk, started_on="2013"
    )
    assert tashi.affiliations.count() == 2


# --- Consents ------------------------------------------------------------------------------------


def test_recording_a_consent_again_changes_the_one_decision(tashi, monitor, reviewer):
    granted = consent_record(
        acting_user=monitor,
        person=tashi,
        recipient=Recipient.UN,
        decision=ConsentDecision.GRANTED,
        given_by="the person",
        recorded_on=datetime.date(2014, 6, 1),
    )
    assert granted.recorded_by == monitor
    assert granted.history.get().history_user == monitor

    withdrawn = consent_record(
        acting_user=reviewer,
        person=tashi,
        recipient=Recipient.UN,
        decision=ConsentDecision.REFUSED,
        given_by="a relative",
    )
    assert withdrawn.pk == granted.pk
    assert Consent.objects.filter(person=tashi).count() == 1
    withdrawn.refresh_from_db()
    assert (withdrawn.decision, withdrawn.recorded_by) == (ConsentDecision.REFUSED, reviewer)
    assert withdrawn.recorded_on == timezone.localdate()
    decisions = [
        (version.decision, version.history_user)
        for version in withdrawn.history.order_by("history_date")
    ]
    assert decisions == [("granted", monitor), ("refused", reviewer)]
    # Consents are no fact of a case: the verified cases stay verified.
    assert all(case.state == CaseState.VERIFIED for case in cases_of(tashi))


def test_a_consent_is_corrected_and_removed_with_versions(tashi, monitor, reviewer):
    consent = consent_record(
        acting_user=monitor, person=tashi, recipient=Recipient.MEDIA, decision="granted"
    )
    consent_update(acting_user=reviewer, consent=consent, changes={"note": "By phone"})
    consent.refresh_from_db()
    assert consent.note == "By phone"
    assert consent.recorded_by == monitor, "a corrected note is no new decision"
    assert consent.history.latest().history_user == reviewer

    pk = consent.pk
    consent_delete(acting_user=reviewer, consent=consent)
    deletion = Consent.history.filter(id=pk).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", reviewer)


def test_a_consent_cannot_take_another_recipients_place(tashi, monitor):
    consent_record(acting_user=monitor, person=tashi, recipient=Recipient.UN, decision="granted")
    media = consent_record(
        acting_user=monitor, person=tashi, recipient=Recipient.MEDIA, decision="refused"
    )
    with pytest.raises(ValidationError) as refused:
        consent_update(acting_user=monitor, consent=media, changes={"recipient": Recipient.UN})
    assert "recipient" in refused.value.message_dict
    assert Consent.objects.get(pk=media.pk).recipient == Recipient.MEDIA


@pytest.mark.parametrize(
    ("values", "field"),
    [({"decision": "maybe"}, "decision"), ({"recipient": "friends"}, "recipient")],
)
def test_a_bad_consent_is_refused_naming_the_field(tashi, monitor, values, field):
    given = {"recipient": Recipient.UN, "decision": "granted", **values}
    with pytest.raises(ValidationError) as refused:
        consent_record(acting_user=monitor, person=tashi, **given)
    assert field in refused.value.message_dict
    assert not Consent.objects.exists()
