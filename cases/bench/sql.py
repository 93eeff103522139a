"""The hand-written SQL each figure is compared with, written from the models.

The floor is the detention export (cases/exports/rows.py, DETENTION_COLUMNS) as one statement:
joins, and grouped aggregates computed once per table (names per person, charges per
detention, sources per case, labels per place), never a subquery per row. The page queries
return what one page of a list shows, in the list's order, with the same filters.

Table names come from the models, so a renamed table does not silently bench another one.
"""

# The SQL here is assembled from model table names and fixed fragments; every value is a
# query parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from casebook.accounts.roles import Role
from cases.exports.profiles import PLACEHOLDER
from cases.filters import variant_needles
from cases.models import (
    AccessGrant,
    Affiliation,
    Case,
    Citation,
    Consent,
    Detention,
    DetentionEvent,
    LanguageTag,
    Organization,
    Person,
    PersonName,
    Place,
    Term,
)
from cases.text import fold

NAME_LANGUAGES = [
    ("name_bo", LanguageTag.TIBETAN),
    ("name_bo_latn", LanguageTag.TIBETAN_LATIN),
    ("name_zh_hans", LanguageTag.CHINESE_SIMPLIFIED),
    ("name_zh_hant", LanguageTag.CHINESE_TRADITIONAL),
    ("name_pinyin", LanguageTag.PINYIN),
    ("name_en", LanguageTag.ENGLISH),
]


# The export's columns (cases/exports/rows.py, DETENTION_COLUMNS) when this SQL was written: the
# floor keeps to them, and the run compares them with the export's header.
FLOOR_COLUMNS = [
    ("case_reference", "Case reference"),
    ("case_title", "Case title"),
    ("detention_id", "Detention id"),
    ("person_id", "Person id"),
    ("name", "Name"),
    ("name_bo", "Name (Tibetan script)"),
    ("name_bo_latn", "Name (Tibetan, phonetic/Wylie)"),
    ("name_zh_hans", "Name (Chinese, simplified)"),
    ("name_zh_hant", "Name (Chinese, traditional)"),
    ("name_pinyin", "Name (pinyin)"),
    ("name_en", "Name (English)"),
    ("name_other", "Other names"),
    ("description", "Description"),
    ("identity_withheld", "Identity withheld"),
    ("head_count", "Head count"),
    ("gender", "Gender"),
    ("ethnicity", "Ethnicity"),
    ("religion", "Religion"),
    ("occupation", "Occupation"),
    ("affiliation", "Affiliation"),
    ("age_at_detention", "Age at detention"),
    ("detained_on", "Detained on (EDTF)"),
    ("detained_on_earliest", "Detained on, earliest"),
    ("detained_on_latest", "Detained on, latest"),
    ("place", "Place"),
    ("traditional_region", "Traditional region"),
    ("latitude", "Latitude"),
    ("longitude", "Longitude"),
    ("authority", "Detaining authority"),
    ("held_at", "Place of detention"),
    ("alleged_reason", "Alleged reason"),
    ("charges", "Charges"),
    ("detention_type", "Type of detention"),
    ("status", "Status"),
    ("status_certainty", "Known or believed"),
    ("status_as_of", "Status as of"),
    ("sentence", "Sentence"),
    ("expected_release", "Expected release"),
    ("wgad_category", "WGAD category"),
    ("case_state", "Case state"),
    ("sources_count", "Sources"),
    ("case_url", "Case URL"),
]


def tables() -> dict[str, str]:
    return {
        "case": Case._meta.db_table,
        "detention": Detention._meta.db_table,
        "person": Person._meta.db_table,
        "name": PersonName._meta.db_table,
        "place": Place._meta.db_table,
        "term": Term._meta.db_table,
        "org": Organization._meta.db_table,
        "affiliation": Affiliation._meta.db_table,
        "consent": Consent._meta.db_table,
        "citation": Citation._meta.db_table,
        "event": DetentionEvent._meta.db_table,
        "grant": AccessGrant._meta.db_table,
        "charges": Detention.charges.through._meta.db_table,
        "treatment": Detention.treatment_concerns.through._meta.db_table,
        "violations": Case.violation_types.through._meta.db_table,
        "user": Case._meta.get_field("assigned_monitor").related_model._meta.db_table,
    }


def visible_case_condition(user: Any, alias: str = "c") -> tuple[str, dict[str, Any]]:
    """`cases.queries.visible_cases(user)` for browsing, as a condition on the case `alias`."""
    t = tables()
    if user.has_role(Role.ADMINISTRATOR):
        return "TRUE", {}
    if not user.has_role(Role.MONITOR, Role.REVIEWER, Role.ADVOCATE):
        return "FALSE", {}
    condition = (
        f"({alias}.confidentiality IN ('public', 'internal') OR ({alias}.confidentiality = "
        f"'restricted' AND {alias}.id IN (SELECT g.case_id FROM {t['grant']} g "
        "WHERE g.user_id = %(user_id)s AND g.revoked_at IS NULL)))"
    )
    if not user.has_role(Role.MONITOR, Role.REVIEWER):
        condition += f" AND {alias}.state = 'verified'"
    return condition, {"user_id": user.pk}


def _label(alias: str) -> str:
    """A term's English label, as the exports show it ('' without a term)."""
    return f"COALESCE({alias}.labels->>'en', {alias}.code, '')"


def _decimal_text(expression: str) -> str:
    """A NUMERIC(9,6) as Python prints float(value): 29.1 for 29.100000, 30.0 for 30.000000."""
    return (
        f"CASE WHEN {expression} IS NULL THEN NULL "
        f"WHEN {expression} = trunc({expression}) THEN trunc({expression})::text || '.0' "
        f"ELSE rtrim({expression}::text, '0') END"
    )


def case_url_prefix(base_url: str) -> tuple[str, str]:
    marker = "CASEREFERENCE"
    path = reverse("cases:case-detail", args=[marker])
    before, _marker, after = path.partition(marker)
    return base_url.rstrip("/") + before, after


@dataclass(frozen=True)
class FloorQuery:
    sql: str
    params: dict[str, Any]

    def mogrified(self, raw: Any) -> str:
        with raw.cursor() as cursor:
            return cursor.mogrify(self.sql, self.params).decode()


def floor_export_sql(
    user: Any,
    *,
    profile: str = "internal",
    base_url: str = "http://testserver",
    detained_until: datetime.date | None = None,
) -> FloorQuery:
    """The detention export of `profile` ("internal" or "public") for `user`, DETENTION_COLUMNS
    in order under their labels, ordered by detention id like the export.

    `detained_until` keeps the rows the filter `detained=../<date>` keeps (for comparing a
    slice cell by cell); the floor proper has no filter.
    """
    t = tables()
    visible, params = visible_case_condition(user)
    if profile == "public":
        visible += " AND c.state = 'verified' AND c.confidentiality = 'public'"
    elif profile != "internal":
        raise ValueError(f"no floor for profile {profile!r}")
    detention_condition = ""
    if detained_until is not None:
        detention_condition = (
            " AND d.detained_on_earliest <= %(until)s AND d.detained_on_latest >= '0001-01-01'"
        )
        params["until"] = detained_until
    url_before, url_after = case_url_prefix(base_url)
    params.update(url_before=url_before, url_after=url_after, placeholder=PLACEHOLDER)

    public = profile == "public"
    shown = "(NOT p.identity_withheld AND cs.person_id IS NOT NULL)" if public else "TRUE"

    def when_shown(expression: str) -> str:
        return f"CASE WHEN {shown} THEN {expression} ELSE '' END" if public else expression

    languages = [language.value for _column, language in NAME_LANGUAGES]
    # The names arrive sorted (below), so each aggregate takes them in that order: PostgreSQL
    # 15 would sort the input again for every aggregate given its own ORDER BY.
    name_aggregates = ",\n".join(
        f"string_agg(n.name, '; ') FILTER (WHERE n.language = '{language.value}') AS {column}"
        for column, language in NAME_LANGUAGES
    )
    other_languages = ", ".join(f"'{language}'" for language in languages)
    name_columns = [when_shown(f"COALESCE(nm.{column}, '')") for column, _l in NAME_LANGUAGES]
    if public:
        name = (
            f"CASE WHEN {shown} THEN p.name WHEN p.name <> '' OR nm.person_id IS NOT NULL "
            "THEN %(placeholder)s ELSE '' END"
        )
    else:
        name = "p.name"
    sentence = (
        "CASE d.sentence_kind "
        "WHEN 'term' THEN concat_ws(', ', "
        "CASE WHEN d.sentence_years > 0 THEN d.sentence_years || ' years' END, "
        "CASE WHEN d.sentence_months > 0 THEN d.sentence_months || ' months' END) "
        "WHEN '' THEN '' "
        "WHEN 'unknown-term' THEN 'sentenced, term unknown' "
        "WHEN 'life' THEN 'life imprisonment' "
        "WHEN 'suspended-death' THEN 'death, suspended' "
        "WHEN 'death' THEN 'death' "
        "ELSE d.sentence_kind END"
    )
    values = [
        "c.reference",
        "c.title",
        "d.public_id",
        "''" if public else "p.public_id",
        name,
        *name_columns,
        when_shown("COALESCE(nm.name_other, '')"),
        when_shown("p.description"),
        f"CASE WHEN {shown} THEN 'no' ELSE 'yes' END",
        "p.head_count",
        "p.sex",
        _label("eth"),
        _label("rel"),
        _label("occ"),
        when_shown("COALESCE(af.affiliation, '')"),
        "CASE WHEN d.age_at_detention IS NULL THEN '' WHEN d.age_is_approximate "
        "THEN 'about ' || d.age_at_detention ELSE d.age_at_detention::text END",
        "d.detained_on",
        "d.detained_on_earliest",
        "d.detained_on_latest",
        "COALESCE(pl.label, '')",
        "COALESCE(pl.region, '')",
        _decimal_text("pl.latitude"),
        _decimal_text("pl.longitude"),
        "COALESCE(NULLIF(da.name, ''), d.authority_description)",
        "COALESCE(NULLIF(ha.name, ''), hp.label, '')",
        "d.alleged_reason",
        "COALESCE(ch.charges, '')",
        _label("dt"),
        "d.status",
        "d.status_certainty",
        "d.status_as_of",
        sentence,
        "d.expected_release",
        "d.wgad_category",
        "c.state",
        "COALESCE(src.sources, 0)",
        "''" if public else "%(url_before)s || c.reference || %(url_after)s",
    ]
    select = ",\n  ".join(
        f'{value} AS "{label}"' for value, (_key, label) in zip(values, FLOOR_COLUMNS, strict=True)
    )
    consent_join = (
        f"LEFT JOIN {t['consent']} cs ON cs.person_id = p.id AND cs.recipient = 'public' "
        "AND cs.decision = 'granted'"
        if public
        else ""
    )
    # Each aggregate covers its whole table: the export needs nearly all of it, and narrowing
    # it by the selected rows (a CTE) hid the row counts from the planner, which then sorted
    # on disk for merge joins. The places are inlined for the same reason.
    sql = f"""
WITH places AS NOT MATERIALIZED (
  SELECT p.id,
    string_agg(a.name, ' › ' ORDER BY x.ord DESC) AS label,
    (array_agg({_label("r")} ORDER BY x.ord DESC)
      FILTER (WHERE a.traditional_region_id IS NOT NULL))[1] AS region,
    (array_agg(a.latitude ORDER BY x.ord DESC) FILTER (WHERE a.latitude IS NOT NULL))[1]
      AS latitude,
    (array_agg(a.longitude ORDER BY x.ord DESC) FILTER (WHERE a.latitude IS NOT NULL))[1]
      AS longitude
  FROM {t["place"]} p
  CROSS JOIN LATERAL unnest(string_to_array(btrim(p.path, '/'), '/')::bigint[])
    WITH ORDINALITY AS x(ancestor_id, ord)
  JOIN {t["place"]} a ON a.id = x.ancestor_id
  LEFT JOIN {t["term"]} r ON r.id = a.traditional_region_id
  GROUP BY p.id
),
names AS (
  SELECT n.person_id,
    {name_aggregates},
    string_agg(n.name || ' [' || n.language || ']', '; ')
      FILTER (WHERE n.language NOT IN ({other_languages})) AS name_other
  FROM (
    SELECT sn.person_id, sn.name, sn.language FROM {t["name"]} sn
    ORDER BY sn.person_id, sn.kind, sn.name
  ) n
  GROUP BY n.person_id
),
charges AS (
  SELECT dc.detention_id, string_agg({_label("ct")}, '; ' ORDER BY dc.id) AS charges
  FROM {t["charges"]} dc JOIN {t["term"]} ct ON ct.id = dc.term_id
  GROUP BY dc.detention_id
),
affiliations AS (
  SELECT a.person_id,
    string_agg(CASE WHEN NULLIF({_label("ar")}, '') IS NULL THEN o.name
      ELSE {_label("ar")} || ', ' || o.name END, '; ' ORDER BY o.name) AS affiliation
  FROM {t["affiliation"]} a
  JOIN {t["org"]} o ON o.id = a.organization_id
  LEFT JOIN {t["term"]} ar ON ar.id = a.role_id
  GROUP BY a.person_id
),
cited AS (
  SELECT ci.case_id, ci.source_id FROM {t["citation"]} ci WHERE ci.case_id IS NOT NULL
  UNION
  SELECT cd.case_id, ci.source_id FROM {t["citation"]} ci
    JOIN {t["detention"]} cd ON cd.id = ci.detention_id
  UNION
  SELECT ed.case_id, ci.source_id FROM {t["citation"]} ci
    JOIN {t["event"]} e ON e.id = ci.detention_event_id
    JOIN {t["detention"]} ed ON ed.id = e.detention_id
),
sources AS (
  SELECT case_id, count(*) AS sources FROM cited GROUP BY case_id
)
SELECT
  {select}
FROM {t["detention"]} d
JOIN {t["case"]} c ON c.id = d.case_id
JOIN {t["person"]} p ON p.id = d.person_id
{consent_join}
LEFT JOIN names nm ON nm.person_id = p.id
LEFT JOIN affiliations af ON af.person_id = p.id
LEFT JOIN charges ch ON ch.detention_id = d.id
LEFT JOIN sources src ON src.case_id = c.id
LEFT JOIN places pl ON pl.id = c.place_id
LEFT JOIN places hp ON hp.id = d.held_in_place_id
LEFT JOIN {t["term"]} eth ON eth.id = p.ethnicity_id
LEFT JOIN {t["term"]} rel ON rel.id = p.religion_id
LEFT JOIN {t["term"]} occ ON occ.id = p.occupation_id
LEFT JOIN {t["term"]} dt ON dt.id = d.detention_type_id
LEFT JOIN {t["org"]} da ON da.id = d.detaining_authority_id
LEFT JOIN {t["org"]} ha ON ha.id = d.held_at_id
WHERE {visible}{detention_condition}
ORDER BY d.id"""
    return FloorQuery(sql, params)


def copy_statement(query: str) -> str:
    return f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"


# --- One page of a list, as the API shows it -------------------------------------------------

OPEN_START = "DATE '0001-01-01'"


@dataclass
class Filters:
    """The list filters the latency benchmarks use, in the API's terms."""

    place_path: str | None = None  # the place's materialized path: it and everything below
    occurred: tuple[datetime.date, datetime.date] | None = None
    detained: tuple[datetime.date, datetime.date] | None = None
    state: list[str] | None = None
    status: list[str] | None = None
    text: str | None = None  # q=

    def case_conditions(self, params: dict[str, Any], alias: str = "c") -> list[str]:
        conditions = []
        if self.place_path is not None:
            params["place_prefix"] = like_prefix(self.place_path)
            conditions.append(
                f"{alias}.place_id IN (SELECT fp.id FROM {tables()['place']} fp "
                "WHERE fp.path LIKE %(place_prefix)s)"
            )
        if self.occurred is not None:
            params["occurred_start"], params["occurred_end"] = self.occurred
            conditions.append(
                f"{alias}.occurred_earliest <= %(occurred_end)s "
                f"AND {alias}.occurred_latest >= %(occurred_start)s"
            )
        if self.state:
            params["states"] = tuple(self.state)
            conditions.append(f"{alias}.state IN %(states)s")
        return conditions

    def detention_conditions(self, params: dict[str, Any], alias: str = "d") -> list[str]:
        conditions = []
        if self.detained is not None:
            params["detained_start"], params["detained_end"] = self.detained
            conditions.append(
                f"{alias}.detained_on_earliest <= %(detained_end)s "
                f"AND {alias}.detained_on_latest >= %(detained_start)s"
            )
        if self.status:
            params["statuses"] = tuple(self.status)
            conditions.append(f"{alias}.status IN %(statuses)s")
        return conditions


def like_prefix(text: str) -> str:
    return escape_like(text) + "%"


def like_infix(text: str) -> str:
    return "%" + escape_like(text) + "%"


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_condition(text: str, params: dict[str, Any]) -> str:
    """`q=` on detentions, as docs/api.md describes it: a name variant in any script or
    spelling (folded like PersonName.search_text), a display name or description, a case
    reference or title. Fewer than three characters match name variants only, through their
    transliteration, and references: no trigram index serves a shorter fragment."""
    t = tables()
    text = text.strip()
    folded = fold(text)
    short = len(folded) < 3
    params.update(text=text, like=like_infix(text))
    # The same fragments as cases.filters.people_named looks for.
    matches = []
    for number, needle in enumerate(variant_needles(text)):
        params[f"needle{number}"] = like_infix(needle)
        matches.append(f"n.search_text LIKE %(needle{number})s")
    people = [f"SELECT n.person_id FROM {t['name']} n WHERE {' OR '.join(matches)}"]
    cases = f"SELECT tc.id FROM {t['case']} tc WHERE upper(tc.reference) = upper(%(text)s)"
    if not short:
        # upper(…) LIKE upper(…): the expression the trigram indexes are built on.
        people.append(
            f"SELECT tp.id FROM {t['person']} tp WHERE upper(tp.name) LIKE upper(%(like)s) "
            "OR upper(tp.description) LIKE upper(%(like)s)"
        )
        cases += " OR upper(tc.title) LIKE upper(%(like)s)"
    return (
        f"d.id IN (SELECT td.id FROM {t['detention']} td WHERE td.person_id IN "
        f"({' UNION '.join(people)}) "
        f"UNION SELECT td.id FROM {t['detention']} td WHERE td.case_id IN ({cases}))"
    )


def _where(conditions: list[str]) -> str:
    return " AND ".join(f"({condition})" for condition in conditions) or "TRUE"


def detention_page_sql(user: Any, filters: Filters, limit: int) -> tuple[str, dict[str, Any]]:
    """The detention list's page: DetentionSerializer's fields, newest detention first."""
    t = tables()
    visible, params = visible_case_condition(user)
    conditions = [visible, *filters.case_conditions(params), *filters.detention_conditions(params)]
    if filters.text is not None:
        conditions.append(text_condition(filters.text, params))
    params["limit"] = limit
    order = f"COALESCE(d.detained_on_earliest, {OPEN_START}) DESC, d.public_id"
    sql = f"""
WITH page AS (
  SELECT d.id FROM {t["detention"]} d
  JOIN {t["case"]} c ON c.id = d.case_id
  WHERE {_where(conditions)}
  ORDER BY {order}
  LIMIT %(limit)s
)
SELECT d.public_id, c.reference, p.public_id, p.name, p.description, p.is_group, p.head_count,
  p.identity_withheld, d.detained_on, d.detained_on_earliest, d.detained_on_latest,
  d.age_at_detention, d.age_is_approximate, da.public_id, d.authority_description,
  ha.public_id, d.held_in_place_id, d.alleged_reason,
  (SELECT array_agg(ct.code ORDER BY ct.code) FROM {t["charges"]} dc
    JOIN {t["term"]} ct ON ct.id = dc.term_id WHERE dc.detention_id = d.id) AS charges,
  dt.code, d.whereabouts, d.lawyer_access, d.family_access, d.wgad_category, d.urgent_appeal,
  (SELECT array_agg(tt.code ORDER BY tt.code) FROM {t["treatment"]} dtc
    JOIN {t["term"]} tt ON tt.id = dtc.term_id WHERE dtc.detention_id = d.id) AS treatment,
  d.sentence_kind, d.sentence_years, d.sentence_months, d.sentence_start, d.expected_release,
  d.status, d.status_certainty, d.status_as_of,
  (SELECT json_agg(json_build_object('id', e.id, 'event_type', et.code, 'occurred', e.occurred,
      'occurred_earliest', e.occurred_earliest, 'occurred_latest', e.occurred_latest,
      'certainty', e.certainty, 'place', e.place_id, 'organization', eo.public_id,
      'note', e.note) ORDER BY e.occurred_earliest, e.id)
    FROM {t["event"]} e JOIN {t["term"]} et ON et.id = e.event_type_id
    LEFT JOIN {t["org"]} eo ON eo.id = e.organization_id WHERE e.detention_id = d.id) AS events,
  d.version, d.created_at, d.updated_at
FROM page
JOIN {t["detention"]} d ON d.id = page.id
JOIN {t["case"]} c ON c.id = d.case_id
JOIN {t["person"]} p ON p.id = d.person_id
LEFT JOIN {t["org"]} da ON da.id = d.detaining_authority_id
LEFT JOIN {t["org"]} ha ON ha.id = d.held_at_id
LEFT JOIN {t["term"]} dt ON dt.id = d.detention_type_id
ORDER BY {order}"""
    return sql, params


def case_page_sql(user: Any, filters: Filters, limit: int) -> tuple[str, dict[str, Any]]:
    """The case list's page: CaseSerializer's fields, most recent first."""
    t = tables()
    visible, params = visible_case_condition(user)
    conditions = [visible, *filters.case_conditions(params)]
    detention_conditions = filters.detention_conditions(params)
    if detention_conditions:
        conditions.append(
            f"EXISTS (SELECT 1 FROM {t['detention']} d WHERE d.case_id = c.id AND "
            f"{_where(detention_conditions)})"
        )
    params["limit"] = limit
    order = f"COALESCE(c.occurred_earliest, {OPEN_START}) DESC, c.reference"
    sql = f"""
WITH page AS (
  SELECT c.id FROM {t["case"]} c
  WHERE {_where(conditions)}
  ORDER BY {order}
  LIMIT %(limit)s
)
SELECT c.reference, c.title, c.summary, c.narrative, c.occurred, c.occurred_earliest,
  c.occurred_latest, c.occurred_inferred, c.place_id, pl.name,
  (SELECT array_agg(vt.code ORDER BY vt.code) FROM {t["violations"]} cv
    JOIN {t["term"]} vt ON vt.id = cv.term_id WHERE cv.case_id = c.id) AS violation_types,
  c.confidentiality, c.state, u.username, c.version, c.created_at, c.updated_at
FROM page
JOIN {t["case"]} c ON c.id = page.id
LEFT JOIN {t["place"]} pl ON pl.id = c.place_id
LEFT JOIN {t["user"]} u ON u.id = c.assigned_monitor_id
ORDER BY {order}"""
    return sql, params


def people_page_sql(user: Any, filters: Filters | None, limit: int) -> tuple[str, dict[str, Any]]:
    """The people list's page: PersonSerializer's fields, by name. `filters` None when the
    people list takes none (it then lists everyone visible)."""
    t = tables()
    visible, params = visible_case_condition(user)
    visible_dc, _same = visible_case_condition(user, alias="dc")
    # Tested person by person, so that the page is read in the order of the index on (name,
    # public_id) and stops after one page. Scalar subqueries rather than EXISTS … OR NOT
    # EXISTS, which the planner turns into hashes of every detention once work_mem allows.
    shown = [
        f"(SELECT true FROM {t['detention']} vd JOIN {t['case']} dc ON dc.id = vd.case_id "
        f"WHERE vd.person_id = p.id AND {visible_dc} LIMIT 1)"
    ]
    if user.has_role(Role.MONITOR, Role.REVIEWER, Role.ADMINISTRATOR):
        shown.append(
            f"(SELECT true FROM {t['detention']} ud WHERE ud.person_id = p.id LIMIT 1) IS NULL"
        )
    conditions = [" OR ".join(shown)]
    if filters is not None:
        narrowing = [*filters.case_conditions(params), *filters.detention_conditions(params)]
        if narrowing:
            conditions.append(
                f"EXISTS (SELECT 1 FROM {t['detention']} d JOIN {t['case']} c "
                f"ON c.id = d.case_id WHERE d.person_id = p.id AND {_where(narrowing)})"
            )
    params["limit"] = limit
    sql = f"""
WITH page AS (
  SELECT p.id FROM {t["person"]} p
  WHERE {_where(conditions)}
  ORDER BY p.name, p.public_id
  LIMIT %(limit)s
)
SELECT p.public_id, p.name, p.description, p.identity_withheld, p.is_group, p.head_count, p.sex,
  p.birth_date, p.birth_date_earliest, p.birth_date_latest, eth.code, rel.code, occ.code,
  p.home_place_id,
  (SELECT json_agg(json_build_object('name', n.name, 'language', n.language, 'kind', n.kind)
      ORDER BY n.kind, n.language, n.name)
    FROM {t["name"]} n WHERE n.person_id = p.id) AS names,
  (SELECT json_agg(json_build_object('organization', o.public_id, 'organization_name', o.name,
      'role', ar.code, 'note', a.note) ORDER BY o.name)
    FROM {t["affiliation"]} a JOIN {t["org"]} o ON o.id = a.organization_id
    LEFT JOIN {t["term"]} ar ON ar.id = a.role_id WHERE a.person_id = p.id) AS affiliations,
  (SELECT json_agg(json_build_object('public_id', d.public_id, 'case', c.reference,
      'detained_on', d.detained_on, 'status', d.status) ORDER BY d.id)
    FROM {t["detention"]} d JOIN {t["case"]} c ON c.id = d.case_id
    WHERE d.person_id = p.id AND {visible}) AS detentions,
  p.version, p.created_at, p.updated_at
FROM page
JOIN {t["person"]} p ON p.id = page.id
LEFT JOIN {t["term"]} eth ON eth.id = p.ethnicity_id
LEFT JOIN {t["term"]} rel ON rel.id = p.religion_id
LEFT JOIN {t["term"]} occ ON occ.id = p.occupation_id
ORDER BY p.name, p.public_id"""
    return sql, params


def statistics_sql(user: Any, filters: Filters, place_level: int) -> tuple[str, dict[str, Any]]:
    """Every breakdown of /api/v1/stats/ in one statement over the filtered detentions: heads
    by month, by place rolled up to `place_level`, by status, violation type and gender."""
    t = tables()
    visible, params = visible_case_condition(user)
    conditions = [visible, *filters.case_conditions(params), *filters.detention_conditions(params)]
    params["level"] = place_level
    chain = "string_to_array(btrim(pl.path, '/'), '/')::bigint[]"
    sql = f"""
WITH f AS MATERIALIZED (
  SELECT d.status, d.detained_on_earliest, p.head_count, p.sex, d.case_id, c.place_id
  FROM {t["detention"]} d
  JOIN {t["case"]} c ON c.id = d.case_id
  JOIN {t["person"]} p ON p.id = d.person_id
  WHERE {_where(conditions)}
),
per_place AS (SELECT place_id, sum(head_count) AS heads FROM f GROUP BY place_id),
rolled AS (
  SELECT CASE WHEN array_length({chain}, 1) > %(level)s THEN ({chain})[%(level)s + 1]
      ELSE ({chain})[array_length({chain}, 1)] END AS ancestor,
    sum(pp.heads) AS heads
  FROM per_place pp LEFT JOIN {t["place"]} pl ON pl.id = pp.place_id
  GROUP BY 1
)
SELECT 'total' AS breakdown, NULL::text AS key, NULL::text AS label, sum(head_count) AS heads
  FROM f
UNION ALL
SELECT 'month', to_char(date_trunc('month', detained_on_earliest), 'YYYY-MM'), NULL,
    sum(head_count)
  FROM f WHERE detained_on_earliest IS NOT NULL AND detained_on_earliest <> {OPEN_START}
  GROUP BY 2
UNION ALL
SELECT 'place', r.ancestor::text, a.name || ' (' || a.kind || ', ' || a.depth || ')', r.heads
  FROM rolled r LEFT JOIN {t["place"]} a ON a.id = r.ancestor
UNION ALL
SELECT 'status', status, NULL, sum(head_count) FROM f GROUP BY status
UNION ALL
SELECT 'violation_type', vt.code, vt.labels->>'en', sum(f.head_count)
  FROM f LEFT JOIN {t["violations"]} cv ON cv.case_id = f.case_id
  LEFT JOIN {t["term"]} vt ON vt.id = cv.term_id
  GROUP BY vt.code, vt.labels->>'en'
UNION ALL
SELECT 'gender', sex, NULL, sum(head_count) FROM f GROUP BY sex"""
    return sql, params


def case_detail_sql(user: Any, reference: str) -> tuple[str, dict[str, Any]]:
    """A case as /api/v1/cases/{reference}/ shows it: the case, its detentions with their
    people, and the citations on the case."""
    t = tables()
    visible, params = visible_case_condition(user)
    params["reference"] = reference
    sql = f"""
SELECT c.reference, c.title, c.summary, c.narrative, c.occurred, c.occurred_earliest,
  c.occurred_latest, c.occurred_inferred, c.place_id, pl.name,
  (SELECT array_agg(vt.code ORDER BY vt.code) FROM {t["violations"]} cv
    JOIN {t["term"]} vt ON vt.id = cv.term_id WHERE cv.case_id = c.id) AS violation_types,
  c.confidentiality, c.state, u.username, c.version, c.created_at, c.updated_at,
  (SELECT json_agg(json_build_object('public_id', d.public_id, 'detained_on', d.detained_on,
      'status', d.status, 'status_certainty', d.status_certainty,
      'person', json_build_object('public_id', p.public_id, 'name', p.name,
        'description', p.description, 'is_group', p.is_group, 'head_count', p.head_count,
        'identity_withheld', p.identity_withheld)) ORDER BY d.id)
    FROM {t["detention"]} d JOIN {t["person"]} p ON p.id = d.person_id
    WHERE d.case_id = c.id) AS detentions,
  (SELECT json_agg(json_build_object('id', ci.id, 'case', c.reference, 'claim', ci.claim,
      'excerpt', ci.excerpt, 'locator', ci.locator, 'credibility', ci.credibility)
      ORDER BY ci.id)
    FROM {t["citation"]} ci WHERE ci.case_id = c.id) AS citations
FROM {t["case"]} c
LEFT JOIN {t["place"]} pl ON pl.id = c.place_id
LEFT JOIN {t["user"]} u ON u.id = c.assigned_monitor_id
WHERE c.reference = %(reference)s AND {visible}"""
    return sql, params
