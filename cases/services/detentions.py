from __future__ import annotations

import calendar
import copy
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..dates import parse_uncertain_date
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
from .common import (
    EditConflict,
    apply_changes,
    delete_recorded,
    lock_for_write,
    save_validated,
    write_recorded,
)
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
    # The status cannot be placed in time against the whole timeline: it was taken from an
    # undated event, or an undated event implies another status than the dated ones do.
    rests_on_undated: bool = False
    # The date of the event the status rests on, as it was written (EDTF, "2014-10~").
    as_of_text: str = ""


def _latest_first(events: Iterable[DetentionEvent]) -> list[DetentionEvent]:
    return sorted(events, key=lambda event: (event.occurred_earliest, event.pk or 0), reverse=True)


def derive_status(events: Sequence[DetentionEvent]) -> DerivedStatus:
    """The current status is the one implied by the latest dated event that implies one.

    1. Dated events decide, latest by earliest possible date (ties: the one entered last).
    2. Only when no dated event implies a status does an undated one (the one entered last):
       an undated release says nothing about whether it came before or after a dated arrest,
       so it cannot outrank it.
    3. With no event implying a status the person is believed still detained: the record says
       they were detained, and nothing yet says what happened next.

    `rests_on_undated` tells the reader when undated events bear on the answer, so that they
    know to date them.
    """
    implying = [event for event in events if event.event_type.implies_status]
    dated = _latest_first(event for event in implying if event.occurred_earliest is not None)
    undated = sorted(
        (event for event in implying if event.occurred_earliest is None),
        key=lambda event: event.pk or 0,
        reverse=True,
    )
    if dated:
        latest = dated[0]
        status = latest.event_type.implies_status
        contradicted = any(event.event_type.implies_status != status for event in undated)
        return DerivedStatus(
            status, latest.certainty, latest.occurred_latest, contradicted, latest.occurred
        )
    if undated:
        latest = undated[0]
        return DerivedStatus(latest.event_type.implies_status, latest.certainty, None, True)
    return DerivedStatus(DetentionStatus.DETAINED, Certainty.BELIEVED, None)


DERIVED_FIELDS = (
    "status",
    "status_certainty",
    "status_as_of",
    "status_as_of_text",
    "status_rests_on_undated",
    "expected_release",
)


def derived_values(detention: Detention, events: Sequence[DetentionEvent]) -> dict[str, Any]:
    """The derived fields of `detention` as its events and sentence imply them (also used by
    the migration that recomputes existing rows, so there is one derivation)."""
    derived = derive_status(events)
    return {
        "status": derived.status,
        "status_certainty": derived.certainty,
        "status_as_of": derived.as_of,
        "status_as_of_text": derived.as_of_text,
        "status_rests_on_undated": derived.rests_on_undated,
        "expected_release": expected_release_date(
            sentence_kind=detention.sentence_kind,
            years=detention.sentence_years,
            months=detention.sentence_months,
            sentence_start=detention.sentence_start,
            detained_on=detention.detained_on,
        ),
    }


def _set_derived(detention: Detention, events: Sequence[DetentionEvent]) -> list[str]:
    values = derived_values(detention, events)
    changed = [name for name, value in values.items() if getattr(detention, name) != value]
    for name in changed:
        setattr(detention, name, values[name])
    return changed


def _events_of(detention: Detention) -> list[DetentionEvent]:
    if detention.pk is None:
        return []
    return list(DetentionEvent.objects.filter(detention=detention).select_related("event_type"))


def _locked_detention(pk: int) -> Detention:
    """The detention re-read under a row lock: two event writes on one detention run one after
    the other, so each derivation sees the other's event."""
    return lock_for_write(Detention.objects, pk)


@transaction.atomic
def detention_refresh_derived(*, acting_user: Any, detention: Detention) -> Detention:
    """Recompute status, certainty and expected release from the timeline and the sentence.

    The stored row is re-read under a lock, so a caller's copy that is a version behind (read
    before an event was written) neither overwrites a concurrent edit nor turns a recomputation
    into an edit conflict. A change is saved as a version of its own, so the history shows when
    the status moved; the caller's copy is brought up to date.
    """
    if detention.pk is None:
        return detention
    stored = _locked_detention(detention.pk)
    changed = _set_derived(stored, _events_of(stored))
    if changed:
        write_recorded(stored, acting_user=acting_user, fields=changed)
    for name in (*DERIVED_FIELDS, "version", "updated_at"):
        setattr(detention, name, getattr(stored, name))
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
    _locked_detention(detention.pk)
    event = DetentionEvent(detention=detention, event_type=event_type, occurred=occurred, **fields)
    save_validated(event, acting_user=acting_user)
    detention_refresh_derived(acting_user=acting_user, detention=detention)
    case_facts_changed(acting_user=acting_user, case=detention.case)
    return event


def _locked_event(event: DetentionEvent) -> DetentionEvent:
    """The event as stored, under a row lock: a change is applied to what is in the database,
    not to a copy read before someone else's change, so no field is silently reverted."""
    return lock_for_write(DetentionEvent.objects, event.pk)


def _caught_up(event: DetentionEvent, stored: DetentionEvent) -> DetentionEvent:
    """Bring the caller's copy up to the stored record (admin forms hold on to theirs)."""
    if stored is not event:
        event.__dict__.update(stored.__dict__)
    return event


def _timeline_changed(acting_user: Any, detentions: Iterable[Detention]) -> None:
    """Recompute each touched detention, then record the change of each case's facts once."""
    cases: dict[int, Case] = {}
    for detention in detentions:
        detention_refresh_derived(acting_user=acting_user, detention=detention)
        cases.setdefault(detention.case_id, detention.case)
    for case in cases.values():
        case_facts_changed(acting_user=acting_user, case=case)


@transaction.atomic
def detention_event_update(
    *, acting_user: Any, event: DetentionEvent, changes: Mapping[str, Any]
) -> DetentionEvent:
    """Change a step of the legal process (its type, date, certainty, place, court, note, or
    the detention it belongs to); the status of every detention it touched follows.

    An event has no version of its own: the event and detention rows are locked instead, so
    concurrent writes to one timeline run one after the other, each applied to the stored
    record, and every version is kept.
    """
    stored = _locked_event(event)
    before = stored.detention
    after_pk = changes.get("detention", before)
    after_pk = after_pk.pk if isinstance(after_pk, Detention) else after_pk
    # Locked in primary-key order, so that two moves in opposite directions cannot deadlock.
    for pk in sorted({before.pk, after_pk}):
        _locked_detention(pk)
    if not apply_changes(stored, changes):
        return _caught_up(event, stored)
    save_validated(stored, acting_user=acting_user)
    touched = [before] if stored.detention_id == before.pk else [before, stored.detention]
    _timeline_changed(acting_user, touched)
    return _caught_up(event, stored)


@transaction.atomic
def detention_event_delete(*, acting_user: Any, event: DetentionEvent) -> None:
    """Remove a step of the legal process (its versions stay); the status follows."""
    stored = _locked_event(event)
    detention = stored.detention
    _locked_detention(detention.pk)
    delete_recorded(stored, acting_user=acting_user)
    _timeline_changed(acting_user, [detention])


@transaction.atomic
def detention_delete(*, acting_user: Any, detention: Detention) -> None:
    """Remove a detention entered by mistake, with its events and their citations.

    Every removed row keeps its versions and gets a deletion version naming who removed it; the
    case's facts changed (four eyes; a verified case goes back to review).
    """
    stored = _locked_detention(detention.pk)
    case = stored.case
    delete_recorded(stored, acting_user=acting_user)
    case_facts_changed(acting_user=acting_user, case=case)


@transaction.atomic
def case_add_detained_person(
    *,
    acting_user: Any,
    case: Case,
    person: Person | None = None,
    person_fields: Mapping[str, Any] | None = None,
    names: Iterable[tuple[str, str] | tuple[str, str, str]] = (),
    charges: Iterable[Term] = (),
    **detention_fields: Any,
) -> Detention:
    """Record that someone was detained in `case`: an existing `person`, or a new one made from
    `person_fields` and name variants `names` (the first spelling is the display name).

    Person and detention are written together or not at all, so a refused detention (the person
    already on the case, an unreadable date) leaves no orphan person behind. A new person with
    no name must have a description: it is all that tells them apart from the others.
    """
    from .people import person_create

    if person is None:
        fields = dict(person_fields or {})
        variants = [variant for variant in names if (variant[0] or "").strip()]
        fields.pop("name", None)
        if not variants and not (fields.get("description") or "").strip():
            raise ValidationError(
                {
                    "description": _(
                        "Describe the person (e.g. “monk of Drilda monastery, about 30”): "
                        "with no name, it is what tells them apart."
                    )
                },
                code="unnamed_needs_description",
            )
        if variants:
            fields["name"] = variants[0][0].strip()
        person = person_create(acting_user=acting_user, names=variants, **fields)
    elif Detention.objects.filter(case=case, person=person).exists():
        raise ValidationError(
            {"person": _("This person is already recorded as detained in this case.")},
            code="already_detained",
        )
    return detention_create(
        acting_user=acting_user, case=case, person=person, charges=charges, **detention_fields
    )


# --- The timeline as the case page edits it ---------------------------------------------------
#
# One form on the case page records a step of the legal process and, for a sentencing, the
# sentence it handed down: both are written together, or neither is.

SENTENCE_FIELDS = ("sentence_kind", "sentence_years", "sentence_months", "sentence_start")


def detention_event_version(event: DetentionEvent) -> int:
    """How many versions the event has: an event has no version column of its own (its writes
    are serialised by row locks), so its count of versions tells a form whether it moved on."""
    return event.history.count()


def _event_conflict(stored: DetentionEvent, expected_version: int) -> EditConflict:
    # EditConflict and the kept edit read `.version`; the event's is its count of versions.
    stored.version = detention_event_version(stored)  # type: ignore[attr-defined]
    return EditConflict(stored, expected_version)


def _sentence_changed(
    acting_user: Any,
    detention: Detention,
    sentence: Mapping[str, Any] | None,
    detention_version: int | None,
) -> None:
    if sentence is None:
        return
    unknown = sorted(set(sentence) - set(SENTENCE_FIELDS))
    if unknown:
        raise ValueError(f"Not a sentence field: {', '.join(unknown)}")
    if detention_version is not None:
        # The version the form was opened with: a sentence someone changed since is not
        # overwritten (EditConflict), whatever the timeline did meanwhile.
        detention.version = detention_version
    detention_update(acting_user=acting_user, detention=detention, changes=sentence)


@transaction.atomic
def detention_add_event_with_sentence(
    *,
    acting_user: Any,
    detentions: Sequence[Detention],
    event_type: Term,
    occurred: str = "",
    sentence: Mapping[str, Any] | None = None,
    detention_version: int | None = None,
    **fields: Any,
) -> list[DetentionEvent]:
    """Add the same step of the legal process to each of `detentions` (several people of one
    case, detained alike) and, when `sentence` is given, set that sentence on each.

    1. The sentence is written first, through `detention_update`; the first detention is
       checked against `detention_version` (the version its form was opened with).
    2. The event is added through `detention_add_event`; each status follows.
    All in one transaction: a refusal for any detention writes nothing for any.
    """
    if not detentions:
        raise ValueError("No detention to add the event to.")
    events = []
    for number, detention in enumerate(detentions):
        _sentence_changed(
            acting_user, detention, sentence, detention_version if number == 0 else None
        )
        events.append(
            detention_add_event(
                acting_user=acting_user,
                detention=detention,
                event_type=event_type,
                occurred=occurred,
                **fields,
            )
        )
    return events


@transaction.atomic
def detention_event_update_with_sentence(
    *,
    acting_user: Any,
    event: DetentionEvent,
    changes: Mapping[str, Any],
    sentence: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    detention_version: int | None = None,
) -> DetentionEvent:
    """Change a step of the legal process and, when `sentence` is given, the sentence of its
    detention, together.

    `expected_version` is the event's count of versions when its form was opened
    (`detention_event_version`): if someone changed the event since, EditConflict, and
    nothing is written. `detention_version` guards the sentence the same way.
    """
    stored = _locked_event(event)
    if expected_version is not None and detention_event_version(stored) != expected_version:
        raise _event_conflict(stored, expected_version)
    _sentence_changed(acting_user, event.detention, sentence, detention_version)
    return detention_event_update(acting_user=acting_user, event=event, changes=changes)


def timeline_preview(
    detention: Detention,
    *,
    event_type: Term,
    occurred: str = "",
    certainty: str = Certainty.KNOWN,
    replacing: DetentionEvent | None = None,
    sentence: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The derived fields (`derived_values`) the detention WOULD have with this event added,
    or with it in place of `replacing`, and with `sentence`: nothing is written.

    An unreadable date counts as undated, as the status would take it until it is corrected.
    """
    events = [event for event in _events_of(detention) if replacing is None or event != replacing]
    try:
        parsed = parse_uncertain_date(occurred)
    except ValidationError:
        parsed = parse_uncertain_date("")
        occurred = ""
    # Entered last, it wins a tie of dates as the saved event would (derive_status).
    rank = replacing.pk if replacing is not None else max((e.pk for e in events), default=0) + 1
    candidate = DetentionEvent(
        pk=rank,
        detention=detention,
        event_type=event_type,
        occurred=occurred,
        occurred_earliest=parsed.earliest,
        occurred_latest=parsed.latest,
        certainty=certainty,
    )
    supposed = copy.copy(detention)
    for name, value in (sentence or {}).items():
        if name in SENTENCE_FIELDS:
            setattr(supposed, name, value)
    return derived_values(supposed, [*events, candidate])
