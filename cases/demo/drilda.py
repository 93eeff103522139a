"""The demo case: five Tibetans, two of them monks of Drilda monastery, arrested on 6 March 2014
for sharing pictures and messages on WeChat, as reported in an article dated 30 May 2014.

Loaded through the services, as a monitor would enter it, and recorded as written by the
system user (casebook.accounts.system): nobody typed it. Loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from casebook.accounts.roles import Role
from casebook.accounts.system import system_user

from ..models import (
    Case,
    Confidentiality,
    Credibility,
    Hand,
    LanguageTag,
    Organization,
    Place,
    PlaceKind,
    Reliability,
    Sex,
    Term,
    VocabularyKey,
    Whereabouts,
)
from ..services.cases import case_create
from ..services.detentions import detention_create
from ..services.organizations import organization_create
from ..services.people import person_add_affiliation, person_create
from ..services.places import place_create
from ..services.sources import citation_create, source_create

ARTICLE_PATH = Path(__file__).with_name("wechat-crackdown-article.txt")
CASE_TITLE = "Arrest of five Tibetans over WeChat messages, Sog County"
ARREST_SENTENCE = (
    "Five Tibetans including two monks of Drilda monastery in Sog County in the traditional "
    "Tibetan province of Kham were arrested by Chinese authorities on March 6 for allegedly "
    "sharing pictures and messages on WeChat."
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: Role
    first_name: str


DEMO_USERS = (
    DemoUser("monitor", "monitor-casebook", Role.MONITOR, "Dolma"),
    DemoUser("monitor2", "monitor2-casebook", Role.MONITOR, "Tenzin"),
    DemoUser("reviewer", "reviewer-casebook", Role.REVIEWER, "Pema"),
    DemoUser("reviewer2", "reviewer2-casebook", Role.REVIEWER, "Sonam"),
    DemoUser("advocate", "advocate-casebook", Role.ADVOCATE, "Yangchen"),
    DemoUser("admin", "admin-casebook", Role.ADMINISTRATOR, "Lobsang"),
)


def term(vocabulary: VocabularyKey, code: str) -> Term:
    return Term.objects.get(vocabulary__key=vocabulary.value, code=code)


def ensure_demo_users() -> dict[str, Any]:
    """Create the demo users that do not exist yet; existing ones keep their passwords."""
    User = get_user_model()
    users = {}
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={"first_name": demo.first_name, "email": f"{demo.username}@example.org"},
        )
        if created:
            user.set_password(demo.password)
            if demo.role is Role.ADMINISTRATOR:
                user.is_staff = True
                user.is_superuser = True
            user.save()
            user.groups.add(Group.objects.get(name=demo.role.value))
        users[demo.username] = user
    return users


def _place(acting_user: Any, name: str, kind: str, parent: Place | None, **fields: Any) -> Place:
    existing = Place.objects.filter(name=name, parent=parent).first()
    if existing:
        return existing
    return place_create(acting_user=acting_user, name=name, kind=kind, parent=parent, **fields)


def _gazetteer(acting_user: Any) -> Place:
    kham = term(VocabularyKey.TRADITIONAL_REGION, "kham")
    china = _place(
        acting_user,
        "China",
        PlaceKind.COUNTRY,
        None,
        names=[("中国", LanguageTag.CHINESE_SIMPLIFIED), ("རྒྱ་ནག", LanguageTag.TIBETAN)],
        external_id="geonames:1814991",
    )
    tar = _place(
        acting_user,
        "Tibet Autonomous Region",
        PlaceKind.REGION,
        china,
        names=[
            ("西藏自治区", LanguageTag.CHINESE_SIMPLIFIED),
            ("Xizang Zizhiqu", LanguageTag.PINYIN),
            ("བོད་རང་སྐྱོང་ལྗོངས", LanguageTag.TIBETAN),
        ],
    )
    nagchu = _place(
        acting_user,
        "Nagchu",
        PlaceKind.PREFECTURE,
        tar,
        names=[
            ("那曲", LanguageTag.CHINESE_SIMPLIFIED),
            ("Naqu", LanguageTag.PINYIN),
            ("ནག་ཆུ", LanguageTag.TIBETAN),
        ],
    )
    sog = _place(
        acting_user,
        "Sog County",
        PlaceKind.COUNTY,
        nagchu,
        names=[
            ("索县", LanguageTag.CHINESE_SIMPLIFIED),
            ("Suo Xian", LanguageTag.PINYIN),
            ("སོག་རྫོང", LanguageTag.TIBETAN),
        ],
        traditional_region=kham,
        # The county seat; the monastery's own position is not known.
        latitude=Decimal("31.886"),
        longitude=Decimal("93.790"),
    )
    return _place(
        acting_user, "Drilda monastery", PlaceKind.MONASTERY, sog, traditional_region=kham
    )


@transaction.atomic
def load_drilda_case(*, acting_user: Any = None, assigned_monitor: Any = None) -> tuple[Case, bool]:
    """Load the demo case; return it and whether it was created now.

    Its versions name `acting_user`, the system user unless another is given; the case is
    assigned to `assigned_monitor` (the demo monitor, where there is one).
    """
    acting_user = acting_user or system_user()
    existing = Case.objects.filter(title=CASE_TITLE).first()
    if existing:
        return existing, False

    drilda_place = _gazetteer(acting_user)
    monastery = Organization.objects.filter(name="Drilda monastery").first() or organization_create(
        acting_user=acting_user,
        name="Drilda monastery",
        kind=term(VocabularyKey.ORGANIZATION_KIND, "monastery"),
        place=drilda_place,
    )
    article = source_create(
        acting_user=acting_user,
        kind=term(VocabularyKey.SOURCE_KIND, "news-report"),
        title="China begins month-long campaign to crackdown on mobile instant messaging services",
        published_on="2014-05-30",
        language=LanguageTag.ENGLISH,
        reliability=Reliability.C,
        connection=term(VocabularyKey.SOURCE_CONNECTION, "reporter"),
        hand=Hand.SECOND,
        notes=(
            "Second-hand: datelined Dharamsala, 30 May; the report does not say how it learnt "
            "of the arrests. Full text kept with the demo data.\n\n" + ARTICLE_PATH.read_text()
        ),
    )
    case = case_create(
        acting_user=acting_user,
        title=CASE_TITLE,
        summary=(
            "Five Tibetans, two of them monks of Drilda monastery in Sog County (Kham), were "
            "arrested by Chinese authorities on 6 March 2014 for allegedly sharing pictures and "
            "messages on WeChat. Names, charges and whereabouts are not known."
        ),
        narrative=ARREST_SENTENCE,
        occurred="2014-03-06",
        occurred_inferred=True,
        place=drilda_place,
        confidentiality=Confidentiality.PUBLIC,
        assigned_monitor=assigned_monitor,
        violation_types=[
            term(VocabularyKey.VIOLATION_TYPE, "arbitrary-detention"),
            term(VocabularyKey.VIOLATION_TYPE, "freedom-of-expression"),
        ],
    )
    citation_create(
        acting_user=acting_user,
        source=article,
        case=case,
        claim="Five Tibetans, two of them Drilda monks, arrested on 6 March for WeChat messages",
        excerpt=ARREST_SENTENCE,
        credibility=Credibility.POSSIBLY_TRUE,
    )

    tibetan = term(VocabularyKey.ETHNICITY, "tibetan")
    people = []
    for number in (1, 2):
        monk = person_create(
            acting_user=acting_user,
            description=f"Monk of Drilda monastery ({number} of 2)",
            sex=Sex.MALE,
            ethnicity=tibetan,
            religion=term(VocabularyKey.RELIGION, "tibetan-buddhism"),
            occupation=term(VocabularyKey.OCCUPATION, "monk"),
        )
        person_add_affiliation(
            acting_user=acting_user,
            person=monk,
            organization=monastery,
            role=term(VocabularyKey.AFFILIATION_ROLE, "monk"),
        )
        people.append((monk, "one of the two monks of Drilda monastery"))
    for number in (1, 2, 3):
        layperson = person_create(
            acting_user=acting_user,
            description=f"Tibetan arrested with the Drilda monks ({number} of 3)",
            ethnicity=tibetan,
        )
        people.append((layperson, "one of the three other Tibetans"))

    for person, who in people:
        detention = detention_create(
            acting_user=acting_user,
            case=case,
            person=person,
            detained_on="2014-03-06",
            authority_description="Chinese authorities",
            alleged_reason="Sharing pictures and messages on WeChat",
            whereabouts=Whereabouts.UNKNOWN,
        )
        citation_create(
            acting_user=acting_user,
            source=article,
            detention=detention,
            claim=f"Arrest on 6 March 2014 of {who}",
            excerpt=ARREST_SENTENCE,
            credibility=Credibility.POSSIBLY_TRUE,
        )
    return case, True
