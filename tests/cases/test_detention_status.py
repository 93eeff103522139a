"""Derived status and expected release: what advocates quote in appeals."""

import datetime

import pytest

from casebook.accounts.system import system_user
from cases.models import Certainty, DetentionStatus, SentenceKind, VocabularyKey
from cases.services.detentions import (
    add_months,
    detention_add_event,
    detention_update,
    expected_release_date,
)

from ..factories import DetentionFactory, term

D = datetime.date


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("kind", "years", "months", "start", "detained_on", "expected"),
    [
        (SentenceKind.TERM, 3, None, None, "2014-03-06", D(2017, 3, 6)),
        (SentenceKind.TERM, 3, 6, None, "2014-03-06", D(2017, 9, 6)),
        (SentenceKind.TERM, None, 18, None, "2014-03-06", D(2015, 9, 6)),
        (SentenceKind.TERM, 1, None, None, "2012-02-29", D(2013, 2, 28)),
        (SentenceKind.TERM, 4, None, D(2015, 1, 10), "2014-03-06", D(2019, 1, 10)),
        (SentenceKind.TERM, 3, None, None, "2014-03", None),
        (SentenceKind.TERM, 3, None, None, "", None),
        (SentenceKind.LIFE, None, None, None, "2014-03-06", None),
        (SentenceKind.DEATH, None, None, None, "2014-03-06", None),
        (SentenceKind.SUSPENDED_DEATH, None, None, None, "2014-03-06", None),
        (SentenceKind.UNKNOWN_TERM, None, None, None, "2014-03-06", None),
        (SentenceKind.NONE, None, None, None, "2014-03-06", None),
    ],
)
def test_expected_release(kind, years, months, start, detained_on, expected):
    assert (
        expected_release_date(
            sentence_kind=kind,
            years=years,
            months=months,
            sentence_start=start,
            detained_on=detained_on,
        )
        == expected
    )


def test_add_months_keeps_the_day_or_the_last_of_the_month():
    assert add_months(D(2014, 1, 31), 1) == D(2014, 2, 28)
    assert add_months(D(2014, 11, 30), 3) == D(2015, 2, 28)
    assert add_months(D(2014, 3, 6), 0) == D(2014, 3, 6)


@pytest.mark.django_db
class TestStatusFromTimeline:
    def event(self, detention, code, occurred, **fields):
        return detention_add_event(
            acting_user=system_user(),
            detention=detention,
            event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, code),
            occurred=occurred,
            **fields,
        )

    def test_without_events_a_person_is_believed_detained(self):
        detention = DetentionFactory()
        assert (detention.status, detention.status_certainty) == (
            DetentionStatus.DETAINED,
            Certainty.BELIEVED,
        )

    def test_sentencing_then_release(self):
        detention = DetentionFactory()
        self.event(detention, "formal-arrest", "2014-04-10")
        assert (detention.status, detention.status_certainty) == (
            DetentionStatus.DETAINED,
            Certainty.KNOWN,
        )
        self.event(detention, "sentencing", "2014-09")
        assert detention.status == DetentionStatus.SENTENCED
        self.event(detention, "release", "2016-01-20", certainty=Certainty.BELIEVED)
        detention.refresh_from_db()
        assert detention.status == DetentionStatus.RELEASED
        assert detention.status_certainty == Certainty.BELIEVED
        assert detention.status_as_of == D(2016, 1, 20)

    def test_events_entered_out_of_order_are_read_in_date_order(self):
        detention = DetentionFactory()
        self.event(detention, "release", "2016-01-20")
        self.event(detention, "sentencing", "2014-09")
        detention.refresh_from_db()
        assert detention.status == DetentionStatus.RELEASED

    def test_events_that_imply_nothing_keep_the_status(self):
        detention = DetentionFactory()
        self.event(detention, "sentencing", "2014-09")
        self.event(detention, "transfer", "2015-02")
        self.event(detention, "appeal", "2015-03")
        detention.refresh_from_db()
        assert detention.status == DetentionStatus.SENTENCED

    def test_death_in_custody(self):
        detention = DetentionFactory()
        self.event(detention, "death-in-custody", "2015-06-01")
        detention.refresh_from_db()
        assert detention.status == DetentionStatus.DECEASED

    def test_sentence_sets_the_expected_release_and_the_history_keeps_it(self, monitor):
        detention = DetentionFactory(detained_on="2014-03-06")
        detention_update(
            acting_user=monitor,
            detention=detention,
            changes={"sentence_kind": SentenceKind.TERM, "sentence_years": 3},
        )
        detention.refresh_from_db()
        assert detention.expected_release == D(2017, 3, 6)
        assert detention.history.latest().expected_release == D(2017, 3, 6)

    def test_status_change_is_recorded_as_a_version(self, monitor):
        detention = DetentionFactory()
        self.event(detention, "release", "2016-01-20")
        latest = detention.history.latest()
        assert latest.status == DetentionStatus.RELEASED
