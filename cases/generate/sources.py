"""Sources (news reports, NGO reports, testimonies, verdicts) and the citations that tie them
to exactly one case, detention, event or person."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .chance import Weighted, between
from .common import Clock, lower_first
from .names import AUTHORS, BO, EN, OUTLETS
from .places import County

SOURCES_PER_CASE = Weighted({0: 6.0, 1: 52.0, 2: 30.0, 3: 12.0})
CREDIBILITY = Weighted({1: 10.0, 2: 30.0, 3: 35.0, 4: 8.0, 5: 2.0, 6: 15.0})
RELIABILITY = Weighted({"A": 3.0, "B": 25.0, "C": 45.0, "D": 12.0, "E": 3.0, "F": 12.0})
ANNUAL_REPORTERS = (
    "Tibetan Centre for Human Rights and Democracy",
    "International Campaign for Tibet",
    "Human Rights Watch",
    "Tibet Watch",
)


@dataclass
class SourceInfo:
    id: int
    outlet: str
    published: datetime.date


class SourceMixin:
    """Part of Generator (uses its rng, tables, terms, ids and dates)."""

    def _sources(
        self,
        county: County,
        day: datetime.date,
        entered: datetime.datetime,
        reason: str,
        clock: Clock,
        verifying: bool,
    ) -> list[SourceInfo]:
        rng, terms = self.rng, self.terms
        sources: list[SourceInfo] = []
        count = SOURCES_PER_CASE.pick(rng)
        for index in range(max(count, 1) if verifying else count):
            source_id = self.ids.next("source")
            window = max(0, (entered.date() - day).days)
            published = day + datetime.timedelta(days=between(rng, 0, min(window, 120)))
            collected = min(
                published + datetime.timedelta(days=between(rng, 0, 20)), entered.date()
            )
            published_on = (
                published.isoformat() if rng.random() < 0.9 else published.isoformat()[:7]
            )
            earliest, latest = self.dates.bounds(published_on)
            roll = rng.random()
            originator_relation = url = outlet = author = ""
            if roll < 0.14:
                kind, connection_code = "testimony", rng.choice(("relative", "witness", "victim"))
                language = BO if rng.random() < 0.7 else EN
                title = f"Testimony about detentions in {county.place.name}"
                originator_relation = rng.choice(
                    ("brother", "sister", "fellow monk", "neighbour", "cousin", "former detainee")
                )
                hand = "first"
            else:
                outlet, language, base = rng.choice(OUTLETS)
                kind = {
                    "China Judgements Online": "court-verdict",
                    "Weibo": "social-media-post",
                    "Xinhua": "government-statement",
                    "Tibet Daily": "news-report",
                }.get(
                    outlet,
                    "ngo-report" if "Human" in outlet or "Campaign" in outlet else "news-report",
                )
                connection_code = {
                    "court-verdict": "official",
                    "government-statement": "official",
                }.get(kind, "ngo" if kind == "ngo-report" else "reporter")
                title = self._source_title(kind, county, reason, published)
                author = rng.choice(AUTHORS)
                slug = county.place.name.split()[0].lower()
                url = f"{base}{published.year}/{published.month:02d}/{source_id}-{slug}.html"
                hand = "second" if rng.random() < 0.7 else "unknown"
            repeats = None
            if sources and kind == "news-report" and rng.random() < 0.15:
                repeats = sources[0].id
            created = clock.later(minutes=(1, 30))
            self.t.source.add(
                id=source_id,
                created_at=created,
                updated_at=created,
                public_id=self.uuid(),
                kind_id=terms.source_kind[kind],
                title=title,
                outlet=outlet,
                author=author,
                published_on=published_on,
                published_on_earliest=earliest,
                published_on_latest=latest,
                collected_on=collected,
                url=url,
                language=language,
                # A verified case passed corroboration (CASEBOOK_CORROBORATION): its first
                # source is graded A or B, and cited strongly (see _case_citations).
                reliability=("A" if rng.random() < 0.1 else "B")
                if verifying and index == 0
                else RELIABILITY.pick(rng),
                connection_id=terms.connection[connection_code],
                hand=hand,
                repeats_id=repeats,
                originator_relation=originator_relation,
                notes="",
                version=1,
            )
            sources.append(SourceInfo(source_id, outlet, published))
        return sources

    def _source_title(
        self, kind: str, county: County, reason: str, published: datetime.date
    ) -> str:
        where = county.place.name
        if kind == "court-verdict":
            number = between(self.rng, 1, 240)
            return f"Criminal judgment ({published.year}) {county.chinese}刑初字第{number}号"
        if kind == "government-statement":
            return f"Public security organs in {where} handle illegal activities"
        if kind == "social-media-post":
            return f"Post about detentions in {where}"
        who = self.rng.choice(("Tibetans", "Monks", "Nomads", "Students", "Villagers"))
        return f"{who} detained in {where} for {lower_first(reason)}"

    def _annual_report(
        self, day: datetime.date, entered: datetime.datetime, clock: Clock
    ) -> SourceInfo | None:
        """An NGO's annual report on the year, cited by many cases of that year (12 %)."""
        rng = self.rng
        if rng.random() > 0.12:
            return None
        reporter = rng.choice(ANNUAL_REPORTERS)
        published = datetime.date(day.year + 1, 3, 10)
        if published > entered.date():
            return None
        key = (reporter, day.year)
        if key not in self._annual:
            source_id = self.ids.next("source")
            created = clock.later(minutes=(1, 5))
            self.t.source.add(
                id=source_id,
                created_at=created,
                updated_at=created,
                public_id=self.uuid(),
                kind_id=self.terms.source_kind["ngo-report"],
                title=f"Human rights situation in Tibet: annual report {day.year}",
                outlet=reporter,
                author="Research team",
                published_on=published.isoformat()[:7],
                published_on_earliest=published.replace(day=1),
                published_on_latest=datetime.date(published.year, 3, 31),
                collected_on=published,
                url="",
                language=EN,
                reliability="B",
                connection_id=self.terms.connection["ngo"],
                hand="second",
                repeats_id=None,
                originator_relation="",
                notes="Annual report covering many cases.",
                version=1,
            )
            self._annual[key] = SourceInfo(source_id, reporter, published)
        return self._annual[key]

    def _cite(
        self, source_id: int, clock: Clock, *, claim: str, credibility: int | None = None, **target
    ) -> None:
        """A citation of exactly one target (case_id=, detention_id=, detention_event_id= or
        person_id=): the database constraint the generator must respect."""
        rng = self.rng
        created = clock.later(minutes=(1, 5))
        self.t.citation.add(
            id=self.ids.next("citation"),
            created_at=created,
            updated_at=created,
            source_id=source_id,
            claim=claim,
            excerpt="" if rng.random() < 0.3 else f"{claim}, according to the report.",
            locator=rng.choice(("", "", "p. 2", "para. 4", f"p. {between(rng, 3, 80)}")),
            credibility=credibility or CREDIBILITY.pick(rng),
            **target,
        )

    def _case_citations(
        self,
        case_id: int,
        sources: list[SourceInfo],
        annual: SourceInfo | None,
        clock: Clock,
        n: int,
        county: County,
        verifying: bool,
    ) -> None:
        rng = self.rng
        claim = f"Detention of {n} {'person' if n == 1 else 'people'} in {county.place.name}"
        for index, source in enumerate(sources):
            if verifying and index == 0:
                self._cite(source.id, clock, case_id=case_id, claim=claim, credibility=2)
            elif rng.random() < 0.65:
                self._cite(source.id, clock, case_id=case_id, claim=claim)
        if annual is not None:
            self._cite(annual.id, clock, case_id=case_id, claim=claim)
