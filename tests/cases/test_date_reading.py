"""Dates typed as people say them are stored as EDTF, and the page says how it read them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cases.dates import read_date, reading_of

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2014-03-06", "2014-03-06"),
        ("6 March 2014", "2014-03-06"),
        ("6th March 2014", "2014-03-06"),
        ("March 6, 2014", "2014-03-06"),
        ("  6   march 2014 ", "2014-03-06"),
        ("March 2014", "2014-03"),
        ("Mar. 2014", "2014-03"),
        ("Sept 2014", "2014-09"),
        ("2014", "2014"),
        ("2014-3-6", "2014-03-06"),
        ("about March 2014", "2014-03~"),
        ("about 2014", "2014~"),
        ("circa 1998", "1998~"),
        ("2014-03~", "2014-03~"),
        ("possibly 2014", "2014?"),
        ("2014?", "2014?"),
        ("possibly about 2014", "2014%"),
        ("about 2014?", "2014%"),
        ("2012-05/2012-07", "2012-05/2012-07"),
        ("between May and July 2012", "2012-05/2012-07"),
        ("May to July 2012", "2012-05/2012-07"),
        ("between 6 March 2014 and 10 April 2014", "2014-03-06/2014-04-10"),
        ("before 2013", "../2013"),
        ("since 1 June 2015", "2015-06-01/.."),
        ("2014年3月6日", "2014-03-06"),
        ("2014年3月", "2014-03"),
        ("2014年", "2014"),
        ("约2014年", "2014~"),
        ("2014年左右", "2014~"),
        ("2013年之前", "../2013"),
        ("", ""),
    ],
)
def test_a_date_typed_as_people_say_it_is_stored_as_edtf(typed, stored):
    assert read_date(typed) == stored


@pytest.mark.parametrize("typed", ["early 2014", "31 February 2014", "next Tuesday", "6/3/2014"])
def test_a_date_that_cannot_be_read_is_refused_with_examples_not_guessed(typed):
    with pytest.raises(ValidationError) as refused:
        read_date(typed)
    message = refused.value.messages[0]
    assert typed in message and "March 2014" in message


def test_month_names_of_the_readers_language_are_read():
    with translation.override("zh-hans"):
        assert read_date("三月 2014") == "2014-03"


def test_the_reading_gives_the_words_and_the_days_it_covers():
    reading = reading_of("about March 2014")
    assert (reading.edtf, reading.described) == ("2014-03~", "about March 2014")
    assert (reading.earliest.isoformat(), reading.latest.isoformat()) == (
        "2014-03-01",
        "2014-03-31",
    )
    assert reading_of("someday").error


@pytest.mark.django_db
def test_the_reading_line_answers_while_typing(client, monitor):
    client.force_login(monitor)
    response = client.get(
        "/dates/reading/", {"field": "occurred", "occurred": "between May and July 2012"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_occurred-reading"' in html
    assert "between May 2012 and July 2012" in html
    assert "1 May 2012" in html and "31 July 2012" in html and "2012-05/2012-07" in html
    refused = client.get("/dates/reading/", {"field": "occurred", "occurred": "early 2014"})
    assert "not a date we can read" in refused.content.decode()


@pytest.mark.django_db
def test_the_reading_line_is_behind_the_login(client):
    response = client.get("/dates/reading/", {"field": "occurred", "occurred": "2014"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_case_edit_form_stores_a_natural_date_as_edtf(client, monitor):
    from tests.factories import CaseFactory

    case = CaseFactory(title="Arrests in Sog", occurred="2014")
    client.force_login(monitor)
    page = client.get(f"/cases/{case.reference}/edit/").content.decode()
    assert 'hx-get="/dates/reading/?field=occurred"' in page
    assert "Read as:" in page  # the stored date, read back without JavaScript
    data = {
        "version": case.version,
        "title": case.title,
        "summary": case.summary,
        "narrative": case.narrative,
        "occurred": "6 March 2014",
        "confidentiality": case.confidentiality,
    }
    if case.place_id:
        data["place"] = case.place_id
    response = client.post(f"/cases/{case.reference}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert case.occurred == "2014-03-06"


@pytest.mark.django_db
def test_a_date_the_form_cannot_read_keeps_what_was_typed(client, monitor):
    from tests.factories import CaseFactory

    case = CaseFactory(title="Arrests in Sog", occurred="2014")
    client.force_login(monitor)
    response = client.post(
        f"/cases/{case.reference}/edit/",
        {
            "version": case.version,
            "title": "Arrests in Sog, retitled",
            "occurred": "early spring 2014",
            "confidentiality": case.confidentiality,
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="early spring 2014"' in html and "Arrests in Sog, retitled" in html
    case.refresh_from_db()
    assert (case.occurred, case.title) == ("2014", "Arrests in Sog")
