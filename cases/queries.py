"""Every read that depends on who is asking starts here.

A `Reader` is a user with a purpose (browsing, or an export for one profile). It knows what
that reader may see of cases and of everything that hangs off them — people, detentions and
their events, sources and citations, interventions, relations — and whether withheld
identities are shown. The `visible_<record>(reader)` functions below are the one gate: the API,
the pages, the admin, the filters, the dossier and the exports take their records from them,
so a rule about who may see what is written once. Each also accepts a bare user (read as
browsing) so that a caller cannot forget to build a reader; `None`, an anonymous visitor or a
deactivated account sees nothing (fail closed).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from casebook.accounts.roles import Role

from .models import (
    AccessGrant,
    Case,
    CaseRelation,
    CaseState,
    Citation,
    Confidentiality,
    Detention,
    DetentionEvent,
    Intervention,
    Person,
    PersonName,
    Place,
    Source,
)

# What a reader who may not see a withheld identity reads in its place, everywhere.
PLACEHOLDER = "[identity withheld]"


class Purpose(enum.Enum):
    """Why cases are read. Each export purpose matches a redaction profile (WORKFLOW.md)."""

    BROWSE = "browse"  # pages, the API, search, counts, notifications
    EXPORT_INTERNAL = "internal"  # files that stay inside the organisation
    EXPORT_PARTNER = "partner"  # files for partner NGOs and UN mechanisms
    EXPORT_PUBLIC = "public"  # files for publication


@dataclass(frozen=True)
class Reader:
    """Who reads, and why. Build one with `Reader.of(user_or_reader, purpose)`."""

    user: Any
    purpose: Purpose = Purpose.BROWSE

    @classmethod
    def of(cls, who: Any, purpose: Purpose | None = None) -> Reader:
        if isinstance(who, Reader):
            return (
                who if purpose is None or purpose is who.purpose else replace(who, purpose=purpose)
            )
        return cls(who, purpose or Purpose.BROWSE)

    @cached_property
    def roles(self) -> frozenset[Role]:
        """The reader's roles; none at all for nobody, an anonymous visitor or a deactivated
        account, so every test below fails closed for them."""
        user = self.user
        if user is None or not user.is_authenticated or not user.is_active:
            return frozenset()
        return frozenset(user.roles)

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def sees_every_case(self) -> bool:
        return self.has_role(Role.ADMINISTRATOR)

    @property
    def works_inside(self) -> bool:
        """Monitors, reviewers and administrators: they see cases before verification, drafts
        in a history, and records not yet tied to any case (a person or source just entered),
        so that they can go on to attach them."""
        return self.has_role(Role.MONITOR, Role.REVIEWER, Role.ADMINISTRATOR)

    @property
    def is_editor(self) -> bool:
        """Monitors and reviewers change records; administrators see everything but do not
        edit facts."""
        return self.has_role(Role.MONITOR, Role.REVIEWER)

    @property
    def records_interventions(self) -> bool:
        """Monitors, reviewers and advocates record interventions (advocacy, not facts)."""
        return self.has_role(Role.MONITOR, Role.REVIEWER, Role.ADVOCATE)

    @property
    def sees_identities(self) -> bool:
        """Whether withheld identities are shown as recorded: to those working inside, when
        they browse or export for internal use. Partner and public files never show them, and
        advocates read the placeholder wherever they read (WORKFLOW.md, Confidentiality)."""
        return self.works_inside and self.purpose in (Purpose.BROWSE, Purpose.EXPORT_INTERNAL)

    @property
    def sees_drafts(self) -> bool:
        """Whether versions between verifications are readable in a history: advocates read
        verified content only (WORKFLOW.md, Verification)."""
        return self.works_inside and self.purpose is not Purpose.EXPORT_PUBLIC

    def sees_identity_of(self, person: Person) -> bool:
        return self.sees_identities or not person.identity_withheld

    def person_label(self, person: Person) -> str:
        """The person's display name, or the placeholder when the reader may not see it."""
        return str(person) if self.sees_identity_of(person) else PLACEHOLDER


def reader_for(who: Any, purpose: Purpose | None = None) -> Reader:
    """`Reader.of` as a function, for callers that hold a user or a reader."""
    return Reader.of(who, purpose)


def visible_cases(who: Any, purpose: Purpose | None = None) -> QuerySet[Case]:
    """The cases a reader may see for their purpose (WORKFLOW.md, Confidentiality):

    - administrators: every case;
    - monitors and reviewers: public and internal cases, and restricted ones they are granted;
    - advocates: the same, once verified;
    - anyone else, anonymous visitors and deactivated users included: none.

    Exports narrow this further: partner and public exports carry verified cases only — public
    ones only public cases, partner ones public and internal cases, neither ever a restricted
    one; internal exports carry what the user may browse.
    """
    return Case.objects.filter(visible_case_condition(who, purpose))


def visible_case_condition(who: Any, purpose: Purpose | None = None, *, via: str = "") -> Q:
    """visible_cases as a condition, on Case or on a model that reaches Case through `via`
    ("case__" on Detention).

    On a record that hangs off a case, the condition joins that case and tests its own
    columns; `case__in=visible_cases(…)` would make the planner gather every visible case
    first, which costs more than the page once there are 100,000 of them.
    """
    reader = Reader.of(who, purpose)
    nothing = Q(**{f"{via}pk__in": []})
    if reader.sees_every_case:
        allowed = Q()
    elif reader.has_role(Role.MONITOR, Role.REVIEWER, Role.ADVOCATE):
        granted = AccessGrant.objects.filter(user=reader.user, revoked_at__isnull=True).values(
            "case"
        )
        allowed = Q(
            **{f"{via}confidentiality__in": [Confidentiality.PUBLIC, Confidentiality.INTERNAL]}
        ) | Q(**{f"{via}confidentiality": Confidentiality.RESTRICTED, f"{via}pk__in": granted})
        if not reader.has_role(Role.MONITOR, Role.REVIEWER):
            allowed &= Q(**{f"{via}state": CaseState.VERIFIED})
    else:
        return nothing
    if reader.purpose is Purpose.EXPORT_PARTNER:
        allowed &= Q(
            **{
                f"{via}state": CaseState.VERIFIED,
                f"{via}confidentiality__in": [Confidentiality.PUBLIC, Confidentiality.INTERNAL],
            }
        )
    elif reader.purpose is Purpose.EXPORT_PUBLIC:
        allowed &= Q(
            **{f"{via}state": CaseState.VERIFIED, f"{via}confidentiality": Confidentiality.PUBLIC}
        )
    return allowed


def visible_detentions(who: Any, purpose: Purpose | None = None) -> QuerySet[Detention]:
    return Detention.objects.filter(visible_case_condition(who, purpose, via="case__"))


def visible_events(who: Any, purpose: Purpose | None = None) -> QuerySet[DetentionEvent]:
    return DetentionEvent.objects.filter(
        visible_case_condition(who, purpose, via="detention__case__")
    )


def visible_interventions(who: Any, purpose: Purpose | None = None) -> QuerySet[Intervention]:
    return Intervention.objects.filter(visible_case_condition(who, purpose, via="case__"))


def visible_case_relations(who: Any, purpose: Purpose | None = None) -> QuerySet[CaseRelation]:
    """Relations whose both ends are visible: the far end's reference is itself a fact."""
    return CaseRelation.objects.filter(
        visible_case_condition(who, purpose, via="from_case__"),
        visible_case_condition(who, purpose, via="to_case__"),
    )


def visible_people(who: Any, purpose: Purpose | None = None) -> QuerySet[Person]:
    """People detained in a case the reader may see (plus, for those working inside, people
    not yet detained in any case)."""
    reader = Reader.of(who, purpose)
    cases = visible_cases(reader)
    in_visible_case = Exists(Detention.objects.filter(person=OuterRef("pk"), case__in=cases))
    if not reader.works_inside:
        return Person.objects.filter(in_visible_case)
    unattached = ~Exists(Detention.objects.filter(person=OuterRef("pk")))
    return Person.objects.filter(in_visible_case | unattached)


def visible_named_people(who: Any, purpose: Purpose | None = None) -> QuerySet[Person]:
    """People the reader may see and whose names they may read: a withheld person's names
    only for a reader who sees identities. Anything that matches or shows names starts here,
    so that a search hit cannot confirm a withheld person is in the data."""
    reader = Reader.of(who, purpose)
    people = visible_people(reader)
    return people if reader.sees_identities else people.filter(identity_withheld=False)


def visible_person_names(who: Any, purpose: Purpose | None = None) -> QuerySet[PersonName]:
    """The name variants of the people whose names the reader may read."""
    return PersonName.objects.filter(person__in=visible_named_people(who, purpose).values("pk"))


def cases_of_people(
    people: QuerySet[Person], who: Any, purpose: Purpose | None = None
) -> QuerySet[Case]:
    """The cases the reader may see in which one of `people` is detained."""
    detained = Detention.objects.filter(case=OuterRef("pk"), person__in=people.values("pk"))
    return visible_cases(who, purpose).filter(Exists(detained))


def _people_wholly_visible(reader: Reader, cases: QuerySet[Case]) -> QuerySet[Person]:
    """People none of whose detentions is in a case hidden from the reader.

    A citation on a person supports every case the person is detained in, so its claim and
    excerpt may speak of a hidden case: it is shown only when no such case exists.
    """
    in_hidden_case = Exists(Detention.objects.filter(person=OuterRef("pk")).exclude(case__in=cases))
    return visible_people(reader).filter(~in_hidden_case)


def visible_citations(who: Any, purpose: Purpose | None = None) -> QuerySet[Citation]:
    reader = Reader.of(who, purpose)
    cases = visible_cases(reader)
    detentions = Detention.objects.filter(case__in=cases).values("pk")
    events = DetentionEvent.objects.filter(detention__case__in=cases).values("pk")
    people = _people_wholly_visible(reader, cases).values("pk")
    return Citation.objects.filter(
        Q(case_id__in=cases.values("pk"))
        | Q(detention_id__in=detentions)
        | Q(detention_event_id__in=events)
        | Q(person_id__in=people)
    )


def visible_sources(who: Any, purpose: Purpose | None = None) -> QuerySet[Source]:
    """Sources cited on what the reader may see (plus, for those working inside, sources not
    yet cited anywhere). A source cited only on hidden cases stays hidden."""
    reader = Reader.of(who, purpose)
    cited_visibly = Exists(visible_citations(reader).filter(source=OuterRef("pk")))
    if not reader.works_inside:
        return Source.objects.filter(cited_visibly)
    uncited = ~Exists(Citation.objects.filter(source=OuterRef("pk")))
    return Source.objects.filter(cited_visibly | uncited)


def case_list_for(user: Any) -> QuerySet[Case]:
    return visible_cases(user).select_related("place").prefetch_related("violation_types")


def case_detail_for(user: Any, reference: str) -> Case:
    """One case with everything its page shows, in a fixed number of queries.

    Raises Case.DoesNotExist both when the case does not exist and when the user may not see
    it, so a page cannot tell a hidden case from a missing one.
    """
    events = DetentionEvent.objects.select_related(
        "event_type", "place", "organization"
    ).prefetch_related(Prefetch("citations", queryset=Citation.objects.select_related("source")))
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
        .prefetch_related(
            "charges",
            "treatment_concerns",
            "person__names",
            "person__affiliations__organization",
            "person__affiliations__role",
            Prefetch("events", queryset=events),
            Prefetch("citations", queryset=Citation.objects.select_related("source")),
        )
        .order_by("id")
    )
    return (
        case_list_for(user)
        .select_related("assigned_monitor", "created_by", "updated_by")
        .prefetch_related(
            Prefetch("detentions", queryset=detentions),
            Prefetch(
                "citations", queryset=Citation.objects.select_related("source", "source__kind")
            ),
            "interventions__kind",
        )
        .get(reference=reference)
    )


def people_of_visible_cases(user: Any) -> QuerySet[Person]:
    return Person.objects.filter(detentions__case__in=visible_cases(user)).distinct()


def cases_in_place(cases: QuerySet[Case], place: Place) -> QuerySet[Case]:
    """Cases at `place` or anywhere below it: one prefix match on the materialized path."""
    return cases.filter(place__path__startswith=place.path)


# The querysets a foreign key to these models may choose from, for the requesting user (the
# admin's choices and autocompletes).
RELATED_GATES = {
    Case: visible_cases,
    Detention: visible_detentions,
    DetentionEvent: visible_events,
    Person: visible_people,
    Source: visible_sources,
}
