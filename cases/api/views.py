"""The API's viewsets. Thin: querysets from the access gate, writes through the services.

Every queryset starts from `visible_cases(request.user)` (cases.queries) or a function built on
it (cases.api.access); places, organizations and vocabularies are reference data for anyone
holding a role. Writes call the same services as the pages, so validation, optimistic locking,
the workflow's bookkeeping and the version history are the same whichever door was used.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Exists, Model, OuterRef, Prefetch, QuerySet
from django.http import HttpResponseBadRequest
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cases.exports.formats import FORMATS
from cases.exports.profiles import PURPOSES, Profile
from cases.filters import CaseFilter, DetentionFilter
from cases.models import (
    AccessGrant,
    Case,
    Citation,
    Detention,
    DetentionEvent,
    Intervention,
    Organization,
    Person,
    Place,
    Source,
    Term,
    Vocabulary,
)
from cases.queries import visible_cases
from cases.services.cases import case_create, case_update
from cases.services.common import EditConflict
from cases.services.detentions import detention_create, detention_update
from cases.services.people import person_create, person_update
from cases.services.sources import citation_create, source_create, source_update
from cases.services.workflow import access_grant, access_revoke, case_transition

from . import access, serializers
from .exports import export_response, is_export
from .inputs import make_strict, validate_input
from .pagination import SortField
from .permissions import EditorOrReadOnly, HasRole, IsAdministrator, TokenScope
from .renderers import EXPORT_RENDERERS, HtmlPassthroughRenderer, PdfPassthroughRenderer
from .stats import DEFAULT_PLACE_LEVEL, MAX_PLACE_LEVEL, detention_statistics

__all__ = ["export_response"]

PUBLIC_ID_PATTERN = r"[0-9a-fA-F-]{32,36}"
# The input of a step that takes none.
NO_INPUT_SERIALIZER = drf_serializers.Serializer


class ApiViewSet(viewsets.GenericViewSet):
    """Common ground: who may call, how lists sort, what serializers know of the reader."""

    permission_classes = [IsAuthenticated, TokenScope, EditorOrReadOnly]
    sort_fields: dict[str, SortField] = {}
    default_ordering: tuple[str, ...] = ()
    tiebreak = SortField("public_id", "uuid")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["full_identity"] = access.sees_identities(self.request.user)
        return context

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        # Input validated the stock DRF way is strict as well (cases.api.inputs).
        return make_strict(super().get_serializer(*args, **kwargs))

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Case data: no shared or browser cache may keep it.
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters narrow lists; a record is found by its identifier alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)


class ServiceCreateMixin:
    """create through a service.

    1. The input serializer checks the input strictly (cases.api.inputs): a 400 with field
       messages, also for every field that does not exist or cannot be written, and for
       `version`, which only an update carries.
    2. The service writes in one transaction; its own ValidationError is a 400 as well.
    3. The answer is the record as read back through the gate.
    """

    input_serializer_class: type | None = None

    def get_input_serializer(
        self, *args: Any, serializer_class: type | None = None, **kwargs: Any
    ) -> Any:
        serializer_class = (
            serializer_class or self.input_serializer_class or self.get_serializer_class()
        )
        kwargs.setdefault("context", self.get_serializer_context())
        return make_strict(serializer_class(*args, **kwargs))

    def service_create(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_input_serializer(data=request.data)
        data = validate_input(serializer, refuse=["version"])
        instance = self.service_create(data)
        return self._saved(instance, status.HTTP_201_CREATED)

    def _saved(self, instance: Model, code: int) -> Response:
        fresh = self.get_queryset().filter(pk=instance.pk).first()
        if fresh is None:
            # Saved, but outside what this user may see (say, a case made restricted).
            return Response({"detail": _("Saved. You may not see this record.")}, status=code)
        return Response(self.get_serializer(fresh).data, status=code)


class ServiceWriteMixin(ServiceCreateMixin):
    """create, update and partial_update through the services, with optimistic locking: the
    client sends the `version` its edit started from; if someone saved since, the service
    raises EditConflict and the answer is 409 with the current record (`conflict_response`),
    nothing written."""

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def update(self, request: Request, *args: Any, partial: bool = False, **kwargs: Any):
        instance = self.get_object()
        serializer = self.get_input_serializer(instance, data=request.data, partial=partial)
        data = validate_input(serializer)
        version = data.pop("version", None)
        if version is None:
            raise ValidationError(
                {"version": [_("Send the version your edit started from.")]}, code="required"
            )
        instance.version = version
        saved = self.service_update(instance, data)
        return self._saved(saved, status.HTTP_200_OK)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def conflict_response(self, conflict: EditConflict) -> Response:
        current = self.get_queryset().filter(pk=conflict.current.pk).first()
        return Response(
            {
                "detail": _(
                    "Someone saved this record after your version %(yours)d; it is now at "
                    "version %(now)d. Nothing was written: merge your change into the current "
                    "record and send it again with its version."
                )
                % {"yours": conflict.expected_version, "now": conflict.current.version},
                "current": self.get_serializer(current).data if current is not None else None,
            },
            status=status.HTTP_409_CONFLICT,
        )


class ExportableListMixin:
    """A list that also answers in the export formats (cases.api.exports)."""

    export_kind = ""

    def get_renderers(self) -> list:
        renderers = super().get_renderers()
        if self.action == "list":
            renderers += [renderer() for renderer in EXPORT_RENDERERS]
        return renderers

    def export_queryset(self, profile: Profile) -> QuerySet:
        raise NotImplementedError

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if is_export(request):
            return export_response(request, self.export_kind, self.export_queryset)
        # A JSON page ignores the export options, but a wrong value is still a mistake to
        # report: the client may believe it asked for a file.
        wrong = {
            name: [_("Use one of: %(values)s.") % {"values": ", ".join(values)}]
            for name, values in EXPORT_OPTION_VALUES.items()
            if name in request.query_params and request.query_params[name] not in values
        }
        if wrong:
            raise ValidationError(wrong)
        return super().list(request, *args, **kwargs)


# --- Schema helpers --------------------------------------------------------------------------

EXPORT_PARAMETERS = [
    OpenApiParameter(
        "format",
        str,
        enum=["json", *FORMATS],
        description=(
            "Answer format: json (default, paginated) or a file export — csv, xlsx, geojson "
            "(RFC 7946, [longitude, latitude]), jsonl. The Accept header works too (text/csv, "
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, "
            "application/geo+json, application/jsonl). Exports honour every filter and are "
            "not paginated."
        ),
    ),
    OpenApiParameter(
        "profile",
        str,
        enum=list(Profile.values),
        description=(
            "Exports only. Redaction profile; default **public** for every role. public: "
            "verified public cases, names only with consent to publication; partner: verified "
            "public and internal cases, names only with consent for the recipient; internal "
            "(monitors, reviewers, administrators): everything you may see. Asking for more "
            "than your role allows is a 403, never a quiet downgrade."
        ),
    ),
    OpenApiParameter(
        "recipient",
        str,
        enum=["partner", "un", "media"],
        description="Partner exports only: whose consent decides whether a name is shown.",
    ),
    OpenApiParameter(
        "bom", str, enum=["0", "1"], description="CSV only: start with a UTF-8 BOM for Excel."
    ),
]


EXPORT_OPTION_VALUES = {
    parameter.name: parameter.enum for parameter in EXPORT_PARAMETERS if parameter.name != "format"
}


DOSSIER_OPTION_VALUES = {
    "format": ["pdf", "html"],
    "profile": list(Profile.values),
    "recipient": ["un", "partner", "media"],
}


def export_responses(serializer: type) -> dict:
    files = {
        (200, FORMATS[key].media_type.split(";")[0]): OpenApiResponse(
            OpenApiTypes.BINARY, description=f"{key} file (attachment)"
        )
        for key in FORMATS
    }
    return {
        (200, "application/json"): serializer(many=True),
        **files,
        (202, "application/json"): OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="More rows than EXPORT_SYNC_LIMIT: the export runs as a background job; "
            "follow it at status_url (also in the Location header).",
        ),
    }


def write_responses(serializer: type, created: bool = False) -> dict:
    return {
        201 if created else 200: serializer,
        409: OpenApiResponse(
            serializers.conflict_serializer(serializer),
            description="Stale version: someone saved since. Nothing was written.",
        ),
    }


# --- Cases -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List or export cases",
        parameters=EXPORT_PARAMETERS,
        responses=export_responses(serializers.CaseSerializer),
    ),
    retrieve=extend_schema(summary="A case, with its detentions and case-level citations"),
    create=extend_schema(
        summary="Open a case (as a draft)",
        request=serializers.CaseSerializer,
        responses={201: serializers.CaseDetailSerializer},
    ),
    update=extend_schema(
        summary="Replace a case's facts",
        request=serializers.CaseSerializer,
        responses=write_responses(serializers.CaseDetailSerializer),
    ),
    partial_update=extend_schema(
        summary="Change some of a case's facts",
        request=serializers.CaseSerializer,
        responses=write_responses(serializers.CaseDetailSerializer),
    ),
)
class CaseViewSet(
    ExportableListMixin,
    ServiceWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    """Cases, by reference. Editing a verified case's facts sends it back to review."""

    lookup_field = "reference"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}"
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    export_kind = "cases"
    # Input is checked by the plain case serializer; answers carry the detail.
    input_serializer_class = serializers.CaseSerializer
    sort_fields = {
        "occurred": SortField("occurred_earliest", "date", nullable=True),
        "reference": SortField("reference"),
        "updated": SortField("updated_at", "datetime"),
    }
    default_ordering = ("-occurred",)
    tiebreak = SortField("reference")

    def get_queryset(self) -> QuerySet[Case]:
        cases = (
            visible_cases(self.request.user)
            .select_related("place", "assigned_monitor")
            .prefetch_related("violation_types")
        )
        if self.action == "list":
            return cases
        detentions = Detention.objects.select_related("person").order_by("id")
        citations = Citation.objects.select_related(
            "source", "case", "detention", "person"
        ).order_by("id")
        return cases.prefetch_related(
            Prefetch("detentions", queryset=detentions),
            Prefetch("citations", queryset=citations),
        )

    def get_serializer_class(self) -> type:
        if self.action == "list":
            return serializers.CaseSerializer
        return serializers.CaseDetailSerializer

    def export_queryset(self, profile: Profile) -> QuerySet[Case]:
        return self.filter_queryset(visible_cases(self.request.user, PURPOSES[profile]))

    def service_create(self, data: dict[str, Any]) -> Case:
        types = data.pop("violation_types", [])
        return case_create(
            acting_user=self.request.user, title=data.pop("title"), violation_types=types, **data
        )

    def service_update(self, instance: Case, data: dict[str, Any]) -> Case:
        types = data.pop("violation_types", None)
        return case_update(
            acting_user=self.request.user, case=instance, changes=data, violation_types=types
        )

    @extend_schema(
        methods=["GET"],
        summary="The case's workflow history",
        responses=serializers.TransitionSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Take a workflow step (submit, verify, return, reject, dispute, …)",
        request=serializers.TransitionStepSerializer,
        responses={
            201: serializers.TransitionSerializer,
            403: OpenApiResponse(
                serializers.TransitionForbiddenSerializer,
                description="Your role may not take this step (rule: role), or the token is "
                "read-only.",
            ),
            409: OpenApiResponse(
                serializers.TransitionRefusedSerializer,
                description="Refused by the case's state or a guard (rule: state, four-eyes, "
                "corroboration). Nothing was written.",
            ),
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="transitions",
        pagination_class=None,
        filter_backends=[],
    )
    def transitions(self, request: Request, reference: str | None = None) -> Response:
        case = self.get_object()
        if request.method == "GET":
            steps = case.transitions.select_related("user").order_by("at", "id")
            return Response(serializers.TransitionSerializer(steps, many=True).data)
        given = validate_input(
            self.get_input_serializer(
                data=request.data, serializer_class=serializers.TransitionStepSerializer
            )
        )
        step = case_transition(
            acting_user=request.user,
            case=case,
            action=given["action"],
            comment=given["comment"],
        )
        return Response(serializers.TransitionSerializer(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The case dossier (PDF or HTML), for a UN urgent appeal or WGAD communication",
        parameters=[
            OpenApiParameter(
                "format", str, enum=DOSSIER_OPTION_VALUES["format"], description="Default pdf."
            ),
            OpenApiParameter("profile", str, enum=DOSSIER_OPTION_VALUES["profile"]),
            OpenApiParameter("recipient", str, enum=DOSSIER_OPTION_VALUES["recipient"]),
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR),
            (400, "text/plain"): OpenApiResponse(
                OpenApiTypes.STR, description="Unknown format, profile or recipient."
            ),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="dossier",
        renderer_classes=[PdfPassthroughRenderer, HtmlPassthroughRenderer],
        pagination_class=None,
        filter_backends=[],
    )
    def dossier(self, request: Request, reference: str | None = None) -> Any:
        """The same dossier as the case page's, reachable with a token (curl, scripts)."""
        from cases.views.dossier import dossier_response_for

        # Authenticating here also sets the user on the underlying Django request.
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        wrong = [
            name
            for name, values in DOSSIER_OPTION_VALUES.items()
            if name in request.query_params and request.query_params[name] not in values
        ]
        if wrong:
            return HttpResponseBadRequest(
                _("Unknown %(names)s.") % {"names": ", ".join(wrong)},
                content_type="text/plain; charset=utf-8",
            )
        return dossier_response_for(request._request, [reference or ""], default_format="pdf")


# --- Detentions ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List or export detentions (the prisoner list)",
        parameters=EXPORT_PARAMETERS,
        responses=export_responses(serializers.DetentionSerializer),
    ),
    retrieve=extend_schema(summary="A detention, with its legal-process events"),
    create=extend_schema(summary="Record that a person was detained in a case"),
    update=extend_schema(
        summary="Replace a detention's facts",
        responses=write_responses(serializers.DetentionSerializer),
    ),
    partial_update=extend_schema(
        summary="Change some of a detention's facts",
        responses=write_responses(serializers.DetentionSerializer),
    ),
)
class DetentionViewSet(
    ExportableListMixin,
    ServiceWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    lookup_field = "public_id"
    lookup_value_regex = PUBLIC_ID_PATTERN
    serializer_class = serializers.DetentionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DetentionFilter
    export_kind = "detentions"
    sort_fields = {
        "detained": SortField("detained_on_earliest", "date", nullable=True),
        "expected_release": SortField("expected_release", "date", nullable=True),
        "case": SortField("case__reference"),
        "id": SortField("created_at", "datetime"),
    }
    default_ordering = ("-detained",)

    def get_queryset(self) -> QuerySet[Detention]:
        events = DetentionEvent.objects.select_related("event_type", "organization")
        return (
            access.visible_detentions(self.request.user)
            .select_related("case", "person", "detaining_authority", "held_at", "detention_type")
            .prefetch_related("charges", "treatment_concerns", Prefetch("events", queryset=events))
        )

    def export_queryset(self, profile: Profile) -> QuerySet[Detention]:
        return self.filter_queryset(access.visible_detentions(self.request.user, PURPOSES[profile]))

    def service_create(self, data: dict[str, Any]) -> Detention:
        return detention_create(
            acting_user=self.request.user,
            charges=data.pop("charges", []),
            treatment_concerns=data.pop("treatment_concerns", []),
            **data,
        )

    def service_update(self, instance: Detention, data: dict[str, Any]) -> Detention:
        return detention_update(
            acting_user=self.request.user,
            detention=instance,
            charges=data.pop("charges", None),
            treatment_concerns=data.pop("treatment_concerns", None),
            changes=data,
        )


# --- People ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="People detained in cases you may see"),
    update=extend_schema(responses=write_responses(serializers.PersonSerializer)),
    partial_update=extend_schema(responses=write_responses(serializers.PersonSerializer)),
)
class PersonViewSet(
    ServiceWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    """People, by public id. Contact and family details and internal notes never leave here."""

    lookup_field = "public_id"
    lookup_value_regex = PUBLIC_ID_PATTERN
    serializer_class = serializers.PersonSerializer
    sort_fields = {"name": SortField("name")}
    default_ordering = ("name",)

    def get_queryset(self) -> QuerySet[Person]:
        user = self.request.user
        detentions = access.visible_detentions(user).select_related("case").order_by("id")
        return (
            access.visible_people(user)
            .select_related("ethnicity", "religion", "occupation")
            .prefetch_related(
                "names",
                "affiliations__organization",
                "affiliations__role",
                Prefetch("detentions", queryset=detentions, to_attr="visible_detentions"),
            )
        )

    def service_create(self, data: dict[str, Any]) -> Person:
        names = [
            (name["name"], name["language"], name.get("kind", "birth"))
            for name in data.pop("names", [])
        ]
        return person_create(acting_user=self.request.user, names=names, **data)

    def service_update(self, instance: Person, data: dict[str, Any]) -> Person:
        data.pop("names", None)
        return person_update(acting_user=self.request.user, person=instance, changes=data)


# --- Sources and citations -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Sources cited on what you may see"),
    update=extend_schema(responses=write_responses(serializers.SourceSerializer)),
    partial_update=extend_schema(responses=write_responses(serializers.SourceSerializer)),
)
class SourceViewSet(
    ServiceWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    """Sources, by public id, with their citations among the records you may see. Who gave a
    testimony and how it was obtained are never part of the API."""

    lookup_field = "public_id"
    lookup_value_regex = PUBLIC_ID_PATTERN
    serializer_class = serializers.SourceSerializer
    sort_fields = {"title": SortField("title")}
    default_ordering = ("title",)

    def get_queryset(self) -> QuerySet[Source]:
        user = self.request.user
        citations = (
            access.visible_citations(user)
            .select_related("case", "detention", "person")
            .order_by("id")
        )
        upstream_visible = Exists(access.visible_sources(user).filter(pk=OuterRef("repeats_id")))
        return (
            access.visible_sources(user)
            .select_related("kind", "connection", "repeats")
            .annotate(repeats_visible=upstream_visible)
            .prefetch_related(
                Prefetch("citations", queryset=citations, to_attr="visible_citations")
            )
        )

    def service_create(self, data: dict[str, Any]) -> Source:
        return source_create(
            acting_user=self.request.user, kind=data.pop("kind"), title=data.pop("title"), **data
        )

    def service_update(self, instance: Source, data: dict[str, Any]) -> Source:
        return source_update(acting_user=self.request.user, source=instance, changes=data)


@extend_schema_view(
    list=extend_schema(summary="Citations on what you may see"),
    create=extend_schema(summary="Cite a source for a case, detention, event or person"),
)
class CitationViewSet(
    ServiceCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ApiViewSet,
):
    serializer_class = serializers.CitationSerializer
    lookup_value_regex = r"\d+"
    tiebreak = SortField("id", "int")

    def get_queryset(self) -> QuerySet[Citation]:
        return access.visible_citations(self.request.user).select_related(
            "source", "case", "detention", "person"
        )

    def service_create(self, data: dict[str, Any]) -> Citation:
        return citation_create(acting_user=self.request.user, **data)


# --- Interventions ---------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="Advocacy on cases you may see"))
class InterventionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = serializers.InterventionSerializer
    lookup_value_regex = r"\d+"
    tiebreak = SortField("id", "int")

    def get_queryset(self) -> QuerySet[Intervention]:
        return access.visible_interventions(self.request.user).select_related("case", "kind")


# --- Reference data --------------------------------------------------------------------------


class ReferenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Reference data, the same for everyone holding a role."""

    permission_classes = [IsAuthenticated, HasRole]


class PlaceViewSet(ReferenceViewSet):
    """The gazetteer. `path` lists the ids from the country down; `depth` 0 is a country."""

    serializer_class = serializers.PlaceSerializer
    lookup_value_regex = r"\d+"
    tiebreak = SortField("id", "int")
    queryset = Place.objects.select_related("traditional_region").prefetch_related("names")


class OrganizationViewSet(ReferenceViewSet):
    serializer_class = serializers.OrganizationSerializer
    lookup_field = "public_id"
    lookup_value_regex = PUBLIC_ID_PATTERN
    sort_fields = {"name": SortField("name")}
    default_ordering = ("name",)
    queryset = Organization.objects.select_related("kind", "parent").prefetch_related("names")


class VocabularyViewSet(ReferenceViewSet):
    """Controlled vocabularies, by key; the detail lists the terms."""

    lookup_field = "key"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    tiebreak = SortField("key")

    def get_queryset(self) -> QuerySet[Vocabulary]:
        vocabularies = Vocabulary.objects.all()
        if self.action == "retrieve":
            terms = Term.objects.select_related("vocabulary").order_by("sort_order", "code")
            vocabularies = vocabularies.prefetch_related(Prefetch("terms", queryset=terms))
        return vocabularies

    def get_serializer_class(self) -> type:
        if self.action == "retrieve":
            return serializers.VocabularyDetailSerializer
        return serializers.VocabularySerializer


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("vocabulary", str, description="Only terms of this vocabulary key.")
        ]
    )
)
class TermViewSet(ReferenceViewSet):
    serializer_class = serializers.TermSerializer
    lookup_value_regex = r"\d+"
    tiebreak = SortField("id", "int")

    def get_queryset(self) -> QuerySet[Term]:
        terms = Term.objects.select_related("vocabulary")
        vocabulary = self.request.query_params.get("vocabulary", "")
        if self.action == "list" and vocabulary:
            # Keys are slugs; anything else (a NUL byte, say) names no vocabulary.
            if not re.fullmatch(r"[-a-zA-Z0-9_]{1,64}", vocabulary):
                return terms.none()
            terms = terms.filter(vocabulary__key=vocabulary)
        return terms


# --- Statistics ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Counts of detained people (head counts)",
        description=(
            "Heads, not records: an unnamed group of three counts three. Honours every "
            "detention filter and counts only cases you may see (advocates: verified ones). "
            "`by_month` goes by the earliest possible detention day and leaves out open "
            "starts (“before 2013”); `by_violation_type` counts a detention under each type "
            "of its case."
        ),
        parameters=[
            OpenApiParameter(
                "place_level",
                {"type": "integer", "minimum": 0, "maximum": MAX_PLACE_LEVEL},
                description=(
                    "Depth to group places at, from the materialized path: 0 country, 1 "
                    f"province or region (default {DEFAULT_PLACE_LEVEL}), 2 prefecture, "
                    "3 county, … A case placed above that level counts at its own place."
                ),
            )
        ],
        responses=serializers.StatisticsSerializer,
    )
)
class StatisticsViewSet(mixins.ListModelMixin, ApiViewSet):
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    filterset_class = DetentionFilter
    pagination_class = None
    serializer_class = serializers.StatisticsSerializer

    def get_queryset(self) -> QuerySet[Detention]:
        return access.visible_detentions(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = request.query_params.get("place_level", str(DEFAULT_PLACE_LEVEL))
        if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_PLACE_LEVEL:
            raise ValidationError(
                {"place_level": [_("A depth from 0 to %(max)d.") % {"max": MAX_PLACE_LEVEL}]}
            )
        detentions = self.filter_queryset(self.get_queryset())
        return Response(detention_statistics(detentions, place_level=int(raw)))


# --- Access grants ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Access grants to restricted cases (administrators)",
        parameters=[
            OpenApiParameter("case", str, description="Only grants to this case (reference)."),
            OpenApiParameter("user", str, description="Only grants to this user (username)."),
            OpenApiParameter(
                "active", str, enum=["0", "1"], description="1: only active; 0: only revoked."
            ),
        ],
    ),
    retrieve=extend_schema(summary="An access grant (administrators)"),
    create=extend_schema(
        summary="Let a user see a restricted case (administrators)",
        description="Granting a user who already holds an active grant answers that grant. "
        "Only restricted cases take grants (400 otherwise).",
    ),
)
class AccessGrantViewSet(
    ServiceCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ApiViewSet,
):
    """Grants, by id, through the services access_grant and access_revoke: administrators only
    (they see every case, so every case is theirs to grant)."""

    permission_classes = [IsAuthenticated, TokenScope, IsAdministrator]
    serializer_class = serializers.AccessGrantSerializer
    lookup_value_regex = r"\d+"
    sort_fields = {"granted": SortField("granted_at", "datetime")}
    default_ordering = ("-granted",)
    tiebreak = SortField("id", "int")

    def get_queryset(self) -> QuerySet[AccessGrant]:
        grants = AccessGrant.objects.filter(
            case__in=visible_cases(self.request.user)
        ).select_related("case", "user", "granted_by", "revoked_by")
        if self.action != "list":
            return grants
        params = self.request.query_params
        if "case" in params:
            grants = grants.filter(case__reference=params["case"])
        if "user" in params:
            grants = grants.filter(user__username=params["user"])
        if "active" in params:
            if params["active"] not in {"0", "1"}:
                raise ValidationError({"active": [_("Use 1 or 0.")]})
            grants = grants.filter(revoked_at__isnull=params["active"] == "1")
        return grants

    def service_create(self, data: dict[str, Any]) -> AccessGrant:
        return access_grant(
            acting_user=self.request.user,
            case=data["case"],
            user=data["user"],
            reason=data.get("reason", ""),
        )

    @extend_schema(
        summary="Revoke an access grant (administrators); the grant is kept, marked revoked",
        request=None,
        responses={200: serializers.AccessGrantSerializer},
    )
    @action(detail=True, methods=["post"], url_path="revoke")
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        grant = self.get_object()
        # The step takes no input: any field sent is one that is not stored.
        validate_input(
            self.get_input_serializer(data=request.data, serializer_class=NO_INPUT_SERIALIZER)
        )
        grant = access_revoke(acting_user=request.user, grant=grant)
        return Response(self.get_serializer(grant).data)
