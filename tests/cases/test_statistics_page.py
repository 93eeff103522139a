"""/statistics/: the charts, tables and CSVs of a search hold the API's numbers, for the same
query and the same user, and nothing of a case the user may not see."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re

import pytest
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from casebook.accounts.roles import Role
from casebook.accounts.system import system_user
from cases.charts import Bar, bar_chart, month_chart, months_between
from cases.models import (
    CaseState,
    Confidentiality,
    PlaceKind,
    Sex,
    Term,
    Vocabulary,
    VocabularyKey,
)
from cases.services.detentions import detention_add_event

from ..api.conftest import make_case, settle
from ..factories import DetentionFactory, PersonFactory, PlaceFactory, UserFactory, term

PAGE = "/statistics/"
STATS = "/api/v1/stats/"
CHARTS = {
    # chart slug: (the API's list, its key, how the page and the CSV name a row)
    "month": ("by_month", "month"),
    "place": ("by_place", "place"),
    "status": ("by_status", "status"),
    "charge": ("by_charge", "code"),
    "gender": ("by_gender", "gender"),
    "violation-type": ("by_violation_type", "code"),
}
EVIL = '<script>alert("charge")</script>'


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv(response) -> list[dict[str, str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the byte order mark to read UTF-8"
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def _section(page: str, slug: str) -> str:
    start = page.index(f'<section class="stats-chart" id="chart-{slug}"')
    return page[start : page.index("</section>", start)]


def _table(section: str) -> list[tuple[str, int]]:
    rows = re.findall(
        r'<tr><th scope="row" dir="auto">(.*?)</th><td class="num">([\d,]+)</td>', section
    )
    return [(html.unescape(label), int(count.replace(",", ""))) for label, count in rows]


def _svg_numbers(section: str) -> list[tuple[str, int]]:
    titles = re.findall(r"<rect [^>]*><title>(.*?): ([\d,]+)</title></rect>", section)
    return [(html.unescape(label), int(count.replace(",", ""))) for label, count in titles]


def page_total(page: str) -> int:
    found = re.search(r'<p class="stats-summary" role="status">\s*([\d,]+) (?:person|people)', page)
    return int(found[1].replace(",", ""))


class StatisticsPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        """Tibet > Nagchu > Sog County, and Tibet > Lhasa: a group of three and two men in Sog
        County, one woman in Lhasa, one detention before 2013 with no place, a draft (not for
        advocates) and a restricted case nobody was granted."""
        cls.monitor = UserFactory(username="monitor", roles=[Role.MONITOR])
        cls.advocate = UserFactory(username="advocate", roles=[Role.ADVOCATE])
        cls.outsider = UserFactory(username="outsider")
        tibet = PlaceFactory(name="Tibet", kind=PlaceKind.REGION)
        cls.nagchu = PlaceFactory(name="Nagchu", kind=PlaceKind.PREFECTURE, parent=tibet)
        sog = PlaceFactory(name="Sog County", kind=PlaceKind.COUNTY, parent=cls.nagchu)
        lhasa = PlaceFactory(name="Lhasa", kind=PlaceKind.PREFECTURE, parent=tibet)
        hidden_place = PlaceFactory(name="MARKER-HIDDEN-PLACE", parent=tibet)
        torture = term(VocabularyKey.VIOLATION_TYPE, "torture")
        arbitrary = term(VocabularyKey.VIOLATION_TYPE, "arbitrary-detention")
        separatism = term(VocabularyKey.CHARGE, "inciting-separatism")
        charges = Vocabulary.objects.get(key=VocabularyKey.CHARGE.value)
        evil = Term.objects.create(vocabulary=charges, code="evil", labels={"en": EVIL})
        hidden_charge = Term.objects.create(
            vocabulary=charges, code="hidden", labels={"en": "MARKER-HIDDEN-CHARGE"}
        )

        in_sog = make_case(title="Sog arrests", place=sog, violation_types=[arbitrary, torture])
        DetentionFactory(
            case=in_sog,
            person=PersonFactory(
                name="", description="three other Tibetans", is_group=True, head_count=3
            ),
            detained_on="2014-03-06",
            charges=[separatism],
        )
        DetentionFactory(
            case=in_sog,
            person=PersonFactory(sex=Sex.MALE),
            detained_on="2014-03",
            charges=[separatism, evil],
        )
        released = DetentionFactory(
            case=in_sog, person=PersonFactory(sex=Sex.MALE), detained_on="2014-04-02"
        )
        detention_add_event(
            acting_user=system_user(),
            detention=released,
            event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "release"),
            occurred="2014-06",
        )
        settle(in_sog)
        in_lhasa = make_case(title="Lhasa arrest", place=lhasa, violation_types=[arbitrary])
        DetentionFactory(case=in_lhasa, person=PersonFactory(sex=Sex.FEMALE), detained_on="2015-07")
        settle(in_lhasa)
        nowhere = make_case(title="Old arrest", occurred="../2012")
        DetentionFactory(case=nowhere, detained_on="../2012")
        settle(nowhere)
        draft = make_case(title="Draft arrest", place=sog)
        DetentionFactory(case=draft, person=PersonFactory(sex=Sex.MALE), detained_on="2014-03-07")
        settle(draft, CaseState.DRAFT)
        hidden = make_case(
            title="MARKER-HIDDEN-TITLE", place=hidden_place, level=Confidentiality.RESTRICTED
        )
        DetentionFactory(
            case=hidden,
            person=PersonFactory(
                name="", description="nine monks", is_group=True, head_count=9, sex=Sex.OTHER
            ),
            detained_on="2009-01",
            charges=[hidden_charge],
        )
        settle(hidden)

    def _both(self, user, query: str = ""):
        client = _client(user)
        suffix = f"?{query}" if query else ""
        api = client.get(STATS + suffix)
        assert api.status_code == 200
        page = client.get(PAGE + suffix)
        assert page.status_code == 200
        return client, api.json(), page.content.decode()

    def assert_page_and_csvs_equal_the_api(self, user, query: str = "") -> None:
        client, api, page = self._both(user, query)
        suffix = f"?{query}" if query else ""
        for slug, (key, column) in CHARTS.items():
            expected = [(row[column], row["count"]) for row in api[key]]
            rows = _csv(client.get(f"/statistics/{slug}.csv{suffix}"))
            got = [(row[column] or None, int(row["count"])) for row in rows]
            if slug == "place":
                got = [(None if pk is None else int(pk), count) for pk, count in got]
            assert got == expected, slug
            section = _section(page, slug)
            labels = [(row["label"], int(row["count"])) for row in rows]
            assert _table(section) == labels, slug
            if slug != "month":
                # Every bar, largest first; months are drawn on a time axis, checked below.
                assert _svg_numbers(section) == labels[:15], slug
        month_bars = _svg_numbers(_section(page, "month"))
        assert [count for _label, count in month_bars] == [row["count"] for row in api["by_month"]]

    def test_monitor_sees_the_apis_numbers_in_every_chart_table_and_csv(self):
        for query in (
            "",
            "place_level=0",
            "place_level=2",
            "status=released",
            "gender=male&charge=inciting-separatism",
            f"place={self.nagchu.pk}",
            "detained=2014",
        ):
            with self.subTest(query=query):
                self.assert_page_and_csvs_equal_the_api(self.monitor, query)

    def test_advocate_sees_the_apis_numbers_for_verified_cases(self):
        self.assert_page_and_csvs_equal_the_api(self.advocate)
        self.assert_page_and_csvs_equal_the_api(self.advocate, "state=draft")

    def test_summary_counts_heads_and_cases(self):
        _unused, api, page = self._both(self.monitor)
        # 3 (the group) + 1 + 1 in Sog, 1 in Lhasa, 1 undated, 1 in the draft: 8 in 4 cases.
        assert api["total"] == 8
        assert re.search(r"8 people detained\s+in 4 cases", page)
        assert "People (head count)" in page
        # The group counts three: the March 2014 column has the group, a man and the draft.
        assert ("March 2014", 5) in _table(_section(page, "month"))
        _unused, api, page = self._both(self.advocate, "gender=unknown")
        assert re.search(r"4 people detained\s+in 2 cases", page)

    def test_a_hidden_case_counts_nowhere(self):
        # The restricted case's nine heads would make the monitor's 8 a 17.
        for user, total in ((self.monitor, 8), (self.advocate, 7), (self.outsider, 0)):
            with self.subTest(user=user.username):
                _unused, api, page = self._both(user)
                assert api["total"] == page_total(page) == total
                assert "MARKER-HIDDEN" not in page
                assert "2009" not in page
        _unused, _api, page = self._both(self.monitor, "q=MARKER-HIDDEN-TITLE")
        assert re.search(r"0 people detained\s+in 0 cases", page)
        for slug in CHARTS:
            body = _client(self.monitor).get(f"/statistics/{slug}.csv").content.decode()
            assert "MARKER-HIDDEN" not in body and ",9\n" not in body

    def test_outsider_sees_no_one(self):
        _unused, api, page = self._both(self.outsider)
        assert api["total"] == 0
        assert re.search(r"0 people detained\s+in 0 cases", page)
        assert "<svg" not in page

    def test_anonymous_is_sent_to_the_login(self):
        for url in (PAGE, "/statistics/month.csv"):
            response = Client().get(url)
            assert response.status_code == 302
            assert "/login" in response["Location"] or "login" in response["Location"]

    def test_a_term_label_is_shown_as_text(self):
        _unused, _api, page = self._both(self.monitor)
        assert "<script>alert(" not in page
        section = _section(page, "charge")
        assert "&lt;script&gt;alert(" in section
        assert (EVIL, 1) in _table(section) and (EVIL, 1) in _svg_numbers(section)

    def test_csv_neutralises_a_label_that_reads_as_a_formula(self):
        charges = Vocabulary.objects.get(key=VocabularyKey.CHARGE.value)
        formula = Term.objects.create(
            vocabulary=charges, code="formula", labels={"en": '=HYPERLINK("http://x")'}
        )
        case = make_case(title="Formula case")
        DetentionFactory(case=case, detained_on="2016-01", charges=[formula])
        settle(case)
        rows = _csv(_client(self.monitor).get("/statistics/charge.csv"))
        assert {"code": "formula", "label": '\'=HYPERLINK("http://x")', "count": "1"} in rows

    def test_csv_has_english_keys_and_labels_in_the_readers_language(self):
        response = _client(self.monitor).get(
            "/statistics/month.csv?status=detained", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert "sandbox" in response["Content-Security-Policy"]
        rows = _csv(response)
        assert list(rows[0]) == ["month", "label", "count"]
        assert rows[0] == {"month": "2014-03", "label": "2014年3月", "count": "5"}
        place = _csv(_client(self.monitor).get("/statistics/place.csv"))
        assert list(place[0]) == ["place", "label", "kind", "depth", "count"]

    def test_month_labels_follow_the_language(self):
        page = _client(self.monitor).get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "2014年3月" in page and "2015年7月" in page

    def test_unknown_chart_csv_is_404(self):
        assert _client(self.monitor).get("/statistics/everything.csv").status_code == 404

    def test_an_invalid_filter_is_400_with_the_forms_errors(self):
        client = _client(self.monitor)
        for query, label in (
            ("status=nonsense", "Detention status"),
            ("detained=last+spring", "Detained"),
            ("place_level=99", "Places grouped by"),
            ("place_level=-1", "Places grouped by"),
        ):
            with self.subTest(query=query):
                response = client.get(f"{PAGE}?{query}")
                assert response.status_code == 400
                body = response.content.decode()
                assert "This search could not be read" in body and label in body
                assert "<svg" not in body
                csv_response = client.get(f"/statistics/status.csv?{query}")
                assert csv_response.status_code == 400
                assert label in csv_response.content.decode()

    def test_the_search_is_described_and_carried_to_the_list_and_the_csvs(self):
        query = f"status=released&place={self.nagchu.pk}&place_level=2"
        _unused, _api, page = self._both(self.monitor, query)
        described = re.sub(r"<[^>]+>", "", page)
        assert "Detention status: released" in described
        assert re.search(r"Place: [^\n]*Nagchu", described)
        cases_link = html.escape(f"/cases/?status=released&place={self.nagchu.pk}")
        assert f'href="{cases_link}"' in page
        assert html.escape(f"/statistics/place.csv?{query}") in page
        # The place level form keeps the rest of the search.
        assert '<input type="hidden" name="status" value="released">' in page
        assert '<option value="2" selected>' in page

    def test_page_is_light(self):
        months = [f"{year}-{month:02d}" for year in range(1990, 2024) for month in (1, 5, 9)]
        case = make_case(title="Many months")
        for month in months:
            DetentionFactory(case=case, detained_on=month)
        settle(case)
        response = _client(self.monitor).get(PAGE)
        assert response.status_code == 200
        assert len(response.content) < 300_000

    def test_the_page_costs_a_fixed_number_of_queries(self):
        client = _client(self.monitor)
        query = f"{PAGE}?gender=male&place={self.nagchu.pk}"

        def count() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(query).status_code == 200
            return len(captured.captured_queries)

        before = count()
        for number in range(5):
            place = PlaceFactory(name=f"County {number}", parent=self.nagchu)
            case = make_case(title=f"More {number}", place=place)
            DetentionFactory(
                case=case,
                person=PersonFactory(sex=Sex.MALE),
                detained_on=f"201{number}-0{number + 1}",
                charges=[term(VocabularyKey.CHARGE, "inciting-separatism")],
            )
            settle(case)
        assert count() == before


@pytest.mark.parametrize(
    ("first", "last", "length"),
    [
        (datetime.date(2014, 3, 1), datetime.date(2014, 3, 1), 1),
        (datetime.date(2013, 11, 1), datetime.date(2014, 2, 1), 4),
        (datetime.date(2014, 3, 1), datetime.date(2015, 7, 1), 17),
    ],
)
def test_months_between_counts_every_month(first, last, length):
    months = months_between(first, last)
    assert len(months) == length and months[0] == first and months[-1] == last


def test_month_chart_leaves_a_gap_for_months_with_no_one():
    svg = str(
        month_chart(
            {datetime.date(2014, 3, 1): 5, datetime.date(2015, 7, 1): 1},
            chart_id="months",
            title="Per month",
            desc="Two months",
        )
    )
    assert svg.count("<rect ") == 2
    # Seventeen months on the axis, each named under its column.
    assert svg.count('class="chart__tick chart__detail"') == 17
    xs = [float(x) for x in re.findall(r'<rect class="chart__bar" x="([\d.]+)%"', svg)]
    width = float(re.search(r'<rect class="chart__bar" [^>]*width="([\d.]+)%"', svg)[1])
    # March 2014 and July 2015 sixteen months apart: fifteen empty months between them.
    assert xs[1] - xs[0] == pytest.approx(16 * 100 / 17, abs=0.01)
    assert xs[1] - xs[0] > 15 * width
    assert 'role="img"' in svg and 'aria-labelledby="months-title months-desc"' in svg


def test_bar_chart_escapes_labels():
    svg = str(bar_chart([Bar(EVIL, 3)], chart_id="c", title="<b>t</b>", desc="d"))
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg
