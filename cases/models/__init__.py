"""The domain model of DOMAIN.md, one module per aggregate."""

from .base import Certainty, LanguageTag
from .case import (
    Case,
    CaseRelation,
    CaseRelationKind,
    CaseState,
    Confidentiality,
    Intervention,
    InterventionStatus,
    ReferenceCounter,
)
from .detention import (
    Access,
    Detention,
    DetentionEvent,
    SentenceKind,
    WgadCategory,
    Whereabouts,
)
from .history_keys import HistoryKeyAnchor
from .organization import Organization, OrganizationName
from .person import (
    Affiliation,
    Consent,
    ConsentDecision,
    NameKind,
    Person,
    PersonName,
    Recipient,
    Sex,
)
from .place import Place, PlaceKind, PlaceName
from .source import Citation, Credibility, EvidenceFile, EvidenceKind, Hand, Reliability, Source
from .vocabulary import DetentionStatus, Term, Vocabulary, VocabularyKey
from .workflow import (
    AccessGrant,
    CaseFactEditor,
    CaseTransition,
    CaseWatch,
    HistoryChainEntry,
    HistoryChainHead,
    Notification,
    StaleEdit,
    Transition,
)

__all__ = [
    "Access",
    "AccessGrant",
    "Affiliation",
    "Case",
    "CaseFactEditor",
    "CaseRelation",
    "CaseRelationKind",
    "CaseState",
    "CaseTransition",
    "CaseWatch",
    "Certainty",
    "Citation",
    "Confidentiality",
    "Consent",
    "ConsentDecision",
    "Credibility",
    "Detention",
    "DetentionEvent",
    "DetentionStatus",
    "EvidenceFile",
    "EvidenceKind",
    "Hand",
    "HistoryChainEntry",
    "HistoryChainHead",
    "HistoryKeyAnchor",
    "Intervention",
    "InterventionStatus",
    "LanguageTag",
    "NameKind",
    "Notification",
    "Organization",
    "OrganizationName",
    "Person",
    "PersonName",
    "Place",
    "PlaceKind",
    "PlaceName",
    "Recipient",
    "ReferenceCounter",
    "Reliability",
    "SentenceKind",
    "Sex",
    "Source",
    "StaleEdit",
    "Term",
    "Transition",
    "Vocabulary",
    "VocabularyKey",
    "WgadCategory",
    "Whereabouts",
]

from .exports import ACTIVE_EXPORT_STATES, ExportJob, ExportJobState, ExportKind

__all__ += ["ACTIVE_EXPORT_STATES", "ExportJob", "ExportJobState", "ExportKind"]
