"""Charts drawn on the server as inline SVG: a page needs no script to show them.

Pure functions from numbers to markup. Every piece of text goes through `format_html`, so a
label (a place's name, a term's label: data people type) is escaped once, here, and a "<script>"
in a term shows as text. The drawing uses classes only, never a style attribute: the page's
Content-Security-Policy forbids inline style, and the stylesheet picks the colours
(static/css/casebook.css, "Statistics page").

Each chart is an image with a title and a description for assistive technology
(`role="img"`, `aria-labelledby`); the numbers themselves are in the table the page puts
beside it, so colour and shape never carry meaning alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
# Bar charts: each bar under its own label, so a long place name has the full width.
BAR_ROW = 44
BAR_HEIGHT = 16
LABEL_CHARS = 72
VALUE_ROOM = 72
# Column chart of months.
PLOT_TOP = 24
PLOT_HEIGHT = 200
AXIS_LEFT = 56
AXIS_RIGHT = 8
AXIS_ROOM = 44
# Under this many months each column is named; above, only the years are.
NAMED_MONTHS = 18
MAX_YEAR_LABELS = 12
YEAR_LABEL_ROOM = 40


@dataclass(frozen=True)
class Bar:
    label: str
    count: int


def heads(count: int) -> str:
    """A count as the reader's language writes numbers (1,234 / 1,234 / …)."""
    return number_format(count, force_grouping=True)


def month_label(month: datetime.date) -> str:
    """ "March 2014", "2014年3月": the language's own year-and-month format."""
    return date_format(month, "YEAR_MONTH_FORMAT")


def _shortened(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _frame(chart_id: str, title: str, desc: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{id}-title {id}-desc" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=WIDTH,
        h=height,
        title=title,
        desc=desc,
        body=body,
    )


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, desc: str) -> SafeString:
    """Horizontal bars, largest first as given, each with its label above and its number at
    its end. Bars are scaled to the largest, so the longest fills the width."""
    largest = max((bar.count for bar in bars), default=0) or 1
    room = WIDTH - VALUE_ROOM
    rows = []
    for index, bar in enumerate(bars):
        top = index * BAR_ROW
        length = max(round(room * bar.count / largest), 1 if bar.count else 0)
        rows.append(
            format_html(
                '<g class="chart__row">'
                '<text class="chart__label" x="0" y="{label_y}">{label}</text>'
                '<rect class="chart__bar" x="0" y="{bar_y}" width="{length}" height="{h}">'
                "<title>{full}: {value}</title></rect>"
                '<text class="chart__value" x="{value_x}" y="{value_y}">{value}</text></g>',
                label_y=top + 16,
                label=_shortened(bar.label),
                bar_y=top + 22,
                length=length,
                h=BAR_HEIGHT,
                full=bar.label,
                value=heads(bar.count),
                value_x=length + 6,
                value_y=top + 35,
            )
        )
    height = max(len(bars), 1) * BAR_ROW
    return _frame(chart_id, title, desc, height, _joined(rows))


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every first of the month from `first`'s month to `last`'s, both included."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at or above `value`: a scale whose steps read easily."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _year_stride(years: int) -> int:
    for stride in (1, 2, 5, 10, 20, 50):
        if years / stride <= MAX_YEAR_LABELS:
            return stride
    return 100


def month_chart(
    counts: dict[datetime.date, int], *, chart_id: str, title: str, desc: str
) -> SafeString:
    """Columns for every month from the first with a count to the last: a month with none
    stays on the axis as an empty place, so a gap in the record shows as a gap."""
    months = months_between(min(counts), max(counts)) if counts else []
    top = nice_ceiling(max(counts.values(), default=1))
    plot_width = WIDTH - AXIS_LEFT - AXIS_RIGHT
    slot = plot_width / max(len(months), 1)
    baseline = PLOT_TOP + PLOT_HEIGHT
    parts = []
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        value = top * fraction
        if value != int(value):
            continue
        y = baseline - PLOT_HEIGHT * fraction
        parts.append(
            format_html(
                '<line class="chart__grid" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}"/>'
                '<text class="chart__tick" x="{tx}" y="{ty}" text-anchor="end">{value}</text>',
                x1=AXIS_LEFT,
                x2=WIDTH - AXIS_RIGHT,
                y=f"{y:.1f}",
                tx=AXIS_LEFT - 6,
                ty=f"{y + 4:.1f}",
                value=heads(int(value)),
            )
        )
    named = len(months) <= NAMED_MONTHS
    gap = slot * 0.15 if slot > 4 else 0
    for index, month in enumerate(months):
        x = AXIS_LEFT + index * slot
        count = counts.get(month, 0)
        if count:
            height = PLOT_HEIGHT * count / top
            parts.append(
                format_html(
                    '<rect class="chart__bar" x="{x}" y="{y}" width="{w}" height="{h}">'
                    "<title>{month}: {value}</title></rect>",
                    x=f"{x + gap / 2:.2f}",
                    y=f"{baseline - height:.2f}",
                    w=f"{slot - gap:.2f}",
                    h=f"{height:.2f}",
                    month=month_label(month),
                    value=heads(count),
                )
            )
            if named:
                parts.append(
                    format_html(
                        '<text class="chart__value" x="{x}" y="{y}" text-anchor="middle">'
                        "{value}</text>",
                        x=f"{x + slot / 2:.1f}",
                        y=f"{baseline - height - 4:.1f}",
                        value=heads(count),
                    )
                )
        centre = f"{x + slot / 2:.1f}"
        if named:
            parts.append(
                format_html(
                    '<text class="chart__tick" x="{x}" y="{y}" text-anchor="middle">{name}</text>',
                    x=centre,
                    y=baseline + 16,
                    name=date_format(month, "M"),
                )
            )
    parts.extend(_year_marks(months, slot, baseline, named))
    parts.append(
        format_html(
            '<line class="chart__axis" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}"/>',
            x1=AXIS_LEFT,
            x2=WIDTH - AXIS_RIGHT,
            y=baseline,
        )
    )
    return _frame(chart_id, title, desc, baseline + AXIS_ROOM, _joined(parts))


def _year_marks(
    months: list[datetime.date], slot: float, baseline: int, named: bool
) -> list[SafeString]:
    """A tick and the year under the first month of each year shown (every `stride` years on
    a long axis), and under the first month of the axis unless the next year's is too close."""
    stride = _year_stride(len({month.year for month in months}))
    starts = [
        (index, month)
        for index, month in enumerate(months)
        if index == 0 or (month.month == 1 and month.year % stride == 0)
    ]
    if len(starts) > 1 and (starts[1][0] - starts[0][0]) * slot < YEAR_LABEL_ROOM:
        starts = starts[1:]
    marks = []
    for index, month in starts:
        x = AXIS_LEFT + index * slot
        marks.append(
            format_html(
                '<line class="chart__axis" x1="{x}" x2="{x}" y1="{y1}" y2="{y2}"/>'
                '<text class="chart__tick" x="{tx}" y="{ty}">{year}</text>',
                x=f"{x:.1f}",
                y1=baseline,
                y2=baseline + (30 if named else 6),
                tx=f"{x + 3:.1f}",
                ty=baseline + (34 if named else 20),
                year=date_format(month, "Y"),
            )
        )
    return marks


def _joined(parts: list[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


__all__ = ["Bar", "bar_chart", "heads", "month_chart", "month_label", "months_between"]
