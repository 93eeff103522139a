"""`manage.py generate_data`: benchmark data with the shapes, derived values and constraints the
application would produce, the same on every run, and never mixed into a database in use."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.http import StreamingHttpResponse

from cases.dates import OPEN_START, parse_uncertain_date
from cases.generate.generator import generate
from cases.generate.uncertain import UncertainDates
from cases.models import (
    Case,
    CaseState,
    Citation,
    Confidentiality,
    Detention,
    DetentionEvent,
    LanguageTag,
    Organization,
    OrganizationName,
    Person,
    PersonName,
    Place,
    PlaceKind,
    PlaceName,
    ReferenceCounter,
    Source,
    Term,
)
from cases.services.cases import case_create
from cases.services.detentions import derive_status, expected_release_date
from cases.workflow import corroboration_problem

from ..factories import CaseFactory

pytestmark = pytest.mark.django_db

CASES = 200
SEED = 3


def quiet(_line: str) -> None:
    pass


@pytest.fixture(scope="class")
def generated(django_db_setup, django_db_blocker):
    """One run shared by a class of tests (each test's own changes roll back to it), rolled
    back after the class: generating takes a few seconds, checking it much less."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield generate(cases=CASES, seed=SEED, log=quiet)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def digest() -> str:
    """What two runs must agree on: every column of the generated rows, in id order."""
    content = hashlib.sha256()
    for model in (
        Place,
        PlaceName,
        Organization,
        OrganizationName,
        Case,
        Case.violation_types.through,
        Person,
        PersonName,
        Detention,
        Detention.charges.through,
        DetentionEvent,
        Source,
        Citation,
    ):
        names = [field.attname for field in model._meta.concrete_fields]
        for row in model._default_manager.order_by("pk").values_list(*names):
            content.update(repr(row).encode())
    return content.hexdigest()


def run_and_roll_back(seed: int) -> str:
    with transaction.atomic():
        generate(cases=60, seed=seed, log=quiet)
        found = digest()
        transaction.set_rollback(True)
    return found


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(db):
    first = run_and_roll_back(SEED)
    assert Case.objects.count() == 0  # rolled back: the next run starts from an empty database
    assert run_and_roll_back(SEED) == first
    assert run_and_roll_back(SEED + 1) != first


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_bounds_worked_out_without_the_parser_match_it():
    dates = UncertainDates()
    days = [datetime.date(2012, 2, 29), datetime.date(2013, 12, 31), datetime.date(2014, 1, 1)]
    texts = [dates.text(day, form) for day in days for form in ("day?", "day~", "month~", "year?")]
    texts += ["[2013..2014]", "[2013-05..2014-02]", "2014-02-28%"]
    for text in texts:
        parsed = parse_uncertain_date(text)
        assert dates.bounds(text) == (parsed.earliest, parsed.latest), text
        assert dates.as_day_or_blank(text) == "" and not parsed.is_exact_day


@pytest.mark.usefixtures("generated")
class TestGeneratedData:
    """A run of 200 cases, checked against what the application itself would store."""

    def test_counts_come_in_realistic_proportions(self):
        cases = Case.objects.count()
        people = Person.objects.count()
        detentions = Detention.objects.count()
        assert cases == CASES
        assert 2.0 <= people / cases <= 3.2
        assert 2.5 <= detentions / cases <= 3.6
        assert 1.2 <= Source.objects.count() / cases <= 1.8
        assert 2.0 <= Citation.objects.count() / cases <= 3.5
        assert 2.0 <= DetentionEvent.objects.count() / detentions <= 4.0
        named = Person.objects.exclude(name="")
        assert named.count() > 0.8 * people
        assert PersonName.objects.count() / named.count() >= 2.2
        variants = Counter(named.annotate(n=Count("names")).values_list("n", flat=True))
        assert sum(variants[n] for n in (2, 3, 4)) > 0.5 * named.count()  # many have 2–4 variants
        assert set(PersonName.objects.values_list("language", flat=True)) >= {
            LanguageTag.TIBETAN,
            LanguageTag.TIBETAN_LATIN,
            LanguageTag.CHINESE_SIMPLIFIED,
            LanguageTag.PINYIN,
            LanguageTag.ENGLISH,
        }
        # Some people detained more than once, some cases with several people, a few groups.
        assert Person.objects.annotate(n=Count("detentions")).filter(n__gt=1).exists()
        assert Case.objects.annotate(n=Count("detentions")).filter(n__gt=1).count() > 0.2 * cases
        assert Person.objects.filter(is_group=True, head_count__gt=1).exists()
        assert Person.objects.filter(identity_withheld=True).exists()
        states = Counter(Case.objects.values_list("state", flat=True))
        assert states.most_common(1)[0][0] == CaseState.VERIFIED
        assert set(states) <= set(CaseState.values) and len(states) >= 4
        levels = Counter(Case.objects.values_list("confidentiality", flat=True))
        assert levels.most_common(1)[0][0] == Confidentiality.PUBLIC
        assert set(Detention.objects.values_list("status", flat=True)) >= {
            "detained",
            "sentenced",
            "released",
            "disappeared",
        }
        kinds = set(Place.objects.values_list("kind", flat=True))
        assert kinds >= {
            PlaceKind.COUNTRY,
            PlaceKind.REGION,
            PlaceKind.PREFECTURE,
            PlaceKind.COUNTY,
            PlaceKind.TOWNSHIP,
            PlaceKind.MONASTERY,
        }
        assert Place.objects.aggregate(deepest=Max("depth"))["deepest"] == 4
        # Text arrives whole through either writer: line breaks, empty strings, other scripts.
        assert Case.objects.filter(narrative__contains="\n\nThe family").exists()
        assert Source.objects.filter(title__contains="刑初字第").exists()
        assert PersonName.objects.filter(name__contains="་").exists()
        assert Person.objects.filter(name="", description__gt="").exists()

    def test_derived_detention_fields_are_what_the_application_derives(self):
        detentions = Detention.objects.prefetch_related("events__event_type")
        for detention in detentions:
            derived = derive_status(list(detention.events.all()))
            assert (detention.status, detention.status_certainty, detention.status_as_of) == (
                derived.status,
                derived.certainty,
                derived.as_of,
            ), detention.pk
            assert detention.expected_release == expected_release_date(
                sentence_kind=detention.sentence_kind,
                years=detention.sentence_years,
                months=detention.sentence_months,
                sentence_start=detention.sentence_start,
                detained_on=detention.detained_on,
            ), detention.pk
            assert detention.version == 1
        assert Detention.objects.exclude(expected_release=None).exists()

    def test_search_text_is_what_the_application_stores(self):
        for model in (PersonName, PlaceName, OrganizationName):
            field = model._meta.get_field("search_text")
            for variant in model.objects.all():
                stored = variant.search_text
                assert field.pre_save(variant, add=False) == stored, (model.__name__, variant.name)

    def test_uncertain_dates_have_the_applications_bounds(self):
        values = set()
        for model, name in (
            (Case, "occurred"),
            (Detention, "detained_on"),
            (DetentionEvent, "occurred"),
            (Person, "birth_date"),
            (Source, "published_on"),
        ):
            values |= set(
                model.objects.values_list(name, f"{name}_earliest", f"{name}_latest").distinct()
            )
        forms = {re.sub(r"\d", "9", text) for text, _earliest, _latest in values}
        assert {"9999-99-99", "9999-99", "9999", "9999-99-99?", "[9999..9999]", ""} <= forms
        # Qualified values take the edtf parser 12 ms each: all plain ones, a sample of the rest.
        qualified = 0
        for text, earliest, latest in sorted(values):
            if (text and text[-1] in "?~%") or text.startswith("["):
                qualified += 1
                if qualified > 25:
                    continue
            parsed = parse_uncertain_date(text)
            assert (parsed.earliest, parsed.latest) == (earliest, latest), text

    def test_places_have_the_paths_the_place_services_give_them(self):
        by_id = {place.pk: place for place in Place.objects.all()}
        for place in by_id.values():
            parent = by_id.get(place.parent_id)
            assert place.path == f"{parent.path if parent else '/'}{place.pk}/"
            assert place.depth == (parent.depth + 1 if parent else 0)
            assert (place.latitude is None) == (place.longitude is None)
        with_coordinates = Place.objects.exclude(latitude=None).count()
        assert with_coordinates > 0.7 * len(by_id)
        assert (
            Place.objects.filter(depth__lte=3)
            .exclude(kind=PlaceKind.REGION)
            .filter(traditional_region=None, depth__gte=2)
            .count()
            == 0
        )

    def test_references_continue_in_the_application(self, monitor):
        references = list(Case.objects.values_list("reference", "occurred_earliest", "created_at"))
        assert len({reference for reference, _e, _c in references}) == CASES
        for reference, earliest, created in references:
            year = created.year if earliest in (None, OPEN_START) else earliest.year
            assert re.fullmatch(rf"CB-{year}-\d{{4,}}", reference)
        counters = dict(ReferenceCounter.objects.values_list("year", "last_number"))
        used = Counter(int(reference.split("-")[1]) for reference, _e, _c in references)
        assert counters == used  # each year's counter stands at its last number

        busiest = used.most_common(1)[0][0]
        case = case_create(acting_user=monitor, title="Entered by hand", occurred=f"{busiest}-06")
        assert case.reference == f"CB-{busiest}-{used[busiest] + 1:04d}"

    def test_constraints_hold(self):
        connection.check_constraints()  # foreign keys, on SQLite too
        targets = ("case", "detention", "detention_event", "person")
        one_target = Q()
        for name in targets:
            others = {f"{other}__isnull": True for other in targets if other != name}
            one_target |= Q(**{f"{name}__isnull": False}, **others)
        assert not Citation.objects.exclude(one_target).exists()
        assert Citation.objects.filter(detention_event__isnull=False).exists()
        assert (
            not Detention.objects.values("case", "person").annotate(n=Count("id")).filter(n__gt=1)
        )
        for model in (Case, Person, Detention, Source):
            assert set(model.objects.values_list("version", flat=True)) == {1}

    def test_verified_cases_pass_the_corroboration_rule(self):
        verified = Case.objects.filter(state__in=[CaseState.VERIFIED, CaseState.DISPUTED])
        assert verified.exists()
        for case in verified:
            assert corroboration_problem(case) is None, case.reference
        # Four eyes: whoever last changed the facts did not verify the case.
        for case in verified.prefetch_related("transitions"):
            verifier = next(t.user_id for t in case.transitions.all() if t.action == "verify")
            assert verifier != case.facts_changed_by_id

    def test_benchmark_accounts_cannot_sign_in(self):
        accounts = get_user_model().objects.filter(username__startswith="gen-")
        assert accounts.count() == 12
        assert not any(user.has_usable_password() for user in accounts)

    def test_a_monitor_lists_and_exports_the_generated_detentions(self, client, monitor):
        client.force_login(monitor)
        listed = client.get("/api/v1/detentions/")
        assert listed.status_code == 200
        assert len(listed.json()["results"]) > 0

        response = client.get("/api/v1/detentions/?format=csv&profile=internal")
        assert response.status_code == 200
        rows = csv_rows(response)
        visible = Detention.objects.exclude(case__confidentiality=Confidentiality.RESTRICTED)
        assert len(rows) - 1 == visible.count()  # a header, then one row per detention


def test_refuses_a_database_that_holds_a_case(db):
    existing = CaseFactory()
    before = {model: model.objects.count() for model in (Case, Person, Place, Source)}
    with pytest.raises(CommandError, match=r"already holds 1 case\..* without version history"):
        call_command("generate_data", "--cases", "5", stdout=StringIO())
    assert {model: model.objects.count() for model in before} == before
    assert not get_user_model().objects.filter(username__startswith="gen-").exists()
    assert Case.objects.get() == existing


def test_refuses_without_the_seeded_vocabularies(db):
    Term.objects.filter(vocabulary__key="legal-process-event", code="sentencing").delete()
    with pytest.raises(CommandError, match=r"migrate.*legal-process-event:sentencing"):
        call_command("generate_data", "--cases", "5", stdout=StringIO())


def test_the_command_reports_each_table(db):
    out = StringIO()
    call_command("generate_data", "--cases", "20", "--seed", "5", stdout=out)
    report = out.getvalue()
    assert re.search(r"cases_detention\s+\d+", report)
    assert "Generated 20 cases" in report
    assert Case.objects.count() == 20
