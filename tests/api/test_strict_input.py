"""Nothing is silently dropped: unknown and read-only fields, nesting, sizes, text limits,
malformed ids and page sizes all answer a JSON 4xx that says what was wrong, and write nothing.

The write operations and their read-only fields come from the OpenAPI schema, and the detail
routes from the URL patterns, so an endpoint added later is covered without editing this file.
"""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from drf_spectacular.generators import SchemaGenerator

from casebook.accounts.roles import Role
from cases.api.parsers import MAX_JSON_DEPTH
from cases.api.urls import router
from cases.models import AccessGrant, Case, CaseState, Confidentiality
from cases.models.base import NARRATIVE_LIMIT
from cases.services.cases import case_create

from ..factories import UserFactory
from .conftest import make_case

pytestmark = pytest.mark.django_db

# Named whenever an operation's body does not offer them: never stored through the API.
ALWAYS_REFUSED = [
    "no_such_field",
    "narative",
    "id",
    "public_id",
    "reference",
    "state",
    "created_by",
    "contact_details",
    "originator",
]


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _component(schema: dict, body: dict | None) -> dict:
    reference = (body or {}).get("schema", {}).get("$ref", "")
    return schema["components"]["schemas"].get(reference.rsplit("/", 1)[-1], {})


def write_operations() -> dict[tuple[str, str], dict[str, bool]]:
    """(method, path) → the fields that write operation must refuse, each with whether its
    answer shows it: the read-only fields of its answer and the ALWAYS_REFUSED names its body
    does not offer."""
    schema = _schema()
    found = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"post", "put", "patch"}:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            request = _component(schema, content.get("application/json")) if content else {}
            writable = set(request.get("properties", {}))
            answers = operation["responses"]
            success = answers.get("201") or answers.get("200") or {}
            shown = _component(schema, success.get("content", {}).get("application/json"))
            shown_fields = set(shown.get("properties", {}))
            refused = (shown_fields - writable) | (set(ALWAYS_REFUSED) - writable)
            creates = method == "post" and not path.endswith("}/")
            if creates and "version" in shown_fields:
                refused.add("version")  # only an update carries it
            found[method, path] = {name: name in shown_fields for name in sorted(refused)}
    return found


WRITE_OPERATIONS = write_operations()


@pytest.fixture
def writer(db):
    """Both an editor and an administrator, so that every write operation is open to them."""
    return UserFactory(username="writer", roles=[Role.MONITOR, Role.ADMINISTRATOR])


@pytest.fixture
def world(demo_case, writer, monitor):
    """The demo case, with a record of every kind a write operation can name in its URL."""
    from casebook.accounts.system import system_user
    from cases.models import Organization, VocabularyKey
    from cases.models.vocabulary import Term
    from cases.services.detentions import detention_add_event
    from cases.services.interventions import intervention_create
    from cases.services.organizations import organization_add_name
    from cases.services.people import consent_record, person_add_name
    from cases.services.relations import case_relation_create

    system = system_user()
    restricted = make_case(
        title="Restricted", state=CaseState.DRAFT, level=Confidentiality.RESTRICTED
    )
    AccessGrant.objects.create(case=restricted, user=monitor, granted_by=writer)
    detention = demo_case.detentions.order_by("pk").first()
    terms = Term.objects.filter(vocabulary__key=VocabularyKey.LEGAL_PROCESS_EVENT)
    detention_add_event(
        acting_user=system,
        detention=detention,
        event_type=terms.get(code="formal-arrest"),
        occurred="2014-04",
    )
    person_add_name(acting_user=system, person=detention.person, name="Tashi", language="en")
    for organization in Organization.objects.all():
        organization_add_name(
            acting_user=system, organization=organization, name="དགོན་པ", language="bo"
        )
    consent_record(acting_user=system, person=detention.person, recipient="un", decision="granted")
    kinds = Term.objects.filter(vocabulary__key=VocabularyKey.INTERVENTION_KIND)
    intervention_create(acting_user=system, case=demo_case, kind=kinds.get(code="un-urgent-appeal"))
    other = make_case(title="The same arrests, reported again", state=CaseState.DRAFT)
    case_relation_create(
        acting_user=system, case=other, related=demo_case, kind="duplicate-of", note=""
    )
    return demo_case


def row_counts() -> dict[str, int]:
    """Rows of every model, history tables included: any write adds or removes one."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def real_path(client, path: str) -> tuple[str, dict]:
    """`path` with its parameters filled from the first record of its collection, and that
    record as the API shows it (for well-typed values of its read-only fields)."""
    collection = path.split("/")[3]
    listing = client.get(f"/api/v1/{collection}/").json()
    results = listing.get("results") or []
    if "{name_id}" in path:  # a name variant's route: a record that has one
        results = [record for record in results if record.get("names")]
    first = results[0] if results else None
    if "{" not in path:
        return path, first or {}
    assert first is not None, f"no {collection} to write to"

    def value(match: re.Match) -> str:
        if match.group(1) == "name_id":  # a name variant of the record: the first listed
            return str(first["names"][0]["id"])
        return str(first[match.group(1)])

    filled = re.sub(r"\{(\w+)\}", value, path)
    if "/names/" in path and "{name_id}" in path:
        return filled, first["names"][0]
    return filled, first


def test_every_write_operation_is_covered():
    assert ("post", "/api/v1/cases/") in WRITE_OPERATIONS
    assert ("patch", "/api/v1/people/{public_id}/") in WRITE_OPERATIONS
    assert ("post", "/api/v1/cases/{reference}/transitions/") in WRITE_OPERATIONS
    assert ("post", "/api/v1/access-grants/{id}/revoke/") in WRITE_OPERATIONS
    assert {"state", "reference", "version", "created_at"} <= set(
        WRITE_OPERATIONS["post", "/api/v1/cases/"]
    )
    assert "status" in WRITE_OPERATIONS["patch", "/api/v1/detentions/{public_id}/"]


@pytest.mark.parametrize(
    ("method", "path"), list(WRITE_OPERATIONS), ids=[f"{m} {p}" for m, p in WRITE_OPERATIONS]
)
def test_write_naming_a_field_it_cannot_set_is_400_naming_it(
    client_for, world, writer, method, path
):
    """Each refused field on its own, so that the answer can name only it."""
    client = client_for(writer)
    url, record = real_path(client, path)
    wrong = {}
    for field, shown in WRITE_OPERATIONS[method, path].items():
        value = record.get(field, "x") if shown else "x"
        before = row_counts()
        response = getattr(client, method)(url, {field: value}, format="json")
        body = response.json()
        if response.status_code != 400 or field not in body or row_counts() != before:
            wrong[field] = (response.status_code, body)
    assert not wrong, wrong


def test_an_unknown_field_is_named_beside_the_other_errors(client_for, monitor):
    response = client_for(monitor).post(
        "/api/v1/cases/", {"title": "", "state": "verified", "narative": "x"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"title", "state", "narative"}
    assert not Case.objects.exists()


def test_an_unknown_field_inside_a_nested_name_is_named(client_for, monitor):
    response = client_for(monitor).post(
        "/api/v1/people/",
        {"name": "Pema", "names": [{"name": "པདྨ", "language": "bo", "script": "x"}]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["names"]
    assert list(response.json()["names"]["0"]) == ["script"]


def test_nested_errors_of_both_kinds_are_kept_together(client_for, monitor):
    response = client_for(monitor).post(
        "/api/v1/people/",
        {"name": "Pema", "names": [{"name": "", "language": "bo", "script": "x"}]},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["names"]["0"]) == {"name", "script"}


def test_version_is_refused_on_create_and_required_on_update(client_for, monitor):
    client = client_for(monitor)
    refused = client.post("/api/v1/cases/", {"title": "A", "version": 1}, format="json")
    assert refused.status_code == 400 and set(refused.json()) == {"version"}
    case = make_case(title="Draft", state=CaseState.DRAFT)
    missing = client.patch(f"/api/v1/cases/{case.reference}/", {"title": "B"}, format="json")
    assert missing.status_code == 400 and set(missing.json()) == {"version"}


def test_a_correct_write_still_succeeds(client_for, monitor):
    client = client_for(monitor)
    created = client.post("/api/v1/cases/", {"title": "Arrest in Kardze"}, format="json")
    assert created.status_code == 201, created.json()
    reference = created.json()["reference"]
    changed = client.patch(
        f"/api/v1/cases/{reference}/", {"summary": "Two monks", "version": 1}, format="json"
    )
    assert changed.status_code == 200, changed.json()


# --- Limits ----------------------------------------------------------------------------------


def test_json_nested_a_thousand_deep_is_400(client_for, monitor):
    body = "[" * 1000 + "]" * 1000
    response = client_for(monitor).generic(
        "POST", "/api/v1/cases/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert not Case.objects.exists()


def test_json_just_past_the_depth_limit_is_400_and_at_it_is_parsed(client_for, monitor):
    client = client_for(monitor)
    deep = {"title": "Deep", "summary": json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)}
    too_deep = {"title": "Deep", "summary": deep}
    assert client.post("/api/v1/cases/", too_deep, format="json").status_code == 400
    # At the limit the body is parsed, and refused for what it says, not for its shape.
    answer = client.post("/api/v1/cases/", {"title": [[[]]]}, format="json")
    assert answer.status_code == 400 and set(answer.json()) == {"title"}


def test_a_body_above_the_upload_limit_is_413(client_for, monitor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client_for(monitor).post(
        "/api/v1/cases/", {"title": "Big", "summary": "x" * 20_000}, format="json"
    )
    assert response.status_code == 413
    assert response.json()["detail"]
    assert not Case.objects.exists()


def test_a_megabyte_narrative_is_400_naming_narrative(client_for, monitor):
    response = client_for(monitor).post(
        "/api/v1/cases/", {"title": "Long", "narrative": "x" * 1_000_000}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"narrative"}
    assert not Case.objects.exists()


def test_the_narrative_limit_holds_in_the_service_too(monitor):
    with pytest.raises(ValidationError) as refused:
        case_create(acting_user=monitor, title="Long", narrative="x" * (NARRATIVE_LIMIT + 1))
    assert set(refused.value.message_dict) == {"narrative"}
    case = case_create(acting_user=monitor, title="Long", narrative="x" * NARRATIVE_LIMIT)
    assert len(case.narrative) == NARRATIVE_LIMIT


def test_text_limits_are_in_the_schema():
    components = _schema()["components"]["schemas"]
    assert components["CaseCreateRequest"]["properties"]["narrative"]["maxLength"] == 100_000
    assert components["CaseCreateRequest"]["properties"]["summary"]["maxLength"] == 5_000
    assert components["SourceRequest"]["properties"]["notes"]["maxLength"] == 20_000


# --- Malformed ids and page sizes ------------------------------------------------------------


def detail_routes() -> list[str]:
    """Every API route with a path parameter, malformed ids substituted, from the router."""
    routes = []
    for pattern in router.urls:
        regex = pattern.pattern.regex.pattern
        if "(?P<format>" in regex or "(?P<" not in regex:
            continue
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "bad~id", regex.strip("^$"))
        routes.append("/api/v1/" + path.replace("\\.", "."))
    return sorted(set(routes))


DETAIL_ROUTES = detail_routes()


def test_detail_routes_are_found():
    assert "/api/v1/cases/bad~id/" in DETAIL_ROUTES
    assert "/api/v1/cases/bad~id/transitions/" in DETAIL_ROUTES
    assert len(DETAIL_ROUTES) >= 10


@pytest.mark.parametrize("url", DETAIL_ROUTES)
@pytest.mark.parametrize("bad", ["bad~id", "%00"])
def test_a_malformed_id_answers_a_json_404(client_for, writer, url, bad):
    response = client_for(writer).get(url.replace("bad~id", bad))
    assert response.status_code == 404, url
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_a_url_outside_the_api_still_answers_the_page(client_for, monitor):
    response = client_for(monitor).get("/no-such-page/")
    assert response.status_code == 404
    assert "application/json" not in response["Content-Type"]


@pytest.mark.parametrize("size", ["0", "501", "100000", "-1", "ten", "1e3"])
def test_a_page_size_outside_1_to_500_is_400(client_for, monitor, size):
    response = client_for(monitor).get(f"/api/v1/cases/?page_size={size}")
    assert response.status_code == 400
    assert set(response.json()) == {"page_size"}


def test_a_page_size_of_500_is_served(client_for, monitor):
    assert client_for(monitor).get("/api/v1/cases/?page_size=500").status_code == 200


def test_a_viewset_validating_the_stock_drf_way_is_strict_too(monitor):
    """A write written later with DRF's own CreateModelMixin, not the service mixins."""
    from rest_framework import mixins, serializers
    from rest_framework.test import APIRequestFactory, force_authenticate

    from cases.api.views import ApiViewSet

    class NoteSerializer(serializers.Serializer):
        text = serializers.CharField()
        id = serializers.IntegerField(read_only=True)

    class NoteViewSet(mixins.CreateModelMixin, ApiViewSet):
        serializer_class = NoteSerializer

        def perform_create(self, serializer):
            raise AssertionError("an invalid input reached the write")

    request = APIRequestFactory().post(
        "/api/v1/notes/", {"text": "x", "id": 3, "colour": "red"}, format="json"
    )
    force_authenticate(request, user=monitor)
    response = NoteViewSet.as_view({"post": "create"})(request)
    assert response.status_code == 400
    assert set(response.data) == {"id", "colour"}


def test_a_nul_character_in_a_code_is_refused_in_words(client_for, monitor):
    """PostgreSQL cannot compare a NUL: without this the answer was a bare "Invalid value."."""
    response = client_for(monitor).post(
        "/api/v1/cases/", {"title": "Arrest", "violation_types": ["torture\x00"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"violation_types": ["Null characters are not allowed."]}
    assert not Case.objects.exists()
