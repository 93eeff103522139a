"""The API's viewsets. Thin: querysets from the access gate, writes through the services.

Every queryset starts from a `visible_<record>` function of cases.queries, for the view's
reader: the request's user, browsing, or for a file export the purpose of its profile. The
filter sets are given the same reader and serializers mask withheld identities for it
(cases.api.masking); places, organizations and vocabularies are reference data for anyone
holding a role. Writes call the same services as the pages, so validation, optimistic locking,
the workflow's bookkeeping and the version history are the same whichever door was used.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet
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
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cases import queries as access
from cases.exports.formats import FORMATS
from cases.exports.profiles import PURPOSES, Profile
from cases.filters import CaseFilter, DetentionFilter, EventFilter, InterventionFilter, people_named
from cases.models import (
    AccessGrant,
    Affiliation,
    Case,
    CaseRelation,
    Citation,
    Consent,
    Detention,
    DetentionEvent,
    Intervention,
    Organization,
    OrganizationName,
    Person,
    PersonName,
    Place,
    PlaceName,
    Source,
    Term,
    Vocabulary,
)
from cases.queries import Purpose, Reader, visible_cases
from cases.relations import visible_case_relations
from cases.services.cases import case_create, case_update
from cases.services.common import EditConflict
from cases.services.confidentiality import case_set_confidentiality
from cases.services.detentions import (
    detention_add_event,
    detention_create,
    detention_event_delete,
    detention_event_update,
    detention_update,
)
from cases.services.interventions import intervention_create, intervention_update
from cases.services.organizations import (
    organization_add_name,
    organization_create,
    organization_name_delete,
    organization_name_update,
    organization_update,
)
from cases.services.people import (
    affiliation_delete,
    affiliation_update,
    consent_decide,
    consent_delete,
    consent_update,
    person_add_affiliation,
    person_add_name,
    person_create,
    person_name_delete,
    person_name_make_primary,
    person_name_update,
    person_update,
)
from cases.services.places import (
    check_place_parent,
    place_add_name,
    place_create,
    place_name_delete,
    place_name_update,
    place_update,
)
from cases.services.relations import (
    case_relation_create,
    case_relation_delete,
    case_relation_update,
)
from cases.services.sources import (
    citation_create,
    citation_delete,
    citation_update,
    source_create,
    source_update,
)
from cases.services.workflow import access_grant, access_revoke, case_transition

from . import serializers
from .exports import export_response, is_export
from .inputs import make_strict, validate_input
from .pagination import SortField
from .permissions import (
    EditorOrReadOnly,
    GazetteerPermission,
    HasRole,
    InterventionWriters,
    IsAdministrator,
    TokenScope,
)
from .renderers import EXPORT_RENDERERS, HtmlPassthroughRenderer, PdfPassthroughRenderer
from .stats import DEFAULT_PLACE_LEVEL, MAX_PLACE_LEVEL, detention_statistics

__all__ = ["export_response"]

CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
PUBLIC_ID_PATTERN = r"[0-9a-fA-F-]{32,36}"
# The input of a step that takes none.
NO_INPUT_SERIALIZER = drf_serializers.Serializer


class ReaderFilterBackend(DjangoFilterBackend):
    """Hands the filter set the view's reader, purpose included: a file export filters for
    its profile, so `q=` matches the same names as the same export run as a background job."""

    def get_filterset_kwargs(self, request: Request, queryset: QuerySet, view: Any) -> dict:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["reader"] = view.reader
        return kwargs


class ApiViewSet(viewsets.GenericViewSet):
    """Common ground: who may call, how lists sort, what serializers know of the reader."""

    permission_classes = [IsAuthenticated, TokenScope, EditorOrReadOnly]
    sort_fields: dict[str, SortField] = {}
    default_ordering: tuple[str, ...] = ()
    tiebreak = SortField("public_id", "uuid")
    # Why this request reads: browsing, unless a file export sets its profile's purpose.
    read_purpose: Purpose = Purpose.BROWSE

    @property
    def reader(self) -> Reader:
        return Reader.of(self.request.user, self.read_purpose)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["reader"] = self.reader
        context["full_identity"] = self.reader.sees_identities
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


class ServiceRecordWriteMixin(ServiceCreateMixin):
    """create, update, partial_update and destroy through the services, for records without a
    version number of their own (events, citations, interventions): their services lock the
    rows they change instead, and every version is kept in the history."""

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_delete(self, instance: Any) -> None:
        raise NotImplementedError

    def update(self, request: Request, *args: Any, partial: bool = False, **kwargs: Any):
        instance = self.get_object()
        serializer = self.get_input_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        saved = self.service_update(instance, dict(serializer.validated_data))
        return self._saved(saved, status.HTTP_200_OK)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.service_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def record_write_responses(serializer: type, created: bool = False) -> dict:
    return {
        201 if created else 200: serializer,
        400: OpenApiResponse(
            OpenApiTypes.OBJECT, description="Invalid input, by field. Nothing was written."
        ),
        404: OpenApiResponse(
            serializers.ErrorSerializer, description="No such record among those you may see."
        ),
    }


DELETE_RESPONSES = {
    204: OpenApiResponse(description="Deleted; its versions stay in the history."),
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Refused (the case was rejected: a reviewer must reopen it). Nothing was "
        "deleted.",
    ),
    404: OpenApiResponse(
        serializers.ErrorSerializer, description="No such record among those you may see."
    ),
}


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
    filter_backends = [ReaderFilterBackend]
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
        self.read_purpose = PURPOSES[profile]
        return self.filter_queryset(visible_cases(self.reader))

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
                "corroboration), or the case changed since the `version` sent (rule: version, "
                "with `changes`: what changed and who changed it). Nothing was written.",
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
    def transitions(
        self, request: Request, reference: str | None = None, format: str | None = None
    ) -> Response:
        from cases.workflow import TransitionRefused

        case = self.get_object()
        if request.method == "GET":
            steps = case.transitions.select_related("user").order_by("at", "id")
            return Response(serializers.TransitionSerializer(steps, many=True).data)
        given = validate_input(
            self.get_input_serializer(
                data=request.data, serializer_class=serializers.TransitionStepSerializer
            )
        )
        try:
            step = case_transition(
                acting_user=request.user,
                case=case,
                action=given["action"],
                comment=given["comment"],
                version=given.get("version"),
            )
        except TransitionRefused as refusal:
            if refusal.rule != "version":
                raise
            body = {"detail": refusal.message, "rule": refusal.rule, "changes": refusal.changes}
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(serializers.TransitionSerializer(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Raise or lower the case's confidentiality (recorded as a workflow step)",
        description="Raising (public → internal → restricted) is open to editors and takes "
        "effect at once; lowering needs a reviewer or administrator and a `reason`. The step "
        "appears in the case's transitions; a lowering notifies its monitor and watchers.",
        request=serializers.ConfidentialitySerializer,
        responses={
            200: serializers.TransitionSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Bad level, the level the case has, or lowering without a reason "
                "(field messages).",
            ),
            403: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Your role may not take this decision."
            ),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such case you may see."),
            409: OpenApiResponse(
                serializers.conflict_serializer(serializers.CaseDetailSerializer),
                description="Stale version: someone saved the case since. Nothing was written.",
            ),
        },
    )
    # Administrators may lower a level though they edit nothing else: the service checks roles.
    @action(
        detail=True,
        methods=["post"],
        url_path="confidentiality",
        pagination_class=None,
        permission_classes=[IsAuthenticated, TokenScope],
    )
    def confidentiality(
        self, request: Request, reference: str | None = None, format: str | None = None
    ) -> Response:
        case = self.get_object()
        given = validate_input(
            self.get_input_serializer(
                data=request.data, serializer_class=serializers.ConfidentialitySerializer
            )
        )
        case.version = given["version"]
        step = case_set_confidentiality(
            acting_user=request.user,
            case=case,
            level=given["confidentiality"],
            reason=given["reason"],
        )
        if step is None:
            raise ValidationError(
                {"confidentiality": [_("The case already has this level: nothing was changed.")]}
            )
        return Response(serializers.TransitionSerializer(step).data, status=status.HTTP_200_OK)

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
    def dossier(
        self, request: Request, reference: str | None = None, format: str | None = None
    ) -> Any:
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
    filter_backends = [ReaderFilterBackend]
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
        self.read_purpose = PURPOSES[profile]
        return self.filter_queryset(access.visible_detentions(self.reader))

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


PERSON_TEXT = OpenApiParameter(
    "q",
    str,
    description="A name in any script or spelling (any variant, accents and case folded), or "
    "words of the description.",
)


@extend_schema_view(
    list=extend_schema(summary="People detained in cases you may see", parameters=[PERSON_TEXT]),
    create=extend_schema(summary="Record a person, with their name variants"),
    update=extend_schema(
        summary="Replace a person's facts (names, affiliations and consents have their own "
        "endpoints)",
        responses=write_responses(serializers.PersonSerializer),
    ),
    partial_update=extend_schema(
        summary="Change some of a person's facts",
        responses=write_responses(serializers.PersonSerializer),
    ),
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
        affiliations = Affiliation.objects.select_related("organization", "role")
        people = (
            access.visible_people(user)
            .select_related("ethnicity", "religion", "occupation")
            .prefetch_related(
                "names",
                Prefetch("affiliations", queryset=affiliations),
                Prefetch("consents", queryset=Consent.objects.select_related("recorded_by")),
                Prefetch("detentions", queryset=detentions, to_attr="visible_detentions"),
            )
        )
        text = self.request.query_params.get("q", "").strip()
        if self.action == "list" and text:
            named = people_named(text, self.reader)
            people = people.filter(pk__in=named)
        return people

    def service_create(self, data: dict[str, Any]) -> Person:
        names = [
            (name["name"], name["language"], name.get("kind", "birth"))
            for name in data.pop("names", [])
        ]
        return person_create(acting_user=self.request.user, names=names, **data)

    def service_update(self, instance: Person, data: dict[str, Any]) -> Person:
        return person_update(acting_user=self.request.user, person=instance, changes=data)


# --- A person's name variants, affiliations and consents -------------------------------------


PERSON_FILTER = OpenApiParameter(
    "person", OpenApiTypes.UUID, description="Only the records of this person (public id)."
)


def person_part_schema(noun: str, serializer: type, create: str) -> Any:
    """The schema of a person-part viewset: what each operation does and answers."""
    bad = OpenApiResponse(description="Invalid input, named by field. Nothing was written.")
    missing = OpenApiResponse(description="No such record among the people you may see.")
    refused = OpenApiResponse(
        description="Your role may not write, the token is read-only, or the person is also "
        "detained in a case you may not see."
    )
    writes = {400: bad, 403: refused, 404: missing}
    return extend_schema_view(
        list=extend_schema(summary=f"{noun} of the people you may see", parameters=[PERSON_FILTER]),
        retrieve=extend_schema(summary=f"One of the {noun.lower()}", responses={200: serializer}),
        create=extend_schema(summary=create, responses={201: serializer, **writes}),
        update=extend_schema(summary="Replace it", responses={200: serializer, **writes}),
        partial_update=extend_schema(summary="Change it", responses={200: serializer, **writes}),
        destroy=extend_schema(
            summary="Remove it (a deletion version keeps what it said)",
            responses={204: None, 400: bad, 403: refused, 404: missing},
        ),
    )


class PersonPartViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ApiViewSet,
):
    """A record that belongs to one person (a name variant, an affiliation, a consent), by
    integer id, written through the services.

    Only the records of people the user may see are reached; for a reader who may not see
    withheld identities (advocates), those of a withheld person do not exist here, exactly
    as the person's own answer masks them.
    """

    model: type[Model]
    lookup_value_regex = r"\d+"
    tiebreak = SortField("id", "int")

    def people(self) -> QuerySet[Person]:
        return access.visible_named_people(self.reader)

    def get_queryset(self) -> QuerySet:
        records = self.model.objects.filter(person__in=self.people().values("pk")).select_related(
            "person"
        )
        raw = self.request.query_params.get("person", "")
        if self.action == "list" and raw:
            # The canonical form only, as the schema's `format: uuid` says.
            if not CANONICAL_UUID.fullmatch(raw):
                raise ValidationError({"person": [_("Not a public id.")]})
            records = records.filter(person__public_id=uuid.UUID(raw))
        return records

    def written(self, instance: Model, code: int) -> Response:
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self.service_create(dict(given.validated_data))

    def update(self, request: Request, *args: Any, partial: bool = False, **kwargs: Any):
        instance = self.get_object()
        given = self.get_serializer(instance, data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        saved = self.service_update(instance, dict(given.validated_data))
        return self.written(saved, status.HTTP_200_OK)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.service_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def service_create(self, data: dict[str, Any]) -> Response:
        raise NotImplementedError

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_delete(self, instance: Any) -> None:
        raise NotImplementedError


@person_part_schema(
    "Name variants",
    serializers.PersonNameRecordSerializer,
    "Add a spelling of a person's name (any script)",
)
class PersonNameViewSet(PersonPartViewSet):
    """Name variants. `primary` marks the variants spelled as the person's display name;
    `make-primary` makes a variant's spelling the display name."""

    model = PersonName
    serializer_class = serializers.PersonNameRecordSerializer

    def service_create(self, data: dict[str, Any]) -> Response:
        variant = person_add_name(acting_user=self.request.user, **data)
        return self.written(variant, status.HTTP_201_CREATED)

    def service_update(self, instance: PersonName, data: dict[str, Any]) -> PersonName:
        return person_name_update(acting_user=self.request.user, name=instance, changes=data)

    def service_delete(self, instance: PersonName) -> None:
        person_name_delete(acting_user=self.request.user, name=instance)

    @extend_schema(
        summary="Make this variant's spelling the person's display name",
        request=None,
        responses={
            200: serializers.PersonNameRecordSerializer,
            403: OpenApiResponse(
                description="Your role may not write, or the token is "
                "read-only, or the person is in a case you may not see."
            ),
            404: OpenApiResponse(description="No such name among the people you may see."),
        },
    )
    @action(detail=True, methods=["post"], url_path="make-primary")
    def make_primary(self, request: Request, pk: str | None = None) -> Response:
        name = self.get_object()
        # The step takes no input: any field sent is one that is not stored.
        validate_input(NO_INPUT_SERIALIZER(data=request.data))
        variant = person_name_make_primary(acting_user=request.user, name=name)
        return self.written(variant, status.HTTP_200_OK)


@person_part_schema(
    "Affiliations",
    serializers.AffiliationRecordSerializer,
    "Tie a person to an organization, with a role and dates",
)
class AffiliationViewSet(PersonPartViewSet):
    model = Affiliation
    serializer_class = serializers.AffiliationRecordSerializer

    def get_queryset(self) -> QuerySet[Affiliation]:
        return super().get_queryset().select_related("organization", "role")

    def service_create(self, data: dict[str, Any]) -> Response:
        affiliation = person_add_affiliation(acting_user=self.request.user, **data)
        return self.written(affiliation, status.HTTP_201_CREATED)

    def service_update(self, instance: Affiliation, data: dict[str, Any]) -> Affiliation:
        return affiliation_update(acting_user=self.request.user, affiliation=instance, changes=data)

    def service_delete(self, instance: Affiliation) -> None:
        affiliation_delete(acting_user=self.request.user, affiliation=instance)


@person_part_schema(
    "Consents",
    serializers.ConsentRecordSerializer,
    "Record a person's decision for a recipient (201 when new, 200 when it replaces the "
    "recorded one)",
)
class ConsentViewSet(PersonPartViewSet):
    """Consents: one current decision per person and recipient. POST records a decision,
    replacing the one recorded before; to withdraw a consent, record `refused`. DELETE is for
    a consent recorded by mistake."""

    model = Consent
    serializer_class = serializers.ConsentRecordSerializer

    def get_queryset(self) -> QuerySet[Consent]:
        return super().get_queryset().select_related("recorded_by")

    def service_create(self, data: dict[str, Any]) -> Response:
        consent, first = consent_decide(acting_user=self.request.user, **data)
        return self.written(consent, status.HTTP_201_CREATED if first else status.HTTP_200_OK)

    def service_update(self, instance: Consent, data: dict[str, Any]) -> Consent:
        return consent_update(acting_user=self.request.user, consent=instance, changes=data)

    def service_delete(self, instance: Consent) -> None:
        consent_delete(acting_user=self.request.user, consent=instance)


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
    create=extend_schema(
        summary="Cite a source for a case, detention, event or person",
        responses=record_write_responses(serializers.CitationSerializer, created=True),
    ),
    update=extend_schema(
        summary="Replace a citation (every case it supports, before and after, changes facts)",
        responses=record_write_responses(serializers.CitationSerializer),
    ),
    partial_update=extend_schema(
        summary="Change a citation; naming another target moves it there",
        responses=record_write_responses(serializers.CitationSerializer),
    ),
    destroy=extend_schema(summary="Remove a citation", responses=DELETE_RESPONSES),
)
class CitationViewSet(
    ServiceRecordWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
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

    def service_update(self, instance: Citation, data: dict[str, Any]) -> Citation:
        return citation_update(acting_user=self.request.user, citation=instance, changes=data)

    def service_delete(self, instance: Citation) -> None:
        citation_delete(acting_user=self.request.user, citation=instance)


# --- Detention events ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Legal-process events of detentions you may see"),
    retrieve=extend_schema(summary="A legal-process event"),
    create=extend_schema(
        summary="Add a legal-process event (trial, sentencing, release, …) to a detention",
        responses=record_write_responses(serializers.EventSerializer, created=True),
    ),
    update=extend_schema(
        summary="Replace a legal-process event",
        responses=record_write_responses(serializers.EventSerializer),
    ),
    partial_update=extend_schema(
        summary="Change a legal-process event",
        responses=record_write_responses(serializers.EventSerializer),
    ),
    destroy=extend_schema(summary="Remove a legal-process event", responses=DELETE_RESPONSES),
)
class EventViewSet(
    ServiceRecordWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ApiViewSet,
):
    """Events by integer id. Each write recomputes the detention's status, certainty, as-of
    date and expected release in the same transaction, and counts as a change of the case's
    facts (a verified case goes back to review)."""

    serializer_class = serializers.EventSerializer
    filter_backends = [ReaderFilterBackend]
    filterset_class = EventFilter
    lookup_value_regex = r"\d+"
    tiebreak = SortField("id", "int")

    def get_queryset(self) -> QuerySet[DetentionEvent]:
        return access.visible_events(self.request.user).select_related(
            "detention", "event_type", "organization"
        )

    def service_create(self, data: dict[str, Any]) -> DetentionEvent:
        return detention_add_event(acting_user=self.request.user, **data)

    def service_update(self, instance: DetentionEvent, data: dict[str, Any]) -> DetentionEvent:
        return detention_event_update(acting_user=self.request.user, event=instance, changes=data)

    def service_delete(self, instance: DetentionEvent) -> None:
        detention_event_delete(acting_user=self.request.user, event=instance)


# --- Interventions ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Advocacy on cases you may see"),
    retrieve=extend_schema(summary="An intervention"),
    create=extend_schema(
        summary="Record an intervention (UN urgent appeal, WGAD communication, letter, …)",
        responses=record_write_responses(serializers.InterventionSerializer, created=True),
    ),
    update=extend_schema(
        summary="Replace an intervention",
        responses=record_write_responses(serializers.InterventionSerializer),
    ),
    partial_update=extend_schema(
        summary="Change an intervention (mark it sent, record the reply)",
        responses=record_write_responses(serializers.InterventionSerializer),
    ),
)
class InterventionViewSet(
    ServiceRecordWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    """Interventions by integer id. Monitors, reviewers and advocates record them on the cases
    they may see; they are advocacy, not facts, so a verified case stays verified."""

    permission_classes = [IsAuthenticated, TokenScope, InterventionWriters]
    serializer_class = serializers.InterventionSerializer
    filter_backends = [ReaderFilterBackend]
    filterset_class = InterventionFilter
    lookup_value_regex = r"\d+"
    tiebreak = SortField("id", "int")

    def get_queryset(self) -> QuerySet[Intervention]:
        return access.visible_interventions(self.request.user).select_related("case", "kind")

    def service_create(self, data: dict[str, Any]) -> Intervention:
        return intervention_create(acting_user=self.request.user, **data)

    def service_update(self, instance: Intervention, data: dict[str, Any]) -> Intervention:
        return intervention_update(
            acting_user=self.request.user, intervention=instance, changes=data
        )


# --- Case relations --------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Relations between cases you may see",
        parameters=[
            OpenApiParameter("case", str, description="Only relations of this case reference.")
        ],
    ),
    retrieve=extend_schema(summary="One relation between two cases"),
    create=extend_schema(
        summary="Relate two cases (duplicate-of, part-of, related-to)",
        responses={
            201: serializers.CaseRelationSerializer,
            400: OpenApiResponse(description="Invalid input, named by field."),
            403: OpenApiResponse(serializers.ErrorSerializer),
        },
    ),
    update=extend_schema(
        summary="Replace a relation",
        responses={
            200: serializers.CaseRelationSerializer,
            400: OpenApiResponse(description="Invalid input, named by field."),
            404: OpenApiResponse(serializers.ErrorSerializer),
        },
    ),
    partial_update=extend_schema(
        summary="Change a relation's kind, note or cases",
        responses={
            200: serializers.CaseRelationSerializer,
            400: OpenApiResponse(description="Invalid input, named by field."),
            404: OpenApiResponse(serializers.ErrorSerializer),
        },
    ),
    destroy=extend_schema(
        summary="Remove a relation (its versions stay)",
        responses={
            204: None,
            400: OpenApiResponse(description="A rejected case cannot change."),
            404: OpenApiResponse(serializers.ErrorSerializer),
        },
    ),
)
class CaseRelationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ApiViewSet,
):
    """Relations whose two cases you may both see; a relation to a case you may not see is
    not listed and answers 404. Relating, changing or unrelating cases changes the facts of
    both (a verified case goes back to review)."""

    serializer_class = serializers.CaseRelationSerializer
    lookup_value_regex = r"\d+"
    tiebreak = SortField("id", "int")

    def get_queryset(self) -> QuerySet[CaseRelation]:
        relations = visible_case_relations(self.request.user).select_related("from_case", "to_case")
        reference = self.request.query_params.get("case", "")
        if self.action == "list" and reference:
            relations = relations.filter(
                Q(from_case__reference=reference[:32]) | Q(to_case__reference=reference[:32])
            )
        return relations

    def _answer(self, relation: CaseRelation, code: int) -> Response:
        fresh = self.get_queryset().get(pk=relation.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        relation = case_relation_create(
            acting_user=request.user,
            case=data["from_case"],
            related=data["to_case"],
            kind=data["kind"],
            note=data.get("note", ""),
        )
        return self._answer(relation, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, partial: bool = False, **kwargs: Any):
        relation = self.get_object()
        given = self.get_serializer(relation, data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        saved = case_relation_update(
            acting_user=request.user, relation=relation, changes=dict(given.validated_data)
        )
        return self._answer(saved, status.HTTP_200_OK)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case_relation_delete(acting_user=request.user, relation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Reference data --------------------------------------------------------------------------


class ReferenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Reference data, the same for everyone holding a role."""

    permission_classes = [IsAuthenticated, HasRole]


class GazetteerWriteMixin:
    """Create and change places and organizations, and their name variants, through the
    services; who may is the Django permission checked by GazetteerPermission. These records
    carry no version number: each change is kept in their version history."""

    permission_classes = [IsAuthenticated, TokenScope, HasRole, GazetteerPermission]
    gazetteer_model: type[Model]
    name_model: type[Model]
    name_parent_field = ""

    def service_create(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_add_name(self, instance: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_update_name(self, variant: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_delete_name(self, variant: Any) -> None:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        names = [(item["name"], item["language"]) for item in data.pop("names", [])]
        instance = self.service_create({**data, "names": names})
        return self._answer(instance, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, partial: bool = False, **kwargs: Any):
        instance = self.get_object()
        given = self.get_serializer(instance, data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        saved = self.service_update(instance, dict(given.validated_data))
        return self._answer(saved, status.HTTP_200_OK)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def _answer(self, instance: Model, code: int) -> Response:
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _name_serializer(self) -> type:
        return self.get_serializer_class()._declared_fields["names"].child.__class__

    def _variant(self, instance: Model, name_id: str) -> Model:
        found = self.name_model._default_manager.filter(
            pk=name_id, **{self.name_parent_field: instance}
        ).first()
        if found is None:
            raise NotFound()
        return found

    def names_create(self, request: Request) -> Response:
        instance = self.get_object()
        given = validate_input(self._name_serializer()(data=request.data))
        variant = self.service_add_name(instance, given)
        return Response(self._name_serializer()(variant).data, status=status.HTTP_201_CREATED)

    def names_change(self, request: Request, name_id: str) -> Response:
        instance = self.get_object()
        variant = self._variant(instance, name_id)
        if request.method == "DELETE":
            self.service_delete_name(variant)
            return Response(status=status.HTTP_204_NO_CONTENT)
        given = validate_input(
            self._name_serializer()(variant, data=request.data, partial=request.method == "PATCH")
        )
        saved = self.service_update_name(variant, given)
        return Response(self._name_serializer()(saved).data)


def gazetteer_schema(
    label: str, serializer: type, name_serializer: type, update_serializer: type
) -> Any:
    return extend_schema_view(
        list=extend_schema(summary=f"List {label}s"),
        retrieve=extend_schema(summary=f"One {label}, with its name variants"),
        create=extend_schema(
            summary=f"Add a {label}, with its name variants (permission cases.add_…)",
            responses={
                201: serializer,
                400: OpenApiResponse(description="Invalid input, named by field."),
                403: OpenApiResponse(serializers.ErrorSerializer),
            },
        ),
        update=extend_schema(
            summary=f"Replace a {label}'s fields (permission cases.change_…)",
            request=update_serializer,
            responses={
                200: serializer,
                400: OpenApiResponse(description="Invalid input, named by field."),
                403: OpenApiResponse(serializers.ErrorSerializer),
                404: OpenApiResponse(serializers.ErrorSerializer),
            },
        ),
        partial_update=extend_schema(
            summary=f"Change some of a {label}'s fields (permission cases.change_…)",
            request=update_serializer,
            responses={
                200: serializer,
                400: OpenApiResponse(description="Invalid input, named by field."),
                403: OpenApiResponse(serializers.ErrorSerializer),
                404: OpenApiResponse(serializers.ErrorSerializer),
            },
        ),
        add_name=extend_schema(
            summary=f"Add a name variant to a {label}",
            request=name_serializer,
            responses={
                201: name_serializer,
                400: OpenApiResponse(description="Invalid input, named by field."),
                403: OpenApiResponse(serializers.ErrorSerializer),
                404: OpenApiResponse(serializers.ErrorSerializer),
            },
        ),
        change_name=extend_schema(
            summary=f"Correct or remove a name variant of a {label}",
            request=name_serializer,
            responses={
                200: name_serializer,
                204: None,
                400: OpenApiResponse(description="Invalid input, named by field."),
                403: OpenApiResponse(serializers.ErrorSerializer),
                404: OpenApiResponse(serializers.ErrorSerializer),
            },
        ),
    )


@gazetteer_schema(
    "place",
    serializers.PlaceSerializer,
    serializers.PlaceNameSerializer,
    serializers.PlaceUpdateSerializer,
)
class PlaceViewSet(
    GazetteerWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    """The gazetteer. `path` lists the ids from the country down; `depth` 0 is a country."""

    serializer_class = serializers.PlaceSerializer
    lookup_value_regex = r"\d+"
    tiebreak = SortField("id", "int")
    queryset = Place.objects.select_related("traditional_region").prefetch_related("names")
    gazetteer_model = Place
    name_model = PlaceName
    name_parent_field = "place"

    def service_create(self, data: dict[str, Any]) -> Place:
        return place_create(acting_user=self.request.user, **data)

    def service_update(self, instance: Place, data: dict[str, Any]) -> Place:
        if "parent" in data:
            check_place_parent(self.request.user, data["parent"])
        return place_update(acting_user=self.request.user, place=instance, changes=data)

    def service_add_name(self, instance: Place, data: dict[str, Any]) -> PlaceName:
        return place_add_name(acting_user=self.request.user, place=instance, **data)

    def service_update_name(self, variant: PlaceName, data: dict[str, Any]) -> PlaceName:
        return place_name_update(acting_user=self.request.user, place_name=variant, changes=data)

    def service_delete_name(self, variant: PlaceName) -> None:
        place_name_delete(acting_user=self.request.user, place_name=variant)

    @action(detail=True, methods=["post"], url_path="names", pagination_class=None)
    def add_name(self, request: Request, pk: str | None = None) -> Response:
        return self.names_create(request)

    @action(
        detail=True,
        methods=["put", "patch", "delete"],
        url_path=r"names/(?P<name_id>\d+)",
        pagination_class=None,
    )
    def change_name(self, request: Request, pk: str | None = None, name_id: str = "") -> Response:
        return self.names_change(request, name_id)


@gazetteer_schema(
    "organization",
    serializers.OrganizationSerializer,
    serializers.OrganizationNameSerializer,
    serializers.OrganizationUpdateSerializer,
)
class OrganizationViewSet(
    GazetteerWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    serializer_class = serializers.OrganizationSerializer
    lookup_field = "public_id"
    lookup_value_regex = PUBLIC_ID_PATTERN
    sort_fields = {"name": SortField("name")}
    default_ordering = ("name",)
    queryset = Organization.objects.select_related("kind", "parent").prefetch_related("names")
    gazetteer_model = Organization
    name_model = OrganizationName
    name_parent_field = "organization"

    def service_create(self, data: dict[str, Any]) -> Organization:
        return organization_create(acting_user=self.request.user, **data)

    def service_update(self, instance: Organization, data: dict[str, Any]) -> Organization:
        return organization_update(
            acting_user=self.request.user, organization=instance, changes=data
        )

    def service_add_name(self, instance: Organization, data: dict[str, Any]) -> Model:
        return organization_add_name(acting_user=self.request.user, organization=instance, **data)

    def service_update_name(self, variant: OrganizationName, data: dict[str, Any]) -> Model:
        return organization_name_update(
            acting_user=self.request.user, organization_name=variant, changes=data
        )

    def service_delete_name(self, variant: OrganizationName) -> None:
        organization_name_delete(acting_user=self.request.user, organization_name=variant)

    @action(detail=True, methods=["post"], url_path="names", pagination_class=None)
    def add_name(self, request: Request, public_id: str | None = None) -> Response:
        return self.names_create(request)

    @action(
        detail=True,
        methods=["put", "patch", "delete"],
        url_path=r"names/(?P<name_id>\d+)",
        pagination_class=None,
    )
    def change_name(
        self, request: Request, public_id: str | None = None, name_id: str = ""
    ) -> Response:
        return self.names_change(request, name_id)


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
            "of its case, `by_charge` under each of its own charges (null: none recorded)."
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
    filter_backends = [ReaderFilterBackend]
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
