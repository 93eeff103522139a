"""What every part of the generator shares: the fixed clock, the vocabularies, the tables
written, and ids handed out in Python.

Everything is dated from two fixed instants, never from the wall clock, so that the same seed
gives the same rows on every run.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass

from ..models import (
    AccessGrant,
    Affiliation,
    Case,
    CaseRelation,
    CaseTransition,
    CaseWatch,
    Citation,
    Consent,
    Detention,
    DetentionEvent,
    Intervention,
    Organization,
    OrganizationName,
    Person,
    PersonName,
    Place,
    PlaceName,
    Source,
    Term,
    VocabularyKey,
)
from .writer import Table

CASES_AT_SCALE_ONE = 100_000
# The generated database was started on SETUP (gazetteer, organisations, accounts, and the
# back-filling of older cases) and it is now NOW: nothing is dated later.
SETUP = datetime.datetime(2015, 1, 5, 9, 0, tzinfo=datetime.UTC)
NOW = datetime.datetime(2025, 6, 30, 17, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
FIRST_YEAR = 1987


class NotEmpty(Exception):
    """The database already holds domain records; generating would mix benchmark rows in."""


class VocabulariesMissing(Exception):
    """The Terms the generator points at are not there: the data migration has not run."""


# Every Term code the generator uses, by vocabulary.
NEEDED_TERMS = {
    VocabularyKey.TRADITIONAL_REGION: ("u-tsang", "kham", "amdo"),
    VocabularyKey.ORGANIZATION_KIND: (
        "monastery",
        "nunnery",
        "school",
        "police",
        "state-security",
        "procuratorate",
        "court",
        "prison",
        "detention-centre",
    ),
    VocabularyKey.LEGAL_PROCESS_EVENT: (
        "taken-into-custody",
        "criminal-detention",
        "administrative-detention",
        "formal-arrest",
        "indictment",
        "trial",
        "sentencing",
        "appeal",
        "appeal-decision",
        "transfer",
        "release-on-bail",
        "release",
        "release-after-sentence",
        "death-in-custody",
        "whereabouts-unknown",
    ),
    VocabularyKey.DETENTION_TYPE: ("criminal", "administrative", "rsdl", "incommunicado"),
    VocabularyKey.ETHNICITY: ("tibetan", "han", "hui", "mongol"),
    VocabularyKey.RELIGION: ("tibetan-buddhism", "bon", "none"),
    VocabularyKey.AFFILIATION_ROLE: ("monk", "nun", "abbot", "student", "teacher"),
}


class Terms:
    """Term ids by code, per vocabulary; legal-process events as Term instances, since the
    application's status derivation reads `event_type.implies_status` from them."""

    def __init__(self) -> None:
        by_vocabulary: dict[str, dict[str, Term]] = defaultdict(dict)
        for term in Term.objects.select_related("vocabulary").order_by("vocabulary__key", "code"):
            by_vocabulary[term.vocabulary.key][term.code] = term
        missing = [
            f"{key.value}:{code}"
            for key, codes in NEEDED_TERMS.items()
            for code in codes
            if code not in by_vocabulary.get(key.value, {})
        ]
        if missing:
            raise VocabulariesMissing(
                "These vocabulary terms are missing (run `manage.py migrate`, which seeds them): "
                + ", ".join(missing)
            )

        def ids(key: VocabularyKey) -> dict[str, int]:
            return {code: term.pk for code, term in by_vocabulary.get(key.value, {}).items()}

        self.regions = ids(VocabularyKey.TRADITIONAL_REGION)
        self.organization_kind = ids(VocabularyKey.ORGANIZATION_KIND)
        self.event = by_vocabulary[VocabularyKey.LEGAL_PROCESS_EVENT.value]
        self.detention_type = ids(VocabularyKey.DETENTION_TYPE)
        self.ethnicity = ids(VocabularyKey.ETHNICITY)
        self.religion = ids(VocabularyKey.RELIGION)
        self.occupation = ids(VocabularyKey.OCCUPATION)
        self.role = ids(VocabularyKey.AFFILIATION_ROLE)
        self.charge = ids(VocabularyKey.CHARGE)
        self.treatment = ids(VocabularyKey.TREATMENT_CONCERN)
        self.violation = ids(VocabularyKey.VIOLATION_TYPE)
        self.source_kind = ids(VocabularyKey.SOURCE_KIND)
        self.connection = ids(VocabularyKey.SOURCE_CONNECTION)
        self.intervention_kind = ids(VocabularyKey.INTERVENTION_KIND)


class Tables:
    """The tables written, in an order that respects their foreign keys."""

    def __init__(self) -> None:
        self.place = Table(Place)
        self.place_name = Table(PlaceName)
        self.organization = Table(Organization)
        self.organization_name = Table(OrganizationName)
        self.source = Table(Source)
        self.case = Table(Case)
        self.case_violation_types = Table(Case.violation_types.through)
        self.person = Table(Person)
        self.person_name = Table(PersonName)
        self.affiliation = Table(Affiliation)
        self.consent = Table(Consent)
        self.detention = Table(Detention)
        self.detention_charges = Table(Detention.charges.through)
        self.detention_treatment_concerns = Table(Detention.treatment_concerns.through)
        self.event = Table(DetentionEvent)
        self.citation = Table(Citation)
        self.intervention = Table(Intervention)
        self.case_relation = Table(CaseRelation)
        self.transition = Table(CaseTransition)
        self.watch = Table(CaseWatch)
        self.grant = Table(AccessGrant)

    @property
    def all(self) -> list[Table]:
        return list(vars(self).values())


def tables_holding_rows(tables: Tables) -> dict[str, int]:
    """What the tables already hold, e.g. {"case": 1, "people": 3} (the command refuses then)."""
    found = {}
    for table in tables.all:
        count = table.model._default_manager.count()
        if count:
            meta = table.model._meta
            found[str(meta.verbose_name if count == 1 else meta.verbose_name_plural)] = count
    return found


class Ids:
    """Primary keys, handed out here so rows can point at each other before anything is
    written; the tables are empty, so each sequence starts at 1."""

    def __init__(self) -> None:
        self._last: dict[str, int] = defaultdict(int)

    def next(self, name: str) -> int:
        self._last[name] += 1
        return self._last[name]

    def last(self, name: str) -> int:
        return self._last[name]


class Clock:
    """The time within one monitor's session of entering a case: it only moves forward."""

    def __init__(self, start: datetime.datetime, rng: random.Random) -> None:
        self.now = start
        self.rng = rng

    def later(
        self, *, minutes: tuple[int, int] = (0, 0), hours: tuple[int, int] = (0, 0)
    ) -> datetime.datetime:
        low = minutes[0] * 60 + hours[0] * 3600
        high = minutes[1] * 60 + hours[1] * 3600
        now = self.now + datetime.timedelta(seconds=low + int(self.rng.random() * (high - low)))
        self.now = now if now < NOW else NOW
        return self.now


@dataclass
class Users:
    monitors: list[int]
    reviewers: list[int]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
