"""The statistics page of a search, and a CSV of each of its tables.

The numbers are the API's (GET /api/v1/stats/): the same filter set (DetentionFilter) over the
same detentions of the access gate, read for the same reader, and the same breakdowns
(cases.api.stats), so a page and an API call with one query string cannot disagree. A case the
user may not see is in no count.

People are counted by heads: a record of "three unnamed people" counts three.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from .. import queries as access
from ..api import stats
from ..charts import Bar, bar_chart, heads, month_chart, month_label
from ..exports.formats import csv_stream
from ..exports.rows import Column
from ..filters import DetentionFilter
from ..models import Detention, DetentionStatus, ExportKind, PlaceKind, Sex
from ..queries import Purpose, Reader
from .exports import described_filters

# The chart shows the largest; the table beside it and its CSV list every row.
MAX_BARS = 15
PLACE_LEVEL_NAMES = [
    PlaceKind.COUNTRY.label,
    PlaceKind.REGION.label,
    PlaceKind.PREFECTURE.label,
    PlaceKind.COUNTY.label,
    PlaceKind.TOWNSHIP.label,
    PlaceKind.VILLAGE.label,
]


@dataclass(frozen=True)
class Row:
    """One line of a table and of its CSV: the API's key (a code, a month, a place id), what a
    reader calls it, and the head count; `extra` holds a CSV's further columns."""

    key: str
    label: str
    count: int
    extra: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    heading: str
    key_column: str
    rows: list[Row]
    note: str = ""
    extra_columns: tuple[str, ...] = ()

    @property
    def columns(self) -> list[Column]:
        keys = [self.key_column, "label", *self.extra_columns, "count"]
        # Header cells are the keys, in English, so a script reading the file needs no
        # translation table; the label column is in the reader's language.
        return [Column(key, key) for key in keys]

    def csv_rows(self) -> list[dict[str, Any]]:
        rows = []
        for row in self.rows:
            values = [row.key, row.label, *row.extra, row.count]
            rows.append(dict(zip([column.key for column in self.columns], values, strict=True)))
        return rows


class BadSearch(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("bad search")
        self.errors = errors


def _place_level(params: QueryDict) -> int:
    """place_level as the API reads it: a depth from 0 to MAX_PLACE_LEVEL, 1 when not given."""
    raw = params.get("place_level", str(stats.DEFAULT_PLACE_LEVEL))
    if not (raw.isascii() and raw.isdigit()) or int(raw) > stats.MAX_PLACE_LEVEL:
        message = _("A depth from 0 to %(max)d.") % {"max": stats.MAX_PLACE_LEVEL}
        raise BadSearch([(_("Places grouped by"), message)])
    return int(raw)


def filtered_detentions(request: HttpRequest) -> QuerySet[Detention]:
    """The detentions of the search, exactly as GET /api/v1/stats/ filters them (its view:
    the gate's visible detentions of the user, DetentionFilter read for the browsing reader)."""
    filterset = DetentionFilter(
        data=request.GET,
        queryset=access.visible_detentions(request.user),
        request=request,
        reader=Reader.of(request.user, Purpose.BROWSE),
    )
    if not filterset.is_valid():
        fields = filterset.form.fields
        raise BadSearch(
            [
                (str(fields[name].label) if name in fields else name, message)
                for name, messages in filterset.form.errors.items()
                for message in messages
            ]
        )
    return filterset.qs


def _month_chart(detentions: QuerySet[Detention], _level: int) -> Chart:
    rows = []
    for item in stats.by_month(detentions):
        month = datetime.date.fromisoformat(f"{item['month']}-01")
        rows.append(Row(item["month"], month_label(month), item["count"]))
    return Chart(
        "month",
        _("People detained per month"),
        _("Month"),
        "month",
        rows,
        note=_(
            "By the earliest possible day of the detention: “2014” counts in January 2014. "
            "Detentions with no month (“before 2013”, no date) are left out. The table lists "
            "the months with people detained; the chart shows the others as empty."
        ),
    )


def _place_chart(detentions: QuerySet[Detention], level: int) -> Chart:
    kinds = dict(PlaceKind.choices)
    rows = [
        Row(
            "" if item["place"] is None else str(item["place"]),
            item["name"] or _("no place recorded"),
            item["count"],
            (kinds.get(item["kind"], item["kind"] or ""), item["depth"]),
        )
        for item in stats.by_place(detentions, level)
    ]
    return Chart(
        "place",
        _("People detained by place"),
        _("Place"),
        "place",
        rows,
        note=_("A case placed above the level chosen counts at its own place."),
        extra_columns=("kind", "depth"),
    )


def _choice_chart(
    slug: str, title: str, heading: str, key: str, breakdown: Callable, choices: Any
) -> Callable[[QuerySet[Detention], int], Chart]:
    def build(detentions: QuerySet[Detention], _level: int) -> Chart:
        labels = dict(choices)
        rows = [
            Row(item[key], str(labels.get(item[key], item[key])), item["count"])
            for item in breakdown(detentions)
        ]
        return Chart(slug, str(title), str(heading), key, rows)

    return build


def _term_chart(
    slug: str, title: str, heading: str, breakdown: Callable, note: str
) -> Callable[[QuerySet[Detention], int], Chart]:
    def build(detentions: QuerySet[Detention], _level: int) -> Chart:
        rows = [
            Row(item["code"] or "", item["label"] or _("none recorded"), item["count"])
            for item in breakdown(detentions)
        ]
        return Chart(slug, str(title), str(heading), "code", rows, note=str(note))

    return build


CHARTS: dict[str, Callable[[QuerySet[Detention], int], Chart]] = {
    "month": _month_chart,
    "place": _place_chart,
    "status": _choice_chart(
        "status",
        gettext_lazy("People by detention status"),
        gettext_lazy("Status"),
        "status",
        stats.by_status,
        DetentionStatus.choices,
    ),
    "charge": _term_chart(
        "charge",
        gettext_lazy("People by charge"),
        gettext_lazy("Charge"),
        stats.by_charge,
        gettext_lazy(
            "A person counts under each charge against them, so these can add up to more "
            "than the total."
        ),
    ),
    "gender": _choice_chart(
        "gender",
        gettext_lazy("People by sex or gender"),
        gettext_lazy("Sex or gender"),
        "gender",
        stats.by_gender,
        Sex.choices,
    ),
    "violation-type": _term_chart(
        "violation-type",
        gettext_lazy("People by violation type"),
        gettext_lazy("Violation type"),
        stats.by_violation_type,
        gettext_lazy(
            "A person counts under each violation type of their case, so these can add up to "
            "more than the total."
        ),
    ),
}


def _svg(chart: Chart) -> Any:
    chart_id = f"chart-{chart.slug}-svg"
    if chart.slug == "month":
        counts = {datetime.date.fromisoformat(f"{row.key}-01"): row.count for row in chart.rows}
        first, last = min(counts), max(counts)
        desc = _(
            "Columns from %(first)s to %(last)s, one a month; a month with nobody detained "
            "is an empty place. The most, %(most)s people, in %(when)s."
        ) % {
            "first": month_label(first),
            "last": month_label(last),
            "most": heads(max(counts.values())),
            "when": month_label(max(counts, key=lambda month: (counts[month], -month.toordinal()))),
        }
        return month_chart(counts, chart_id=chart_id, title=chart.title, desc=desc)
    shown = chart.rows[:MAX_BARS]
    desc = ngettext(
        "One bar for each of %(count)s row of the table beside, largest first.",
        "One bar for each of %(count)s rows of the table beside, largest first.",
        len(shown),
    ) % {"count": heads(len(shown))}
    if len(chart.rows) > len(shown):
        desc += " " + _("The table lists all %(count)s.") % {"count": heads(len(chart.rows))}
    bars = [Bar(row.label, row.count) for row in shown]
    return bar_chart(bars, chart_id=chart_id, title=chart.title, desc=desc)


def _without(params: QueryDict, *names: str) -> str:
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


def _search_described(params: QueryDict) -> list[tuple[str, str]]:
    given = {
        name: [value for value in params.getlist(name) if value.strip()]
        for name in params
        if name not in ("ordering", "place_level")
    }
    return described_filters(ExportKind.DETENTIONS, {k: v for k, v in given.items() if v})


def _bad_search(request: HttpRequest, errors: list[tuple[str, str]]) -> HttpResponse:
    context = {"errors": errors, "cases_query": _without(request.GET, "place_level")}
    return render(request, "cases/statistics.html", context, status=400)


@require_safe
@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    try:
        level = _place_level(request.GET)
        detentions = filtered_detentions(request)
    except BadSearch as bad:
        return _bad_search(request, bad.errors)
    charts = [build(detentions, level) for build in CHARTS.values()]
    status_chart = next(chart for chart in charts if chart.slug == "status")
    # Every detention has one status: the same total as the API's.
    total = sum(row.count for row in status_chart.rows)
    cases = detentions.order_by().values("case_id").distinct().count()
    query = request.GET.urlencode()
    context = {
        "total": total,
        "cases": cases,
        "charts": [(chart, _svg(chart) if chart.rows else "") for chart in charts],
        "filters": _search_described(request.GET),
        "query": query,
        "cases_query": _without(request.GET, "place_level"),
        "level_params": [
            (name, value)
            for name, values in request.GET.lists()
            if name != "place_level"
            for value in values
        ],
        "place_level": level,
        "place_levels": _place_levels(),
    }
    return render(request, "cases/statistics.html", context)


def _place_levels() -> list[tuple[int, str]]:
    return [
        (
            level,
            str(PLACE_LEVEL_NAMES[level])
            if level < len(PLACE_LEVEL_NAMES)
            else _("level %(level)d below the country") % {"level": level},
        )
        for level in range(stats.MAX_PLACE_LEVEL + 1)
    ]


@require_safe
@login_required
def statistics_csv(request: HttpRequest, chart: str) -> HttpResponse:
    build = CHARTS.get(chart)
    if build is None:
        raise Http404(_("No such table."))
    try:
        level = _place_level(request.GET)
        detentions = filtered_detentions(request)
    except BadSearch as bad:
        lines = [f"{label}: {message}" for label, message in bad.errors]
        return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
    table = build(detentions, level)
    body = b"".join(csv_stream(table.csv_rows(), table.columns, bom=True))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="casebook-statistics-{chart}.csv"'
    # A download only: never sniffed or rendered from our origin, never kept by a cache.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
