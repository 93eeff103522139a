"""The cost of a page: the SQL queries of the server-rendered lists and of the admin's
changelists do not grow with the rows on them.

`list_costs` (tests/list_costs.py) measured every page with 1 row and with 50.
"""

from __future__ import annotations

import pytest

from ..list_costs import ADMIN_PAGES, HISTORY, PAGES, ROWS, SECOND_PAGES

pytestmark = pytest.mark.django_db

# Session, user and roles (3), the page and its count, one query per prefetched relation.
MAX_PAGE_QUERIES = 10
# The case, its versions and its detentions' versions, each with their many-to-many
# snapshots, and the labels of the related records they name, fetched once per model.
MAX_HISTORY_QUERIES = 18
# The admin adds its permission checks, one query per related filter in the sidebar, and the
# date hierarchy.
MAX_ADMIN_QUERIES = 12


@pytest.mark.parametrize("name", [*PAGES, *SECOND_PAGES])
def test_page_costs_the_same_with_1_and_50_rows(list_costs, name):
    one, fifty = list_costs.one[name], list_costs.fifty[name]
    assert (one.rows, fifty.rows) == (1, ROWS)
    assert fifty.queries == one.queries
    assert fifty.queries <= MAX_PAGE_QUERIES


@pytest.mark.parametrize("name", HISTORY)
def test_history_costs_the_same_with_a_few_and_many_versions(list_costs, name):
    few, many = list_costs.one[name], list_costs.fifty[name]
    # Each of the ROWS rounds shows a version of the case and one of its detention (the
    # bookkeeping versions between them changed nothing shown and are not listed).
    assert few.rows < 10 and many.rows >= 2 * ROWS, "versions shown"
    assert many.queries == few.queries
    assert many.queries <= MAX_HISTORY_QUERIES


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_changelist_costs_the_same_with_1_and_50_rows(list_costs, name):
    one, fifty = list_costs.one[name], list_costs.fifty[name]
    assert one.rows <= 2 and fifty.rows >= ROWS, "the changelist should show every row"
    assert fifty.queries == one.queries
    assert fifty.queries <= MAX_ADMIN_QUERIES
