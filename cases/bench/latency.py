"""API and page latency: typical filtered lists, text searches in several scripts, statistics
and a case detail, each beside the hand-written SQL of the same page.

Requests go through the whole stack in-process (middleware, session, DRF, serializers) with
Django's test client, logged in as a monitor; the SQL runs on a psycopg2 cursor of its own. The
places, dates and name fragments are read from the data, so any generated database works.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from cases.api.views import PersonViewSet
from cases.dates import range_bounds
from cases.models import CaseState, LanguageTag, Place

from .common import (
    Check,
    Section,
    Table,
    captured,
    client_for,
    consume,
    median,
    ms,
    percentile,
    ratio,
    sql_of,
    times,
)
from .context import Context
from .sql import (
    Filters,
    case_detail_sql,
    case_page_sql,
    detention_page_sql,
    people_page_sql,
    statistics_sql,
    tables,
    visible_case_condition,
)

PAGE_SIZE = 50
TARGET_P95 = {"list": 0.050, "search": 0.060, "stats": 0.150}
TARGET_RAW_FACTOR = 3.0
SEARCH_LANGUAGES = [
    (LanguageTag.TIBETAN, "Tibetan script"),
    (LanguageTag.CHINESE_SIMPLIFIED, "Chinese"),
    (LanguageTag.PINYIN, "pinyin"),
    (LanguageTag.TIBETAN_LATIN, "Wylie / phonetic"),
    (LanguageTag.ENGLISH, "English"),
]


@dataclass
class Scenario:
    key: str
    group: str  # list, search, stats, detail, html
    label: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    raw: tuple[str, dict[str, Any]] | None = None
    # What identifies the answer (the page's records, a total), from the API and from the SQL.
    api_identity: Callable[[Any], Any] | None = None
    raw_identity: Callable[[list[tuple]], Any] | None = None
    whole_table: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.path}?{urlencode(self.params)}" if self.params else self.path

    def url_with(self, **extra: str) -> str:
        return f"{self.path}?{urlencode({**self.params, **extra})}"


# --- What the data offers -------------------------------------------------------------------


@dataclass
class Landmarks:
    places: dict[int, tuple[Place, int]]  # depth → (the place with most cases below it, cases)
    detained: str  # an EDTF range over the middle of the detention dates
    occurred: str
    fragments: list[tuple[str, str, str]]  # (language label, fragment, example name)
    reference: str | None
    reference_detentions: int


def _middle_years(raw: Any, table: str, column: str) -> str:
    with raw.cursor() as cursor:
        cursor.execute(
            f"SELECT percentile_disc(0.4) WITHIN GROUP (ORDER BY {column}), "  # noqa: S608
            f"percentile_disc(0.6) WITHIN GROUP (ORDER BY {column}) FROM {table} "
            f"WHERE {column} > DATE '0001-01-01' AND {column} < DATE '9999-01-01'"
        )
        low, high = cursor.fetchone()
    if low is None:
        return "2010/2015"
    return f"{low.year}/{max(high.year, low.year + 1)}"


_TSHEG = "\u0f0b"


def _fragment(language: str, name: str) -> str:
    """A piece of a name someone would type: a first word, two Tibetan syllables, two Chinese
    characters."""
    name = name.strip()
    if language == LanguageTag.TIBETAN:
        syllables = [part for part in re.split(rf"[{_TSHEG}\s]+", name) if part]
        return _TSHEG.join(syllables[:2])
    if language in (LanguageTag.CHINESE_SIMPLIFIED, LanguageTag.CHINESE_TRADITIONAL):
        return name[:2]
    words = name.split()
    if language == LanguageTag.TIBETAN_LATIN and len(words) >= 2 and len(words[0]) <= 4:
        return " ".join(words[:2])  # Wylie syllables are short: "bkra shis"
    return words[0] if words else name


def find_landmarks(ctx: Context) -> Landmarks:
    t = tables()
    visible, params = visible_case_condition(ctx.user)
    with ctx.raw.cursor() as cursor:
        cursor.execute(
            f"SELECT x.ancestor::bigint, count(*) FROM {t['case']} c "  # noqa: S608
            f"JOIN {t['place']} p ON p.id = c.place_id "
            "CROSS JOIN LATERAL unnest(string_to_array(btrim(p.path, '/'), '/')) AS x(ancestor) "
            f"WHERE {visible} GROUP BY 1",
            params,
        )
        below = dict(cursor.fetchall())
    places: dict[int, tuple[Place, int]] = {}
    for place in Place.objects.filter(pk__in=list(below)):
        cases = below[place.pk]
        if place.depth not in places or cases > places[place.depth][1]:
            places[place.depth] = (place, cases)

    fragments = []
    with ctx.raw.cursor() as cursor:
        for language, label in SEARCH_LANGUAGES:
            cursor.execute(
                f"SELECT name FROM {t['name']} WHERE language = %s ORDER BY id LIMIT 3000",  # noqa: S608
                [language.value],
            )
            names = [row[0] for row in cursor.fetchall()]
            pieces = Counter(_fragment(language, name) for name in names)
            pieces = Counter({piece: n for piece, n in pieces.items() if len(piece) >= 2})
            if pieces:
                piece, _n = pieces.most_common(1)[0]
                example = next(name for name in names if piece in name)
                fragments.append((label, piece, example))

        cursor.execute(
            f"SELECT c.reference, count(d.id) FROM {t['case']} c "  # noqa: S608
            f"JOIN {t['detention']} d ON d.case_id = c.id WHERE {visible} "
            "GROUP BY c.reference ORDER BY count(d.id) DESC, c.reference LIMIT 1",
            params,
        )
        found = cursor.fetchone()
    return Landmarks(
        places=places,
        detained=_middle_years(ctx.raw, t["detention"], "detained_on_earliest"),
        occurred=_middle_years(ctx.raw, t["case"], "occurred_earliest"),
        fragments=fragments,
        reference=found[0] if found else None,
        reference_detentions=found[1] if found else 0,
    )


# --- The scenarios --------------------------------------------------------------------------


def _results(key: str) -> Callable[[Any], list[str]]:
    return lambda data: [str(item[key]) for item in data["results"]]


def _first_column(rows: list[tuple]) -> list[str]:
    return [str(row[0]) for row in rows[:PAGE_SIZE]]


def _place_label(place: Place, cases: int) -> str:
    return f"{place.kind} “{place.name}” (depth {place.depth}, {cases:,} cases below)"


def scenarios(ctx: Context, marks: Landmarks) -> list[Scenario]:
    user = ctx.user
    found = []
    depths = sorted(marks.places)
    if not depths:
        raise RuntimeError("no case has a place: the latency benchmarks need a gazetteer")

    def at(depth: int) -> tuple[Place, int]:
        # The nearest depth the data has (a small gazetteer may have fewer levels).
        return marks.places[min(depths, key=lambda known: abs(known - depth))]

    detained = range_bounds(marks.detained)
    occurred = range_bounds(marks.occurred)
    verified = [CaseState.VERIFIED.value]

    def case_list(key: str, depth: int, *, with_date: bool, state: list[str] | None) -> None:
        place, cases = at(depth)
        params = {"place": str(place.pk), "page_size": str(PAGE_SIZE)}
        filters = Filters(place_path=place.path, state=state)
        parts = [_place_label(place, cases)]
        if with_date:
            params["occurred"] = marks.occurred
            filters.occurred = occurred
            parts.append(f"occurred {marks.occurred}")
        if state:
            params["state"] = state[0]
            parts.append(f"state {state[0]}")
        found.append(
            Scenario(
                key,
                "list",
                "cases: " + ", ".join(parts),
                "/api/v1/cases/",
                params,
                case_page_sql(user, filters, PAGE_SIZE + 1),
                _results("reference"),
                _first_column,
            )
        )

    def detention_list(
        key: str, depth: int, *, with_date: bool, state: list[str] | None, status: str = ""
    ) -> None:
        place, cases = at(depth)
        params = {"place": str(place.pk), "page_size": str(PAGE_SIZE)}
        filters = Filters(place_path=place.path, state=state)
        parts = [_place_label(place, cases)]
        if with_date:
            params["detained"] = marks.detained
            filters.detained = detained
            parts.append(f"detained {marks.detained}")
        if state:
            params["state"] = state[0]
            parts.append(f"state {state[0]}")
        if status:
            params["status"] = status
            filters.status = [status]
            parts.append(f"status {status}")
        found.append(
            Scenario(
                key,
                "list",
                "detentions: " + ", ".join(parts),
                "/api/v1/detentions/",
                params,
                detention_page_sql(user, filters, PAGE_SIZE + 1),
                _results("public_id"),
                _first_column,
            )
        )

    def people_list(key: str, depth: int, *, with_date: bool) -> None:
        place, cases = at(depth)
        params = {"place": str(place.pk), "state": "verified", "page_size": str(PAGE_SIZE)}
        filters = Filters(place_path=place.path, state=verified)
        parts = [_place_label(place, cases), "state verified"]
        if with_date:
            params["detained"] = marks.detained
            filters.detained = detained
            parts.append(f"detained {marks.detained}")
        takes_filters = bool(getattr(PersonViewSet, "filterset_class", None))
        scenario = Scenario(
            key,
            "list",
            "people: " + ", ".join(parts),
            "/api/v1/people/",
            params,
            people_page_sql(user, filters if takes_filters else None, PAGE_SIZE + 1),
            _results("public_id"),
            _first_column,
        )
        if not takes_filters:
            scenario.notes.append(
                "the people list takes no filters (PersonViewSet has no filterset): the "
                "parameters are ignored, and the page is everyone visible, by name"
            )
        found.append(scenario)

    case_list("cases-region", 1, with_date=True, state=verified)
    case_list("cases-prefecture", 2, with_date=True, state=None)
    case_list("cases-county", 3, with_date=False, state=verified)
    case_list("cases-narrow", max(depths), with_date=True, state=verified)
    detention_list("detentions-region", 1, with_date=True, state=verified)
    detention_list("detentions-prefecture", 2, with_date=True, state=verified, status="sentenced")
    detention_list("detentions-county", 3, with_date=True, state=None)
    detention_list("detentions-narrow", max(depths), with_date=False, state=verified)
    people_list("people-region", 1, with_date=False)
    people_list("people-county", 3, with_date=True)

    for label, fragment, example in marks.fragments:
        filters = Filters(text=fragment)
        found.append(
            Scenario(
                f"search-{label.split()[0].lower()}",
                "search",
                f"detentions q=“{fragment}” ({label}, from “{example}”)",
                "/api/v1/detentions/",
                {"q": fragment, "page_size": str(PAGE_SIZE)},
                detention_page_sql(user, filters, PAGE_SIZE + 1),
                _results("public_id"),
                _first_column,
            )
        )

    def total(data: Any) -> Any:
        return data["total"]

    def raw_total(rows: list[tuple]) -> Any:
        return next((row[3] for row in rows if row[0] == "total"), None) or 0

    found.append(
        Scenario(
            "stats-all",
            "stats",
            "stats: everything visible",
            "/api/v1/stats/",
            {},
            statistics_sql(user, Filters(), 1),
            total,
            raw_total,
            whole_table=True,
        )
    )
    place, cases = at(1)
    found.append(
        Scenario(
            "stats-filtered",
            "stats",
            f"stats: {_place_label(place, cases)}, detained {marks.detained}",
            "/api/v1/stats/",
            {"place": str(place.pk), "detained": marks.detained},
            statistics_sql(user, Filters(place_path=place.path, detained=detained), 1),
            total,
            raw_total,
        )
    )
    if marks.reference:
        found.append(
            Scenario(
                "case-detail",
                "detail",
                f"case {marks.reference} ({marks.reference_detentions} detentions, the most)",
                f"/api/v1/cases/{marks.reference}/",
                {},
                case_detail_sql(user, marks.reference),
                lambda data: (data["reference"], len(data["detentions"])),
                lambda rows: (rows[0][0], len(rows[0][17] or [])) if rows else None,
            )
        )
    return found


def html_scenarios(marks: Landmarks) -> list[Scenario]:
    found = []
    depths = sorted(marks.places)
    place = marks.places[depths[min(1, len(depths) - 1)]][0] if depths else None
    filters = {"state": "verified"}
    if place is not None:
        filters["place"] = str(place.pk)
    found.append(
        Scenario("page-list", "html", "case list `/cases/`, filtered", "/cases/", dict(filters))
    )
    found.append(
        Scenario(
            "page-list-2",
            "html",
            "case list `/cases/`, filtered, page 2",
            "/cases/",
            {**filters, "page": "2"},
        )
    )
    if marks.reference:
        found.append(
            Scenario(
                "page-case",
                "html",
                f"case page /cases/{marks.reference}/",
                f"/cases/{marks.reference}/",
            )
        )
    return found


# --- Measuring ------------------------------------------------------------------------------


@dataclass
class Timing:
    durations: list[float]
    queries: int
    sql: list[str]
    answer: Any = None
    size: int = 0

    @property
    def p50(self) -> float:
        return median(self.durations)

    @property
    def p95(self) -> float:
        return percentile(self.durations, 95)


MIN_REQUESTS = 5


def count_queries(client: Any, url: str) -> int:
    with captured() as context:
        consume(client.get(url))
    return len(context)


def how_many(first: float, wanted: int, budget: float) -> int:
    """`wanted` runs, unless one run is so slow that they would take more than `budget`
    seconds: then as many as fit, at least MIN_REQUESTS (a request many times over its target
    needs no 50 samples to say so)."""
    if first * wanted <= budget:
        return wanted
    return max(MIN_REQUESTS, min(wanted, int(budget / max(first, 1e-9))))


def time_requests(
    client: Any, url: str, requests: int, warmups: int, *, json: bool, budget: float = 1e9
) -> Timing:
    started = time.perf_counter()
    with captured() as context:
        response = client.get(url)
        size = consume(response)
    first = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    answer = response.json() if json else response.content.decode("utf-8", "replace")
    # The first request also fills caches and captures queries: the warm-ups say how long a
    # request takes.
    warm = [first]
    for _ in range(max(0, warmups - 1)):
        started = time.perf_counter()
        consume(client.get(url))
        warm.append(time.perf_counter() - started)
    durations = []
    for _ in range(how_many(min(warm), requests, budget)):
        started = time.perf_counter()
        consume(client.get(url))
        durations.append(time.perf_counter() - started)
    return Timing(durations, len(context), sql_of(context), answer, size)


def time_sql(
    raw: Any, sql: str, params: dict[str, Any], runs: int, warmups: int, budget: float = 1e9
) -> Timing:
    with raw.cursor() as cursor:
        statement = cursor.mogrify(sql, params).decode()
        rows: list[tuple] = []
        warm = []
        for _ in range(max(1, warmups)):
            started = time.perf_counter()
            cursor.execute(statement)
            rows = cursor.fetchall()
            warm.append(time.perf_counter() - started)
        durations = []
        for _ in range(how_many(min(warm), runs, budget)):
            started = time.perf_counter()
            cursor.execute(statement)
            cursor.fetchall()
            durations.append(time.perf_counter() - started)
    return Timing(durations, 1, [statement], rows)


def section(ctx: Context) -> Section:
    out = ctx.out
    options = ctx.options
    result = Section("latency", "API latency")
    client = client_for(ctx.user)
    marks = find_landmarks(ctx)
    ctx.facts["landmarks"] = marks
    table = Table(
        f"API latency over {options.requests} requests each (after {options.warmups} warm-ups), "
        "beside the hand-written SQL of the same answer",
        [
            "benchmark",
            "n",
            "API p50",
            "API p95",
            "target p95",
            "SQL p50",
            "SQL p95",
            "API/SQL p50",
            "queries (50 / 1 rows)",
            "same rows",
            "verdict",
        ],
    )
    labels = Table("What each benchmark asks", ["benchmark", "request", "what"])
    for scenario in scenarios(ctx, marks):
        api = time_requests(
            client,
            scenario.url,
            options.requests,
            options.warmups,
            json=True,
            budget=options.latency_budget,
        )
        if scenario.raw is None:
            raise RuntimeError(f"{scenario.key} has no hand-written SQL")
        raw = time_sql(
            ctx.raw, *scenario.raw, options.requests, options.warmups, options.latency_budget
        )
        result.statements[scenario.key] = api.sql
        if scenario.whole_table:
            result.whole_table.add(scenario.key)
        same = None
        if scenario.api_identity and scenario.raw_identity:
            same = scenario.api_identity(api.answer) == scenario.raw_identity(raw.answer)
        queries = str(api.queries)
        constant = None
        if scenario.group in ("list", "search"):
            one = count_queries(client, scenario.url_with(page_size="1"))
            constant = one == api.queries
            queries = f"{api.queries} / {one}"
            note = ""
            if not constant:
                # A prefetch whose page holds no related row sends no query: one row may cost
                # less than fifty without the cost growing with the page. Half a page tells.
                half = count_queries(client, scenario.url_with(page_size=str(PAGE_SIZE // 2)))
                constant = half == api.queries
                queries += f" ({PAGE_SIZE // 2} rows: {half})"
                note = (
                    "fewer queries for one row (prefetches with nothing to fetch), the same "
                    f"for {PAGE_SIZE // 2} and {PAGE_SIZE}"
                    if constant
                    else "grows with the page size"
                )
            result.checks.append(
                Check(
                    f"{scenario.key}: queries constant in page size",
                    queries,
                    "equal",
                    constant,
                    note,
                )
            )
        factor = ratio(api.p50, raw.p50)
        verdicts = []
        target = TARGET_P95.get(scenario.group)
        if target is not None:
            fast = api.p95 <= target
            verdicts.append(fast)
            result.checks.append(
                Check(
                    f"{scenario.key}: API p95",
                    ms(api.p95),
                    f"≤ {target * 1000:.0f} ms",
                    fast,
                    f"SQL alone p95 {ms(raw.p95)}",
                )
            )
        close = factor <= TARGET_RAW_FACTOR
        verdicts.append(close)
        if constant is not None:
            verdicts.append(constant)
        result.checks.append(
            Check(
                f"{scenario.key}: API p50 over SQL p50",
                times(factor),
                f"≤ {TARGET_RAW_FACTOR:g}×",
                close,
                f"{ms(api.p50)} against {ms(raw.p50)}",
            )
        )
        if same is False:
            scenario.notes.append(
                "the hand-written SQL did not return the same records as the API: its "
                "figure is not comparable"
            )
        verdict = "PASS" if all(verdicts) else "FAIL"
        table.rows.append(
            [
                scenario.key,
                str(len(api.durations))
                if len(api.durations) == len(raw.durations)
                else f"{len(api.durations)} / {len(raw.durations)}",
                ms(api.p50),
                ms(api.p95),
                f"≤ {target * 1000:.0f} ms" if target else "–",
                ms(raw.p50),
                ms(raw.p95),
                times(factor),
                queries,
                {True: "yes", False: "**no**", None: "–"}[same],
                verdict,
            ]
        )
        labels.rows.append(
            [
                scenario.key,
                f"`{unquote(scenario.url)}`",
                "; ".join([scenario.label, *scenario.notes]),
            ]
        )
        out.row(
            scenario.key,
            f"p50 {ms(api.p50)}",
            f"p95 {ms(api.p95)}",
            f"SQL {ms(raw.p50)}",
            f"{verdict} ({queries} q)",
        )
    table.notes.append(
        f"n: timed requests (API / SQL when they differ): {options.requests}, or fewer (at least "
        f"{MIN_REQUESTS}) when one request is so slow that {options.requests} would take more "
        f"than {options.latency_budget:g} s; such a benchmark is far over its target anyway. "
        "p50 is the median, p95 the nearest-rank 95th percentile. SQL: the hand-written query of "
        "cases/bench/sql.py returning the same page (page_size + 1 rows, as the paginator reads) "
        "with what the page shows, on a psycopg2 cursor. Queries: captured on the first "
        "warm-up, with page_size=50 and page_size=1. Same rows: the records (or the total) of "
        "the API's answer and of the SQL agree."
    )
    result.tables += [table, labels]
    return result


def html_section(ctx: Context) -> Section:
    out = ctx.out
    options = ctx.options
    result = Section("html", "HTML pages")
    client = client_for(ctx.user)
    marks = ctx.facts.get("landmarks") or find_landmarks(ctx)
    table = Table(
        f"Server-rendered pages over {options.requests} requests each, logged in as a monitor",
        ["page", "request", "n", "p50", "p95", "queries", "size"],
    )
    listed: dict[str, list[str]] = {}
    for scenario in html_scenarios(marks):
        timing = time_requests(
            client,
            scenario.url,
            options.requests,
            options.warmups,
            json=False,
            budget=options.latency_budget,
        )
        result.statements[scenario.key] = timing.sql
        listed[scenario.key] = re.findall(r'href="/cases/([^/"]+)/"', timing.answer)
        table.rows.append(
            [
                scenario.label,
                f"`{unquote(scenario.url)}`",
                str(len(timing.durations)),
                ms(timing.p50),
                ms(timing.p95),
                str(timing.queries),
                f"{timing.size / 1000:.0f} kB",
            ]
        )
        out.row(scenario.key, f"p50 {ms(timing.p50)}", f"p95 {ms(timing.p95)}", timing.queries)
    unfiltered = re.findall(r'href="/cases/([^/"]+)/"', client.get("/cases/").content.decode())
    if listed.get("page-list") and listed["page-list"] == unfiltered:
        table.notes.append(
            "The case list page shows the same cases with and without the filter parameters: "
            "it does not take filters (cases/views/cases.py reads only `page`)."
        )
    table.notes.append("No targets are set for the pages; they are measured for reference.")
    result.tables.append(table)
    return result
