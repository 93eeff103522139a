"""One gate for every read: what each reader may see, and every door agreeing on it.

A withheld person whose names are recorded in four scripts and spellings is detained in a
verified internal case; a restricted case is seen only with a grant; a public case is there
for the public purpose. For each role and purpose the `visible_<record>` functions are
asserted record by record, and then the doors that read through them — the API, the filters,
an export job built without a request, the admin — are asserted to say the same.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.http import StreamingHttpResponse
from django.test import Client
from rest_framework.test import APIClient

from casebook.accounts.roles import Role
from cases import queries
from cases.exports.jobs import export_job_start, export_queryset
from cases.exports.profiles import PURPOSES, Profile
from cases.filters import CaseFilter, DetentionFilter, people_named
from cases.models import Case, Confidentiality, LanguageTag
from cases.queries import PLACEHOLDER, Purpose, Reader
from cases.services.workflow import access_grant

from ..api.conftest import make_case, settle
from ..factories import DetentionFactory, PersonFactory, SourceFactory, UserFactory, cite

pytestmark = pytest.mark.django_db

TIBETAN = "བཀྲ་ཤིས་རྡོ་རྗེ"
CHINESE = "扎西多吉"
WYLIE = "bkra shis rdo rje"
ENGLISH = "Tashi Dorje"
NAME_FORMS = [TIBETAN, CHINESE, WYLIE, ENGLISH]
WITHHELD_DESCRIPTION = "MARKER-WITHHELD-DESCRIPTION monk of Drilda"

ROLES = [
    "administrator",
    "monitor",
    "granted_monitor",
    "reviewer",
    "advocate",
    "granted_advocate",
    "outsider",
    "anonymous",
    "deactivated",
]
PURPOSE_LIST = list(Purpose)
INSIDE = {"administrator", "monitor", "granted_monitor", "reviewer"}
NOBODY = {"outsider", "anonymous", "deactivated"}

# The cases each reader may see, by purpose (WORKFLOW.md, Confidentiality): partner files
# carry verified public and internal cases, public files public ones, none a restricted one.
ALL = {"public", "internal", "restricted"}
OPEN = {"public", "internal"}
EXPECTED_CASES = {
    "administrator": {
        Purpose.BROWSE: ALL,
        Purpose.EXPORT_INTERNAL: ALL,
        Purpose.EXPORT_PARTNER: OPEN,
        Purpose.EXPORT_PUBLIC: {"public"},
    },
    **{
        role: {
            Purpose.BROWSE: ALL if role.startswith("granted") else OPEN,
            Purpose.EXPORT_INTERNAL: ALL if role.startswith("granted") else OPEN,
            Purpose.EXPORT_PARTNER: OPEN,
            Purpose.EXPORT_PUBLIC: {"public"},
        }
        for role in ("monitor", "granted_monitor", "reviewer", "advocate", "granted_advocate")
    },
    **{role: {purpose: set() for purpose in Purpose} for role in NOBODY},
}


def sees_withheld_names(role: str, purpose: Purpose) -> bool:
    return role in INSIDE and purpose in (Purpose.BROWSE, Purpose.EXPORT_INTERNAL)


@pytest.fixture
def world(db):
    administrator = UserFactory(username="gate-admin", roles=[Role.ADMINISTRATOR])
    public = make_case(title="Arrest after the prayer gathering")
    internal = make_case(title="Night raid on the monastery", level=Confidentiality.INTERNAL)
    restricted = make_case(
        title="Transfer to the detention centre", level=Confidentiality.RESTRICTED
    )

    withheld = PersonFactory(
        name=ENGLISH,
        description=WITHHELD_DESCRIPTION,
        identity_withheld=True,
        names=[
            (TIBETAN, LanguageTag.TIBETAN),
            (CHINESE, LanguageTag.CHINESE_SIMPLIFIED),
            (WYLIE, LanguageTag.TIBETAN_LATIN),
            (ENGLISH, LanguageTag.ENGLISH),
        ],
    )
    people = {
        "withheld": withheld,
        "named": PersonFactory(name="Lobsang Gyatso"),
        "public": PersonFactory(name="Dolma Tsering"),
        "restricted": PersonFactory(name="Pema Wangmo"),
    }
    DetentionFactory(case=internal, person=withheld)
    DetentionFactory(case=internal, person=people["named"])
    DetentionFactory(case=public, person=people["public"])
    DetentionFactory(case=restricted, person=people["restricted"])
    sources = {label: SourceFactory(title=f"Report on the {label} case") for label in ALL}
    cases = {"public": public, "internal": internal, "restricted": restricted}
    for label, case in cases.items():
        cite(sources[label], case=case, claim=f"Claim on the {label} case")
        settle(case)

    deactivated = UserFactory(username="gate-deactivated", roles=[Role.MONITOR])
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    users = {
        "administrator": administrator,
        "monitor": UserFactory(username="gate-monitor", roles=[Role.MONITOR]),
        "granted_monitor": UserFactory(username="gate-granted-monitor", roles=[Role.MONITOR]),
        "reviewer": UserFactory(username="gate-reviewer", roles=[Role.REVIEWER]),
        "advocate": UserFactory(username="gate-advocate", roles=[Role.ADVOCATE]),
        "granted_advocate": UserFactory(username="gate-granted-advocate", roles=[Role.ADVOCATE]),
        "outsider": UserFactory(username="gate-outsider"),
        "anonymous": AnonymousUser(),
        "deactivated": deactivated,
    }
    for role in ("granted_monitor", "granted_advocate"):
        access_grant(acting_user=administrator, case=restricted, user=users[role])
    return {"cases": cases, "people": people, "sources": sources, "users": users}


def people_of(case_labels: set[str]) -> set[str]:
    labels = set(case_labels)
    if "internal" in labels:
        labels = (labels - {"internal"}) | {"withheld", "named"}
    return labels


def labels(records, by_pk: dict) -> set[str]:
    pks = {record.pk for record in records}
    return {label for label, record in by_pk.items() if record.pk in pks}


# --- What every visible_<record> returns ------------------------------------------------------


@pytest.mark.parametrize("purpose", PURPOSE_LIST, ids=lambda purpose: purpose.value)
@pytest.mark.parametrize("role", ROLES)
def test_each_gate_function_returns_what_the_reader_may_see(world, role, purpose):
    reader = Reader.of(world["users"][role], purpose)
    cases = EXPECTED_CASES[role][purpose]
    people = people_of(cases)
    named = people if sees_withheld_names(role, purpose) else people - {"withheld"}

    assert labels(queries.visible_cases(reader), world["cases"]) == cases
    assert labels((d.case for d in queries.visible_detentions(reader)), world["cases"]) == cases
    assert labels(queries.visible_people(reader), world["people"]) == people
    assert labels(queries.visible_named_people(reader), world["people"]) == named
    assert labels(queries.visible_sources(reader), world["sources"]) == cases
    cited = {citation.source_id for citation in queries.visible_citations(reader)}
    assert {label for label, s in world["sources"].items() if s.pk in cited} == cases
    variants = set(queries.visible_person_names(reader).values_list("name", flat=True))
    assert bool(variants & set(NAME_FORMS)) == ("withheld" in named)
    detained = queries.cases_of_people(queries.visible_named_people(reader), reader)
    # The internal case is still found through its named person.
    assert labels(detained, world["cases"]) == cases


@pytest.mark.parametrize("role", ["anonymous", "deactivated", "outsider"])
def test_nobody_reads_withheld_names_whatever_the_purpose(world, role):
    for purpose in Purpose:
        reader = Reader.of(world["users"][role], purpose)
        assert not reader.sees_identities
        assert reader.person_label(world["people"]["withheld"]) == PLACEHOLDER


def test_a_bare_user_and_none_are_read_as_browsing_and_nobody(world):
    monitor = world["users"]["monitor"]
    assert set(queries.visible_cases(monitor)) == set(queries.visible_cases(Reader.of(monitor)))
    assert not queries.visible_cases(None).exists()
    assert not queries.visible_named_people(None).exists()


# --- Filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("form", NAME_FORMS)
@pytest.mark.parametrize("purpose", PURPOSE_LIST, ids=lambda purpose: purpose.value)
@pytest.mark.parametrize("role", ["administrator", "monitor", "reviewer", "advocate"])
def test_filters_match_a_withheld_name_only_for_readers_who_may_read_it(world, role, purpose, form):
    reader = Reader.of(world["users"][role], purpose)
    expected = 1 if sees_withheld_names(role, purpose) else 0
    cases = CaseFilter(data={"q": form}, queryset=queries.visible_cases(reader), reader=reader)
    detentions = DetentionFilter(
        data={"q": form}, queryset=queries.visible_detentions(reader), reader=reader
    )
    assert cases.qs.count() == expected
    assert detentions.qs.count() == expected
    found = set(people_named(form, reader).values_list("person_id", flat=True))
    assert (world["people"]["withheld"].pk in found) == bool(expected)


def test_a_filter_set_built_for_nobody_matches_nothing(world):
    everything = Case.objects.all()
    assert CaseFilter(data={}, queryset=everything).qs.count() == 0
    assert CaseFilter(data={"q": "Lobsang"}, queryset=everything).qs.count() == 0
    assert (
        DetentionFilter(data={"q": ENGLISH}, queryset=queries.visible_detentions(None)).qs.count()
        == 0
    )


def test_a_filter_set_reads_for_the_request_user_when_given_no_reader(world):
    request = type("Request", (), {"user": world["users"]["advocate"]})()
    advocate_cases = queries.visible_cases(world["users"]["advocate"])
    assert CaseFilter(data={"q": ENGLISH}, queryset=advocate_cases, request=request).qs.count() == 0
    named = CaseFilter(data={"q": "Lobsang"}, queryset=advocate_cases, request=request)
    assert [case.reference for case in named.qs] == [world["cases"]["internal"].reference]


def test_a_title_naming_a_withheld_person_is_not_found_by_that_name_for_an_advocate(world):
    internal = world["cases"]["internal"]
    Case.objects.filter(pk=internal.pk).update(title=f"{ENGLISH} taken at night")
    advocate = Reader.of(world["users"]["advocate"])
    monitor = Reader.of(world["users"]["monitor"])
    for reader, expected in ((advocate, 0), (monitor, 1)):
        filtered = CaseFilter(
            data={"q": ENGLISH}, queryset=queries.visible_cases(reader), reader=reader
        )
        assert filtered.qs.count() == expected
    by_reference = CaseFilter(
        data={"q": internal.reference}, queryset=queries.visible_cases(advocate), reader=advocate
    )
    assert by_reference.qs.count() == 1


# --- The API, the filters and an export job agree ---------------------------------------------


def api_client(user) -> APIClient:
    client = APIClient()
    if not isinstance(user, AnonymousUser):
        client.force_login(user)
    return client


def rows_of(response) -> int:
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    return len(b"".join(response.streaming_content).decode().splitlines())


PROFILES_FOR = {
    "administrator": list(Profile),
    "monitor": list(Profile),
    "reviewer": list(Profile),
    "advocate": [Profile.PUBLIC, Profile.PARTNER],
}


@pytest.mark.parametrize("form", NAME_FORMS)
@pytest.mark.parametrize("role", ["administrator", "monitor", "reviewer", "advocate"])
def test_api_filters_and_background_job_count_the_same_for_each_name_form(
    world, role, form, django_capture_on_commit_callbacks
):
    user = world["users"][role]
    client = api_client(user)
    browsing = 1 if sees_withheld_names(role, Purpose.BROWSE) else 0
    for path in ("cases", "detentions", "people"):
        response = client.get(f"/api/v1/{path}/", {"q": form})
        assert response.status_code == 200
        assert len(response.json()["results"]) == browsing, path

    for profile in PROFILES_FOR[role]:
        expected = 1 if sees_withheld_names(role, PURPOSES[profile]) else 0
        for kind in ("detentions", "cases"):
            api_rows = rows_of(
                client.get(f"/api/v1/{kind}/", {"q": form, "format": "jsonl", "profile": profile})
            )
            queryset = export_queryset(user=user, kind=kind, profile=profile, filters={"q": form})
            with django_capture_on_commit_callbacks(execute=False):
                job = export_job_start(
                    acting_user=user, kind=kind, fmt="csv", profile=profile, params={"q": form}
                )
            assert (api_rows, queryset.count(), job.total) == (expected, expected, expected), (
                kind,
                profile,
            )


@pytest.mark.parametrize("role", ["anonymous", "deactivated", "outsider"])
def test_the_api_gives_nobody_a_withheld_name(world, role):
    client = api_client(world["users"][role])
    for path in ("cases", "detentions", "people"):
        response = client.get(f"/api/v1/{path}/", {"q": ENGLISH})
        assert response.status_code in (200, 401, 403)
        assert ENGLISH not in response.content.decode()
        if response.status_code == 200:
            assert response.json()["results"] == []


def test_every_api_answer_shows_an_advocate_the_placeholder(world):
    client = api_client(world["users"]["advocate"])
    internal = world["cases"]["internal"].reference
    withheld = world["people"]["withheld"]
    answers = [
        client.get(f"/api/v1/cases/{internal}/"),
        client.get("/api/v1/detentions/"),
        client.get(f"/api/v1/people/{withheld.public_id}/"),
        client.get("/api/v1/people/"),
        client.get("/api/v1/person-names/"),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.request["PATH_INFO"]
        body = answer.content.decode()
        for text in (*NAME_FORMS, WITHHELD_DESCRIPTION):
            assert text not in body, (text, answer.request["PATH_INFO"])
    person = client.get(f"/api/v1/people/{withheld.public_id}/").json()
    assert person["name"] == PLACEHOLDER
    assert person["names"] == []
    monitor = api_client(world["users"]["monitor"]).get(f"/api/v1/people/{withheld.public_id}/")
    assert monitor.json()["name"] == ENGLISH


# --- The admin --------------------------------------------------------------------------------


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_", content_type__app_label="cases")
    )
    return user


@pytest.mark.parametrize("role", ["advocate", "outsider"])
def test_the_admin_refuses_staff_who_do_not_work_inside(world, role):
    client = Client()
    client.force_login(staff(world["users"][role]))
    for path in (
        "/admin/",
        "/admin/cases/case/",
        "/admin/cases/person/",
        f"/admin/cases/person/{world['people']['withheld'].pk}/change/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path
        assert ENGLISH not in response.content.decode()


def test_the_admin_lets_in_a_staff_monitor(world):
    client = Client()
    client.force_login(staff(world["users"]["monitor"]))
    assert client.get("/admin/").status_code == 200
    listing = client.get("/admin/cases/case/")
    assert listing.status_code == 200
    assert world["cases"]["restricted"].reference not in listing.content.decode()


def test_admin_choices_of_people_and_sources_come_from_the_gate(world):
    assert queries.RELATED_GATES[queries.Person] is queries.visible_people
    assert queries.RELATED_GATES[queries.Source] is queries.visible_sources
    from django.contrib import admin

    from cases.models import Citation

    monitor = world["users"]["monitor"]
    request = type("Request", (), {"user": monitor})()
    citation_admin = admin.site._registry[Citation]
    for field_name, hidden in (("person", "restricted"), ("source", "restricted")):
        field = citation_admin.formfield_for_foreignkey(
            Citation._meta.get_field(field_name), request
        )
        chosen = set(field.queryset.values_list("pk", flat=True))
        records = world["people"] if field_name == "person" else world["sources"]
        assert records[hidden].pk not in chosen
        assert records["public"].pk in chosen


def test_the_benchmark_counts_export_rows_through_the_same_reader(world):
    from cases.bench.context import filtered_detentions

    query = f"q={ENGLISH}"
    assert filtered_detentions(world["users"]["monitor"], "internal", query).count() == 1
    assert filtered_detentions(world["users"]["monitor"], "partner", query).count() == 0
    assert filtered_detentions(world["users"]["advocate"], "partner", query).count() == 0
