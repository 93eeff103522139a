from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from ..dates import parse_uncertain_date
from ..history import lock_chain
from ..models import (
    Case,
    Certainty,
    Detention,
    DetentionEvent,
    DetentionStatus,
    Person,
    SentenceKind,
    Term,
)
from .common import apply_changes, save_validated, write_recorded
from .workflow import case_facts_changed


def add_months(start: datetime.date, months: int) -> datetime.date:
    """`start` plus whole months; the 29th–31st fall back to the month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


def expected_release_date(
    *,
    sentence_kind: str,
    years: int | None,
    months: int | None,
    sentence_start: datetime.date | None,
    detained_on: str,
) -> datetime.date | None:
    """When a fixed-term sentence ends: counted from `sentence_start`, else from the day of
    detention (time in pre-trial custody counts toward the sentence in PRC law).

    Life, death, suspended death and unknown terms have no date; neither has a term whose
    start is known only to the month or year, since a precise-looking date would mislead.
    """
    if sentence_kind != SentenceKind.TERM:
        return None
    start = sentence_start
    if start is None:
        detained = parse_uncertain_date(detained_on)
        start = detained.earliest if detained.is_exact_day else None
    if start is None:
        return None
    return add_months(start, (years or 0) * 12 + (months or 0))


@dataclass(frozen=True)
class DerivedStatus:
    status: str
    certainty: str
    as_of: datetime.date | None


def derive_status(events: Sequence[DetentionEvent]) -> DerivedStatus:
    """The current status is the one implied by the latest event that implies one.

    Events are ordered by their earliest possible date; undated events count as the latest.
    With no such event the person is believed still detained: the record says they were
    detained, and nothing yet says what happened next.
    """

    def order(event: DetentionEvent) -> tuple[bool, datetime.date, int]:
        return (
            event.occurred_earliest is None,
            event.occurred_earliest or datetime.date.min,
            event.pk or 0,
        )

    for event in sorted(events, key=order, reverse=True):
        if event.event_type.implies_status:
            return DerivedStatus(
                event.event_type.implies_status, event.certainty, event.occurred_latest
            )
    return DerivedStatus(DetentionStatus.DETAINED, Certainty.BELIEVED, None)


DERIVED_FIELDS = ("status", "status_certainty", "status_as_of", "expected_release")


def _set_derived(detention: Detention, events: Sequence[DetentionEvent]) -> list[str]:
    derived = derive_status(events)
    values = {
        "status": derived.status,
        "status_certainty": derived.certainty,
        "status_as_of": derived.as_of,
        "expected_release": expected_release_date(
            sentence_kind=detention.sentence_kind,
            years=detention.sentence_years,
            months=detention.sentence_months,
            sentence_start=detention.sentence_start,
            detained_on=detention.detained_on,
        ),
    }
    changed = [name for name, value in values.items() if getattr(detention, name) != value]
    for name in changed:
        setattr(detention, name, values[name])
    return changed


def _events_of(detention: Detention) -> list[DetentionEvent]:
    if detention.pk is None:
        return []
    return list(detention.events.select_related("event_type"))


@transaction.atomic
def detention_refresh_derived(*, acting_user: Any, detention: Detention) -> Detention:
    """Recompute status, certainty and expected release from the timeline and the sentence.

    A change is saved as a version of its own, so the history shows when the status moved. The
    detention is re-read under its row lock, so a concurrent edit of it is neither overwritten
    nor mistaken for a conflict; `detention` is brought up to date.
    """
    lock_chain()
    current = Detention.objects.select_for_update(no_key=True).get(pk=detention.pk)
    changed = _set_derived(current, _events_of(current))
    if changed:
        write_recorded(current, acting_user=acting_user, fields=changed)
        for name in (*changed, "version", "updated_at"):
            setattr(detention, name, getattr(current, name))
    return detention


@transaction.atomic
def detention_create(
    *,
    acting_user: Any,
    case: Case,
    person: Person,
    charges: Iterable[Term] = (),
    treatment_concerns: Iterable[Term] = (),
    **fields: Any,
) -> Detention:
    """Record that `person` was detained in `case`."""
    detention = Detention(case=case, person=person, **fields)
    _set_derived(detention, [])
    relations = {
        name: terms
        for name, terms in (("charges", charges), ("treatment_concerns", treatment_concerns))
        if terms
    }
    save_validated(detention, acting_user=acting_user, m2m=relations or None)
    case_facts_changed(acting_user=acting_user, case=case)
    return detention


@transaction.atomic
def detention_update(
    *,
    acting_user: Any,
    detention: Detention,
    changes: Mapping[str, Any],
    charges: Iterable[Term] | None = None,
    treatment_concerns: Iterable[Term] | None = None,
) -> Detention:
    relations = {
        relation: set(terms)
        for relation, terms in (("charges", charges), ("treatment_concerns", treatment_concerns))
        if terms is not None and set(terms) != set(getattr(detention, relation).all())
    }
    changed = apply_changes(detention, changes)
    if not changed and not relations:
        return detention
    # Saved even when only charges or concerns change, so that the version check applies to them.
    derived = _set_derived(detention, _events_of(detention))
    save_validated(
        detention, acting_user=acting_user, fields=[*changed, *derived], m2m=relations or None
    )
    case_facts_changed(acting_user=acting_user, case=detention.case)
    return detention


@transaction.atomic
def detention_add_event(
    *, acting_user: Any, detention: Detention, event_type: Term, occurred: str = "", **fields: Any
) -> DetentionEvent:
    """Add a step of the legal process; the detention's status follows from the timeline."""
    event = DetentionEvent(detention=detention, event_type=event_type, occurred=occurred, **fields)
    save_validated(event, acting_user=acting_user)
    detention_refresh_derived(acting_user=acting_user, detention=detention)
    case_facts_changed(acting_user=acting_user, case=detention.case)
    return event
