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


# --- Dates as people type them -------------------------------------------------------------------

_APPROXIMATE = re.compile(
    r"^(?:about|around|approximately|approx\.?|circa|ca\.?|c\.|roughly|some time in"
    r"|约|大约|大概)\s*"
)
_APPROXIMATE_AFTER = re.compile(r"\s*(?:左右|前后)$")
_UNCERTAIN = re.compile(r"^(?:possibly|perhaps|probably|maybe|可能|或许)\s*")
_BEFORE = re.compile(r"^(?:before|by|until|up to|no later than)\s+(.+)$")
_BEFORE_AFTER = re.compile(r"^(.+?)\s*(?:之前|以前)$")
_FROM = re.compile(r"^(?:after|since|from|no earlier than)\s+(.+?)(?:\s+on(?:wards?)?)?$")
_FROM_AFTER = re.compile(r"^(.+?)\s*(?:之后|以后|起)$")
_BETWEEN = re.compile(
    r"^(?:between\s+(.+?)\s+and\s+(.+)|(?:from\s+)?(.+?)\s*(?:\bto\b|–|—|至|到)\s*(.+))$"
)
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([^\W\d]+)$")
_CHINESE = re.compile(r"^(\d{4})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?)?$")
_NUMERIC = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([^\W\d]+)\.?,?\s+(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([^\W\d]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_MONTH_YEAR = re.compile(r"^([^\W\d]+)\.?,?\s+(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")

_NATURAL_EXAMPLES = (
    "6 March 2014, March 2014, 2014, about March 2014, possibly 2014, "
    "between May and July 2012, before 2013, 2014年3月6日"
)


def _month_numbers() -> dict[str, int]:
    """Month names and abbreviations in English and in the reader's language."""
    from django.utils.dates import MONTHS, MONTHS_3

    names = {}
    for number in range(1, 13):
        english = datetime.date(2000, number, 1)
        for name in (f"{english:%B}", f"{english:%b}", str(MONTHS[number]), str(MONTHS_3[number])):
            names[name.casefold()] = number
    names["sept"] = 9
    return names


def _not_readable(text: str) -> ValidationError:
    return ValidationError(
        _("“%(value)s” is not a date we can read. Write it, for example, as: %(examples)s."),
        code="invalid_date",
        params={"value": text, "examples": _NATURAL_EXAMPLES},
    )


def _edtf_day(year: str, month: str | int | None, day: str | None) -> str:
    if month is None:
        return f"{int(year):04d}"
    if day is None:
        return f"{int(year):04d}-{int(month):02d}"
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _read_single(text: str, *, year_hint: str | None = None) -> str:
    """One date (no interval, no qualifier) as EDTF; `year_hint` completes "May" in
    "between May and July 2012"."""
    if _is_edtf(text):
        return text
    months = _month_numbers()
    if match := _YEAR.match(text):
        return match.group(1)
    if match := (_CHINESE.match(text) or _NUMERIC.match(text)):
        return _edtf_day(*match.groups())
    if (match := _DAY_MONTH_YEAR.match(text)) and match.group(2).casefold() in months:
        day, month, year = match.groups()
        return _edtf_day(year, months[month.casefold()], day)
    if (match := _MONTH_DAY_YEAR.match(text)) and match.group(1).casefold() in months:
        month, day, year = match.groups()
        return _edtf_day(year, months[month.casefold()], day)
    if (match := _MONTH_YEAR.match(text)) and match.group(1).casefold() in months:
        month, year = match.groups()
        return _edtf_day(year, months[month.casefold()], None)
    bare = text.rstrip(".").casefold()
    if year_hint and bare in months:
        return _edtf_day(year_hint, months[bare], None)
    match = _DAY_MONTH.match(bare)
    if year_hint and match and match.group(2) in months:
        return _edtf_day(year_hint, months[match.group(2)], match.group(1))
    raise _not_readable(text)


def _is_edtf(text: str) -> bool:
    try:
        parse_uncertain_date(text)
    except ValidationError:
        return False
    return True


def read_date(value: str | None) -> str:
    """The EDTF a person meant by a date typed as people say it.

    EDTF itself is taken as it is; otherwise English ("6 March 2014", "March 6, 2014",
    "about March 2014", "possibly 2014", "before 2013", "from 2012", "between May and July
    2012") and Chinese ("2014年3月6日", "约2014年", "2013年之前") forms are read. Anything else
    raises ValidationError with examples, so nothing is stored that was guessed.
    """
    text = " ".join((value or "").split())
    if not text or _is_edtf(text):
        return text
    lowered = text.casefold().rstrip()
    qualifier = ""
    if lowered.endswith("?"):
        qualifier, lowered = "?", lowered[:-1].rstrip()
    # "possibly about 2014": the words may come in either order and combine.
    marks = {"?"} if qualifier else set()
    stripped = True
    while stripped:
        stripped = False
        for pattern, mark in ((_APPROXIMATE, "~"), (_UNCERTAIN, "?"), (_APPROXIMATE_AFTER, "~")):
            if pattern.search(lowered):
                lowered, stripped = pattern.sub("", lowered, count=1), True
                marks.add(mark)
    qualifier = "%" if len(marks) == 2 else "".join(marks)
    try:
        result = _read_phrase(lowered, qualifier)
        parse_uncertain_date(result)
    except ValidationError:
        raise _not_readable(text) from None
    return result


def _read_phrase(lowered: str, qualifier: str) -> str:
    if match := (_BEFORE.match(lowered) or _BEFORE_AFTER.match(lowered)):
        result = f"../{_read_single(match.group(1))}"
    elif match := (_BETWEEN.match(lowered)):
        start, end = (part for part in match.groups() if part)
        end_edtf = _read_single(end)
        result = f"{_read_single(start, year_hint=end_edtf[:4])}/{end_edtf}"
    elif match := (_FROM.match(lowered) or _FROM_AFTER.match(lowered)):
        result = f"{_read_single(match.group(1))}/.."
    else:
        result = _read_single(lowered)
        if qualifier:
            result = result.rstrip("?~%") + qualifier
    return result


@dataclass(frozen=True)
class DateReading:
    """How a typed date is read: for the line under a date input ("read as: …")."""

    typed: str
    edtf: str
    described: str
    earliest: datetime.date | None
    latest: datetime.date | None
    error: str = ""

    @property
    def is_open_start(self) -> bool:
        return self.earliest == OPEN_START

    @property
    def is_open_end(self) -> bool:
        return self.latest == OPEN_END


def reading_of(value: str | None) -> DateReading:
    typed = " ".join((value or "").split())
    try:
        edtf = read_date(typed)
    except ValidationError as error:
        return DateReading(typed, "", "", None, None, error=error.messages[0])
    parsed = parse_uncertain_date(edtf)
    return DateReading(typed, edtf, describe(edtf), parsed.earliest, parsed.latest)
