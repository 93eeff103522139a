"""The cost of a list: the number of SQL queries does not grow with the rows on the page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casebook.accounts.system import system_user
from cases.models import LanguageTag, Sex, VocabularyKey
from cases.services.detentions import detention_add_event
from cases.services.people import person_add_affiliation

from ..factories import DetentionFactory, PersonFactory, PlaceFactory, SourceFactory, cite, term
from ..list_costs import API_CASE_PARTS, API_EXPORTS, API_LISTS, API_STATISTICS, ROWS
from .conftest import make_case

pytestmark = pytest.mark.django_db

# The ceilings: session, user and roles (3), the page, one query per prefetched relation; the
# statistics add one grouped query per breakdown (the places take three).
MAX_LIST_QUERIES = 10
MAX_STATS_QUERIES = 14
# An export reads its rows in chunks, with one query per chunk for each relation it flattens
# (names, charges, affiliations, consents, sources), after a bounded count of the rows.
MAX_EXPORT_QUERIES = 18


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def full_row(number: int, place, organization) -> None:
    """A case with one detention touching every relation the list endpoints show."""
    case = make_case(
        title=f"Case {number}",
        occurred="",
        place=place,
        violation_types=[term(VocabularyKey.VIOLATION_TYPE, "arbitrary-detention")],
    )
    person = PersonFactory(
        name=f"Person {number}",
        sex=Sex.MALE,
        ethnicity=term(VocabularyKey.ETHNICITY, "tibetan"),
        names=[(f"བཀྲ་ཤིས {number}", LanguageTag.TIBETAN)],
    )
    person_add_affiliation(acting_user=system_user(), person=person, organization=organization)
    detention = DetentionFactory(
        case=case,
        person=person,
        detained_on="",
        detaining_authority=organization,
        charges=[term(VocabularyKey.CHARGE, "inciting-separatism")],
        detention_type=term(VocabularyKey.DETENTION_TYPE, "criminal"),
    )
    detention_add_event(
        acting_user=system_user(),
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "trial"),
        organization=organization,
    )
    cite(SourceFactory(title=f"Report {number}"), case=case)


@pytest.fixture
def relations(db):
    from cases.services.organizations import organization_create

    place = PlaceFactory(name="Sog County")
    organization = organization_create(acting_user=system_user(), name="Sog County court")
    return place, organization


ENDPOINTS = [
    "/api/v1/cases/",
    "/api/v1/detentions/",
    "/api/v1/people/",
    "/api/v1/sources/",
    "/api/v1/citations/",
    "/api/v1/events/",
]


def test_lists_cost_the_same_with_1_and_50_rows(client_for, monitor, relations):
    client = client_for(monitor)
    full_row(0, *relations)
    with_one = {url: queries(client, f"{url}?page_size=100") for url in ENDPOINTS}
    for number in range(1, 50):
        full_row(number, *relations)
    for url in ENDPOINTS:
        body = client.get(f"{url}?page_size=100").json()
        assert len(body["results"]) == 50, url
    with_fifty = {url: queries(client, f"{url}?page_size=100") for url in ENDPOINTS}
    assert with_fifty == with_one
    assert max(with_fifty.values()) <= MAX_LIST_QUERIES


def test_filtered_list_and_stats_cost_a_fixed_number_of_queries(
    client_for, monitor, relations, django_assert_max_num_queries
):
    client = client_for(monitor)
    full_row(0, *relations)
    place = relations[0].pk
    url = f"/api/v1/detentions/?place={place}&charge=inciting-separatism&q=person&status=detained"
    stats = f"/api/v1/stats/?place={place}&gender=male"
    before = (queries(client, url), queries(client, stats))
    for number in range(1, 6):
        full_row(number, *relations)
    assert (queries(client, url), queries(client, stats)) == before
    with django_assert_max_num_queries(MAX_STATS_QUERIES):
        client.get(stats)


def test_token_authenticated_list_costs_the_same(token_client, monitor, relations):
    client = token_client(monitor)
    full_row(0, *relations)
    first = queries(client, "/api/v1/detentions/")
    for number in range(1, 4):
        full_row(number, *relations)
    assert queries(client, "/api/v1/detentions/") <= first


# --- Every other list: `list_costs` (tests/list_costs.py) measured them with 1 row and 50 -------


@pytest.mark.parametrize("name", API_LISTS)
def test_every_list_costs_the_same_with_1_and_50_rows(list_costs, name):
    one, fifty = list_costs.one[name], list_costs.fifty[name]
    assert fifty.rows == ROWS, "a page of 50 should be full"
    assert fifty.queries == one.queries
    assert fifty.queries <= MAX_LIST_QUERIES


@pytest.mark.parametrize("name", API_LISTS)
def test_a_page_of_1_costs_the_same_as_a_page_of_50(list_costs, name):
    small, large = list_costs.page_of_one[name], list_costs.fifty[name]
    assert (small.rows, large.rows) == (1, ROWS)
    assert large.queries == small.queries


@pytest.mark.parametrize("name", API_CASE_PARTS)
def test_a_case_part_list_costs_the_same_with_a_few_and_many_rows(list_costs, name):
    few, many = list_costs.one[name], list_costs.fifty[name]
    assert few.rows < 10 and many.rows >= ROWS
    assert many.queries == few.queries
    assert many.queries <= MAX_LIST_QUERIES


@pytest.mark.parametrize("name", API_STATISTICS)
def test_statistics_cost_the_same_with_1_and_50_rows(list_costs, name):
    one, fifty = list_costs.one[name], list_costs.fifty[name]
    assert (one.rows, fifty.rows) == (1, ROWS), "head counts"
    assert fifty.queries == one.queries
    assert fifty.queries <= MAX_STATS_QUERIES


@pytest.mark.parametrize("name", API_EXPORTS)
def test_a_whole_export_costs_the_same_with_1_and_50_rows(list_costs, name):
    one, fifty = list_costs.one[name], list_costs.fifty[name]
    assert (one.rows, fifty.rows) == (1, ROWS), "rows in the file"
    assert fifty.queries == one.queries
    assert fifty.queries <= MAX_EXPORT_QUERIES
