"""Uncertain dates: parsing, bounds and the range semantics every filter relies on."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cases.dates import OPEN_END, OPEN_START, describe, parse_uncertain_date, range_bounds

pytestmark = pytest.mark.smoke

D = datetime.date


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2014-03-06", D(2014, 3, 6), D(2014, 3, 6)),
        ("2014-03", D(2014, 3, 1), D(2014, 3, 31)),
        ("2014-02", D(2014, 2, 1), D(2014, 2, 28)),
        ("2012-02", D(2012, 2, 1), D(2012, 2, 29)),
        ("2014", D(2014, 1, 1), D(2014, 12, 31)),
        ("2014-03~", D(2014, 3, 1), D(2014, 3, 31)),
        ("2014?", D(2014, 1, 1), D(2014, 12, 31)),
        ("2014-03-06%", D(2014, 3, 6), D(2014, 3, 6)),
        ("2012-05/2012-07", D(2012, 5, 1), D(2012, 7, 31)),
        ("../2013", OPEN_START, D(2013, 12, 31)),
        ("2012/..", D(2012, 1, 1), OPEN_END),
        ("/2013", OPEN_START, D(2013, 12, 31)),
        ("199X", D(1990, 1, 1), D(1999, 12, 31)),
        ("  2014-03-06 ", D(2014, 3, 6), D(2014, 3, 6)),
    ],
)
def test_bounds_of_uncertain_dates(text, earliest, latest):
    parsed = parse_uncertain_date(text)
    assert (parsed.earliest, parsed.latest) == (earliest, latest)
    assert parsed.text == text.strip()


def test_empty_date_is_unknown_and_has_no_bounds():
    parsed = parse_uncertain_date("")
    assert not parsed.is_known
    assert (parsed.earliest, parsed.latest) == (None, None)


@pytest.mark.parametrize(
    "text",
    [
        "garbage",
        "2014-02-30",
        "2014-13",
        "06/03/2014",
        "March 2014",
        "2014-07/2014-05",
        "../..",
        "2014/2015/2016",
    ],
)
def test_unreadable_dates_are_refused_with_examples(text):
    with pytest.raises(ValidationError) as error:
        parse_uncertain_date(text)
    message = " ".join(error.value.messages)
    assert "2014-03-06" in message or "ends before it starts" in message


def overlaps(stored: str, wanted: str) -> bool:
    parsed = parse_uncertain_date(stored)
    start, end = range_bounds(wanted)
    return parsed.is_known and parsed.earliest <= end and parsed.latest >= start


@pytest.mark.parametrize(
    ("stored", "matches_march_2014"),
    [
        ("2014-03-06", True),
        ("2014-03", True),
        ("2014-03~", True),
        ("2014", True),
        ("2014?", True),
        ("2014-02-15/2014-04-15", True),
        ("2013-12/2014-03", True),
        ("2014-04", False),
        ("2014-02-28", False),
        ("2013", False),
        ("../2013", False),
        ("../2014-03-01", True),
        ("2014-04/..", False),
        ("", False),
    ],
)
def test_filter_for_march_2014(stored, matches_march_2014):
    assert overlaps(stored, "2014-03") is matches_march_2014


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2014-03-06", "6 March 2014"),
        ("2014-03", "March 2014"),
        ("2014", "2014"),
        ("2014-03~", "about March 2014"),
        ("2014?", "2014 (uncertain)"),
        ("2012-05/2012-07", "between May 2012 and July 2012"),
        ("../2013", "before 2013"),
        ("2012/..", "from 2012"),
        ("", "date unknown"),
    ],
)
def test_dates_are_shown_with_their_uncertainty(text, shown):
    assert describe(text) == shown


@pytest.mark.django_db
def test_database_filter_uses_the_same_semantics():
    from cases.dates import overlapping
    from cases.models import Detention

    from ..factories import CaseFactory, DetentionFactory

    case = CaseFactory()
    stored = [
        "2014-03-06",
        "2014-03",
        "2014-03~",
        "2014",
        "2013-12/2014-03",
        "2014-04",
        "../2013",
        "",
    ]
    for text in stored:
        DetentionFactory(case=case, detained_on=text)
    found = set(
        Detention.objects.filter(overlapping("detained_on", "2014-03")).values_list(
            "detained_on", flat=True
        )
    )
    assert found == {"2014-03-06", "2014-03", "2014-03~", "2014", "2013-12/2014-03"}
