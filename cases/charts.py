"""Charts drawn on the server as inline SVG: a page needs no script to show them.

Pure functions from numbers to markup. Every piece of text goes through `format_html`, so a
label (a place's name, a term's label: data people type) is escaped once, here, and a "<script>"
in a term shows as text. The drawing uses classes only, never a style attribute: the page's
Content-Security-Policy forbids inline style, and the stylesheet picks the colours
(static/css/casebook.css, "Statistics page").

Positions across are percentages and there is no viewBox: a chart fills the width it is
given while its text keeps the page's size, so a label stays readable on a phone instead of
shrinking with the drawing.

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

# Bar charts: each bar under its own label, so a long place name has the full width; the
# longest bar leaves room after it for its number.
BAR_ROW = 44
BAR_HEIGHT = 16
BAR_SPAN = 84  # percent
LABEL_CHARS = 72
# Column chart of months: heights in pixels, positions across in percent.
PLOT_TOP = 16
PLOT_HEIGHT = 200
AXIS_ROOM = 44
# Under this many months each column is named (on a wide screen); above, only the years are.
NAMED_MONTHS = 18
MAX_YEAR_LABELS = 8
YEAR_LABEL_ROOM = 12  # percent: room for "2014" on a phone-wide chart


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


def _pct(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "%"


def _frame(chart_id: str, title: str, desc: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{id}-title {id}-desc" '
        'width="100%" height="{h}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        h=height,
        title=title,
        desc=desc,
        body=body,
    )


def _joined(parts: list[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, desc: str) -> SafeString:
    """Horizontal bars in the order given, each with its label above and its number at its
    end. Bars are scaled to the largest."""
    largest = max((bar.count for bar in bars), default=0) or 1
    rows = []
    for index, bar in enumerate(bars):
        top = index * BAR_ROW
        length = BAR_SPAN * bar.count / largest
        rows.append(
            format_html(
                '<g class="chart__row">'
                '<text class="chart__label" x="0" y="{label_y}">{label}</text>'
                '<rect class="chart__bar" x="0" y="{bar_y}" width="{length}" height="{h}">'
                "<title>{full}: {value}</title></rect>"
                '<text class="chart__value" x="{length}" dx="6" y="{value_y}">{value}</text></g>',
                label_y=top + 16,
                label=_shortened(bar.label),
                bar_y=top + 22,
                length=_pct(length),
                h=BAR_HEIGHT,
                full=bar.label,
                value=heads(bar.count),
                value_y=top + 35,
            )
        )
    return _frame(chart_id, title, desc, max(len(bars), 1) * BAR_ROW, _joined(rows))


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


def _divisions(top: int) -> int:
    """How many equal whole steps the scale up to `top` (1, 2 or 5 × 10ⁿ) is cut into."""
    return 5 if top % 5 == 0 else min(top, 4)


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
    slot = 100 / max(len(months), 1)
    baseline = PLOT_TOP + PLOT_HEIGHT
    parts, scale = [], []
    steps = _divisions(top)
    for step in range(steps + 1):
        y = round(baseline - PLOT_HEIGHT * step / steps, 1)
        # Scale numbers sit just above their line, inside the plot: no margin to reserve.
        parts.append(
            format_html('<line class="chart__grid" x1="0" x2="100%" y1="{y}" y2="{y}"/>', y=y)
        )
        # Drawn after the columns, so that a column never hides them.
        scale.append(
            format_html(
                '<text class="chart__tick chart__scale" x="2" y="{y}">{value}</text>',
                y=f"{y - 3:.1f}",
                value=heads(top * step // steps),
            )
        )
    named = len(months) <= NAMED_MONTHS
    # A sliver of space between columns while they are wide enough to spare it.
    gap = slot * 0.15 if len(months) <= 150 else 0
    for index, month in enumerate(months):
        x = index * slot
        count = counts.get(month, 0)
        if count:
            height = PLOT_HEIGHT * count / top
            parts.append(
                format_html(
                    '<rect class="chart__bar" x="{x}" y="{y}" width="{w}" height="{h}">'
                    "<title>{month}: {value}</title></rect>",
                    x=_pct(x + gap / 2),
                    y=f"{baseline - height:.2f}",
                    w=_pct(slot - gap),
                    h=f"{height:.2f}",
                    month=month_label(month),
                    value=heads(count),
                )
            )
            if named:
                parts.append(
                    format_html(
                        '<text class="chart__value chart__detail" x="{x}" y="{y}" '
                        'text-anchor="middle">{value}</text>',
                        x=_pct(x + slot / 2),
                        y=f"{baseline - height - 4:.1f}",
                        value=heads(count),
                    )
                )
        if named:
            parts.append(
                format_html(
                    '<text class="chart__tick chart__detail" x="{x}" y="{y}" '
                    'text-anchor="middle">{name}</text>',
                    x=_pct(x + slot / 2),
                    y=baseline + 16,
                    name=date_format(month, "M"),
                )
            )
    parts.extend(_year_marks(months, slot, baseline, named))
    parts.extend(scale)
    parts.append(
        format_html('<line class="chart__axis" x1="0" x2="100%" y1="{y}" y2="{y}"/>', y=baseline)
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
        x = _pct(index * slot)
        marks.append(
            format_html(
                '<line class="chart__axis" x1="{x}" x2="{x}" y1="{y1}" y2="{y2}"/>'
                '<text class="chart__tick" x="{x}" dx="3" y="{ty}">{year}</text>',
                x=x,
                y1=baseline,
                y2=baseline + (30 if named else 6),
                ty=baseline + (34 if named else 20),
                year=date_format(month, "Y"),
            )
        )
    return marks


__all__ = ["Bar", "bar_chart", "heads", "month_chart", "month_label", "months_between"]
