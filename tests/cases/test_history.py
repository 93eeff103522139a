"""No lost work: every version kept and chained, stale saves refused, old versions restorable."""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from cases.history import verify
from cases.models import Case, HistoryChainEntry, Person, StaleEdit
from cases.services.cases import case_update
from cases.services.common import EditConflict, delete_recorded
from cases.services.history import record_restore, stale_edit_keep
from cases.services.people import person_update

from ..factories import CaseFactory, DetentionFactory, PersonFactory

pytestmark = pytest.mark.django_db


def verify_history() -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("verify_history", stdout=out)
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()


def raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


class TestTamperEvidence:
    @pytest.mark.smoke
    def test_untouched_history_verifies(self, demo_case):
        ok, output = verify_history()
        assert ok, output
        assert "History intact" in output

    def test_title_changed_by_sql_is_reported(self, demo_case):
        raw("UPDATE cases_case SET title = %s WHERE id = %s", ["Nothing happened", demo_case.pk])
        ok, output = verify_history()
        assert not ok
        assert f"cases.Case #{demo_case.pk}: title" in output

    def test_altered_version_is_reported(self, demo_case):
        version = demo_case.history.earliest()
        raw(
            "UPDATE cases_historicalcase SET title = %s WHERE history_id = %s",
            ["Edited", version.history_id],
        )
        ok, output = verify_history()
        assert not ok
        assert "version altered" in output

    def test_rewriting_a_version_and_its_hash_without_the_key_is_reported(self, demo_case):
        entry = HistoryChainEntry.objects.filter(history_model="cases.historicalcase").first()
        raw(
            "UPDATE cases_historicalcase SET title = %s WHERE history_id = %s",
            ["Edited", entry.history_id],
        )
        raw(
            "UPDATE cases_historychainentry SET content_hash = %s WHERE seq = %s",
            ["0" * 64, entry.seq],
        )
        ok, output = verify_history()
        assert not ok
        assert "chain entry altered" in output

    def test_deleted_version_is_reported(self, demo_case):
        version = demo_case.history.earliest()
        raw(
            "DELETE FROM cases_historicalcase_violation_types WHERE history_id = %s",
            [version.history_id],
        )
        raw("DELETE FROM cases_historicalcase WHERE history_id = %s", [version.history_id])
        ok, output = verify_history()
        assert not ok
        assert "version deleted" in output

    def test_deleted_chain_entry_is_reported(self, demo_case):
        entry = HistoryChainEntry.objects.order_by("seq")[3]
        raw("DELETE FROM cases_historychainentry WHERE seq = %s", [entry.seq])
        ok, output = verify_history()
        assert not ok
        assert "chain broken" in output

    def test_row_inserted_by_sql_is_reported(self, demo_case):
        raw(
            "INSERT INTO cases_person (public_id, name, description, identity_withheld, is_group,"
            " head_count, sex, birth_date, created_at, updated_at, version) VALUES"
            " ('0b9e2f3c7d4a4d0c9a1b2c3d4e5f6a7b', 'Ghost', '', false, false, 1, 'unknown', '',"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
        )
        ok, output = verify_history()
        assert not ok
        assert "row without history" in output

    def test_row_deleted_by_sql_is_reported(self):
        person = PersonFactory()
        raw("DELETE FROM cases_personname WHERE person_id = %s", [person.pk])
        raw("DELETE FROM cases_person WHERE id = %s", [person.pk])
        report = verify()
        assert any(f.kind == "row deleted outside the application" for f in report.findings)

    def test_deleting_through_the_application_is_not_tampering(self, monitor):
        person = PersonFactory()
        person_id = person.pk
        delete_recorded(person, acting_user=monitor)
        assert verify().ok
        deletion = Person.history.filter(id=person_id).latest("history_id")
        assert (deletion.history_type, deletion.history_user) == ("-", monitor)

    def test_a_plain_save_outside_the_services_is_reported(self):
        person = PersonFactory()
        person.description = "Changed behind the services' back"
        person.save()
        kinds = {finding.kind for finding in verify().findings}
        assert "version not chained" in kinds

    def test_a_plain_delete_outside_the_services_is_reported(self):
        person = PersonFactory()
        person.delete()
        assert not verify().ok


class TestRestore:
    def test_restoring_an_earlier_version_is_itself_a_new_version(self, monitor):
        case = CaseFactory(title="Arrest of five Tibetans", summary="First account")
        case_update(
            acting_user=monitor,
            case=case,
            changes={"title": "Arrest of six Tibetans", "summary": ""},
        )
        first = case.history.earliest()
        record_restore(acting_user=monitor, instance=case, history_id=first.history_id)
        case.refresh_from_db()
        assert (case.title, case.summary) == ("Arrest of five Tibetans", "First account")
        titles = [v.title for v in case.history.order_by("history_date", "history_id")]
        assert titles[0] == "Arrest of five Tibetans"
        assert "Arrest of six Tibetans" in titles
        assert titles[-1] == "Arrest of five Tibetans"
        assert case.history.latest().history_user == monitor
        assert verify().ok

    def test_restoring_a_detention_brings_back_a_foreign_key_and_recomputes_status(self, monitor):
        from cases.services.detentions import detention_update

        detention = DetentionFactory(detained_on="2014-03-06", authority_description="Police")
        detention_update(
            acting_user=monitor,
            detention=detention,
            changes={"detained_on": "2014-04", "authority_description": ""},
        )
        record_restore(
            acting_user=monitor,
            instance=detention,
            history_id=detention.history.earliest().history_id,
        )
        detention.refresh_from_db()
        assert (detention.detained_on, detention.authority_description) == ("2014-03-06", "Police")

    def test_a_version_of_another_record_is_refused(self, monitor):
        from django.core.exceptions import ValidationError

        one, other = CaseFactory(), CaseFactory()
        with pytest.raises(ValidationError):
            record_restore(
                acting_user=monitor, instance=one, history_id=other.history.earliest().history_id
            )

    def test_sensitive_fields_are_restored_too(self, monitor):
        person = PersonFactory(contact_details="Phone 1")
        person_update(acting_user=monitor, person=person, changes={"contact_details": "Phone 2"})
        record_restore(
            acting_user=monitor, instance=person, history_id=person.history.earliest().history_id
        )
        assert Person.objects.get(pk=person.pk).contact_details == "Phone 1"


class TestOptimisticLocking:
    def test_a_stale_save_is_refused_and_writes_nothing(self, monitor, monitor2):
        case = CaseFactory(title="Original")
        first_form = Case.objects.get(pk=case.pk)
        second_form = Case.objects.get(pk=case.pk)
        case_update(
            acting_user=monitor, case=first_form, changes={"title": "First monitor's title"}
        )
        with pytest.raises(EditConflict) as conflict:
            case_update(
                acting_user=monitor2, case=second_form, changes={"title": "Second monitor's title"}
            )
        assert conflict.value.current.title == "First monitor's title"
        assert conflict.value.expected_version == 1
        case.refresh_from_db()
        assert (case.title, case.version) == ("First monitor's title", 2)

    def test_the_refused_text_is_kept(self, monitor, monitor2):
        case = CaseFactory(title="Original")
        stale = Case.objects.get(pk=case.pk)
        case_update(acting_user=monitor, case=case, changes={"title": "First"})
        try:
            case_update(acting_user=monitor2, case=stale, changes={"title": "Second"})
        except EditConflict as conflict:
            stale_edit_keep(
                acting_user=monitor2,
                record=conflict.current,
                base_version=1,
                data={"title": "Second"},
            )
        kept = StaleEdit.objects.get(user=monitor2)
        assert kept.data == {"title": "Second"}
        with connection.cursor() as cursor:
            cursor.execute("SELECT data FROM cases_staleedit WHERE id = %s", [kept.pk])
            assert "Second" not in cursor.fetchone()[0], "kept text must be encrypted at rest"
        assert (kept.base_version, kept.current_version) == (1, 2)

    def test_people_detentions_and_sources_are_locked_too(self, monitor, monitor2):
        person = PersonFactory(name="Tashi")
        stale = Person.objects.get(pk=person.pk)
        person_update(acting_user=monitor, person=person, changes={"name": "Tashi Dorje"})
        with pytest.raises(EditConflict):
            person_update(acting_user=monitor2, person=stale, changes={"name": "Bkra shis"})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
# serialized_rollback: the flush after a transactional test would otherwise also drop the
# roles and vocabularies the migrations seeded, which later tests rely on.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sessions_saving_at_once_one_wins_and_nothing_is_lost(monitor, monitor2):
    """Two monitors load the same case and save together: one save wins, the other gets the
    conflict, and both texts remain (the winner's in the case, the other's kept)."""
    case = CaseFactory(title="Original")
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def save(user, title):
        try:
            loaded = Case.objects.get(pk=case.pk)
            barrier.wait(timeout=10)
            try:
                case_update(acting_user=user, case=loaded, changes={"title": title})
                results[title] = "saved"
            except EditConflict as conflict:
                stale_edit_keep(
                    acting_user=user, record=conflict.current, base_version=1, data={"title": title}
                )
                results[title] = "conflict"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(monitor, "Monitor one's title")),
        threading.Thread(target=save, args=(monitor2, "Monitor two's title")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results.values()) == ["conflict", "saved"]
    winner = next(title for title, outcome in results.items() if outcome == "saved")
    loser = next(title for title, outcome in results.items() if outcome == "conflict")
    case.refresh_from_db()
    assert case.title == winner
    assert case.version == 2
    assert StaleEdit.objects.get().data == {"title": loser}
    assert verify().ok


def test_restoring_brings_back_the_violation_types(monitor):
    from cases.models import VocabularyKey

    from ..factories import term

    arbitrary = term(VocabularyKey.VIOLATION_TYPE, "arbitrary-detention")
    torture = term(VocabularyKey.VIOLATION_TYPE, "torture")
    case = CaseFactory(violation_types=[arbitrary])
    original = case.history.latest()
    case_update(acting_user=monitor, case=case, changes={}, violation_types=[torture])
    assert set(case.violation_types.all()) == {torture}

    record_restore(acting_user=monitor, instance=case, history_id=original.history_id)
    assert set(Case.objects.get(pk=case.pk).violation_types.all()) == {arbitrary}


class TestColumnsAddedAfterVersions:
    """Affiliation dates were added (migration 0009) to a model whose versions were already
    chained: those versions were hashed without the new columns and must still verify, while a
    date set or emptied by SQL is still caught."""

    @pytest.fixture
    def affiliation(self, monitor):
        from casebook.accounts.system import system_user
        from cases.services.organizations import organization_create
        from cases.services.people import person_add_affiliation

        person = PersonFactory(name="Tashi")
        drilda = organization_create(acting_user=system_user(), name="Drilda monastery")
        return person_add_affiliation(acting_user=monitor, person=person, organization=drilda)

    def test_a_version_without_dates_is_hashed_as_before_the_dates_existed(self, affiliation):
        import json

        from cases.history import ADDED_COLUMNS, version_content

        version = affiliation.history.latest()
        content = json.loads(version_content(version))
        assert not ADDED_COLUMNS["cases.historicalaffiliation"] & set(content)
        assert content["organization_id"] == affiliation.organization_id

    def test_a_date_set_by_sql_on_an_old_version_is_reported(self, affiliation):
        version = affiliation.history.latest()
        raw(
            "UPDATE cases_historicalaffiliation SET started_on = %s WHERE history_id = %s",
            ["2005", version.history_id],
        )
        ok, output = verify_history()
        assert not ok
        assert "version altered" in output

    def test_a_date_emptied_by_sql_is_reported(self, monitor, affiliation):
        from cases.services.people import affiliation_update

        affiliation_update(
            acting_user=monitor, affiliation=affiliation, changes={"started_on": "2005"}
        )
        version = affiliation.history.latest()
        assert version.started_on == "2005"
        raw(
            "UPDATE cases_historicalaffiliation SET started_on = '' WHERE history_id = %s",
            [version.history_id],
        )
        ok, output = verify_history()
        assert not ok
        assert "version altered" in output
