"""Invariants of the domain model: bad input is refused with a clear error and writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from casebook.accounts.system import system_user
from cases.models import (
    Case,
    Citation,
    Detention,
    Person,
    Place,
    PlaceKind,
    ReferenceCounter,
    SentenceKind,
    Term,
    Vocabulary,
    VocabularyKey,
)
from cases.services.cases import case_create
from cases.services.detentions import detention_create
from cases.services.people import person_create
from cases.services.places import place_create
from cases.services.sources import citation_create

from ..factories import CaseFactory, DetentionFactory, PersonFactory, SourceFactory, term

pytestmark = pytest.mark.django_db


class TestCaseReferences:
    @pytest.mark.smoke
    def test_references_count_up_within_the_year_of_the_case(self):
        first = CaseFactory(occurred="2014-03-06")
        second = CaseFactory(occurred="2014")
        other_year = CaseFactory(occurred="2012-05/2012-07")
        assert first.reference == "CB-2014-0001"
        assert second.reference == "CB-2014-0002"
        assert other_year.reference == "CB-2012-0001"

    def test_case_with_unknown_date_takes_the_year_it_was_entered(self):
        case = CaseFactory(occurred="")
        assert case.reference == f"CB-{timezone.localdate().year}-0001"

    def test_open_start_date_takes_the_year_it_was_entered(self):
        case = CaseFactory(occurred="../2013")
        assert case.reference == f"CB-{timezone.localdate().year}-0001"

    def test_reference_is_not_reused_after_a_delete(self):
        first = CaseFactory(occurred="2014-03-06")
        first.delete()
        assert CaseFactory(occurred="2014-03-06").reference == "CB-2014-0002"

    def test_reference_does_not_change_when_the_date_is_corrected(self, monitor):
        from cases.services.cases import case_update

        case = CaseFactory(occurred="2014-03-06")
        case_update(acting_user=monitor, case=case, changes={"occurred": "2013-11"})
        case.refresh_from_db()
        assert case.reference == "CB-2014-0001"
        assert case.occurred_earliest == datetime.date(2013, 11, 1)

    def test_unreadable_date_is_refused_and_nothing_is_written(self, monitor):
        with pytest.raises(ValidationError) as error:
            case_create(acting_user=monitor, title="Arrests in Ngaba", occurred="March 2014")
        assert "occurred" in error.value.message_dict
        assert "2014-03-06" in error.value.message_dict["occurred"][0]
        assert Case.objects.count() == 0
        assert not ReferenceCounter.objects.exists()

    def test_empty_title_is_refused(self, monitor):
        with pytest.raises(ValidationError) as error:
            case_create(acting_user=monitor, title="   ", occurred="2014")
        assert "title" in error.value.message_dict
        assert Case.objects.count() == 0

    def test_database_refuses_bounds_out_of_order(self):
        case = CaseFactory(occurred="2014-03")
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(
                occurred_earliest=datetime.date(2015, 1, 1),
                occurred_latest=datetime.date(2014, 1, 1),
            )

    def test_derived_bounds_follow_the_text(self):
        case = CaseFactory(occurred="2014-03~")
        assert (case.occurred_earliest, case.occurred_latest) == (
            datetime.date(2014, 3, 1),
            datetime.date(2014, 3, 31),
        )

    def test_inferred_date_is_shown_as_such(self):
        case = CaseFactory(occurred="2014-03-06", occurred_inferred=True)
        assert case.occurred_display == "6 March 2014 (inferred)"


class TestCitations:
    def test_citation_needs_exactly_one_target(self):
        source = SourceFactory()
        case = CaseFactory()
        person = PersonFactory()
        with pytest.raises(ValidationError, match="exactly one"):
            citation_create(acting_user=system_user(), source=source, case=case, person=person)
        with pytest.raises(ValidationError, match="exactly one"):
            citation_create(acting_user=system_user(), source=source)
        assert Citation.objects.count() == 0

    def test_database_enforces_one_target_too(self):
        source = SourceFactory()
        case = CaseFactory()
        person = PersonFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Citation.objects.create(source=source, case=case, person=person)

    def test_credibility_outside_the_admiralty_scale_is_refused(self):
        with pytest.raises(ValidationError) as error:
            citation_create(
                acting_user=system_user(), source=SourceFactory(), case=CaseFactory(), credibility=7
            )
        assert "credibility" in error.value.message_dict


class TestPeople:
    @pytest.mark.smoke
    def test_unnamed_person_is_normal_and_told_apart_by_description(self):
        person = person_create(
            acting_user=system_user(), description="Monk of Drilda monastery (1 of 2)"
        )
        assert str(person) == "Monk of Drilda monastery (1 of 2)"

    def test_individual_counts_one_head(self):
        with pytest.raises(ValidationError):
            person_create(acting_user=system_user(), description="Tibetan", head_count=3)
        assert Person.objects.count() == 0

    def test_unnamed_group_counts_its_heads(self):
        group = person_create(
            acting_user=system_user(), description="Other Tibetans", is_group=True, head_count=3
        )
        assert group.head_count == 3
        assert str(group) == "Other Tibetans (3)"

    def test_term_from_the_wrong_vocabulary_is_refused(self):
        with pytest.raises(ValidationError) as error:
            person_create(
                acting_user=system_user(),
                name="Tashi",
                ethnicity=term(VocabularyKey.RELIGION, "islam"),
            )
        assert "ethnicity" in error.value.message_dict

    def test_sensitive_details_are_encrypted_at_rest(self):
        person = person_create(
            acting_user=system_user(), name="Tashi", contact_details="Phone +86 139 0000 1111"
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT contact_details FROM cases_person WHERE id = %s", [person.pk])
            stored = cursor.fetchone()[0]
        assert "139" not in stored
        assert Person.objects.get(pk=person.pk).contact_details == "Phone +86 139 0000 1111"

    def test_every_change_is_kept_as_a_version_with_its_author(self, monitor):
        from cases.services.people import person_update

        person = person_create(acting_user=monitor, name="Tashi")
        person_update(acting_user=monitor, person=person, changes={"name": "Tashi Dorje"})
        versions = list(person.history.order_by("history_date"))
        assert [v.name for v in versions] == ["Tashi", "Tashi Dorje"]
        assert {v.history_user for v in versions} == {monitor}

    def test_derived_fields_cannot_be_set_through_an_update(self, monitor):
        from cases.services.detentions import detention_update

        detention = DetentionFactory()
        with pytest.raises(ValidationError) as error:
            detention_update(
                acting_user=monitor, detention=detention, changes={"status": "released"}
            )
        assert "status" in error.value.message_dict


class TestDetentions:
    def test_one_detention_per_person_per_case(self):
        detention = DetentionFactory()
        with pytest.raises(ValidationError):
            detention_create(
                acting_user=system_user(), case=detention.case, person=detention.person
            )
        assert Detention.objects.count() == 1

    def test_sentence_months_under_twelve(self):
        with pytest.raises(ValidationError):
            DetentionFactory(sentence_kind=SentenceKind.TERM, sentence_years=3, sentence_months=12)

    def test_a_term_needs_a_length(self):
        with pytest.raises(ValidationError):
            DetentionFactory(sentence_kind=SentenceKind.TERM)

    def test_life_sentence_has_no_length(self):
        with pytest.raises(ValidationError):
            DetentionFactory(sentence_kind=SentenceKind.LIFE, sentence_years=10)


class TestPlaces:
    def test_coordinates_come_in_pairs(self):
        with pytest.raises(ValidationError):
            place_create(
                acting_user=system_user(),
                name="Sog",
                kind=PlaceKind.COUNTY,
                latitude=Decimal("31.9"),
            )
        assert Place.objects.count() == 0

    def test_latitude_must_exist_on_earth(self):
        with pytest.raises(ValidationError) as error:
            place_create(
                acting_user=system_user(),
                name="Sog",
                kind=PlaceKind.COUNTY,
                latitude=Decimal("131.9"),
                longitude=Decimal("93.8"),
            )
        assert "latitude" in error.value.message_dict


class TestVocabulary:
    def test_defaults_are_seeded_with_english_and_chinese_labels(self):
        charge = term(VocabularyKey.CHARGE, "inciting-separatism")
        assert charge.labels["en"] == "Inciting separatism"
        assert charge.labels["zh-Hans"] == "煽动分裂国家罪"
        for key in VocabularyKey:
            assert Term.objects.filter(vocabulary__key=key.value).exists(), key

    def test_label_follows_the_active_language(self):
        charge = term(VocabularyKey.CHARGE, "inciting-separatism")
        with translation.override("zh-hans"):
            assert charge.label == "煽动分裂国家罪"
        with translation.override("fr"):
            assert charge.label == "Inciting separatism"

    def test_term_needs_an_english_label(self):
        vocabulary = Vocabulary.objects.get(key=VocabularyKey.CHARGE.value)
        with pytest.raises(ValidationError) as error:
            Term(
                vocabulary=vocabulary, code="new-charge", labels={"zh-Hans": "新罪名"}
            ).full_clean()
        assert "labels" in error.value.message_dict

    def test_term_codes_are_unique_within_a_vocabulary(self):
        vocabulary = Vocabulary.objects.get(key=VocabularyKey.CHARGE.value)
        with pytest.raises(ValidationError):
            Term(
                vocabulary=vocabulary, code="inciting-separatism", labels={"en": "Again"}
            ).full_clean()
