"""What every list of the site costs in SQL queries with 1 row and with 50 (the `list_costs`
fixture of tests/conftest.py; the assertions are in tests/api/test_query_counts.py and
tests/cases/test_page_query_counts.py).

Building 50 rows of everything through the services takes seconds, so they are built once per
session: the fixture grows one set of rows from 1 to 50, measures every list at each size, and
rolls everything back before any test reads the numbers. No row outlives the fixture, whatever
test runs next on the worker.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import openpyxl
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from casebook.accounts.roles import Role
from casebook.accounts.system import system_user
from casebook.accounts.tokens import token_issue
from cases.models import (
    Case,
    CaseState,
    CaseTransition,
    Citation,
    Detention,
    DetentionEvent,
    ExportJob,
    ExportJobState,
    Intervention,
    LanguageTag,
    Notification,
    Organization,
    Person,
    PersonName,
    Place,
    PlaceKind,
    Recipient,
    Sex,
    Source,
    Term,
    Transition,
    Vocabulary,
    VocabularyKey,
)
from cases.services.cases import case_update
from cases.services.detentions import detention_add_event, detention_update
from cases.services.interventions import intervention_create
from cases.services.organizations import organization_create
from cases.services.people import consent_record, person_add_affiliation

from .api.conftest import make_case, settle
from .factories import (
    DetentionFactory,
    PersonFactory,
    PlaceFactory,
    SourceFactory,
    UserFactory,
    cite,
    term,
)

ROWS = 50
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- How a response's rows are counted ----------------------------------------------------------


def api_results(response: Any, content: bytes) -> int:
    return len(response.json()["results"])


def listed(response: Any, content: bytes) -> int:
    return len(response.json())


def head_count(response: Any, content: bytes) -> int:
    return response.json()["total"]


def exported(fmt: str) -> Callable[[Any, bytes], int]:
    def rows(response: Any, content: bytes) -> int:
        if fmt == "xlsx":
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
            return sum(1 for _row in workbook.active.iter_rows()) - 1
        text = content.decode("utf-8-sig")
        if fmt == "geojson":
            return len(json.loads(text)["features"])
        if fmt == "jsonl":
            return len(text.splitlines())
        return len(list(csv.reader(io.StringIO(text)))) - 1

    return rows


def marked(marker: str) -> Callable[[Any, bytes], int]:
    """Rows of a server-rendered page: the times `marker` occurs in its HTML."""
    return lambda response, content: response.content.decode().count(marker)


def changelist_rows(response: Any, content: bytes) -> int:
    return len(response.context["cl"].result_list)


@dataclass(frozen=True)
class Target:
    reader: str
    url: str  # {root}: the place every row lies below; {history}: the case with many versions
    rows: Callable[[Any, bytes], int]


@dataclass(frozen=True)
class Cost:
    queries: int
    rows: int


def with_params(url: str, **params: object) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query), *((key, str(value)) for key, value in params.items())]
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- The API -------------------------------------------------------------------------------------

# A person's name variants, affiliations and consents, each a list of its own.
PERSON_PARTS = ("person-names", "affiliations", "consents")
# Paginated lists, measured with ?page_size=50 (1 row, then 50) and ?page_size=1 (over 50).
API_LISTS = {
    name: Target(reader, url, api_results)
    for name, (reader, url) in {
        "interventions": ("monitor", "/api/v1/interventions/"),
        "interventions overdue": ("monitor", "/api/v1/interventions/?reply_overdue=true"),
        "events": ("monitor", "/api/v1/events/"),
        "places": ("monitor", "/api/v1/places/"),
        "organizations": ("monitor", "/api/v1/organizations/"),
        "vocabularies": ("monitor", "/api/v1/vocabularies/"),
        "terms": ("monitor", "/api/v1/terms/"),
        "terms of one vocabulary": ("monitor", "/api/v1/terms/?vocabulary=keywords"),
        "cases by place, dates and state": (
            "monitor",
            "/api/v1/cases/?place={root}&occurred=2014/2016&state=verified",
        ),
        "cases by text": ("monitor", "/api/v1/cases/?q=case"),
        "detentions by place, dates and state": (
            "monitor",
            "/api/v1/detentions/?place={root}&detained=2014/2016&state=verified",
        ),
        "detentions by text": ("monitor", "/api/v1/detentions/?q=person"),
        # The people list searches by name (q); place and dates are ignored there today, and
        # must stay cheap if added.
        "people by place, dates and text": (
            "monitor",
            "/api/v1/people/?place={root}&detained=2014/2016&q=person",
        ),
        **{
            name: ("monitor", f"/api/v1/{name}/")
            for name in ("cases", "detentions", "people", "sources", "citations", *PERSON_PARTS)
        },
        # Advocates read through other gates: verified cases only, withheld identities masked.
        **{
            f"{name} (advocate)": ("advocate", f"/api/v1/{name}/")
            for name in (
                "cases",
                "detentions",
                "people",
                "sources",
                "citations",
                "interventions",
                *PERSON_PARTS,
                "events",
            )
        },
    }.items()
}
# Unpaginated lists of one case's parts: a few, then one more per row.
API_CASE_PARTS = {
    "transitions of a case": Target("monitor", "/api/v1/cases/{history}/transitions/", listed),
}
API_STATISTICS = {
    name: Target("monitor", url, head_count)
    for name, url in {
        "stats": "/api/v1/stats/",
        "stats by place, dates and state": (
            "/api/v1/stats/?place={root}&detained=2014/2016&state=verified"
        ),
        "stats by county and gender": "/api/v1/stats/?place_level=3&gender=male",
    }.items()
}
# Whole exports: the response streamed to its last byte inside the measurement.
API_EXPORTS = {
    name: Target("monitor", url, exported(fmt))
    for name, (fmt, url) in {
        **{
            f"detentions {fmt}": (fmt, f"/api/v1/detentions/?format={fmt}&profile=internal")
            for fmt in ("csv", "jsonl", "geojson", "xlsx")
        },
        "detentions csv for the UN": (
            "csv",
            "/api/v1/detentions/?format=csv&profile=partner&recipient=un",
        ),
        "filtered detentions csv": (
            "csv",
            "/api/v1/detentions/?format=csv&profile=internal&place={root}&detained=2014&q=person",
        ),
        "cases csv": ("csv", "/api/v1/cases/?format=csv"),
        "cases xlsx": ("xlsx", "/api/v1/cases/?format=xlsx&profile=internal"),
    }.items()
}


# --- The pages -----------------------------------------------------------------------------------

CASE_ROW = 'class="case-table__title"'
CASE_LIST = reverse("cases:case-list")
# The list ignores these filters today; they must not cost more per row once it reads them.
FILTERED_CASE_LIST = CASE_LIST + "?place={root}&occurred=2014&state=verified&q=case"

PAGES = {
    "case list": Target("monitor", CASE_LIST, marked(CASE_ROW)),
    "case list, filtered": Target("monitor", FILTERED_CASE_LIST, marked(CASE_ROW)),
    "notifications": Target(
        "monitor", reverse("cases:notifications"), marked('class="notification__message"')
    ),
    "export jobs": Target(
        "monitor", reverse("cases:export-job-list"), marked('class="export-progress"')
    ),
    "API tokens": Target("monitor", reverse("accounts:tokens"), marked("><code>cb_")),
}
# One case's versions and its detention's: a few, then one more of each per row.
HISTORY = {
    "case history": Target(
        "monitor", "/cases/{history}/history/", marked('<article class="version')
    ),
}
# Measured with 51 cases (1 on the second page), then 100 (50 on it).
SECOND_PAGES = {
    "case list, page 2": Target("monitor", CASE_LIST + "?page=2", marked(CASE_ROW)),
    "case list, filtered, page 2": Target(
        "monitor", FILTERED_CASE_LIST + "&page=2", marked(CASE_ROW)
    ),
}

MAIN_MODELS = (Case, Person, Detention, Source, Place, Organization)
MORE_MODELS = (Citation, Intervention, DetentionEvent, PersonName)
ADMIN_SEARCHES = {
    Case: "?q=case&state__exact=verified",
    Person: "?q=person",
    Detention: "?q=person&status__exact=detained",
    Source: "?q=report",
    Place: "?q=township",
    Organization: "?q=station",
}
ADMIN_READERS = ("administrator", "staff monitor")


def changelist(model: type) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


ADMIN_PAGES = {
    **{
        f"admin {model.__name__} ({reader})": Target(reader, changelist(model), changelist_rows)
        for reader in ADMIN_READERS
        for model in MAIN_MODELS
    },
    **{
        f"admin {model.__name__} searched ({reader})": Target(
            reader, changelist(model) + query, changelist_rows
        )
        for reader in ADMIN_READERS
        for model, query in ADMIN_SEARCHES.items()
    },
    **{
        f"admin {model.__name__} (administrator)": Target(
            "administrator", changelist(model), changelist_rows
        )
        for model in MORE_MODELS
    },
}


# --- The rows ------------------------------------------------------------------------------------


def staff_monitor() -> Any:
    """A monitor let into the admin with view rights: the admin shows what visible_cases lets a
    monitor see."""
    user = UserFactory(username="costs-staff-monitor", roles=[Role.MONITOR])
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    models = ("case", "detention", "person", "source", "place", "organization")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="cases", codename__in=[f"view_{name}" for name in models]
        )
    )
    return user


class SiteRows:
    """Readers of every role, and `count` rows of everything the site lists, made through the
    services: verified public cases below one place, detained in March 2014, each with a
    detained person (with a name in Tibetan script, an affiliation and a UN consent), a trial,
    a cited source and an intervention, under a place and an organization of its own; a term
    and a vocabulary per row; a notification, an export job and an API token per row for the
    monitor; and one case whose history grows by a version of the case and of its detention
    per row (and, since each edit sends the verified case back to review, by a transition)."""

    def __init__(self) -> None:
        self.monitor = UserFactory(username="costs-monitor", roles=[Role.MONITOR])
        self.reviewer = UserFactory(username="costs-reviewer", roles=[Role.REVIEWER])
        readers = {
            "monitor": self.monitor,
            "advocate": UserFactory(username="costs-advocate", roles=[Role.ADVOCATE]),
            "administrator": UserFactory(
                username="costs-administrator", roles=[Role.ADMINISTRATOR]
            ),
            "staff monitor": staff_monitor(),
        }
        self.clients = {}
        for name, user in readers.items():
            self.clients[name] = APIClient()
            self.clients[name].force_login(user)
        self.root = PlaceFactory(name="Nagchu", kind=PlaceKind.PREFECTURE)
        self.authority = organization_create(
            acting_user=system_user(),
            name="Nagchu Public Security Bureau",
            kind=term(VocabularyKey.ORGANIZATION_KIND, "police"),
        )
        self.keywords = Vocabulary.objects.create(key="keywords", name="Keywords")
        self.history: Case | None = None
        self.count = 0

    def grow(self, count: int) -> None:
        for number in range(self.count, count):
            self._add(number)
        self.count = count

    def grow_cases(self, count: int) -> None:
        """Plain cases only: enough to fill the second page of the case list."""
        for number in range(self.count, count):
            make_case(
                title=f"Case {number}",
                occurred="2014-03",
                place=self.root,
                violation_types=[term(VocabularyKey.VIOLATION_TYPE, "arbitrary-detention")],
            )
        self.count = count

    def _add(self, number: int) -> None:
        place = PlaceFactory(
            name=f"Township {number}",
            kind=PlaceKind.TOWNSHIP,
            parent=self.root,
            traditional_region=term(VocabularyKey.TRADITIONAL_REGION, "u-tsang"),
            latitude=Decimal("31.5"),
            longitude=Decimal("93.7"),
            names=[(f"ཤང་ {number}", LanguageTag.TIBETAN)],
        )
        organization = organization_create(
            acting_user=system_user(),
            name=f"Township {number} police station",
            kind=term(VocabularyKey.ORGANIZATION_KIND, "police"),
            parent=self.authority,
            place=place,
            names=[(f"派出所 {number}", LanguageTag.CHINESE_SIMPLIFIED)],
        )
        case = make_case(
            title=f"Case {number}",
            occurred="2014-03",
            place=place,
            violation_types=[term(VocabularyKey.VIOLATION_TYPE, "arbitrary-detention")],
        )
        person = PersonFactory(
            name=f"Person {number}",
            sex=Sex.MALE,
            ethnicity=term(VocabularyKey.ETHNICITY, "tibetan"),
            names=[(f"བཀྲ་ཤིས {number}", LanguageTag.TIBETAN)],
        )
        person_add_affiliation(
            acting_user=system_user(),
            person=person,
            organization=organization,
            role=term(VocabularyKey.AFFILIATION_ROLE, "monk"),
            started_on="2005",
        )
        consent_record(
            acting_user=self.monitor, person=person, recipient=Recipient.UN, decision="granted"
        )
        detention = DetentionFactory(
            case=case,
            person=person,
            detained_on="2014-03-06",
            detaining_authority=organization,
            charges=[term(VocabularyKey.CHARGE, "inciting-separatism")],
            detention_type=term(VocabularyKey.DETENTION_TYPE, "criminal"),
        )
        detention_add_event(
            acting_user=system_user(),
            detention=detention,
            event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "trial"),
            organization=organization,
            occurred="2014-05",
        )
        cite(SourceFactory(title=f"Report {number}"), case=case)
        intervention_create(
            acting_user=system_user(),
            case=case,
            kind=term(VocabularyKey.INTERVENTION_KIND, "un-urgent-appeal"),
            sent_on=datetime.date(2014, 6, 2),
        )
        Term.objects.create(
            vocabulary=self.keywords, code=f"keyword-{number}", labels={"en": f"Keyword {number}"}
        )
        Vocabulary.objects.create(key=f"keywords-{number}", name=f"Keywords {number}")
        self._notify(case)
        self._export_job(number)
        token_issue(user=self.monitor, name=f"Script {number}", read_only=number % 2 == 0)
        settle(case)
        if self.history is None:
            self.history = case
        else:
            self._new_versions(number, place, organization)

    def _notify(self, case: Case) -> None:
        # As the notification task writes them once a step is committed.
        transition = CaseTransition.objects.create(
            case=case,
            action=Transition.VERIFY,
            from_state=CaseState.SUBMITTED,
            to_state=CaseState.VERIFIED,
            user=self.reviewer,
        )
        Notification.objects.create(
            user=self.monitor,
            case=case,
            transition=transition,
            message=f"{case.reference}: costs-reviewer – verify (now verified)",
        )

    def _export_job(self, number: int) -> None:
        now = timezone.now()
        state = [ExportJobState.DONE, ExportJobState.RUNNING, ExportJobState.FAILED][number % 3]
        done = state == ExportJobState.DONE
        ExportJob.objects.create(
            requested_by=self.monitor,
            kind="detentions",
            format="csv",
            profile="internal",
            state=state,
            progress=number,
            total=ROWS,
            started_at=now,
            finished_at=now if done else None,
            expires_at=now + datetime.timedelta(hours=72),
            manifest={"files": [{"name": f"export-{number}.csv", "sha256": "ab" * 32}]}
            if done
            else None,
        )

    def _new_versions(self, number: int, place: Place, organization: Organization) -> None:
        """A version of the history case and of its detention, changing in turn a text, a
        related record and a many-to-many field."""
        case = Case.objects.get(pk=self.history.pk)
        changes: dict = [{"title": f"Case 0, version {number}"}, {"place": place}, {}][number % 3]
        violations = None
        if not changes:
            code = ["arbitrary-detention", "torture"][number % 2]
            violations = [term(VocabularyKey.VIOLATION_TYPE, code)]
        case_update(
            acting_user=self.monitor, case=case, changes=changes, violation_types=violations
        )
        detention = Detention.objects.get(case=case)
        detention_changes = [{"alleged_reason": f"Reason {number}"}, {"held_at": organization}]
        detention_update(
            acting_user=self.monitor, detention=detention, changes=detention_changes[number % 2]
        )
        settle(case)

    # --- measuring ---------------------------------------------------------------------------

    def cost(self, target: Target, *, warm: bool, **params: object) -> Cost:
        client = self.clients[target.reader]
        url = target.url.format(root=self.root.pk, history=self.history.reference)
        url = with_params(url, **params) if params else url
        if warm:
            client.get(url)  # per-process caches: content types, permissions, translations
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            content = b"".join(response.streaming_content) if response.streaming else b""
        assert response.status_code == 200, (url, response.status_code)
        return Cost(len(captured), target.rows(response, content))

    def measure(self, targets: dict[str, Target], *, warm: bool = False, **params) -> dict:
        return {name: self.cost(target, warm=warm, **params) for name, target in targets.items()}


@dataclass(frozen=True)
class ListCosts:
    one: dict[str, Cost]  # every list with 1 row (?page_size=50 on the API lists)
    fifty: dict[str, Cost]  # the same with 50 rows
    page_of_one: dict[str, Cost]  # the API lists with 50 rows and ?page_size=1


def measure_every_list(django_db_blocker: Any) -> ListCosts:
    unpaginated = {
        **API_CASE_PARTS,
        **API_STATISTICS,
        **API_EXPORTS,
        **PAGES,
        **HISTORY,
        **ADMIN_PAGES,
    }
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        rows = SiteRows()
        rows.grow(1)
        one = rows.measure(API_LISTS, warm=True, page_size=ROWS)
        one.update(rows.measure(unpaginated, warm=True))
        rows.grow(ROWS)
        fifty = rows.measure(API_LISTS, page_size=ROWS)
        fifty.update(rows.measure(unpaginated))
        page_of_one = rows.measure(API_LISTS, page_size=1)
        rows.grow_cases(ROWS + 1)
        one.update(rows.measure(SECOND_PAGES, warm=True))
        rows.grow_cases(2 * ROWS)
        fifty.update(rows.measure(SECOND_PAGES))
        transaction.set_rollback(True)
    return ListCosts(one, fifty, page_of_one)
