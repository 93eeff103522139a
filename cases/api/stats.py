"""Counts of detained people for GET /api/v1/stats/ and the statistics page.

People are counted by heads, not rows: a record for "three other Tibetans" counts three
(`Person.head_count`). Each breakdown is one grouped query over the same filtered detentions,
so the cost does not depend on how many there are.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth

from cases.dates import OPEN_START
from cases.models import Detention, Place, Term, VocabularyKey

DEFAULT_PLACE_LEVEL = 1  # below the country: province or region (TAR, Qinghai, Sichuan …)
MAX_PLACE_LEVEL = 11


def _heads() -> Sum:
    return Sum("person__head_count")


def _grouped(detentions: QuerySet[Detention], field: str) -> list[tuple[Any, int]]:
    # order_by() first: a sort left by a filter would otherwise join the GROUP BY.
    return list(
        detentions.order_by()
        .values(field)
        .annotate(count=_heads())
        .order_by(field)
        .values_list(field, "count")
    )


def by_month(detentions: QuerySet[Detention]) -> list[dict[str, Any]]:
    """By the month of the earliest possible detention day. "Before 2013" (an open start) has
    no month and is left out; "2014" counts in January 2014, its earliest month."""
    months = (
        detentions.order_by()
        .filter(detained_on_earliest__isnull=False)
        .exclude(detained_on_earliest=OPEN_START)
        .annotate(month=TruncMonth("detained_on_earliest"))
        .values("month")
        .annotate(count=_heads())
        .order_by("month")
        .values_list("month", "count")
    )
    return [{"month": f"{month:%Y-%m}", "count": count} for month, count in months]


def by_place(detentions: QuerySet[Detention], level: int) -> list[dict[str, Any]]:
    """By the case's place, rolled up to its ancestor at depth `level` (0 = country), read
    from the materialized path. A place above that level stays itself (its depth says so)."""
    per_place = _grouped(detentions, "case__place_id")
    places = dict(
        Place.objects.filter(pk__in=[pk for pk, _count in per_place if pk is not None]).values_list(
            "pk", "path"
        )
    )
    totals: dict[int | None, int] = {}
    for pk, count in per_place:
        ancestor = None
        if pk is not None and pk in places:
            chain = [int(part) for part in places[pk].strip("/").split("/") if part]
            ancestor = chain[level] if len(chain) > level else chain[-1]
        totals[ancestor] = totals.get(ancestor, 0) + count
    shown = {
        place["pk"]: place
        for place in Place.objects.filter(pk__in=[pk for pk in totals if pk is not None]).values(
            "pk", "name", "kind", "depth"
        )
    }
    result = []
    for pk, count in totals.items():
        place = shown.get(pk) or {}
        result.append(
            {
                "place": pk,
                "name": place.get("name"),
                "kind": place.get("kind"),
                "depth": place.get("depth"),
                "count": count,
            }
        )
    return sorted(result, key=lambda row: (-row["count"], row["name"] or ""))


def _by_term(
    detentions: QuerySet[Detention], field: str, vocabulary: VocabularyKey
) -> list[dict[str, Any]]:
    labels = {
        term.code: term.label for term in Term.objects.filter(vocabulary__key=vocabulary.value)
    }
    rows = _grouped(detentions, field)
    return [
        {"code": code, "label": labels.get(code) if code else None, "count": count}
        for code, count in sorted(rows, key=lambda row: (-row[1], row[0] or ""))
    ]


def by_violation_type(detentions: QuerySet[Detention]) -> list[dict[str, Any]]:
    """A detention counts under each violation type of its case (so these can add up to more
    than the total); cases with none recorded count under null."""
    return _by_term(detentions, "case__violation_types__code", VocabularyKey.VIOLATION_TYPE)


def by_charge(detentions: QuerySet[Detention]) -> list[dict[str, Any]]:
    """A detention counts under each of its charges (so these can add up to more than the
    total); detentions with no charge recorded count under null."""
    return _by_term(detentions, "charges__code", VocabularyKey.CHARGE)


def by_status(detentions: QuerySet[Detention]) -> list[dict[str, Any]]:
    return [{"status": status, "count": count} for status, count in _grouped(detentions, "status")]


def by_gender(detentions: QuerySet[Detention]) -> list[dict[str, Any]]:
    return [{"gender": sex, "count": count} for sex, count in _grouped(detentions, "person__sex")]


def detention_statistics(detentions: QuerySet[Detention], *, place_level: int) -> dict[str, Any]:
    # Every detention has exactly one status, so the total is the sum of that breakdown: one
    # pass over the filtered detentions fewer than a separate SUM.
    statuses = by_status(detentions)
    return {
        "total": sum(row["count"] for row in statuses),
        "place_level": place_level,
        "by_month": by_month(detentions),
        "by_place": by_place(detentions, place_level),
        "by_status": statuses,
        "by_violation_type": by_violation_type(detentions),
        "by_charge": by_charge(detentions),
        "by_gender": by_gender(detentions),
    }
