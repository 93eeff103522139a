"""The case dossier: one or more cases in full, as HTML or PDF, for a UN urgent appeal, a WGAD
communication or a partner organisation.

1. The cases come from `visible_cases(user, PURPOSES[profile])` and nowhere else; the view
   checks the profile with `require_profile` first.
2. `build_dossier` turns them into plain, already-redacted view objects (the dataclasses
   below). The template never sees a model instance, so it cannot reach an encrypted field
   or a relation by accident: what is not copied into a view object is not in the file.
   The encrypted fields are not even loaded (`defer`), so they are never decrypted here.
3. `render_dossier_html` renders the one template; `render_dossier_pdf` feeds the same HTML to
   WeasyPrint, imported lazily so that the site starts without its system libraries, with a
   URL fetcher that reads local stylesheet files and nothing else.

What each profile shows, beyond the redaction profiles of `profiles.py`:

- names, description, birth date, affiliations: internal as recorded; public and partner only
  with consent for the recipient and never when the identity is withheld (a placeholder then);
  an unknown name stays "Name unknown", which gives nothing away;
- free text (title, summary, narrative, alleged reason, authority as reported, descriptions,
  affiliation notes, event notes, source titles, citation claims and excerpts): for a reader
  who may not see identities (`Reader.sees_identities` for the profile's purpose), every name
  of the case's withheld detainees in it is replaced by the placeholder (cases.redaction);
- testimony originator, how a source was obtained, contact and family details, internal notes,
  source notes, intervention notes: in no profile (the encrypted ones are not even loaded);
- originator's relation to the victim, source author and connection, intervention response,
  sender and reference, the case's confidentiality level: internal only;
- verification history: internal shows every step with who and the comment; public and
  partner show only "verified by a reviewer on <date>".

Person-level citations are left out in every profile: a person's sources may be about another
case, one the reader may not see. Related cases are listed (kind, reference, title, note) only
when the reader may see the related case for the same profile (`cases.relations`).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.db.models import Prefetch, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..dates import describe
from ..models import (
    Case,
    CaseState,
    CaseTransition,
    Citation,
    ConsentDecision,
    Detention,
    DetentionEvent,
    Intervention,
    Place,
    PlaceName,
    Recipient,
    SentenceKind,
    Transition,
)
from ..models.person import Consent
from ..queries import Reader, visible_cases
from ..redaction import NO_MASK, NameMask, withheld_masks
from ..relations import RelationSeen, relations_of_cases
from .profiles import PLACEHOLDER, PURPOSES, Profile, identity_shown

logger = logging.getLogger(__name__)

MAX_CASES = 50
TEMPLATE = "dossier/dossier.html"
STYLESHEET = "css/dossier.css"
HIERARCHY_SEPARATOR = " › "

# Deferred in every query of this module: never read, hence never decrypted, for a dossier.
SENSITIVE_PERSON_FIELDS = ("contact_details", "family_details", "internal_notes")
SENSITIVE_SOURCE_FIELDS = ("originator", "how_obtained", "notes")


class PdfUnavailable(RuntimeError):
    """WeasyPrint or its system libraries (Pango, HarfBuzz) are missing on this machine."""


# --- View objects: everything the template may show ---------------------------------------


@dataclass(frozen=True)
class NameVariant:
    name: str
    language: str
    language_label: str
    kind_label: str


@dataclass(frozen=True)
class PlaceNames:
    place: str
    names: list[NameVariant]


@dataclass(frozen=True)
class SourceView:
    number: int
    title: str
    kind: str
    outlet: str
    published: str
    language: str
    language_label: str
    reliability: str
    hand: str
    url: str
    # Internal profile only (empty otherwise).
    author: str = ""
    connection: str = ""
    originator_relation: str = ""


@dataclass(frozen=True)
class CitationView:
    source: SourceView
    claim: str
    excerpt: str
    excerpt_repeated: bool
    locator: str
    credibility: str


@dataclass(frozen=True)
class EventView:
    date: str
    kind: str
    certainty: str
    certainty_code: str
    where: str
    note: str
    citations: list[CitationView]


@dataclass(frozen=True)
class PersonView:
    """`facts` are (label, value) pairs; an empty value reads "unknown"."""

    heading: str
    identity_shown: bool
    identity_kept_back: bool
    description: str
    names: list[NameVariant]
    is_group: bool
    head_count: int
    facts: list[tuple[str, str]]
    affiliations: list[str]

    @property
    def fact_rows(self) -> list[list[tuple[str, str]]]:
        """Two facts a row: a person's few short facts fit half the width of a page."""
        return [self.facts[i : i + 2] for i in range(0, len(self.facts), 2)]


@dataclass(frozen=True)
class DetentionView:
    person: PersonView
    detained_on: str
    authority: str
    authority_as_reported: str
    held_at: str
    whereabouts: str
    alleged_reason: str
    charges: list[str]
    detention_type: str
    lawyer_access: str
    family_access: str
    treatment_concerns: list[str]
    wgad_category: str
    urgent_appeal: bool
    sentence: str
    expected_release: datetime.date | None
    status: str
    status_certainty: str
    status_certainty_code: str
    status_as_of: datetime.date | None
    events: list[EventView]
    citations: list[CitationView]


@dataclass(frozen=True)
class InterventionView:
    kind: str
    status: str
    sent_on: datetime.date | None
    addressed_to: str
    reply_due: datetime.date | None
    # Internal profile only.
    sent_by: str = ""
    external_reference: str = ""
    response: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    action: str
    from_state: str
    to_state: str
    who: str
    at: datetime.datetime
    comment: str = ""


@dataclass(frozen=True)
class CaseDossier:
    reference: str
    title: str
    state: str
    state_code: str
    confidentiality: str
    occurred: str
    occurred_inferred: bool
    place: str
    place_names: list[PlaceNames]
    traditional_region: str
    violation_types: list[str]
    summary: str
    narrative: str
    people_detained: int
    detentions: list[DetentionView]
    citations: list[CitationView]
    sources: list[SourceView]
    interventions: list[InterventionView]
    history: list[HistoryEntry]
    related: list[RelationSeen] = field(default_factory=list)


@dataclass(frozen=True)
class Dossier:
    cases: list[CaseDossier]
    profile: Profile
    recipient: Recipient | None
    generated_at: datetime.datetime
    generated_by: str
    internal: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "internal", self.profile == Profile.INTERNAL)

    @property
    def profile_label(self) -> str:
        return str(self.profile.label)

    @property
    def recipient_label(self) -> str:
        return str(self.recipient.label) if self.recipient else ""

    @property
    def filename(self) -> str:
        """`CB-2014-0001-dossier.pdf`; a selection is named by its date and size. Only
        letters, digits, dots and dashes, so the name is safe in a Content-Disposition header."""
        if len(self.cases) == 1:
            name = f"{self.cases[0].reference}-dossier.pdf"
        else:
            name = f"casebook-dossier-{self.generated_at:%Y%m%d}-{len(self.cases)}-cases.pdf"
        return re.sub(r"[^A-Za-z0-9.-]", "_", name)


# --- Reading the cases through the gate ----------------------------------------------------


def _with_contents(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Everything a dossier shows, in a fixed number of queries however many cases.

    Encrypted fields are deferred: they are never read, hence never decrypted, here.
    """
    sources = ("source", "source__kind", "source__connection")
    deferred = [f"source__{name}" for name in SENSITIVE_SOURCE_FIELDS]
    citations = Citation.objects.select_related(*sources).defer(*deferred).order_by("id")
    events = (
        DetentionEvent.objects.select_related("event_type", "place", "organization")
        .prefetch_related(Prefetch("citations", queryset=citations))
        .order_by("occurred_earliest", "id")
    )
    detentions = (
        Detention.objects.select_related(
            "person",
            "person__ethnicity",
            "person__religion",
            "person__occupation",
            "detaining_authority",
            "held_at",
            "held_in_place",
            "detention_type",
        )
        .defer(*(f"person__{name}" for name in SENSITIVE_PERSON_FIELDS))
        .prefetch_related(
            "charges",
            "treatment_concerns",
            "person__names",
            "person__affiliations__organization",
            "person__affiliations__role",
            Prefetch(
                "person__consents",
                queryset=Consent.objects.filter(decision=ConsentDecision.GRANTED),
                to_attr="granted_consents",
            ),
            Prefetch("events", queryset=events),
            Prefetch("citations", queryset=citations),
        )
        .order_by("id")
    )
    return cases.select_related("place").prefetch_related(
        "violation_types",
        Prefetch("detentions", queryset=detentions),
        Prefetch("citations", queryset=citations),
        Prefetch("interventions", queryset=Intervention.objects.select_related("kind")),
        Prefetch("transitions", queryset=CaseTransition.objects.select_related("user")),
    )


def dossier_cases(user: Any, references: Sequence[str], profile: Profile) -> list[Case] | None:
    """The cases named by `references`, in that order, if `user` may see every one of them for
    `profile`; None if any one is hidden or missing (the caller answers 404 without saying
    which, so a selection cannot be used to probe for the existence of a case)."""
    wanted = list(dict.fromkeys(references))
    if not wanted or len(wanted) > MAX_CASES:
        return None
    found = {
        case.reference: case
        for case in _with_contents(
            visible_cases(user, PURPOSES[profile]).filter(reference__in=wanted)
        )
    }
    if len(found) != len(wanted):
        return None
    related = relations_of_cases(user, [case.pk for case in found.values()], PURPOSES[profile])
    for case in found.values():
        case.dossier_relations = related.get(case.pk, [])
    return [found[reference] for reference in wanted]


# --- Places ------------------------------------------------------------------------------


class _Places:
    """Hierarchy labels and traditional regions of many places, in two queries in all."""

    def __init__(self, places: Iterable[Place | None]) -> None:
        ids: set[int] = set()
        for place in places:
            if place is not None:
                ids.update(self._path_ids(place))
        self._by_id = {
            place.pk: place
            for place in Place.objects.filter(pk__in=ids).select_related("traditional_region")
        }
        self._names: dict[int, list[PlaceName]] = {}
        for variant in PlaceName.objects.filter(place_id__in=ids).order_by("language", "name"):
            self._names.setdefault(variant.place_id, []).append(variant)

    @staticmethod
    def _path_ids(place: Place) -> list[int]:
        ids = [int(part) for part in place.path.strip("/").split("/") if part]
        return ids or [place.pk]

    def chain(self, place: Place | None) -> list[Place]:
        """The place and the places above it, nearest first."""
        if place is None:
            return []
        return [self._by_id[pk] for pk in reversed(self._path_ids(place)) if pk in self._by_id]

    def label(self, place: Place | None) -> str:
        return HIERARCHY_SEPARATOR.join(found.name for found in self.chain(place))

    def region(self, place: Place | None) -> str:
        for found in self.chain(place):
            if found.traditional_region_id:
                return found.traditional_region.label
        return ""

    def names(self, place: Place | None) -> list[PlaceNames]:
        return [
            PlaceNames(
                found.name,
                [
                    NameVariant(v.name, v.language, str(v.get_language_display()), "")
                    for v in self._names[found.pk]
                ],
            )
            for found in self.chain(place)
            if found.pk in self._names
        ]


# --- Building the view objects -----------------------------------------------------------


class _CaseBuilder:
    def __init__(
        self,
        case: Case,
        *,
        profile: Profile,
        recipient: Recipient | None,
        places,
        reader: Reader,
        mask: NameMask = NO_MASK,
    ):
        self.case = case
        self.reader = reader
        self.text = mask.apply
        self.profile = profile
        self.internal = profile == Profile.INTERNAL
        self.recipient = recipient
        self.places = places
        self.sources: dict[int, SourceView] = {}
        self.quoted: set[tuple[int, str]] = set()

    def source(self, citation: Citation) -> SourceView:
        source = citation.source
        if source.pk in self.sources:
            return self.sources[source.pk]
        view = SourceView(
            number=len(self.sources) + 1,
            title=self.text(source.title),
            kind=source.kind.label,
            outlet=source.outlet,
            published=describe(source.published_on) if source.published_on else "",
            language=source.language,
            language_label=str(source.get_language_display()),
            reliability=str(source.get_reliability_display()),
            hand=str(source.get_hand_display()),
            url=source.url,
            author=source.author if self.internal else "",
            connection=source.connection.label if self.internal and source.connection_id else "",
            originator_relation=source.originator_relation if self.internal else "",
        )
        self.sources[source.pk] = view
        return view

    def citations(self, citations: Iterable[Citation]) -> list[CitationView]:
        """Citations in the order the document shows them; an excerpt of a source quoted
        before in this case is not quoted again (the demo case cites one sentence six times)."""
        views = []
        for citation in citations:
            excerpt = citation.excerpt.strip()
            key = (citation.source_id, excerpt)
            repeated = bool(excerpt) and key in self.quoted
            self.quoted.add(key)
            views.append(
                CitationView(
                    source=self.source(citation),
                    claim=self.text(citation.claim),
                    excerpt=self.text(excerpt),
                    excerpt_repeated=repeated,
                    locator=citation.locator,
                    credibility=str(citation.get_credibility_display()),
                )
            )
        return views

    def person(self, detention: Detention) -> PersonView:
        person = detention.person
        variants = list(person.names.all())
        shown = self.reader.sees_identity_of(person) and identity_shown(
            profile=self.profile,
            withheld=person.identity_withheld,
            consented={consent.recipient for consent in person.granted_consents},
            recipient=self.recipient,
        )
        has_name = bool(person.name or variants)
        if shown and person.name:
            heading = person.name
        elif not shown and has_name:
            heading = PLACEHOLDER
        elif person.is_group:
            heading = _("Unnamed group")
        else:
            # An unknown name is normal, and saying so gives nothing away.
            heading = _("Name unknown")
        affiliations = []
        for affiliation in person.affiliations.all():
            text = affiliation.organization.name
            if affiliation.role_id:
                text = f"{affiliation.role.label}, {text}"
            if affiliation.note:
                text = f"{text} ({self.text(affiliation.note)})"
            affiliations.append(text)
        facts = [(_("Sex / gender"), str(person.get_sex_display()))]
        if shown and person.birth_date:
            facts.append((_("Born"), describe(person.birth_date)))
        if detention.age_at_detention is not None:
            age = str(detention.age_at_detention)
            if detention.age_is_approximate:
                age = _("about %(age)s") % {"age": age}
            facts.append((_("Age at detention"), age))
        facts += [
            (_("Ethnicity"), person.ethnicity.label if person.ethnicity_id else ""),
            (_("Religion"), person.religion.label if person.religion_id else ""),
            (_("Occupation"), person.occupation.label if person.occupation_id else ""),
        ]
        return PersonView(
            heading=heading,
            identity_shown=shown,
            identity_kept_back=not shown and has_name,
            description=self.text(person.description) if shown else "",
            names=[
                NameVariant(
                    v.name, v.language, str(v.get_language_display()), str(v.get_kind_display())
                )
                for v in variants
            ]
            if shown
            else [],
            is_group=person.is_group,
            head_count=person.head_count,
            facts=facts,
            affiliations=affiliations if shown else [],
        )

    def event(self, event: DetentionEvent) -> EventView:
        where = ", ".join(
            part
            for part in (
                event.organization.name if event.organization_id else "",
                self.places.label(event.place) if event.place_id else "",
            )
            if part
        )
        return EventView(
            date=describe(event.occurred),
            kind=event.event_type.label,
            certainty=str(event.get_certainty_display()),
            certainty_code=event.certainty,
            where=where,
            note=self.text(event.note),
            citations=self.citations(event.citations.all()),
        )

    def detention(self, detention: Detention) -> DetentionView:
        held = [
            detention.held_at.name if detention.held_at_id else "",
            self.places.label(detention.held_in_place) if detention.held_in_place_id else "",
        ]
        # Citations of the detention come first, then the timeline's: the order of the page.
        citations = self.citations(detention.citations.all())
        events = [self.event(event) for event in detention.events.all()]
        return DetentionView(
            person=self.person(detention),
            detained_on=describe(detention.detained_on),
            authority=detention.detaining_authority.name
            if detention.detaining_authority_id
            else "",
            authority_as_reported=self.text(detention.authority_description),
            held_at=", ".join(part for part in held if part),
            whereabouts=str(detention.get_whereabouts_display()),
            alleged_reason=self.text(detention.alleged_reason),
            charges=[term.label for term in detention.charges.all()],
            detention_type=detention.detention_type.label if detention.detention_type_id else "",
            lawyer_access=str(detention.get_lawyer_access_display()),
            family_access=str(detention.get_family_access_display()),
            treatment_concerns=[term.label for term in detention.treatment_concerns.all()],
            wgad_category=str(detention.get_wgad_category_display())
            if detention.wgad_category
            else "",
            urgent_appeal=detention.urgent_appeal,
            sentence=detention.sentence_display
            if detention.sentence_kind != SentenceKind.NONE
            else "",
            expected_release=detention.expected_release,
            status=str(detention.get_status_display()),
            status_certainty=str(detention.get_status_certainty_display()),
            status_certainty_code=detention.status_certainty,
            status_as_of=detention.status_as_of,
            events=events,
            citations=citations,
        )

    def intervention(self, intervention: Intervention) -> InterventionView:
        internal = self.internal
        return InterventionView(
            kind=intervention.kind.label,
            status=str(intervention.get_status_display()),
            sent_on=intervention.sent_on,
            addressed_to=intervention.addressed_to,
            reply_due=intervention.reply_due,
            sent_by=intervention.sent_by if internal else "",
            external_reference=intervention.external_reference if internal else "",
            response=intervention.response if internal else "",
        )

    def history(self) -> list[HistoryEntry]:
        """Every step with who and why inside the organisation; outside it, only that and when
        a reviewer verified the case. Usernames and review comments stay in the building."""
        transitions = list(self.case.transitions.all())
        if self.internal:
            return [
                HistoryEntry(
                    action=str(step.get_action_display()),
                    from_state=str(step.get_from_state_display()),
                    to_state=str(step.get_to_state_display()),
                    who=_user_label(step.user) if step.user_id else _("Casebook"),
                    at=step.at,
                    comment=step.comment,
                )
                for step in transitions
            ]
        return [
            HistoryEntry(
                action=str(step.get_action_display()),
                from_state=str(step.get_from_state_display()),
                to_state=str(step.get_to_state_display()),
                who=_("a reviewer"),
                at=step.at,
            )
            for step in transitions
            if step.action == Transition.VERIFY
        ]

    def build(self) -> CaseDossier:
        case = self.case
        citations = self.citations(case.citations.all())
        all_detentions = list(case.detentions.all())
        detentions = [self.detention(detention) for detention in all_detentions]
        return CaseDossier(
            reference=case.reference,
            title=self.text(case.title),
            state=str(case.get_state_display()),
            state_code=case.state,
            confidentiality=str(case.get_confidentiality_display()) if self.internal else "",
            occurred=describe(case.occurred),
            occurred_inferred=bool(case.occurred and case.occurred_inferred),
            place=self.places.label(case.place),
            place_names=self.places.names(case.place),
            traditional_region=self.places.region(case.place),
            violation_types=[term.label for term in case.violation_types.all()],
            summary=self.text(case.summary),
            narrative=self.text(case.narrative),
            people_detained=sum(detention.person.head_count for detention in all_detentions),
            detentions=detentions,
            citations=citations,
            sources=sorted(self.sources.values(), key=lambda source: source.number),
            interventions=[self.intervention(item) for item in case.interventions.all()],
            history=self.history(),
            # Set by dossier_cases, for the related cases the reader may see for the profile.
            related=[
                dataclasses.replace(seen, title=self.text(seen.title), note=self.text(seen.note))
                for seen in getattr(case, "dossier_relations", [])
            ],
        )


def _user_label(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def build_dossier(
    cases: Sequence[Case], *, user: Any, profile: Profile, recipient: Recipient | None
) -> Dossier:
    """The redacted view objects of `cases`, which must come from `dossier_cases` (or
    otherwise from visible_cases(user, PURPOSES[profile]) with `_with_contents`)."""
    if profile != Profile.INTERNAL and any(case.state != CaseState.VERIFIED for case in cases):
        # visible_cases already guarantees this; a second lock on the one rule that matters most.
        raise ValueError("Only verified cases leave the organisation.")
    places = _Places(
        place
        for case in cases
        for place in [
            case.place,
            *(detention.held_in_place for detention in case.detentions.all()),
            *(
                event.place
                for detention in case.detentions.all()
                for event in detention.events.all()
            ),
        ]
    )
    reader = Reader.of(user, PURPOSES[profile])
    # Two queries for the whole selection; a reader who sees identities needs no mask.
    masks = {} if reader.sees_identities else withheld_masks(case.pk for case in cases)
    return Dossier(
        cases=[
            _CaseBuilder(
                case,
                profile=profile,
                recipient=recipient,
                places=places,
                reader=reader,
                mask=masks.get(case.pk, NO_MASK),
            ).build()
            for case in cases
        ],
        profile=profile,
        recipient=recipient,
        generated_at=timezone.now(),
        generated_by=_user_label(user),
    )


# --- Rendering ---------------------------------------------------------------------------


def render_dossier_html(dossier: Dossier, *, for_pdf: bool = False) -> str:
    """The dossier as a standalone HTML document (autoescaped Django template)."""
    context = {
        "dossier": dossier,
        "for_pdf": for_pdf,
        "placeholder": PLACEHOLDER,
        "language_code": translation.get_language() or "en",
        "stylesheet": STYLESHEET,
    }
    return render_to_string(TEMPLATE, context)


def _static_root() -> Path:
    """The directory the dossier stylesheet is read from: the only files WeasyPrint may open."""
    found = finders.find(STYLESHEET)
    if not found:
        raise PdfUnavailable(f"The dossier stylesheet {STYLESHEET} is missing.")
    path = Path(found if isinstance(found, str) else found[0]).resolve()
    return path.parents[len(Path(STYLESHEET).parts) - 1]


def _local_fetcher(weasyprint: Any, root: Path) -> Any:
    """A WeasyPrint URL fetcher that opens files under `root` and refuses everything else.

    Security: rendering must never reach the network (a URL in a case record would tell a
    third party that a dossier is being made, and from where) nor read files outside the
    static directory. Fonts come from fontconfig, not from URLs.
    """

    class LocalOnlyFetcher(weasyprint.urls.URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError("Dossier rendering fetches no remote resources.")
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                raise ValueError("Dossier rendering reads only its own static files.")
            return weasyprint.urls.URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": _media_type(path)}
            )

    return LocalOnlyFetcher(allowed_protocols=("file",))


def _media_type(path: Path) -> str:
    return {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}.get(
        path.suffix.lower(), "application/octet-stream"
    )


def render_dossier_pdf(dossier: Dossier) -> bytes:
    """The dossier as an A4 PDF, from the same template as the HTML.

    Raises PdfUnavailable when WeasyPrint cannot be imported (e.g. Pango is missing).
    """
    try:
        import weasyprint
        import weasyprint.urls
    except (ImportError, OSError) as exc:
        logger.error("dossier PDF unavailable: %s", type(exc).__name__)
        raise PdfUnavailable(
            "PDF dossiers need WeasyPrint and its system libraries (Pango); "
            "the HTML dossier still works."
        ) from exc
    root = _static_root()
    html = render_dossier_html(dossier, for_pdf=True)
    document = weasyprint.HTML(
        string=html, base_url=root.as_uri() + "/", url_fetcher=_local_fetcher(weasyprint, root)
    )
    return document.write_pdf()
