"""Organisations: the authorities that detain, try and hold people, and the monasteries and
schools people belong to, each tied to its place in the gazetteer.

Every county has a public security bureau with its detention centre, a people's court, often a
procuratorate and schools; every prefecture a public security bureau, an intermediate court,
sometimes a state security bureau, and a prison; every province a public security department and
a higher court. Every monastery and nunnery in the gazetteer is also an organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .chance import between
from .names import BO_LATN, PINYIN, ZH
from .places import County, Gazetteer, PlaceRecord


@dataclass
class CountyBodies:
    police: int
    detention_centre: int
    court: int
    procuratorate: int | None
    schools: list[int] = field(default_factory=list)
    religious: dict[int, int] = field(default_factory=dict)  # monastery place id -> organisation


@dataclass
class PrefectureBodies:
    police: int
    court: int
    state_security: int | None
    prison: int
    prison_place: int


@dataclass
class Authorities:
    counties: list[CountyBodies]  # in the order of Gazetteer.counties
    prefectures: dict[int, PrefectureBodies]  # by prefecture place id
    higher_courts: dict[int, int]  # by province place id


class OrganizationBuilder:
    def __init__(self, gen) -> None:
        self.gen = gen
        self.rng = gen.rng

    def organization(
        self,
        name: str,
        kind: str,
        place: PlaceRecord | None,
        *,
        parent: int | None = None,
        names: tuple[tuple[str, str], ...] = (),
    ) -> int:
        gen = self.gen
        organization_id = gen.ids.next("organization")
        gen.t.organization.add(
            id=organization_id,
            created_at=gen.setup_time,
            updated_at=gen.setup_time,
            public_id=gen.uuid(),
            name=name,
            kind_id=gen.terms.organization_kind[kind],
            parent_id=parent,
            place_id=place.id if place else None,
        )
        for variant, language in names:
            if variant:
                gen.t.organization_name.add(
                    id=gen.ids.next("organization_name"),
                    organization_id=organization_id,
                    name=variant,
                    language=language,
                    search_text=gen.search_text(variant, 900),
                )
        return organization_id

    def build(self, gazetteer: Gazetteer) -> Authorities:
        org = self.organization
        departments, higher_courts = {}, {}
        for province in gazetteer.provinces:
            chinese = province.names[ZH]
            departments[province.id] = org(
                f"{province.name} Public Security Department",
                "police",
                province,
                names=((f"{chinese}公安厅", ZH),),
            )
            higher_courts[province.id] = org(
                f"{province.name} Higher People's Court",
                "court",
                province,
                names=((f"{chinese}高级人民法院", ZH),),
            )
        prefectures: dict[int, PrefectureBodies] = {}
        for place, data, province in gazetteer.prefectures:
            prison = gazetteer.prisons[place.id]
            prefectures[place.id] = PrefectureBodies(
                police=org(
                    f"{data.name} Public Security Bureau",
                    "police",
                    place,
                    parent=departments[province.id],
                    names=((f"{data.chinese}公安局", ZH), (f"{data.pinyin} Gong'anju", PINYIN)),
                ),
                court=org(
                    f"{data.name} Intermediate People's Court",
                    "court",
                    place,
                    parent=higher_courts[province.id],
                    names=(
                        (f"{data.chinese}中级人民法院", ZH),
                        (f"{data.pinyin} Zhongji Renmin Fayuan", PINYIN),
                    ),
                ),
                state_security=org(
                    f"{data.name} State Security Bureau",
                    "state-security",
                    place,
                    names=((f"{data.chinese}国家安全局", ZH),),
                )
                if self.rng.random() < 0.5
                else None,
                prison=org(
                    prison.name,
                    "prison",
                    prison,
                    names=((f"{data.chinese}监狱", ZH), (f"{data.pinyin} Jianyu", PINYIN)),
                ),
                prison_place=prison.id,
            )
        counties = [self._county(county, prefectures) for county in gazetteer.counties]
        return Authorities(counties, prefectures, higher_courts)

    def _county(self, county: County, prefectures: dict[int, PrefectureBodies]) -> CountyBodies:
        org, rng = self.organization, self.rng
        place, name = county.place, county.place.name
        above = prefectures[county.prefecture.id]
        police = org(
            f"{name} Public Security Bureau",
            "police",
            place,
            parent=above.police,
            names=((f"{county.chinese}公安局", ZH), (f"{county.pinyin} Gong'anju", PINYIN)),
        )
        bodies = CountyBodies(
            police=police,
            detention_centre=org(
                f"{name} Detention Centre",
                "detention-centre",
                county.detention_centre,
                parent=police,
                names=(
                    (f"{county.chinese}看守所", ZH),
                    (f"{county.pinyin} Kanshousuo", PINYIN),
                ),
            ),
            court=org(
                f"{name} People's Court",
                "court",
                place,
                parent=above.court,
                names=(
                    (f"{county.chinese}人民法院", ZH),
                    (f"{county.pinyin} Renmin Fayuan", PINYIN),
                ),
            ),
            procuratorate=org(
                f"{name} People's Procuratorate",
                "procuratorate",
                place,
                names=((f"{county.chinese}人民检察院", ZH),),
            )
            if rng.random() < 0.5
            else None,
        )
        if rng.random() < 0.7:
            bodies.schools.append(
                org(
                    f"{name} Ethnic Middle School",
                    "school",
                    place,
                    names=((f"{county.chinese}民族中学", ZH),),
                )
            )
        for township in rng.sample(county.townships, between(rng, 1, 2)):
            word = township.name.rsplit(" ", 1)[0]
            bodies.schools.append(org(f"{word} Primary School", "school", township))
        for kind, places in (("monastery", county.monasteries), ("nunnery", county.nunneries)):
            for monastery in places:
                names = tuple((name, language) for language, name in monastery.names.items())
                if rng.random() < 0.3:
                    # Reports in English often call a monastery by its Tibetan name: "… Gonpa".
                    word = monastery.name.rsplit(" ", 1)[0]
                    names += ((f"{word} Gonpa", BO_LATN),)
                bodies.religious[monastery.id] = org(monastery.name, kind, monastery, names=names)
        return bodies
