"""Tamper evidence without blind spots: every change made by SQL — to a versioned row, a
many-to-many link, an account's rights or an API token — and every rollback of the chain's head
past a signed checkpoint is reported by `verify_history`, with exit code 1."""

from __future__ import annotations

import json
import logging
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection

from casebook.accounts.models import AccountRecord, ApiToken, User
from casebook.accounts.roles import Role
from casebook.accounts.tokens import token_issue, token_revoke
from casebook.celery import app
from cases.history import CHECKPOINT_LOGGER, write_checkpoint
from cases.models import (
    HistoryChainEntry,
    HistoryChainHead,
    HistoryKeyAnchor,
    VocabularyKey,
)
from cases.services.cases import case_update
from cases.services.workflow import case_transition
from cases.tasks import history_checkpoint_task

from ..factories import CaseFactory, DetentionFactory, PersonFactory, UserFactory, term

pytestmark = pytest.mark.django_db

OLD_KEY = "the-history-key-before-the-rotation-0123456789-abcdefghijklmnopqrstuvwxyz"
NEW_KEY = "the-history-key-after-the-rotation-9876543210-zyxwvutsrqponmlkjihgfedcba"


def verify_history(*args: str) -> tuple[int, str]:
    """(exit code, output) of `manage.py verify_history`."""
    out = StringIO()
    try:
        call_command("verify_history", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.fixture
def tokens_and_accounts(monitor, administrator):
    token, _key = token_issue(user=monitor, name="stats script")
    return monitor, administrator, token


@pytest.fixture
def checkpoints(settings, tmp_path):
    path = tmp_path / "checkpoints.jsonl"
    settings.HISTORY_CHECKPOINT_FILE = str(path)
    return path


def test_a_clean_database_exits_0(demo_case, tokens_and_accounts):
    code, output = verify_history()
    assert code == 0, output
    assert "History intact" in output


class TestVersionedRowsAndLinks:
    def test_a_row_changed_by_sql_exits_1(self, demo_case):
        raw("UPDATE cases_case SET summary = %s WHERE id = %s", ["Nothing", demo_case.pk])
        code, output = verify_history()
        assert code == 1
        assert f"cases.Case #{demo_case.pk}: summary" in output

    def test_violation_types_deleted_by_sql_exit_1(self, demo_case):
        assert demo_case.violation_types.exists()
        raw("DELETE FROM cases_case_violation_types WHERE case_id = %s", [demo_case.pk])
        code, output = verify_history()
        assert code == 1
        assert f"links changed outside the application: cases.Case #{demo_case.pk}" in output
        assert "violation_types, removed" in output

    def test_a_charge_added_by_sql_exits_1(self):
        detention = DetentionFactory()
        charge = term(VocabularyKey.CHARGE, term_code(VocabularyKey.CHARGE))
        raw(
            "INSERT INTO cases_detention_charges (detention_id, term_id) VALUES (%s, %s)",
            [detention.pk, charge.pk],
        )
        code, output = verify_history()
        assert code == 1
        assert f"cases.Detention #{detention.pk}: charges, added [{charge.pk}]" in output

    def test_a_treatment_concern_deleted_by_sql_exits_1(self, monitor):
        concern = term(VocabularyKey.TREATMENT_CONCERN, term_code(VocabularyKey.TREATMENT_CONCERN))
        detention = DetentionFactory(treatment_concerns=[concern])
        raw("DELETE FROM cases_detention_treatment_concerns")
        code, output = verify_history()
        assert code == 1
        assert f"cases.Detention #{detention.pk}: treatment_concerns, removed" in output

    def test_links_changed_through_the_application_are_versioned_and_chained(
        self, demo_case, monitor
    ):
        kept = list(demo_case.violation_types.all()[:1])
        case_update(acting_user=monitor, case=demo_case, changes={}, violation_types=kept)
        latest = demo_case.history.latest("history_id")
        assert {row.term_id for row in latest.violation_types.all()} == {kept[0].pk}
        assert HistoryChainEntry.objects.filter(
            history_model="cases.historicalcase", history_id=latest.history_id
        ).exists()
        assert verify_history()[0] == 0


def term_code(vocabulary: VocabularyKey) -> str:
    from cases.models import Term

    return Term.objects.filter(vocabulary__key=vocabulary.value).values_list("code", flat=True)[0]


class TestAccounts:
    def test_a_group_membership_added_by_sql_exits_1(self, tokens_and_accounts):
        monitor = tokens_and_accounts[0]
        administrators = Group.objects.get(name=Role.ADMINISTRATOR.value)
        raw(
            "INSERT INTO accounts_user_groups (user_id, group_id) VALUES (%s, %s)",
            [monitor.pk, administrators.pk],
        )
        code, output = verify_history()
        assert code == 1
        assert f"account changed outside the application: account #{monitor.pk}: groups" in output

    def test_a_superuser_flag_set_by_sql_exits_1(self, tokens_and_accounts):
        monitor = tokens_and_accounts[0]
        raw("UPDATE accounts_user SET is_superuser = %s WHERE id = %s", [True, monitor.pk])
        code, output = verify_history()
        assert code == 1
        assert f"account #{monitor.pk}: is_superuser" in output

    def test_a_staff_flag_and_reactivation_by_sql_exit_1(self, tokens_and_accounts):
        monitor = tokens_and_accounts[0]
        raw(
            "UPDATE accounts_user SET is_staff = %s, is_active = %s WHERE id = %s",
            [True, False, monitor.pk],
        )
        code, output = verify_history()
        assert code == 1
        assert f"account #{monitor.pk}: is_active, is_staff" in output

    def test_a_password_hash_replaced_by_sql_exits_1(self, tokens_and_accounts):
        monitor = tokens_and_accounts[0]
        other = User(username="attacker")
        other.set_password("a password the attacker knows")
        raw("UPDATE accounts_user SET password = %s WHERE id = %s", [other.password, monitor.pk])
        code, output = verify_history()
        assert code == 1
        assert f"account #{monitor.pk}: password" in output

    def test_an_api_token_inserted_by_sql_exits_1(self, tokens_and_accounts):
        administrator = tokens_and_accounts[1]
        raw(
            "INSERT INTO accounts_apitoken (user_id, name, prefix, key_hash, created_at,"
            " read_only) VALUES (%s, 'backdoor', 'abcdefabcdef', %s, CURRENT_TIMESTAMP, %s)",
            [administrator.pk, "a" * 64, False],
        )
        token = ApiToken.objects.get(prefix="abcdefabcdef")
        code, output = verify_history()
        assert code == 1
        assert f"account written outside the application: API token #{token.pk}" in output

    def test_a_revoked_token_brought_back_by_sql_exits_1(self, tokens_and_accounts):
        monitor, _administrator, token = tokens_and_accounts
        token_revoke(acting_user=monitor, token=token)
        assert verify_history()[0] == 0
        raw("UPDATE accounts_apitoken SET revoked_at = NULL WHERE id = %s", [token.pk])
        code, output = verify_history()
        assert code == 1
        assert f"API token #{token.pk}: revoked_at" in output

    def test_an_account_deleted_by_sql_exits_1(self, tokens_and_accounts):
        monitor = tokens_and_accounts[0]
        raw("DELETE FROM accounts_apitoken WHERE user_id = %s", [monitor.pk])
        raw("DELETE FROM accounts_user_groups WHERE user_id = %s", [monitor.pk])
        raw("DELETE FROM accounts_user WHERE id = %s", [monitor.pk])
        code, output = verify_history()
        assert code == 1
        assert f"account deleted outside the application: account #{monitor.pk}" in output

    def test_every_change_through_the_application_is_recorded_and_chained(self, monitor):
        reviewers = Group.objects.get(name=Role.REVIEWER.value)
        before = AccountRecord.objects.filter(object_id=monitor.pk, kind="user").count()
        monitor.groups.add(reviewers)
        reviewers.user_set.remove(monitor)
        monitor.set_password("another correct horse")
        monitor.save()
        monitor.is_staff = True
        monitor.save(update_fields=["is_staff"])
        token, _key = token_issue(user=monitor, name="backup script")
        token_revoke(acting_user=monitor, token=token)
        records = AccountRecord.objects.filter(object_id=monitor.pk, kind="user")
        assert records.count() == before + 4
        assert records.latest("id").state["is_staff"] is True
        assert AccountRecord.objects.filter(kind="token", object_id=token.pk).count() == 2
        chained = set(
            HistoryChainEntry.objects.filter(history_model="accounts.accountrecord").values_list(
                "history_id", flat=True
            )
        )
        assert set(AccountRecord.objects.values_list("pk", flat=True)) == chained
        assert verify_history()[0] == 0

    def test_a_group_deleted_through_the_application_is_recorded(self, monitor):
        group = Group.objects.create(name="Short-lived")
        monitor.groups.add(group)
        group.delete()
        assert AccountRecord.objects.filter(object_id=monitor.pk).latest("id").state["groups"] == [
            Role.MONITOR.value
        ]
        assert verify_history()[0] == 0

    def test_a_login_writes_no_record(self, client, monitor):
        before = AccountRecord.objects.count()
        client.force_login(monitor)
        assert AccountRecord.objects.count() == before

    def test_records_hold_no_password_hash_and_no_token_hash(self, monitor):
        token, key = token_issue(user=monitor, name="stats script")
        monitor.refresh_from_db()
        stored = json.dumps(list(AccountRecord.objects.values_list("state", flat=True)))
        assert monitor.password not in stored
        assert token.key_hash not in stored
        assert key not in stored

    def test_a_record_altered_by_sql_exits_1(self, monitor):
        record = AccountRecord.objects.filter(object_id=monitor.pk).latest("id")
        state = {**record.state, "is_superuser": True}
        raw(
            "UPDATE accounts_accountrecord SET state = %s WHERE id = %s",
            [json.dumps(state), record.pk],
        )
        raw("UPDATE accounts_user SET is_superuser = %s WHERE id = %s", [True, monitor.pk])
        code, output = verify_history()
        assert code == 1
        assert f"accounts.accountrecord #{record.pk}" in output


def roll_back_newest(count: int) -> None:
    """What a writer to the database can do without the key: delete the newest entries, the
    records they chain and the rows those were of, and reset the head to the entry before."""
    newest = list(HistoryChainEntry.objects.order_by("-seq")[:count])
    for entry in newest:
        if entry.history_model == "cases.historicalpersonname":
            raw("DELETE FROM cases_historicalpersonname WHERE history_id = %s", [entry.history_id])
        elif entry.history_model == "cases.historicalperson":
            raw("DELETE FROM cases_historicalperson WHERE history_id = %s", [entry.history_id])
        else:
            raise AssertionError(f"unexpected entry {entry}")
        raw("DELETE FROM cases_historychainentry WHERE seq = %s", [entry.seq])
    kept = HistoryChainEntry.objects.order_by("-seq").first()
    raw(
        "UPDATE cases_historychainhead SET last_hash = %s, length = length - %s WHERE id = 1",
        [kept.entry_hash, count],
    )


class TestCheckpoints:
    def test_deleting_the_newest_two_entries_with_the_head_reset_exits_1(
        self, demo_case, checkpoints
    ):
        before = HistoryChainEntry.objects.order_by("-seq").first().seq
        people = [PersonFactory(), PersonFactory()]
        assert HistoryChainEntry.objects.filter(seq__gt=before).count() == 2
        write_checkpoint()
        roll_back_newest(2)
        raw("DELETE FROM cases_person WHERE id IN (%s, %s)", [p.pk for p in people])
        # Without a copy of the head outside the database the rollback cannot be seen.
        assert verify_history()[0] == 0
        code, output = verify_history("--checkpoints", str(checkpoints))
        assert code == 1
        assert "chain shorter than a checkpoint" in output

    def test_a_chain_rewritten_past_a_checkpoint_diverges_and_exits_1(self, demo_case, checkpoints):
        people = [PersonFactory(), PersonFactory()]
        write_checkpoint()
        roll_back_newest(2)
        raw("DELETE FROM cases_person WHERE id IN (%s, %s)", [p.pk for p in people])
        PersonFactory()
        PersonFactory()
        code, output = verify_history("--checkpoints", str(checkpoints))
        assert code == 1
        assert "chain diverges from a checkpoint" in output

    def test_an_intact_chain_passes_every_checkpoint(self, demo_case, checkpoints):
        write_checkpoint()
        PersonFactory()
        write_checkpoint()
        code, output = verify_history("--checkpoints", str(checkpoints))
        assert code == 0, output
        assert "against 2 checkpoints" in output

    def test_a_forged_checkpoint_exits_1(self, demo_case, checkpoints):
        checkpoint = write_checkpoint()
        forged = {**checkpoint, "entry": checkpoint["entry"] - 1}
        with checkpoints.open("a") as file:
            file.write(json.dumps(forged) + "\n")
        code, output = verify_history("--checkpoints", str(checkpoints))
        assert code == 1
        assert "checkpoint forged: checkpoint of" in output
        assert "(line 2) is not signed" in output

    def test_a_checkpoint_signed_with_another_key_is_forged(self, demo_case, checkpoints, settings):
        settings.HISTORY_KEY = NEW_KEY
        write_checkpoint()
        settings.HISTORY_KEY = OLD_KEY
        code, output = verify_history("--checkpoints", str(checkpoints))
        assert code == 1
        assert "checkpoint forged" in output

    def test_the_checkpoint_log_itself_can_be_checked(self, demo_case, tmp_path, caplog):
        with caplog.at_level(logging.INFO, logger=CHECKPOINT_LOGGER):
            checkpoint = write_checkpoint()
        [message] = [r.getMessage() for r in caplog.records if r.name == CHECKPOINT_LOGGER]
        assert json.loads(message[message.index("{") :]) == checkpoint
        log = tmp_path / "casebook.log"
        log.write_text(f"2026-12-03 06:00:00 INFO {CHECKPOINT_LOGGER} {message}\n")
        assert verify_history("--checkpoints", str(log))[0] == 0

    def test_every_workflow_step_writes_a_checkpoint_once_committed(
        self, monitor, checkpoints, django_capture_on_commit_callbacks
    ):
        case = CaseFactory(acting_user=monitor)
        with django_capture_on_commit_callbacks(execute=True):
            case_transition(acting_user=monitor, case=case, action="submit")
        [line] = checkpoints.read_text().splitlines()
        head = HistoryChainHead.objects.get()
        assert json.loads(line)["hash"] == head.last_hash
        assert json.loads(line)["length"] == head.length

    def test_a_refused_step_writes_no_checkpoint(
        self, advocate, checkpoints, django_capture_on_commit_callbacks
    ):
        case = CaseFactory()
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
            case_transition(acting_user=advocate, case=case, action="submit")
        assert not checkpoints.exists()

    def test_celery_beat_writes_checkpoints_at_the_configured_interval(
        self, demo_case, checkpoints, settings
    ):
        schedule = app.conf.beat_schedule["history-checkpoint"]
        assert schedule["task"] == "cases.tasks.history_checkpoint_task"
        assert schedule["schedule"] == settings.HISTORY_CHECKPOINT_INTERVAL
        entry = history_checkpoint_task.delay().get()
        assert json.loads(checkpoints.read_text())["entry"] == entry
        assert entry == HistoryChainEntry.objects.order_by("-seq").first().seq


class TestKeyRotation:
    def test_the_chain_key_is_not_the_secret_key(self, settings, demo_case):
        assert verify_history()[0] == 0
        settings.SECRET_KEY = "another-secret-key-entirely-0123456789-abcdefghijklmnopqrstuvwxyz"
        assert verify_history()[0] == 0
        settings.HISTORY_KEY = NEW_KEY
        assert verify_history()[0] == 1

    def test_rotation_keeps_verifying_and_new_entries_use_the_new_key(
        self, settings, demo_case, monitor
    ):
        old_key = settings.HISTORY_KEY
        first_entries = HistoryChainEntry.objects.count()
        settings.HISTORY_KEY, settings.HISTORY_KEY_FALLBACKS = NEW_KEY, [old_key]
        out = StringIO()
        call_command("rotate_history_key", stdout=out)
        anchor = HistoryKeyAnchor.objects.get()
        assert anchor.after_seq == HistoryChainEntry.objects.order_by("-seq").first().seq
        assert HistoryChainEntry.objects.count() == first_entries  # nothing rewritten
        PersonFactory(acting_user=monitor)
        assert verify_history()[0] == 0
        # Each segment verifies with its own key only: without the old key the old entries
        # cannot be checked, and the new entries never verify under the old key.
        settings.HISTORY_KEY_FALLBACKS = []
        code, output = verify_history()
        assert code == 1
        assert "history key missing" in output
        settings.HISTORY_KEY, settings.HISTORY_KEY_FALLBACKS = old_key, [NEW_KEY]
        assert verify_history()[0] == 0
        settings.HISTORY_KEY_FALLBACKS = []
        code, output = verify_history()
        assert code == 1

    def test_a_tamper_after_rotation_is_still_reported(self, settings, demo_case):
        settings.HISTORY_KEY, settings.HISTORY_KEY_FALLBACKS = NEW_KEY, [settings.HISTORY_KEY]
        call_command("rotate_history_key", stdout=StringIO())
        person = PersonFactory()
        raw("UPDATE cases_person SET description = %s WHERE id = %s", ["x", person.pk])
        assert verify_history()[0] == 1

    def test_a_forged_or_deleted_anchor_exits_1(self, settings, demo_case):
        settings.HISTORY_KEY, settings.HISTORY_KEY_FALLBACKS = NEW_KEY, [settings.HISTORY_KEY]
        call_command("rotate_history_key", stdout=StringIO())
        PersonFactory()
        anchor = HistoryKeyAnchor.objects.get()
        raw(
            "UPDATE cases_historykeyanchor SET after_seq = after_seq + 1 WHERE id = %s",
            [anchor.pk],
        )
        code, output = verify_history()
        assert code == 1
        assert "key anchor forged" in output
        raw("DELETE FROM cases_historykeyanchor")
        code, output = verify_history()
        assert code == 1
        assert "chain entry altered" in output

    def test_rotating_without_a_new_key_is_refused(self, demo_case):
        with pytest.raises(CommandError, match="already the chain's key"):
            call_command("rotate_history_key", stdout=StringIO())
        assert not HistoryKeyAnchor.objects.exists()


def test_an_account_made_by_the_factory_verifies():
    UserFactory(roles=[Role.ADMINISTRATOR])
    assert verify_history()[0] == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_account_saved_outside_a_transaction_is_recorded():
    """createsuperuser and other commands save in autocommit mode."""
    call_command(
        "createsuperuser",
        username="root",
        email="root@example.org",
        interactive=False,
        stdout=StringIO(),
    )
    user = User.objects.get(username="root")
    assert AccountRecord.objects.filter(kind="user", object_id=user.pk).exists()
    assert verify_history()[0] == 0
