"""One set of filters for the API, the exports and the pages.

Each filter states its condition on the model it is about — a Case or a Detention (and the
detained person through it) — and the two FilterSets wrap what is not theirs in an EXISTS
subquery: "cases with a detention whose status is released", "detentions whose case is in
Nagchu". A semi-join never multiplies rows, so no filter needs DISTINCT and counts stay exact.

Every filter set reads for a reader (cases.queries.Reader): given as `reader=`, or taken from
the request's user. With neither — a background job that forgot to say for whom — it matches
nothing. Text that matches names matches only the names the reader may read, so a search for
a withheld name finds nothing for an advocate or for a partner or public export, exactly as
the answer would show the placeholder.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .dates import overlapping, range_bounds
from .models import (
    Affiliation,
    Case,
    CaseState,
    Confidentiality,
    Detention,
    DetentionEvent,
    DetentionStatus,
    Intervention,
    InterventionStatus,
    Person,
    PersonName,
    Place,
    Sex,
    Term,
    VocabularyKey,
)
from .models.base import Certainty
from .queries import Reader
from .text import SOUND_KEY_MIN_LENGTH, fold, search_key, sound_key


class EdtfField(forms.CharField):
    """A filter value written in EDTF: "2014-03" means all of March 2014."""

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if value:
            range_bounds(value)  # raises a ValidationError with examples
        return value


class EdtfFilter(filters.CharFilter):
    field_class = EdtfField


def _terms(vocabulary: VocabularyKey) -> QuerySet[Term]:
    return Term.objects.filter(vocabulary__key=vocabulary.value)


def _term_filter(vocabulary: VocabularyKey, label: str) -> filters.ModelMultipleChoiceFilter:
    return filters.ModelMultipleChoiceFilter(
        queryset=_terms(vocabulary),
        to_field_name="code",
        method=f"filter_{vocabulary.value.replace('-', '_')}",
        label=label,
        help_text=f"Term code(s) of the {vocabulary.label} vocabulary; repeat to match any.",
    )


def place_subtree(place: Place) -> Q:
    """Cases at the place or anywhere below it (on Case).

    The places are found first (a prefix of the materialized path, from its index), then
    their cases: the planner sees how few places a county holds and reads its cases by place.
    """
    return Q(place_id__in=Place.objects.filter(path__startswith=place.path).values("pk"))


def traditional_region(terms: list[Term]) -> Q:
    """Cases at a place lying in one of the regions, or below a place that does (on Case)."""
    paths = Place.objects.filter(traditional_region__in=terms).values_list("path", flat=True)
    inside = Q(pk__in=[])
    for path in paths:
        inside |= Q(path__startswith=path)
    return Q(place_id__in=Place.objects.filter(inside).values("pk"))


def _too_short(text: str) -> bool:
    """Fewer than three characters: no trigram index serves a fragment that short, so only the
    name variants are searched, through their transliteration (below), not display names,
    descriptions or case titles, which would each be read in full."""
    return len(fold(text)) < 3


def _variant_needle(text: str) -> str:
    """What to look for in the name variants' search text.

    A trigram index needs three characters, and Chinese names are often two ("丹增"). The
    search text of every variant also holds its transliteration ("丹增 danzeng"), so a short
    query in a non-Latin script is looked up by its transliteration: the same names and their
    pinyin spellings are found, from the index, instead of by reading every variant.
    """
    folded = fold(text)
    if len(folded) >= 3:
        return folded
    transliterated = search_key(folded).removeprefix(folded).strip()
    return transliterated if len(transliterated) >= 3 else folded


def variant_needles(text: str) -> list[str]:
    """Every fragment a name variant's search text may hold for `text` to find it.

    1. The folded query (or, when shorter than three characters, its transliteration).
    2. The same without spaces, when it has some: pinyin is written with or without spaces
       between a name's parts, and the transliteration of 扎西次仁 is stored as "zhaxiciren".
    3. The query's sound key (cases.text.sound_key): "Lobsang" then finds a name stored as
       བློ་བཟང་ or "Lozang". Not when too short to mean much.
    """
    needle = _variant_needle(text)
    needles = [needle]
    if " " in needle:
        needles.append(needle.replace(" ", ""))
    key = sound_key(text)
    if len(key) >= SOUND_KEY_MIN_LENGTH:
        needles.append(key)
    return list(dict.fromkeys(needles))


def _variants_named(text: str) -> QuerySet:
    # LIKEs on the same trigram index: the planner ORs their bitmaps.
    condition = Q()
    for needle in variant_needles(text):
        condition |= Q(search_text__contains=needle)
    return PersonName.objects.filter(condition)


def people_named(
    text: str, reader: Reader | None = None, *, withheld_too: bool | None = None
) -> QuerySet:
    """Ids of the people named, in any script or spelling, like `text`, among the names the
    reader may read: a withheld person's names match only for a reader who sees identities.
    Without a reader, `withheld_too` says whether withheld names match; with neither, they do
    not (fail closed).

    The query is folded like the stored search text, so case, accents and tone marks do not
    matter, and "zhaxi" finds 扎西 through the transliteration stored beside it; "bkra shis"
    and "Trashi" find བཀྲ་ཤིས་ through its Wylie spelling and sound key.
    Each branch is served by a trigram index (migration 0008); their union is a short list
    of ids rather than a condition tested on every detention.
    """
    if reader is not None:
        withheld_too = reader.sees_identities
    by_variant = _variants_named(text)
    if not withheld_too:
        # A hit on a withheld name would confirm that the person is in the data.
        by_variant = by_variant.filter(person__identity_withheld=False)
    if _too_short(text):
        return by_variant.order_by().values("person_id")
    by_person = Person.objects.filter(Q(name__icontains=text) | Q(description__icontains=text))
    if not withheld_too:
        by_person = by_person.filter(identity_withheld=False)
    # A compound statement's branches may not be ordered: the models' default orderings go.
    return by_variant.order_by().values("person_id").union(by_person.order_by().values("pk"))


def _withheld_people_named(text: str) -> QuerySet:
    return Person.objects.filter(
        identity_withheld=True, pk__in=people_named(text, withheld_too=True)
    ).values("pk")


def cases_titled(text: str, reader: Reader | None = None) -> QuerySet:
    """Ids of the cases whose reference is `text` or whose title holds it.

    A title may name a withheld person. For a reader who may not read that name, a case in
    which a withheld person named like `text` is detained is not found by its title: the hit
    would confirm the name the page masks.
    """
    text = text.strip()
    if _too_short(text):
        return Case.objects.filter(reference__iexact=text).order_by().values("pk")
    matching = Case.objects.filter(Q(reference__iexact=text) | Q(title__icontains=text))
    if reader is None or not reader.sees_identities:
        naming_withheld = Detention.objects.filter(
            case=OuterRef("pk"), person__in=_withheld_people_named(text)
        )
        matching = matching.filter(Q(reference__iexact=text) | ~Exists(naming_withheld))
    return matching.order_by().values("pk")


class ReaderFilterSet(filters.FilterSet):
    """A filter set that knows for whom it filters.

    `reader=` names the reader (a Reader, or a user read as browsing); without it the
    request's user is the reader. With neither, every queryset comes back empty: a filter set
    built without saying for whom must not decide that withheld names may match.
    """

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        reader: Any = None,
    ) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        if reader is None and request is not None:
            reader = getattr(request, "user", None)
        self.reader: Reader | None = None if reader is None else Reader.of(reader)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.reader is None:
            return queryset.none()
        return super().filter_queryset(queryset)


class _SharedFilterSet(ReaderFilterSet):
    """Filters both lists offer. Subclasses say how to apply a case or detention condition."""

    occurred = EdtfFilter(
        method="filter_occurred",
        label=_("Case occurred"),
        help_text="EDTF date or range the case occurred in, e.g. 2014-03 or 2012/2014.",
    )
    detained = EdtfFilter(
        method="filter_detained",
        label=_("Detained"),
        help_text="EDTF date or range of detention, e.g. 2014-03-06 or 2014.",
    )
    place = filters.ModelChoiceFilter(
        queryset=Place.objects.all(),
        method="filter_place",
        label=_("Place"),
        help_text="Place id: the place and everything below it.",
    )
    region = filters.ModelMultipleChoiceFilter(
        queryset=_terms(VocabularyKey.TRADITIONAL_REGION),
        to_field_name="code",
        method="filter_region",
        label=_("Traditional region"),
        help_text="Traditional region code (kham, amdo, u-tsang).",
    )
    state = filters.MultipleChoiceFilter(
        choices=CaseState.choices,
        method="filter_state",
        label=_("Verification state"),
        help_text="Verification state.",
    )
    confidentiality = filters.MultipleChoiceFilter(
        choices=Confidentiality.choices, method="filter_confidentiality", label=_("Confidentiality")
    )
    status = filters.MultipleChoiceFilter(
        choices=DetentionStatus.choices,
        method="filter_status",
        label=_("Detention status"),
        help_text="Current detention status.",
    )
    certainty = filters.ChoiceFilter(
        choices=Certainty.choices, method="filter_certainty", label=_("Certainty of the status")
    )
    violation_type = _term_filter(VocabularyKey.VIOLATION_TYPE, _("Violation type"))
    charge = _term_filter(VocabularyKey.CHARGE, _("Charge"))
    detention_type = _term_filter(VocabularyKey.DETENTION_TYPE, _("Detention type"))
    ethnicity = _term_filter(VocabularyKey.ETHNICITY, _("Ethnicity"))
    religion = _term_filter(VocabularyKey.RELIGION, _("Religion"))
    occupation = _term_filter(VocabularyKey.OCCUPATION, _("Occupation"))
    gender = filters.MultipleChoiceFilter(
        choices=Sex.choices, method="filter_gender", label=_("Sex"), help_text="Sex / gender."
    )
    authority = filters.UUIDFilter(
        method="filter_authority",
        label=_("Detaining authority"),
        help_text="Public id of the detaining authority.",
    )
    affiliation = filters.UUIDFilter(
        method="filter_affiliation",
        label=_("Affiliated with"),
        help_text="Public id of an organization people are affiliated with.",
    )
    q = filters.CharFilter(
        method="filter_text",
        label=_("Text"),
        help_text="Text: case reference or title, or a person's name in any script or spelling.",
    )

    @property
    def sees_withheld_names(self) -> bool:
        """Only those who may read withheld identities may search by them."""
        return self.reader is not None and self.reader.sees_identities

    # How each kind of condition reaches the list's own model.
    def on_case(self, queryset: QuerySet, condition: Q) -> QuerySet:
        raise NotImplementedError

    def on_detention(self, queryset: QuerySet, condition: Q) -> QuerySet:
        raise NotImplementedError

    def filter_occurred(self, queryset, name, value):
        return self.on_case(queryset, overlapping("occurred", value)) if value else queryset

    def filter_detained(self, queryset, name, value):
        return self.on_detention(queryset, overlapping("detained_on", value)) if value else queryset

    def filter_place(self, queryset, name, value):
        return self.on_case(queryset, place_subtree(value)) if value else queryset

    def filter_region(self, queryset, name, value):
        return self.on_case(queryset, traditional_region(list(value))) if value else queryset

    def filter_state(self, queryset, name, value):
        return self.on_case(queryset, Q(state__in=value)) if value else queryset

    def filter_confidentiality(self, queryset, name, value):
        return self.on_case(queryset, Q(confidentiality__in=value)) if value else queryset

    def filter_violation_type(self, queryset, name, value):
        if not value:
            return queryset
        through = Case.violation_types.through.objects.filter(
            case_id=OuterRef("pk"), term__in=value
        )
        return self.on_case(queryset, Exists(through))

    def filter_status(self, queryset, name, value):
        return self.on_detention(queryset, Q(status__in=value)) if value else queryset

    def filter_certainty(self, queryset, name, value):
        return self.on_detention(queryset, Q(status_certainty=value)) if value else queryset

    def filter_charge(self, queryset, name, value):
        if not value:
            return queryset
        through = Detention.charges.through.objects.filter(
            detention_id=OuterRef("pk"), term__in=value
        )
        return self.on_detention(queryset, Exists(through))

    def filter_detention_type(self, queryset, name, value):
        return self.on_detention(queryset, Q(detention_type__in=value)) if value else queryset

    def filter_ethnicity(self, queryset, name, value):
        return self.on_detention(queryset, Q(person__ethnicity__in=value)) if value else queryset

    def filter_religion(self, queryset, name, value):
        return self.on_detention(queryset, Q(person__religion__in=value)) if value else queryset

    def filter_occupation(self, queryset, name, value):
        return self.on_detention(queryset, Q(person__occupation__in=value)) if value else queryset

    def filter_gender(self, queryset, name, value):
        return self.on_detention(queryset, Q(person__sex__in=value)) if value else queryset

    def filter_authority(self, queryset, name, value):
        return (
            self.on_detention(queryset, Q(detaining_authority__public_id=value))
            if value
            else queryset
        )

    def filter_affiliation(self, queryset, name, value):
        if not value:
            return queryset
        ties = Affiliation.objects.filter(
            person=OuterRef("person_id"), organization__public_id=value
        )
        return self.on_detention(queryset, Exists(ties))


class DetentionFilter(_SharedFilterSet):
    """Filters for the prisoner list: one row per detained person."""

    ordering = filters.OrderingFilter(
        fields=(
            ("detained_on_earliest", "detained"),
            ("expected_release", "expected_release"),
            ("case__reference", "case"),
            ("id", "id"),
        )
    )

    class Meta:
        model = Detention
        fields: list[str] = []

    def filter_queryset(self, queryset):
        self._case_conditions: list[Q] = []
        queryset = super().filter_queryset(queryset)
        if self._case_conditions:
            # All the case conditions in one list of case ids: the planner reads the few cases
            # of a county, in a state, in a period from their indexes, then their detentions.
            cases = Case.objects.filter(*self._case_conditions).order_by().values("pk")
            queryset = queryset.filter(case_id__in=cases)
        return queryset

    def on_case(self, queryset, condition):
        self._case_conditions.append(condition)
        return queryset

    def on_detention(self, queryset, condition):
        return queryset.filter(condition)

    def filter_text(self, queryset, name, value):
        if not value.strip():
            return queryset
        people = people_named(value, self.reader)
        # One list of matching ids from two index lookups, not an OR tested on every row.
        matching = (
            Detention.objects.filter(person_id__in=people)
            .order_by()
            .values("pk")
            .union(
                Detention.objects.filter(case_id__in=cases_titled(value, self.reader))
                .order_by()
                .values("pk")
            )
        )
        return queryset.filter(pk__in=matching)


class CaseFilter(_SharedFilterSet):
    ordering = filters.OrderingFilter(
        fields=(
            ("occurred_earliest", "occurred"),
            ("reference", "reference"),
            ("updated_at", "updated"),
        )
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def on_case(self, queryset, condition):
        return queryset.filter(condition)

    def on_detention(self, queryset, condition):
        return queryset.filter(Exists(Detention.objects.filter(condition, case_id=OuterRef("pk"))))

    def filter_text(self, queryset, name, value):
        if not value.strip():
            return queryset
        people = people_named(value, self.reader)
        matching = cases_titled(value, self.reader).union(
            Detention.objects.filter(person_id__in=people).order_by().values("case_id")
        )
        return queryset.filter(pk__in=matching)


def reply_overdue(today: datetime.date) -> Q:
    """An intervention whose reply deadline has passed with no reply recorded: not marked
    replied or closed, and no response written down."""
    return (
        Q(reply_due__lt=today)
        & ~Q(status__in=[InterventionStatus.REPLIED, InterventionStatus.CLOSED])
        & Q(response="")
    )


def is_reply_overdue(intervention: Intervention, today: datetime.date) -> bool:
    """`reply_overdue` for one intervention already loaded (the case page's)."""
    return (
        intervention.reply_due is not None
        and intervention.reply_due < today
        and intervention.status not in (InterventionStatus.REPLIED, InterventionStatus.CLOSED)
        and not intervention.response
    )


class InterventionFilter(ReaderFilterSet):
    # A choice rather than a BooleanFilter, whose widget reads any other word as "not given":
    # a misspelt value answers 400 instead of listing everything.
    reply_overdue = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_reply_overdue",
        label=_("Reply overdue: the deadline has passed and no reply is recorded"),
    )
    status = filters.MultipleChoiceFilter(choices=InterventionStatus.choices)
    kind = _term_filter(VocabularyKey.INTERVENTION_KIND, _("Kind (term code)"))

    class Meta:
        model = Intervention
        fields: list[str] = []

    def filter_reply_overdue(self, queryset, name, value):
        if not value:
            return queryset
        overdue = reply_overdue(timezone.localdate())
        return queryset.filter(overdue) if value == "true" else queryset.exclude(overdue)

    def filter_intervention_kind(self, queryset, name, value):
        return queryset.filter(kind__in=value) if value else queryset


class EventFilter(ReaderFilterSet):
    detention = filters.UUIDFilter(
        field_name="detention__public_id", label=_("Public id of the detention")
    )
    event_type = _term_filter(VocabularyKey.LEGAL_PROCESS_EVENT, _("Event type (term code)"))

    class Meta:
        model = DetentionEvent
        fields: list[str] = []

    def filter_legal_process_event(self, queryset, name, value):
        return queryset.filter(event_type__in=value) if value else queryset


# --- The filters as a page shows them ---------------------------------------------------------
#
# The API takes ids, codes and public ids, and its schema describes them so (the help texts
# above). A page offers the same filters as records to pick, by their names, with help in plain
# words; each field posts the value the API takes (a place's id, a term's code, an
# organization's public id), so a page and an API call with the same filters mean the same.

_TERM_FIELDS = {
    "violation_type": VocabularyKey.VIOLATION_TYPE,
    "charge": VocabularyKey.CHARGE,
    "detention_type": VocabularyKey.DETENTION_TYPE,
    "ethnicity": VocabularyKey.ETHNICITY,
    "religion": VocabularyKey.RELIGION,
    "occupation": VocabularyKey.OCCUPATION,
    "region": VocabularyKey.TRADITIONAL_REGION,
}
PAGE_HELP = {
    "occurred": _(
        "When the case happened: a year (2014), a month (2014-03) or a span (2012/2014)."
    ),
    "detained": _("When the person was detained: a year, a month, a day (2014-03-06) or a span."),
    "place": _("The place and every place inside it."),
    "region": _("Cases at a place in the region."),
    "status": _("What is known of the detention now."),
    "certainty": _("How sure the status is."),
    "authority": _("The police, court or other body that detained the person."),
    "affiliation": _("People who belong to this monastery, school or other organization."),
    "q": _("A case reference, words of a title, or a person's name in any script or spelling."),
}
CHOOSE_SEVERAL = _("Any of the chosen match: hold Ctrl (or Cmd) to choose several.")


def page_filter_form(filterset_class: type[ReaderFilterSet], data: Any = None) -> forms.Form:
    """The filter set's form for a page: records to pick instead of ids and codes, help in
    plain words, no ordering. Bound to `data` when given; it checks nothing the filter set
    does not check again (the export and the lists validate through the filter set)."""
    from .forms_lookup import OrganizationChoiceField, PlaceChoiceField, TermMultipleChoiceField
    from .models import Organization

    form = filterset_class(data=data, queryset=Case.objects.none()).form
    form.fields.pop("ordering", None)
    fields = form.fields
    for name, vocabulary in _TERM_FIELDS.items():
        if name in fields:
            fields[name] = TermMultipleChoiceField(
                vocabulary, required=False, to_field_name="code", label=fields[name].label
            )
    if "place" in fields:
        fields["place"] = PlaceChoiceField(required=False, label=fields["place"].label)
    for name in ("authority", "affiliation"):
        if name in fields:
            fields[name] = OrganizationChoiceField(
                queryset=Organization.objects.select_related("place").order_by("name", "pk"),
                required=False,
                to_field_name="public_id",
                label=fields[name].label,
            )
    for name, field in fields.items():
        helps = [PAGE_HELP[name]] if name in PAGE_HELP else []
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            helps.append(CHOOSE_SEVERAL)
        field.help_text = " ".join(str(text) for text in helps)
    return form


__all__ = [
    "CaseFilter",
    "DetentionFilter",
    "EventFilter",
    "InterventionFilter",
    "ReaderFilterSet",
    "ValidationError",
    "page_filter_form",
]
