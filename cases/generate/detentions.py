"""Detentions and their legal-process events, with the fields the application derives from
them (status, certainty, as-of date, expected release) computed by the application's code."""

from __future__ import annotations

import datetime

from ..models import Whereabouts
from ..services.detentions import derive_status, expected_release_date
from .chance import Weighted, between
from .common import Clock
from .names import AUTHORITIES_AS_REPORTED
from .organizations import CountyBodies
from .places import County, PlaceRecord
from .timeline import Context, Timeline

CHARGES = Weighted(
    {
        "inciting-separatism": 35.0,
        "splitting-the-country": 10.0,
        "picking-quarrels": 20.0,
        "disturbing-public-order": 12.0,
        "leaking-state-secrets": 8.0,
        "inciting-subversion": 5.0,
        "obstructing-official-duties": 5.0,
        "illegal-business": 2.0,
        "subversion": 2.0,
        "using-cult-to-undermine-law": 1.0,
    }
)
LAWYER_ACCESS = Weighted({"unknown": 65.0, "no": 30.0, "yes": 5.0})
FAMILY_ACCESS = Weighted({"unknown": 55.0, "no": 30.0, "yes": 15.0})
WGAD = Weighted({"": 82.0, "II": 10.0, "I": 3.0, "III": 3.0, "V": 2.0})
# Where someone is held when no facility is named: mostly unknown to the family.
WHEREABOUTS = Weighted({"unknown": 65.0, "undisclosed": 20.0, "denied": 5.0, "disclosed": 10.0})
# Legal-process events a source is cited for, with the chance that one is.
EVENT_CITED = {
    "sentencing": 0.3,
    "trial": 0.2,
    "death-in-custody": 0.6,
    "release-after-sentence": 0.2,
    "release": 0.15,
    "whereabouts-unknown": 0.25,
    "formal-arrest": 0.08,
}


class _Event:
    """What `derive_status` reads of a DetentionEvent, without building model instances."""

    __slots__ = (
        "certainty",
        "event_type",
        "occurred",
        "occurred_earliest",
        "occurred_latest",
        "pk",
    )

    def __init__(self, pk, event_type, certainty, occurred, earliest, latest) -> None:
        self.pk = pk
        self.event_type = event_type
        self.certainty = certainty
        self.occurred = occurred
        self.occurred_earliest = earliest
        self.occurred_latest = latest


class DetentionMixin:
    """Part of Generator (uses its rng, tables, terms, ids, dates and planner)."""

    def _detention(
        self,
        case_id: int,
        person_id: int,
        county: County,
        bodies: CountyBodies,
        place: PlaceRecord | None,
        arrested: datetime.date,
        occurred: str,
        born: datetime.date | None,
        reason: str,
        clock: Clock,
        citable: list[int],
        *,
        same_day: bool,
    ) -> tuple[str, bool, bool]:
        rng, t, terms = self.rng, self.t, self.terms
        detention_id = self.ids.next("detention")
        created = clock.later(minutes=(1, 15))
        if same_day and rng.random() < 0.85:
            detained_on = occurred
        else:
            detained_on = self.dates.text(arrested, self.dates.precision(rng))
        earliest, latest = self.dates.bounds(detained_on)
        prefecture = self.authorities.prefectures[county.prefecture.id]
        roll = rng.random()
        authority = (
            bodies.police
            if roll < 0.4
            else prefecture.police
            if roll < 0.48
            else prefecture.state_security
            if roll < 0.53
            else None
        )
        context = Context(
            authority=authority,
            detention_centre=bodies.detention_centre,
            detention_centre_place=county.detention_centre.id if county.detention_centre else None,
            court=bodies.court,
            higher_court=prefecture.court,
            procuratorate=bodies.procuratorate,
            prison=prefecture.prison,
            prison_place=prefecture.prison_place,
            county_place=county.place.id,
            arrest_place=place.id if place else None,
        )
        timeline = self.planner.plan(arrested=arrested, detained_on=detained_on, context=context)

        # Events first: the detention's derived fields come from them.
        events = []
        for planned in timeline.events:
            event_id = self.ids.next("event")
            event_type = terms.event[planned.code]
            event_earliest, event_latest = self.dates.bounds(planned.text)
            event_created = clock.later(minutes=(1, 10))
            t.event.add(
                id=event_id,
                created_at=event_created,
                updated_at=event_created,
                detention_id=detention_id,
                event_type_id=event_type.pk,
                occurred=planned.text,
                occurred_earliest=event_earliest,
                occurred_latest=event_latest,
                certainty=planned.certainty,
                place_id=planned.place_id,
                organization_id=planned.organization_id,
                note=planned.note,
            )
            events.append(
                _Event(
                    event_id,
                    event_type,
                    planned.certainty,
                    planned.text,
                    event_earliest,
                    event_latest,
                )
            )
            chance = EVENT_CITED.get(planned.code, 0.01)
            if citable and rng.random() < chance:
                self._cite(
                    rng.choice(citable),
                    clock,
                    detention_event_id=event_id,
                    claim=f"{event_type.labels['en']}: {planned.text or 'date unknown'}",
                )
        # The application's own derivation (cases.services.detentions.derived_values).
        derived = derive_status(events)
        expected_release = expected_release_date(
            sentence_kind=timeline.sentence_kind,
            years=timeline.sentence_years,
            months=timeline.sentence_months,
            sentence_start=timeline.sentence_start,
            detained_on=self.dates.as_day_or_blank(detained_on),
        )
        updated = clock.now if events else created

        age = approximate = None
        if born is not None and rng.random() < 0.55:
            age = max(0, (arrested - born).days * 100 // 36525)
            approximate = rng.random() < 0.2
        t.detention.add(
            id=detention_id,
            created_at=created,
            updated_at=updated,
            public_id=self.uuid(),
            case_id=case_id,
            person_id=person_id,
            detained_on=detained_on,
            detained_on_earliest=earliest,
            detained_on_latest=latest,
            age_at_detention=age,
            age_is_approximate=bool(approximate),
            detaining_authority_id=authority,
            authority_description=(
                rng.choice(AUTHORITIES_AS_REPORTED)
                if (authority is None and rng.random() < 0.85) or rng.random() < 0.1
                else ""
            ),
            held_at_id=timeline.held_at,
            held_in_place_id=timeline.held_in_place,
            alleged_reason=reason,
            detention_type_id=terms.detention_type.get(timeline.detention_type)
            if timeline.detention_type
            else None,
            whereabouts=self._whereabouts(timeline, derived.status),
            lawyer_access=LAWYER_ACCESS.pick(rng),
            family_access=FAMILY_ACCESS.pick(rng),
            wgad_category=WGAD.pick(rng),
            urgent_appeal=rng.random() < 0.04,
            sentence_kind=timeline.sentence_kind,
            sentence_years=timeline.sentence_years,
            sentence_months=timeline.sentence_months,
            sentence_start=timeline.sentence_start,
            expected_release=expected_release,
            status=derived.status,
            status_certainty=derived.certainty,
            status_as_of=derived.as_of,
            status_as_of_text=derived.as_of_text,
            status_rests_on_undated=derived.rests_on_undated,
            version=1,
        )
        if timeline.charged:
            for code in {CHARGES.pick(rng) for _ in range(1 if rng.random() < 0.85 else 2)}:
                t.detention_charges.add(
                    id=self.ids.next("detention_charges"),
                    detention_id=detention_id,
                    term_id=terms.charge[code],
                )
        torture = False
        if rng.random() < 0.22:
            concerns = rng.sample(sorted(terms.treatment), between(rng, 1, 2))
            torture = "torture" in concerns
            for code in concerns:
                t.detention_treatment_concerns.add(
                    id=self.ids.next("detention_treatment_concerns"),
                    detention_id=detention_id,
                    term_id=terms.treatment[code],
                )
        if citable and rng.random() < 0.14:
            self._cite(
                rng.choice(citable),
                clock,
                detention_id=detention_id,
                claim=f"Detention on {detained_on or 'an unknown date'}",
            )
        return str(derived.status), timeline.charged, torture

    def _whereabouts(self, timeline: Timeline, status: str) -> str:
        rng = self.rng
        if status == "disappeared":
            return Whereabouts.UNKNOWN.value
        if timeline.held_at is not None:
            return "disclosed" if rng.random() < 0.7 else "undisclosed"
        return WHEREABOUTS.pick(rng)
