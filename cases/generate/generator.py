"""Benchmark data: the orchestration of `manage.py generate_data`.

One `random.Random(seed)` drives everything, ids are assigned here, and every timestamp is an
offset from fixed dates, so the same seed and size give the same rows. Cases are generated in
the order they were entered, each with its sources, people, detentions, events and citations, so
that a person detained again, a report cited by later cases or a reference number follow from
what came before, as they would in a real database.

This is benchmark data, never evidence: rows are written without version history and outside
the tamper-evident chain (cases/history.py), which is why `generate` refuses a database that
already holds domain records.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, models, transaction

from casebook.accounts.roles import Role

from ..dates import OPEN_START
from ..models import CaseState, Confidentiality, ReferenceCounter
from ..text import search_key
from .chance import Weighted, between
from .common import (
    CASES_AT_SCALE_ONE,
    FIRST_YEAR,
    NOW,
    SETUP,
    TODAY,
    Clock,
    Ids,
    NotEmpty,
    Tables,
    Terms,
    Users,
    VocabulariesMissing,
    lower_first,
    tables_holding_rows,
)
from .detentions import DetentionMixin
from .names import ALLEGED_REASONS
from .organizations import Authorities, CountyBodies, OrganizationBuilder
from .people import PeopleMixin, PersonSeen
from .places import County, Gazetteer, GazetteerBuilder, PlaceRecord
from .sources import SourceInfo, SourceMixin
from .timeline import TimelinePlanner
from .uncertain import UncertainDates
from .workflow import WorkflowMixin
from .writer import TableReport, writer_for

__all__ = ["CASES_AT_SCALE_ONE", "NotEmpty", "VocabulariesMissing", "generate"]

MONITORS = ("Dolma", "Tenzin", "Karma", "Yangzom", "Dawa", "Lhakpa", "Choekyi", "Rinzin")
REVIEWERS = ("Pema", "Sonam", "Jampa", "Tsering")

# Case states by share, for cases entered more than a year ago and for recent ones: old cases
# have mostly been through review, recent ones are still being written up.
STATES_SETTLED = Weighted(
    {
        CaseState.VERIFIED.value: 80.0,
        CaseState.SUBMITTED.value: 5.0,
        CaseState.DRAFT.value: 6.0,
        CaseState.DISPUTED.value: 3.0,
        CaseState.REJECTED.value: 6.0,
    }
)
STATES_RECENT = Weighted(
    {
        CaseState.VERIFIED.value: 45.0,
        CaseState.SUBMITTED.value: 25.0,
        CaseState.DRAFT.value: 25.0,
        CaseState.DISPUTED.value: 2.0,
        CaseState.REJECTED.value: 3.0,
    }
)
CONFIDENTIALITY = Weighted(
    {
        Confidentiality.PUBLIC.value: 82.0,
        Confidentiality.INTERNAL.value: 15.0,
        Confidentiality.RESTRICTED.value: 3.0,
    }
)
# People detained in one case -> share of cases. Mean about 3: most cases are one person, a
# few are mass detentions after a protest.
DETAINEES = Weighted({1: 52, 2: 16, 3: 9, 4: 6, 5: 5, 7: 3, 9: 3, 12: 2, 15: 1.5, 20: 1.0, 30: 0.6})
EXPRESSION = {0, 6, 8, 9, 15, 16, 17}  # indexes of ALLEGED_REASONS about speech
RELIGION_REASONS = {2, 3, 7, 11, 13, 17}
PROTEST_REASONS = {1, 12, 14}


@dataclass
class Summary:
    seed: int
    cases: int
    reports: list[TableReport] = field(default_factory=list)
    phases: list[tuple[str, float]] = field(default_factory=list)
    seconds: float = 0.0


class Generator(PeopleMixin, DetentionMixin, SourceMixin, WorkflowMixin):
    """Generates everything, case by case; the mixins hold the parts (people, detentions,
    sources, workflow) and share the state set up here."""

    def __init__(
        self,
        *,
        cases: int,
        seed: int,
        tables: Tables,
        terms: Terms,
        users: Users,
        log: Callable[[str], None],
    ) -> None:
        self.case_count = cases
        self.rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data, not secrets
        self.t = tables
        self.terms = terms
        self.users = users
        self.log = log
        self.ids = Ids()
        self.dates = UncertainDates()
        self.setup_time = SETUP
        # A small run gets a sparser gazetteer (see GazetteerBuilder); from 10,000 cases, all.
        self.gazetteer_detail = min(1.0, cases / 10_000)
        self.planner = TimelinePlanner(self.rng, self.dates, TODAY)
        self.phases: list[tuple[str, float]] = []
        self._search: dict[tuple[str, int, str], str] = {}
        self._people: dict[int, list[PersonSeen]] = defaultdict(list)  # by county place id
        self._last_case_in: dict[int, int] = {}  # county place id -> case id
        self._annual: dict[tuple[str, int], SourceInfo] = {}

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def search_text(
        self, value: str, max_length: int, derive: Callable[[str], str] = search_key
    ) -> str:
        """SearchTextField.pre_save: the field's derivation (search_key, or name_search_key
        for people's names) of the source field, cut to the column."""
        key = (value, max_length, derive.__name__)
        cached = self._search.get(key)
        if cached is None:
            cached = self._search[key] = derive(value)[:max_length]
        return cached

    def reference(self, year: int, counters: dict[int, int]) -> str:
        counters[year] = counters.get(year, 0) + 1
        return f"{settings.CASEBOOK_REFERENCE_PREFIX}-{year}-{counters[year]:04d}"

    def run(self, counters: dict[int, int]) -> None:
        started = time.monotonic()
        self.gazetteer: Gazetteer = GazetteerBuilder(self).build()
        self._phase("gazetteer", started, f"{self.ids.last('place'):,} places")
        started = time.monotonic()
        self.authorities: Authorities = OrganizationBuilder(self).build(self.gazetteer)
        self._phase("organisations", started, f"{self.ids.last('organization'):,} organisations")
        started = time.monotonic()
        headers = self._case_headers()
        step = max(1, len(headers) // 10)
        for case_id, header in enumerate(headers, start=1):
            self._case(case_id, header, counters)
            if case_id % step == 0 and case_id < len(headers):
                seconds = time.monotonic() - started
                self.log(f"  cases {case_id:,}/{len(headers):,} ({seconds:.1f} s)")
        self._phase("cases", started, f"{len(headers):,} cases")
        self.dates.check_sample()

    def _phase(self, name: str, started: float, what: str) -> None:
        seconds = time.monotonic() - started
        self.phases.append((name, seconds))
        self.log(f"generated {name}: {what} ({seconds:.1f} s)")

    def _case_headers(self) -> list[tuple]:
        """When and where each case happened and when it was entered, sorted by entry: ids
        and reference numbers then follow the order of entry, as in the application."""
        rng = self.rng
        counties = self.gazetteer.counties
        cumulative = list(itertools.accumulate(county.weight for county in counties))
        years = list(range(FIRST_YEAR, TODAY.year + 1))
        year_weights = list(itertools.accumulate(_year_weight(year) for year in years))
        headers = []
        for number in range(self.case_count):
            county_index = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
            year = years[bisect.bisect_right(year_weights, rng.random() * year_weights[-1])]
            first = datetime.date(year, 1, 1)
            last = min(datetime.date(year, 12, 31), TODAY - datetime.timedelta(days=5))
            day = first + datetime.timedelta(days=between(rng, 0, (last - first).days))
            occurred = self.dates.text(day, self.dates.precision(rng))
            if day < SETUP.date():
                # Older cases were back-filled in the first two years of the database.
                entered = SETUP + datetime.timedelta(seconds=between(rng, 0, 730 * 86400))
            else:
                entered = datetime.datetime.combine(
                    day, datetime.time(8, tzinfo=datetime.UTC)
                ) + datetime.timedelta(days=between(rng, 2, 120), seconds=between(rng, 0, 36000))
            entered = min(entered, NOW - datetime.timedelta(hours=2))
            headers.append((entered, number, county_index, day, occurred))
        headers.sort()
        return headers

    def _case(self, case_id: int, header: tuple, counters: dict[int, int]) -> None:
        rng, t = self.rng, self.t
        entered, _number, county_index, day, occurred = header
        county = self.gazetteer.counties[county_index]
        bodies = self.authorities.counties[county_index]
        earliest, latest = self.dates.bounds(occurred)
        # cases.services.cases._reference_year: the year it happened, else the year entered.
        year = entered.year if earliest is None or earliest == OPEN_START else earliest.year
        reference = self.reference(year, counters)
        settled = entered < NOW - datetime.timedelta(days=365)
        state = (STATES_SETTLED if settled else STATES_RECENT).pick(rng)
        confidentiality = CONFIDENTIALITY.pick(rng)
        monitor = rng.choice(self.users.monitors)
        place, religious = self._case_place(county, bodies)
        reason_index = rng.randrange(len(ALLEGED_REASONS))
        reason = ALLEGED_REASONS[reason_index]
        clock = Clock(entered, rng)

        verifying = state in (CaseState.VERIFIED, CaseState.DISPUTED)
        sources = self._sources(county, day, entered, reason, clock, verifying)
        annual = self._annual_report(day, entered, clock)
        citable = [source.id for source in sources] or ([annual.id] if annual else [])

        n = int(DETAINEES.pick(rng))
        group_at = rng.randrange(n) if n > 1 and rng.random() < 0.08 else -1
        unnamed = 0
        statuses: list[str] = []  # what became of each detainee
        names: list[str] = []
        people_in_case: set[int] = set()
        any_charged = any_concern_torture = False
        for index in range(n):
            arrested = day
            if rng.random() < 0.25:
                arrested = min(day + datetime.timedelta(days=between(rng, 1, 45)), TODAY)
            person_id, display, born = self._detainee(
                county,
                bodies,
                place,
                religious,
                arrested,
                is_group=index == group_at,
                unnamed_number=unnamed + 1,
                people_in_case=people_in_case,
                withheld=confidentiality == Confidentiality.RESTRICTED and rng.random() < 0.3,
                clock=clock,
                monitor=monitor,
                citable=citable,
            )
            people_in_case.add(person_id)
            if display:
                names.append(display)
            else:
                unnamed += 1
            status, charged, torture = self._detention(
                case_id, person_id, county, bodies, place, arrested, occurred, born, reason,
                clock, citable, same_day=arrested == day,
            )  # fmt: skip
            statuses.append(status)
            any_charged |= charged
            any_concern_torture |= torture

        # The case itself, now that what happened to its people is known.
        title = self._title(n, names, statuses, county, place, reason)
        summary = (
            f"{n} {'person' if n == 1 else 'people'} detained in {(place or county.place).name}"
            f" ({occurred or 'date unknown'}) for allegedly {lower_first(reason)}."
        )
        narrative = self._narrative(n, names, statuses, county, place, reason, occurred, sources)
        self._case_citations(case_id, sources, annual, clock, n, county, verifying)
        facts_changed = clock.now
        updated = self._workflow(case_id, state, monitor, facts_changed)
        t.case.add(
            id=case_id,
            created_at=entered,
            updated_at=updated,
            reference=reference,
            title=title,
            summary=summary,
            narrative=narrative,
            occurred=occurred,
            occurred_earliest=earliest,
            occurred_latest=latest,
            occurred_inferred=rng.random() < 0.08,
            place_id=place.id if place else None,
            confidentiality=confidentiality,
            state=state,
            assigned_monitor_id=monitor if rng.random() < 0.85 else None,
            created_by_id=monitor,
            updated_by_id=monitor,
            facts_changed_by_id=monitor,
            facts_changed_at=facts_changed,
            version=1,
        )
        for term in self._violations(reason_index, statuses, any_charged, any_concern_torture):
            t.case_violation_types.add(
                id=self.ids.next("case_violation_types"),
                case_id=case_id,
                term_id=term,
            )
        if confidentiality == Confidentiality.RESTRICTED:
            for user in rng.sample(self.users.monitors, between(rng, 1, 2)):
                t.grant.add(
                    id=self.ids.next("grant"),
                    case_id=case_id,
                    user_id=user,
                    granted_by_id=None,
                    granted_at=clock.later(hours=(1, 72)),
                    reason="Working on the case",
                )
        if state == CaseState.VERIFIED and rng.random() < 0.05:
            self._intervention(case_id, entered, clock)
        self._relation(case_id, county, clock)

    def _case_place(
        self, county: County, bodies: CountyBodies
    ) -> tuple[PlaceRecord | None, int | None]:
        """Where the case happened, and the monastery or nunnery (organisation) if there."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            nunnery = bool(county.nunneries) and rng.random() < 0.15
            place = rng.choice(
                county.nunneries if nunnery else county.monasteries or county.nunneries
            )
            return place, bodies.religious[place.id]
        if roll < 0.65:
            return rng.choice(county.townships), None
        if roll < 0.85:
            return county.place, None
        if roll < 0.88:
            return county.prefecture, None
        return None, None

    def _violations(
        self, reason_index: int, statuses: list[str], charged: bool, torture: bool
    ) -> list[int]:
        rng, ids = self.rng, self.terms.violation
        codes = []
        if rng.random() < 0.92:
            codes.append("arbitrary-detention")
        if reason_index in EXPRESSION and rng.random() < 0.8:
            codes.append("freedom-of-expression")
        if reason_index in RELIGION_REASONS and rng.random() < 0.8:
            codes.append("freedom-of-religion")
        if reason_index in PROTEST_REASONS and rng.random() < 0.7:
            codes.append("freedom-of-assembly")
        if "disappeared" in statuses:
            codes.append("enforced-disappearance")
        if "deceased" in statuses:
            codes.append("death-in-custody")
        if torture:
            codes.append("torture")
        if charged and rng.random() < 0.4:
            codes.append("unfair-trial")
        if rng.random() < 0.02:
            codes.append("reprisal-against-family")
        if rng.random() < 0.03:
            codes.append("surveillance")
        return [ids[code] for code in codes or ["arbitrary-detention"] if code in ids]

    def _title(
        self,
        n: int,
        names: list[str],
        statuses: list[str],
        county: County,
        place: PlaceRecord | None,
        reason: str,
    ) -> str:
        where = county.place.name
        if n == 1 and names:
            who = names[0]
            return {
                "sentenced": f"Sentencing of {who}, {where}",
                "disappeared": f"Enforced disappearance of {who}",
                "deceased": f"Death in custody of {who}",
            }.get(statuses[0], f"Detention of {who}, {where}")
        if n == 1:
            return f"Detention of a Tibetan in {(place or county.place).name}"
        if place is not None and place.kind == "monastery":
            return f"Detention of {n} people at {place.name}, {where}"
        return f"Arrest of {n} Tibetans over {lower_first(reason)}, {where}"

    def _narrative(
        self,
        n: int,
        names: list[str],
        statuses: list[str],
        county: County,
        place: PlaceRecord | None,
        reason: str,
        occurred: str,
        sources: list[SourceInfo],
    ) -> str:
        rng = self.rng
        outlet = next((s.outlet for s in sources if s.outlet), "a source inside Tibet")
        who = ", ".join(names[:3]) if names else f"{n} Tibetans"
        if names and n > len(names[:3]):
            who += f" and {n - len(names[:3])} others"
        when = f"on {occurred}" if occurred else "on an unknown date"
        text = (
            f"According to {outlet}, {who} {'was' if n == 1 else 'were'} detained {when} in "
            f"{(place or county.place).name}, {county.prefecture.name}, for allegedly "
            f"{lower_first(reason)}."
        )
        if "sentenced" in statuses:
            text += " Relatives learnt of the sentence only weeks after the trial."
        if "disappeared" in statuses:
            text += " The authorities have not disclosed where they are held."
        if "deceased" in statuses:
            text += " The family was told of the death and not allowed to see the body."
        if rng.random() < 0.3:
            text += "\n\nThe family was warned not to speak to anyone outside the county."
        return text


def _year_weight(year: int) -> float:
    """Documented detentions by year: waves in 2008 (protests across the plateau) and 2012
    (self-immolations), steady since, few records from before the late 1990s."""
    if year == 2008:
        return 8.0
    if year == 2012:
        return 5.0
    if year < 1996:
        return 1.0
    if year < 2008:
        return 1.5
    if year < 2012:
        return 3.5
    if year < 2020:
        return 4.0
    if year < TODAY.year:
        return 3.0
    return 1.5  # the current year so far


# --- Entry point -----------------------------------------------------------------------------


def ensure_users() -> Users:
    """Monitors and reviewers for the benchmark cases to name (gen-monitor-1, …). They cannot
    sign in: their passwords are unusable. Existing ones are reused."""
    User = get_user_model()
    wanted = [(f"gen-monitor-{i}", first, Role.MONITOR) for i, first in enumerate(MONITORS, 1)]
    wanted += [(f"gen-reviewer-{i}", first, Role.REVIEWER) for i, first in enumerate(REVIEWERS, 1)]
    existing = {user.username: user.pk for user in User.objects.filter(username__startswith="gen-")}
    next_id = (User.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1
    new_users = []
    for username, first_name, _role in wanted:
        if username not in existing:
            existing[username] = next_id
            new_users.append(
                User(
                    id=next_id,
                    username=username,
                    first_name=first_name,
                    last_name="(benchmark)",
                    email=f"{username}@example.invalid",
                    # Unusable ("!" prefix), and the same on every run, unlike make_password(None).
                    password="!benchmark-account-cannot-sign-in",  # noqa: S106
                    date_joined=SETUP,
                )
            )
            next_id += 1
    User.objects.bulk_create(new_users)
    groups = {group.name: group for group in Group.objects.filter(name__in=[r.value for r in Role])}
    for username, _first, role in wanted:
        User.groups.through.objects.get_or_create(
            user_id=existing[username], group_id=groups[role.value].pk
        )
    return Users(
        monitors=[existing[u] for u, _f, role in wanted if role == Role.MONITOR],
        reviewers=[existing[u] for u, _f, role in wanted if role == Role.REVIEWER],
    )


def generate(*, cases: int, seed: int, log: Callable[[str], None] = print) -> Summary:
    """Fill an empty database with `cases` cases and everything that hangs off them.

    Raises NotEmpty (writing nothing) when the database already holds domain records, and
    VocabulariesMissing when the seeded vocabularies are not there.
    """
    started = time.monotonic()
    summary = Summary(seed=seed, cases=cases)
    tables = Tables()
    terms = Terms()
    # COPY FREEZE needs the TRUNCATE in the same (sub)transaction and no older snapshot: only
    # when this is the outermost transaction (not, for instance, inside a test's).
    freeze = not connection.in_atomic_block
    writer = writer_for(tables.all, freeze=freeze)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Nobody may add a row between the check below and the load.
                names = ", ".join(f'"{table.name}"' for table in tables.all)
                cursor.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
        holding = tables_holding_rows(tables)
        if holding:
            raise NotEmpty(holding)
        users = ensure_users()
        counters = dict(ReferenceCounter.objects.values_list("year", "last_number"))
        generator = Generator(
            cases=cases, seed=seed, tables=tables, terms=terms, users=users, log=log
        )
        # From here until finish() the loading thread owns the connection.
        writer.prepare()
        try:
            generator.run(counters)
            summary.phases.extend(generator.phases)
            load_started = time.monotonic()
            log("loading the rest, rebuilding indexes and constraints …")
            writer.finish()
        finally:
            writer.close()
        writer.reset_sequences(get_user_model())
        for year, last_number in counters.items():
            ReferenceCounter.objects.update_or_create(
                year=year, defaults={"last_number": last_number}
            )
        summary.phases.append(("load, indexes and constraints", time.monotonic() - load_started))
    analyze_started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    summary.phases.append(("analyze", time.monotonic() - analyze_started))
    summary.reports = writer.reports
    summary.seconds = time.monotonic() - started
    return summary
