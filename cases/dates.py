"""Uncertain dates: EDTF (ISO 8601-2) strings with derived earliest/latest bounds.

Human-rights dates are rarely exact: "6 March", "March 2014", "early 2014", "before 2013". Each is
kept as the EDTF text the monitor entered plus the first and last day it can mean, so that lists
sort and range filters work on plain indexed dates:

    2014-03-06        one day
    2014-03           any day of March 2014
    2014-03~ / 2014?  approximately March 2014 / possibly 2014 (bounds of the stated period)
    2012-05/2012-07   between May and July 2012
    ../2013           before the end of 2013 (open start)
    2012/..           from 2012 on (open end)

An open end is stored as the smallest or largest representable date, so that "overlaps" is a
plain comparison on both bounds; an unknown date (empty text) has no bounds and matches no range.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from edtf import EDTFParseException, parse_edtf, struct_time_to_date

OPEN_START = datetime.date(1, 1, 1)
OPEN_END = datetime.date(9999, 12, 31)
MAX_LENGTH = 64

_EXAMPLES = "2014-03-06, 2014-03, 2014, 2014-03~ (approximate), 2014? (uncertain), 2012-05/2012-07"


@dataclass(frozen=True)
class UncertainDate:
    text: str
    earliest: datetime.date | None
    latest: datetime.date | None

    @property
    def is_known(self) -> bool:
        return self.earliest is not None

    @property
    def is_exact_day(self) -> bool:
        return self.is_known and self.earliest == self.latest and _is_plain_day(self.text)


def _is_plain_day(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit()


def _invalid(text: str) -> ValidationError:
    return ValidationError(
        _("“%(value)s” is not a date we can read. Use EDTF, for example: %(examples)s."),
        code="invalid_edtf",
        params={"value": text, "examples": _EXAMPLES},
    )


_PLAIN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _plain_bounds(text: str) -> tuple[datetime.date, datetime.date] | None:
    """Bounds of a plain year, month or day without the EDTF parser, which takes milliseconds
    per call: these three forms are most of what monitors enter and what bulk imports carry."""
    match = _PLAIN.match(text)
    if match is None:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if month is None:
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return datetime.date(year, month, 1), datetime.date(year, month, last)
        exact = datetime.date(year, month, day)
    except ValueError:
        raise _invalid(text) from None
    return exact, exact


@functools.lru_cache(maxsize=4096)
def _bounds_of_single(text: str) -> tuple[datetime.date, datetime.date]:
    plain = _plain_bounds(text)
    if plain is not None:
        return plain
    try:
        parsed = parse_edtf(text)
        earliest = struct_time_to_date(parsed.lower_strict())
        latest = struct_time_to_date(parsed.upper_strict())
    except (EDTFParseException, TypeError, ValueError, AttributeError, OverflowError):
        raise _invalid(text) from None
    return earliest, latest


def parse_uncertain_date(value: str | None) -> UncertainDate:
    """Parse EDTF text into bounds; raise ValidationError with a readable message if it is not.

    Intervals are split here rather than in the edtf library, which cannot compute bounds of
    open intervals ("../2013") and guesses ten years for an unknown start ("/2013").
    """
    text = (value or "").strip()
    if not text:
        return UncertainDate("", None, None)
    if len(text) > MAX_LENGTH:
        raise _invalid(text[:MAX_LENGTH] + "…")
    if "/" not in text:
        earliest, latest = _bounds_of_single(text)
        return UncertainDate(text, earliest, latest)

    start_text, end_text = text.split("/", 1)
    if "/" in end_text:
        raise _invalid(text)
    if start_text in {"", ".."} and end_text in {"", ".."}:
        raise _invalid(text)
    earliest = OPEN_START if start_text in {"", ".."} else _bounds_of_single(start_text)[0]
    latest = OPEN_END if end_text in {"", ".."} else _bounds_of_single(end_text)[1]
    if earliest > latest:
        raise ValidationError(
            _("The interval “%(value)s” ends before it starts."),
            code="interval_reversed",
            params={"value": text},
        )
    return UncertainDate(text, earliest, latest)


def range_bounds(value: str) -> tuple[datetime.date, datetime.date]:
    """Bounds of a filter value, itself written in EDTF ("2014-03" means all of March 2014)."""
    parsed = parse_uncertain_date(value)
    if not parsed.is_known:
        raise _invalid(value)
    return parsed.earliest, parsed.latest  # type: ignore[return-value]


def describe(text: str) -> str:
    """A reader's rendering of an EDTF value, keeping its uncertainty visible."""
    text = (text or "").strip()
    if not text:
        return _("date unknown")
    try:
        parsed = parse_uncertain_date(text)
    except ValidationError:
        return text
    if "/" in text:
        start_text, end_text = text.split("/", 1)
        if start_text in {"", ".."}:
            return _("before %(date)s") % {"date": describe(end_text)}
        if end_text in {"", ".."}:
            return _("from %(date)s") % {"date": describe(start_text)}
        return _("between %(start)s and %(end)s") % {
            "start": describe(start_text),
            "end": describe(end_text),
        }
    core = text.rstrip("?~%")
    qualifier = text[len(core) :]
    if _is_plain_day(core):
        shown = f"{parsed.earliest.day} {parsed.earliest:%B %Y}"
    elif len(core) == 7 and core[4] == "-" and core[5:].isdigit() and int(core[5:]) <= 12:
        shown = f"{parsed.earliest:%B %Y}"
    elif len(core) == 4 and core.isdigit():
        shown = core
    else:
        return text
    if qualifier == "~":
        return _("about %(date)s") % {"date": shown}
    if qualifier == "?":
        return _("%(date)s (uncertain)") % {"date": shown}
    if qualifier == "%":
        return _("about %(date)s (uncertain)") % {"date": shown}
    return shown


def overlapping(field: str, value: str) -> Q:
    """A filter for records whose uncertain date `field` may fall within the EDTF `value`.

    "2014-03" matches 2014-03-06, 2014-03, 2014-03~, 2014 and an interval reaching into March;
    an unknown date matches nothing. Served by the index on the two bound columns.
    """
    start, end = range_bounds(value)
    return Q(**{f"{field}_earliest__lte": end, f"{field}_latest__gte": start})
