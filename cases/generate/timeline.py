"""What happened to a detained person after the arrest: the legal-process timeline.

Each detention follows one of a few courses, in the proportions the political-prisoner databases
show: many are known only to have been taken away; a large share go through criminal detention,
formal arrest, trial and sentencing; some are released within weeks, some disappear, a few die in
custody. Dates follow the time the PRC procedure takes (formal arrest within 37 days, trial
months later). Nothing later than the generator's "now" is recorded. The status fields are not
decided here: the generator derives them from these events with the application's own code.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from ..models import Certainty, SentenceKind
from ..services.detentions import expected_release_date
from .chance import Weighted, between
from .uncertain import UncertainDates

KNOWN, BELIEVED = Certainty.KNOWN.value, Certainty.BELIEVED.value

# Course of a detention -> share of detentions.
COURSES = Weighted(
    {
        "taken": 24.0,  # taken away; nothing more known
        "short": 14.0,  # administrative or short detention, then released
        "criminal": 36.0,  # criminal process to a sentence
        "pretrial": 10.0,  # formally arrested, still awaiting trial
        "bail": 5.0,  # released on bail pending investigation
        "disappeared": 10.0,
        "death": 1.0,
    }
)

# Sentence kind -> share of sentences: most are fixed terms.
SENTENCES = Weighted(
    {
        SentenceKind.TERM.value: 88.0,
        SentenceKind.UNKNOWN_TERM.value: 7.5,
        SentenceKind.LIFE.value: 3.0,
        SentenceKind.SUSPENDED_DEATH.value: 1.2,
        SentenceKind.DEATH.value: 0.3,
    }
)
# Years of a fixed term -> share: two to five years are the most common terms.
TERM_YEARS = Weighted(
    {
        1: 8,
        2: 10,
        3: 14,
        4: 12,
        5: 10,
        6: 7,
        7: 6,
        8: 5,
        9: 3,
        10: 6,
        11: 2,
        12: 3,
        13: 2,
        14: 2,
        15: 2,
        18: 1,
        20: 1,
    }
)

# Status-changing events are usually dated to the day; steps in between less often.
EVENT_PRECISION = Weighted({"day": 80.0, "month": 13.0, "day?": 2.0, "year": 2.0, "unknown": 3.0})
STATUS_EVENT_PRECISION = Weighted({"day": 84.0, "month": 13.0, "day?": 2.0, "year": 1.0})

NOTES = (
    "Family not informed of the charges.",
    "Held incommunicado.",
    "Sentence announced at a public meeting.",
    "Relatives were refused a visit.",
    "Reported by a relative in exile.",
    "Lawyer hired by the family was not allowed to meet him.",
    "Date from a court notice seen by relatives.",
)


@dataclass
class Context:
    """Where the authorities involved sit, as organisation and place ids (None if unknown)."""

    authority: int | None
    detention_centre: int | None
    detention_centre_place: int | None
    court: int | None
    higher_court: int | None
    procuratorate: int | None
    prison: int | None
    prison_place: int | None
    county_place: int
    arrest_place: int | None


@dataclass
class PlannedEvent:
    code: str
    text: str
    certainty: str
    place_id: int | None = None
    organization_id: int | None = None
    note: str = ""


@dataclass
class Timeline:
    course: str
    events: list[PlannedEvent] = field(default_factory=list)
    sentence_kind: str = ""
    sentence_years: int | None = None
    sentence_months: int | None = None
    sentence_start: datetime.date | None = None
    detention_type: str | None = None
    charged: bool = False
    held_at: int | None = None
    held_in_place: int | None = None


class TimelinePlanner:
    """Plans one detention's timeline at a time (`plan`); the steps share the running day."""

    def __init__(self, rng: random.Random, dates: UncertainDates, today: datetime.date) -> None:
        self.rng = rng
        self.dates = dates
        self.today = today
        self._timeline = Timeline("")
        self._day = today
        self._stopped = False

    def _add(
        self,
        code: str,
        after: tuple[int, int],
        *,
        place: int | None = None,
        organization: int | None = None,
        status: bool = True,
        text: str | None = None,
    ) -> bool:
        """Add the next step `after` (min, max) days. Nothing in the future is recorded, and
        once a step would be, no later step is either: it cannot have happened yet."""
        rng = self.rng
        if self._stopped:
            return False
        day = self._day + datetime.timedelta(days=between(rng, *after))
        if day > self.today:
            self._stopped = True
            return False
        self._day = day
        if text is None:
            precision = self.dates.precision(
                rng, STATUS_EVENT_PRECISION if status else EVENT_PRECISION
            )
            text = self.dates.text(day, precision)
        self._timeline.events.append(
            PlannedEvent(
                code,
                text,
                BELIEVED if rng.random() < 0.18 else KNOWN,
                place,
                organization,
                rng.choice(NOTES) if rng.random() < 0.05 else "",
            )
        )
        return True

    def plan(
        self, *, arrested: datetime.date, detained_on: str, context: Context, course: str = ""
    ) -> Timeline:
        rng, add = self.rng, self._add
        timeline = self._timeline = Timeline(course or COURSES.pick(rng))
        self._day, self._stopped = arrested, False
        course = timeline.course
        if course != "taken" or rng.random() < 0.7:
            # Taken into custody on the day of detention, dated as the detention is.
            add(
                "taken-into-custody",
                (0, 0),
                place=context.arrest_place,
                organization=context.authority,
                text=detained_on,
            )
        if course == "taken":
            return timeline
        if course == "short":
            timeline.detention_type = "administrative" if rng.random() < 0.6 else None
            if timeline.detention_type and rng.random() < 0.7:
                add("administrative-detention", (0, 2), organization=context.authority)
            release = "release" if rng.random() < 0.8 else "release-on-bail"
            add(release, (3, 75), place=context.county_place)
            return timeline
        if course == "disappeared":
            add("whereabouts-unknown", (0, 40))
            return timeline
        # The criminal procedure: criminal detention, then formal arrest within 37 days.
        timeline.detention_type = (
            "criminal" if rng.random() < 0.8 else rng.choice(("rsdl", "incommunicado"))
        )
        timeline.held_at = context.detention_centre
        timeline.held_in_place = context.detention_centre_place
        if rng.random() < 0.65:
            add(
                "criminal-detention",
                (0, 4),
                place=context.detention_centre_place,
                organization=context.detention_centre,
            )
        if course == "bail":
            add("release-on-bail", (10, 120), place=context.county_place)
            return timeline
        if course == "death":
            if rng.random() < 0.5:
                add("formal-arrest", (20, 37), organization=context.procuratorate)
            add(
                "death-in-custody",
                (5, 400),
                place=context.detention_centre_place,
                organization=context.detention_centre,
            )
            return timeline
        timeline.charged = rng.random() < 0.75
        if rng.random() < 0.75:
            add("formal-arrest", (20, 37), organization=context.procuratorate)
        if course == "pretrial":
            if rng.random() < 0.4:
                add("indictment", (30, 180), organization=context.procuratorate, status=False)
            return timeline
        if rng.random() < 0.4:
            add("indictment", (30, 150), organization=context.procuratorate, status=False)
        court = context.court if rng.random() < 0.7 else context.higher_court
        if rng.random() < 0.6:
            add("trial", (30, 200), organization=court, status=False)
        if not add("sentencing", (0, 60), organization=court):
            return timeline
        sentenced_on = self._day
        self._sentence(timeline, arrested, detained_on)
        if rng.random() < 0.1 and add(
            "appeal", (5, 20), organization=context.higher_court, status=False
        ):
            add("appeal-decision", (30, 120), organization=context.higher_court, status=False)
        if (
            context.prison is not None
            and rng.random() < 0.45
            and add(
                "transfer",
                (20, 180),
                place=context.prison_place,
                organization=context.prison,
                status=False,
            )
        ):
            timeline.held_at = context.prison
            timeline.held_in_place = context.prison_place
        self._release(timeline, detained_on, sentenced_on, context)
        return timeline

    def _sentence(self, timeline: Timeline, arrested: datetime.date, detained_on: str) -> None:
        rng = self.rng
        kind = SENTENCES.pick(rng)
        timeline.sentence_kind = kind
        if kind != SentenceKind.TERM:
            return
        years: int | None = TERM_YEARS.pick(rng)
        months = rng.choice((3, 6, 6, 8, 9)) if rng.random() < 0.2 else None
        if years == 1 and months and rng.random() < 0.5:
            years = None  # "six months": a term given in months only
        timeline.sentence_years, timeline.sentence_months = years, months
        # Usually counted from the day of detention; sometimes the verdict names another day.
        if rng.random() < 0.1 or (not detained_on and rng.random() < 0.5):
            timeline.sentence_start = arrested

    def _release(
        self,
        timeline: Timeline,
        detained_on: str,
        sentenced_on: datetime.date,
        context: Context,
    ) -> None:
        """Most people whose term has run out are reported released on the expected day."""
        release = expected_release_date(
            sentence_kind=timeline.sentence_kind,
            years=timeline.sentence_years,
            months=timeline.sentence_months,
            sentence_start=timeline.sentence_start,
            detained_on=self.dates.as_day_or_blank(detained_on),
        )
        if release is None or release > self.today or self.rng.random() > 0.75:
            return
        # Time already served by the verdict: released within days of it.
        day = max(release, sentenced_on + datetime.timedelta(days=between(self.rng, 1, 10)))
        if day > self.today:
            return
        timeline.events.append(
            PlannedEvent(
                "release-after-sentence",
                day.isoformat(),
                KNOWN if self.rng.random() < 0.8 else BELIEVED,
                context.county_place,
            )
        )
