"""A verified demo case enriched with everything a dossier must show or keep back.

Every sensitive value is a marker that appears nowhere else, so a test can search the bytes of
a dossier for it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from casebook.accounts.system import system_user
from cases.demo.drilda import load_drilda_case
from cases.models import (
    Case,
    CaseState,
    CaseTransition,
    Credibility,
    LanguageTag,
    Reliability,
    Transition,
    VocabularyKey,
)
from cases.models.person import Consent
from cases.services.detentions import detention_add_event
from cases.services.interventions import intervention_create

from ..factories import DetentionFactory, PersonFactory, SourceFactory, cite, term

CONTACT = "CONTACT-DETAILS-MARKER-q81"
FAMILY = "FAMILY-DETAILS-MARKER-z42"
INTERNAL_NOTES = "INTERNAL-NOTES-MARKER-k07"
ORIGINATOR = "ORIGINATOR-MARKER-w55"
HOW_OBTAINED = "HOW-OBTAINED-MARKER-p19"
SOURCE_NOTES = "SOURCE-NOTES-MARKER-m33"
RELATION = "RELATION-MARKER-b64"
INTERVENTION_NOTES = "INTERVENTION-NOTES-MARKER-c26"
INTERVENTION_RESPONSE = "INTERVENTION-RESPONSE-MARKER-d90"
REVIEW_COMMENT = "REVIEW-COMMENT-MARKER-e11"

# Never in a public or partner file, whatever the case (outward markers).
SENSITIVE = [CONTACT, FAMILY, INTERNAL_NOTES, ORIGINATOR, HOW_OBTAINED, SOURCE_NOTES]
# Never in any dossier, internal ones included.
NEVER = [
    CONTACT,
    FAMILY,
    INTERNAL_NOTES,
    ORIGINATOR,
    HOW_OBTAINED,
    SOURCE_NOTES,
    INTERVENTION_NOTES,
]

CONSENTED_NAME = "Tashi Dorje"  # consent for UN mechanisms only
CONSENTED_TIBETAN = "བཀྲ་ཤིས་རྡོ་རྗེ"
CONSENTED_CHINESE = "扎西多杰"
WITHHELD_NAME = "Lobsang Gyatso"  # identity withheld (consents notwithstanding)
WITHHELD_TIBETAN = "བློ་བཟང་རྒྱ་མཚོ"
UNCONSENTED_NAME = "Dolkar Tso"  # no consent recorded for anyone
UNCONSENTED_CHINESE = "卓嘎措"
TESTIMONY_EXCERPT = "He was taken from the monastery kitchen before dawn."
DRILDA_HIERARCHY = "Drilda monastery › Sog County › Nagchu › Tibet Autonomous Region › China"
ARREST_EXCERPT = "were arrested by Chinese authorities on March 6"


@dataclass
class RichCase:
    case: Case
    reviewer_username: str


def _grant(person, recipient: str) -> None:
    # No consent service exists yet; consent is plain data here.
    Consent.objects.create(
        person=person,
        recipient=recipient,
        decision="granted",
        recorded_on=datetime.date(2014, 6, 1),
    )


def rich_verified_case(*, reviewer) -> RichCase:
    case, _created = load_drilda_case(acting_user=system_user())

    consented = PersonFactory(
        name=CONSENTED_NAME,
        names=[
            (CONSENTED_TIBETAN, LanguageTag.TIBETAN),
            (CONSENTED_CHINESE, LanguageTag.CHINESE_SIMPLIFIED),
        ],
        contact_details=CONTACT,
        family_details=FAMILY,
        internal_notes=INTERNAL_NOTES,
    )
    _grant(consented, "un")
    withheld = PersonFactory(
        name=WITHHELD_NAME,
        names=[(WITHHELD_TIBETAN, LanguageTag.TIBETAN)],
        identity_withheld=True,
    )
    _grant(withheld, "un")
    _grant(withheld, "public")
    unconsented = PersonFactory(
        name=UNCONSENTED_NAME, names=[(UNCONSENTED_CHINESE, LanguageTag.CHINESE_SIMPLIFIED)]
    )

    first = DetentionFactory(case=case, person=consented, urgent_appeal=True, wgad_category="II")
    DetentionFactory(case=case, person=withheld)
    DetentionFactory(case=case, person=unconsented)
    detention_add_event(
        acting_user=system_user(),
        detention=first,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "formal-arrest"),
        occurred="2014-04",
        note="Formal arrest reported by a relative.",
    )
    testimony = SourceFactory(
        title="Interview with a witness",
        kind=term(VocabularyKey.SOURCE_KIND, "testimony"),
        originator=ORIGINATOR,
        how_obtained=HOW_OBTAINED,
        originator_relation=RELATION,
        notes=SOURCE_NOTES,
        reliability=Reliability.B,
    )
    cite(
        testimony,
        detention=first,
        claim="Taken into custody at the monastery",
        excerpt=TESTIMONY_EXCERPT,
        credibility=Credibility.PROBABLY_TRUE,
    )
    intervention_create(
        acting_user=system_user(),
        case=case,
        kind=term(VocabularyKey.INTERVENTION_KIND, "un-urgent-appeal"),
        sent_on=datetime.date(2014, 6, 10),
        addressed_to="Special Rapporteur on freedom of expression",
        status="sent",
        notes=INTERVENTION_NOTES,
        response=INTERVENTION_RESPONSE,
    )
    # The workflow is tested on its own; here the case simply is verified, with its history.
    Case.objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)
    CaseTransition.objects.create(
        case=case,
        action=Transition.VERIFY,
        from_state=CaseState.SUBMITTED,
        to_state=CaseState.VERIFIED,
        user=reviewer,
        comment=REVIEW_COMMENT,
    )
    case.refresh_from_db()
    return RichCase(case=case, reviewer_username=reviewer.username)
