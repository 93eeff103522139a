"""Uncertain dates as monitors enter them, with the bounds cases.dates gives them.

Plain days, months and years and intervals of them are bounded by `parse_uncertain_date`
itself. Qualified values ("2014-03-06?", "2014-03~") and sets ("[2013..2014]") go through the
edtf parser there, which takes about 12 ms a call: a million-row run cannot afford that, so their
bounds are taken from their plain parts, which is what the parser yields for them. A sample of
every run, and the tests, check that against `parse_uncertain_date`.
"""

from __future__ import annotations

import datetime
import random

from ..dates import parse_uncertain_date
from .chance import Weighted

Bounds = tuple[datetime.date | None, datetime.date | None]

# How precisely a source tends to give a date, by share of values. Most reports name the day;
# older or second-hand ones only the month or year, sometimes hedged ("?", "~") or as a range.
PRECISION = Weighted(
    {
        "day": 62.0,
        "month": 14.0,
        "year": 5.0,
        "day?": 4.0,
        "month~": 3.0,
        "year?": 2.0,
        "day~": 1.0,
        "months": 3.0,  # 2012-05/2012-07
        "years": 1.0,  # [2013..2014]
        "before": 0.3,  # ../2013
        "unknown": 2.0,
    }
)


class UncertainDates:
    """Writes EDTF text for a day at some precision, and bounds any such text (memoised)."""

    checked_per_run = 8

    def __init__(self) -> None:
        self._bounds: dict[str, Bounds] = {}
        self._to_check: list[str] = []

    @staticmethod
    def precision(rng: random.Random, weights: Weighted[str] = PRECISION) -> str:
        return weights.pick(rng)

    @staticmethod
    def text(day: datetime.date, precision: str) -> str:
        """The day as a source that knew it only so precisely would give it."""
        iso = day.isoformat()
        if precision == "day":
            return iso
        if precision == "month":
            return iso[:7]
        if precision == "year":
            return iso[:4]
        if precision in ("day?", "day~"):
            return iso + precision[-1]
        if precision == "month~":
            return iso[:7] + "~"
        if precision == "year?":
            return iso[:4] + "?"
        if precision == "months":
            # A range of a few months around the day.
            start = day.replace(day=1) - datetime.timedelta(days=1 if day.month > 1 else 0)
            end_month = min(day.month + 1, 12)
            return f"{start.isoformat()[:7]}/{day.year}-{end_month:02d}"
        if precision == "years":
            return f"[{day.year - 1}..{day.year}]"
        if precision == "before":
            return f"../{day.year}"
        if precision == "unknown":
            return ""
        raise ValueError(precision)

    def bounds(self, text: str) -> Bounds:
        cached = self._bounds.get(text)
        if cached is not None:
            return cached
        if text[-1:] in ("?", "~", "%") and "/" not in text:
            plain = parse_uncertain_date(text.rstrip("?~%"))
            result = (plain.earliest, plain.latest)
            self._sample(text)
        elif text.startswith("[") and text.endswith("]") and ".." in text:
            first, last = text[1:-1].split("..", 1)
            result = (parse_uncertain_date(first).earliest, parse_uncertain_date(last).latest)
            self._sample(text)
        else:
            parsed = parse_uncertain_date(text)
            result = (parsed.earliest, parsed.latest)
        self._bounds[text] = result
        return result

    def _sample(self, text: str) -> None:
        if len(self._to_check) < self.checked_per_run:
            self._to_check.append(text)

    def check_sample(self) -> None:
        """Compare the bounds worked out here with the application's on a few values."""
        for text in self._to_check:
            parsed = parse_uncertain_date(text)
            if (parsed.earliest, parsed.latest) != self._bounds[text]:
                raise AssertionError(
                    f"bounds of {text!r}: generated {self._bounds[text]}, "
                    f"application {(parsed.earliest, parsed.latest)}"
                )

    @staticmethod
    def as_day_or_blank(text: str) -> str:
        """`text`, or "" for a qualified value or a set: for code that only asks whether a value
        is an exact day (`expected_release_date`), which those never are, the two answer the
        same, and "" spares the edtf parser."""
        if text[-1:] in ("?", "~", "%") or text.startswith("["):
            return ""
        return text

    def reproduced(self) -> list[str]:
        """Every value bounded here rather than by the application (for the tests)."""
        return [
            text
            for text in self._bounds
            if text[-1:] in ("?", "~", "%") or (text.startswith("[") and ".." in text)
        ]
