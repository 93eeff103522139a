"""The people detained: new ones with their names, affiliations and consents, and people
detained before who are detained again in a later case in the same county."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ..models import Recipient, Sex
from ..text import name_search_key
from .chance import Weighted, between
from .common import Clock
from .names import han_naming, tibetan_naming
from .organizations import CountyBodies
from .places import County, PlaceRecord

REPEAT_DETENTION = 0.17  # share of detentions of someone already detained before
OCCUPATIONS = Weighted(
    {
        None: 33.0,
        "nomad": 18.0,
        "farmer": 16.0,
        "student": 10.0,
        "monk": 8.0,
        "businessperson": 4.0,
        "teacher": 2.0,
        "writer": 2.0,
        "singer": 2.0,
        "driver": 2.0,
        "civil-servant": 1.0,
    }
)
SEX = Weighted({"male": 68.0, "female": 29.0, "unknown": 3.0})
ETHNICITY = Weighted({"tibetan": 95.0, "han": 2.0, "hui": 1.0, "mongol": 1.0, None: 1.0})
LAY_RELIGION = Weighted({"tibetan-buddhism": 65.0, "bon": 3.0, None: 32.0})
GROUP_SIZE = Weighted({2: 30, 3: 25, 4: 12, 5: 10, 7: 8, 10: 7, 15: 4, 25: 3, 40: 1})
BIRTH_PRECISION = Weighted({"day": 20.0, "year": 55.0, "year?": 10.0, "month": 5.0, "years": 5.0})


@dataclass
class PersonSeen:
    """A person who may be detained again: in a later case in the same county."""

    id: int
    born: datetime.date
    name: str


class PeopleMixin:
    """Part of Generator (uses its rng, tables, terms, ids and dates)."""

    def _detainee(
        self,
        county: County,
        bodies: CountyBodies,
        place: PlaceRecord | None,
        religious: int | None,
        arrested: datetime.date,
        *,
        is_group: bool,
        unnamed_number: int,
        people_in_case: set[int],
        withheld: bool,
        clock: Clock,
        monitor: int,
        citable: list[int],
    ) -> tuple[int, str, datetime.date]:
        """Someone detained before (the same person in a later case) or a new person."""
        rng = self.rng
        seen = self._people[county.place.id]
        if not is_group and seen and rng.random() < REPEAT_DETENTION:
            again = seen[rng.randrange(len(seen))]
            if again.id not in people_in_case and (arrested - again.born).days > 14 * 365:
                return again.id, again.name, again.born
        return self._new_person(
            county, bodies, place, religious, arrested, is_group=is_group,
            unnamed_number=unnamed_number, withheld=withheld, clock=clock, monitor=monitor,
            citable=citable,
        )  # fmt: skip

    def _new_person(
        self,
        county: County,
        bodies: CountyBodies,
        place: PlaceRecord | None,
        religious: int | None,
        arrested: datetime.date,
        *,
        is_group: bool,
        unnamed_number: int,
        withheld: bool,
        clock: Clock,
        monitor: int,
        citable: list[int],
    ) -> tuple[int, str, datetime.date]:
        rng, t, terms = self.rng, self.t, self.terms
        person_id = self.ids.next("person")
        created = clock.later(minutes=(1, 20))
        at_nunnery = place is not None and place.name.endswith("Nunnery")
        at_monastery = religious is not None and not at_nunnery
        if at_nunnery:
            sex = Sex.FEMALE.value if rng.random() < 0.95 else Sex.UNKNOWN.value
        elif at_monastery:
            sex = Sex.MALE.value if rng.random() < 0.9 else Sex.FEMALE.value
        else:
            sex = SEX.pick(rng)
        ethnicity = ETHNICITY.pick(rng)
        occupation = None
        if at_monastery and sex == Sex.MALE and rng.random() < 0.75:
            occupation = "monk"
        elif at_nunnery and sex == Sex.FEMALE and rng.random() < 0.8:
            occupation = "nun"
        elif ethnicity == "tibetan":
            occupation = OCCUPATIONS.pick(rng)
            if occupation == "monk" and sex != Sex.MALE:
                occupation = "nun" if sex == Sex.FEMALE else None
        religious_life = occupation in ("monk", "nun")
        if religious_life:
            religion = "bon" if rng.random() < 0.04 else "tibetan-buddhism"
        elif ethnicity == "tibetan":
            religion = LAY_RELIGION.pick(rng)
        else:
            religion = None if rng.random() < 0.7 else "none"
        age = self._age(occupation)
        born = arrested - datetime.timedelta(days=int(age * 365.25) + between(rng, 0, 364))
        birth_date = ""
        if not is_group and rng.random() < 0.55:
            birth_date = self.dates.text(born, self.dates.precision(rng, BIRTH_PRECISION))
        birth_earliest, birth_latest = self.dates.bounds(birth_date)

        name = description = ""
        head_count = 1
        naming = None
        where = (place or county.place).name
        if is_group:
            head_count = GROUP_SIZE.pick(rng)
            description = (
                f"Monks of {place.name}"
                if at_monastery and place is not None
                else f"{rng.choice(('Residents', 'Nomads', 'Villagers'))} of {where}"
            )
        elif rng.random() < 0.1:
            who = {"monk": "Monk", "nun": "Nun"}.get(occupation or "", "Tibetan")
            description = f"{who} detained in {where} ({unnamed_number})"
        else:
            naming = (
                han_naming(rng)
                if ethnicity == "han"
                else tibetan_naming(rng, sex=sex, religious=religious_life)
            )
            name = naming.display
        withheld = withheld or (naming is not None and rng.random() < 0.03)
        home = None
        if rng.random() < 0.7:
            home = rng.choice(county.townships) if rng.random() < 0.85 else county.place

        t.person.add(
            id=person_id,
            created_at=created,
            updated_at=created,
            public_id=self.uuid(),
            name=name,
            description=description,
            identity_withheld=withheld,
            is_group=is_group,
            head_count=head_count,
            sex=sex,
            birth_date=birth_date,
            birth_date_earliest=birth_earliest,
            birth_date_latest=birth_latest,
            ethnicity_id=terms.ethnicity.get(ethnicity) if ethnicity else None,
            religion_id=terms.religion.get(religion) if religion else None,
            occupation_id=terms.occupation.get(occupation) if occupation else None,
            home_place_id=home.id if home else None,
            version=1,
        )
        if naming is not None:
            for variant in naming.variants:
                t.person_name.add(
                    id=self.ids.next("person_name"),
                    person_id=person_id,
                    name=variant.name,
                    language=variant.language,
                    kind=variant.kind,
                    search_text=self.search_text(variant.name, 900, name_search_key),
                )
            self._consents(person_id, created, monitor)
            self._people[county.place.id].append(PersonSeen(person_id, born, name))
        self._affiliations(person_id, occupation, religious, county, bodies)
        if citable and rng.random() < 0.03:
            self._cite(rng.choice(citable), clock, person_id=person_id, claim="Identity")
        return person_id, name, born

    def _age(self, occupation: str | None) -> float:
        rng = self.rng
        if occupation == "student":
            return rng.uniform(13, 24)
        if occupation in ("monk", "nun"):
            return rng.triangular(15, 70, 26)
        return rng.triangular(16, 80, 30)

    def _consents(self, person_id: int, created: datetime.datetime, monitor: int) -> None:
        rng = self.rng
        if rng.random() > 0.35:
            return
        for recipient, chance in (
            (Recipient.UN, 0.8),
            (Recipient.PARTNER, 0.7),
            (Recipient.PUBLIC, 0.5),
            (Recipient.MEDIA, 0.25),
        ):
            if rng.random() < chance:
                self.t.consent.add(
                    id=self.ids.next("consent"),
                    person_id=person_id,
                    recipient=recipient.value,
                    decision="granted" if rng.random() < 0.85 else "refused",
                    given_by=rng.choice(("the person", "a relative", "the family")),
                    recorded_on=created.date(),
                    recorded_by_id=monitor,
                )

    def _affiliations(
        self,
        person_id: int,
        occupation: str | None,
        religious: int | None,
        county: County,
        bodies: CountyBodies,
    ) -> None:
        rng = self.rng
        role = organization = None
        if occupation in ("monk", "nun"):
            organization = religious
            if organization is None:
                places = county.nunneries if occupation == "nun" else county.monasteries
                places = places or county.monasteries + county.nunneries
                organization = bodies.religious[rng.choice(places).id]
            role = "abbot" if rng.random() < 0.01 else occupation
        elif occupation in ("student", "teacher") and bodies.schools and rng.random() < 0.6:
            organization, role = rng.choice(bodies.schools), occupation
        if organization is None:
            return
        self.t.affiliation.add(
            id=self.ids.next("affiliation"),
            person_id=person_id,
            organization_id=organization,
            role_id=self.terms.role[role],
            started_on_earliest=None,
            started_on_latest=None,
            ended_on_earliest=None,
            ended_on_latest=None,
        )
