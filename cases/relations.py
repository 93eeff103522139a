"""What may be seen of the relations between cases, for the pages, the API, exports and dossiers.

A relation names the case at its far end (reference and title), so it is shown only when the
reader may see that case too, for the same purpose: a restricted case linked to a public one
must not appear on the public one's page, in its API detail, in an export or in a dossier, nor
be counted there. Each function costs one query, however many relations a case has.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Case, CaseRelation, CaseRelationKind
from .queries import Purpose, visible_case_condition

# How the far end of a relation stands to the case it is seen from, when the relation was
# recorded on the far end: "CB-2 is a duplicate of CB-1" reads on CB-1 as "duplicated by CB-2".
INVERSE_KINDS = {
    CaseRelationKind.DUPLICATE_OF: "duplicated-by",
    CaseRelationKind.PART_OF: "includes",
    CaseRelationKind.RELATED_TO: "related-to",
}
KIND_LABELS = {
    CaseRelationKind.DUPLICATE_OF.value: _("Duplicate of"),
    CaseRelationKind.PART_OF.value: _("Part of"),
    CaseRelationKind.RELATED_TO.value: _("Related to"),
    "duplicated-by": _("Duplicated by"),
    "includes": _("Includes"),
}
RELATION_KINDS_SEEN = list(KIND_LABELS)


@dataclass(frozen=True)
class RelationSeen:
    """One relation as seen from one of its two cases."""

    id: int
    kind: str  # from this case's side: duplicate-of, part-of, related-to, duplicated-by, includes
    recorded_kind: str  # as recorded on `from_case`
    outgoing: bool  # recorded on this case
    reference: str  # the case at the far end
    title: str
    note: str

    @property
    def label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def item(self) -> str:
        """`kind:reference`, as the case export writes it."""
        return f"{self.kind}:{self.reference}"


def _seen_from(relation: CaseRelation, case_id: int) -> RelationSeen:
    outgoing = relation.from_case_id == case_id
    other = relation.to_case if outgoing else relation.from_case
    kind = relation.kind if outgoing else INVERSE_KINDS.get(relation.kind, relation.kind)
    return RelationSeen(
        id=relation.pk,
        kind=str(kind),
        recorded_kind=relation.kind,
        outgoing=outgoing,
        reference=other.reference,
        title=other.title,
        note=relation.note,
    )


def relations_of(user: Any, case: Case, purpose: Purpose = Purpose.BROWSE) -> list[RelationSeen]:
    """The relations of `case` (which the caller has read through the gate) whose far end
    `user` may see for `purpose`, in one query."""
    return relations_of_cases(user, [case.pk], purpose).get(case.pk, [])


def relations_of_cases(
    user: Any, case_ids: Iterable[int], purpose: Purpose = Purpose.BROWSE
) -> dict[int, list[RelationSeen]]:
    """relations_of for many cases at once (one query), keyed by case id."""
    ids = list(case_ids)
    relations = CaseRelation.objects.filter(
        (Q(from_case_id__in=ids) & visible_case_condition(user, purpose, via="to_case__"))
        | (Q(to_case_id__in=ids) & visible_case_condition(user, purpose, via="from_case__"))
    )
    return _grouped(relations, ids)


def relations_among(
    case_ids: Iterable[int], visible: QuerySet[Case]
) -> dict[int, list[RelationSeen]]:
    """Relations of the cases `case_ids` whose far end is in `visible` (for exports, which
    hold the visible cases of their profile rather than a user), in one query."""
    ids = list(case_ids)
    visible_ids = visible.values("pk")
    relations = CaseRelation.objects.filter(
        Q(from_case_id__in=ids, to_case_id__in=visible_ids)
        | Q(to_case_id__in=ids, from_case_id__in=visible_ids)
    )
    return _grouped(relations, ids)


def _grouped(relations: QuerySet[CaseRelation], ids: list[int]) -> dict[int, list[RelationSeen]]:
    wanted = set(ids)
    found: dict[int, list[RelationSeen]] = defaultdict(list)
    rows = relations.select_related("from_case", "to_case").only(
        "id",
        "kind",
        "note",
        "from_case_id",
        "to_case_id",
        "from_case__reference",
        "from_case__title",
        "to_case__reference",
        "to_case__title",
    )
    for relation in rows.order_by("id"):
        for case_id in (relation.from_case_id, relation.to_case_id):
            if case_id in wanted:
                found[case_id].append(_seen_from(relation, case_id))
    for seen in found.values():
        seen.sort(key=lambda relation: (not relation.outgoing, relation.kind, relation.reference))
    return dict(found)


def visible_case_relations(user: Any) -> QuerySet[CaseRelation]:
    """Relations both of whose cases `user` may see: the ones the API lists and may change."""
    return CaseRelation.objects.filter(
        visible_case_condition(user, via="from_case__"),
        visible_case_condition(user, via="to_case__"),
    )
