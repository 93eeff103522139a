"""Sources, citations and evidence files.

Who gave a testimony and how it was obtained are encrypted at rest: they appear in the source's
form only. Evidence files are listed, never rendered or linked: their content is served only by a
view that logs each access (a later feature), so the admin shows their fingerprints read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ..models import Citation, EvidenceFile, Source
from ..queries import visible_citations, visible_sources
from ..services.sources import (
    citation_create,
    citation_delete,
    citation_update,
    source_create,
    source_delete,
    source_update,
)
from .base import (
    CasebookAdmin,
    FactAdminMixin,
    ReadOnlyInlineMixin,
    TabularInline,
    VersionedForm,
    adopt,
    changed_values,
    edited_values,
)
from .search import PEOPLE, search_words, text_matches

SOURCE_SENSITIVE_FIELDS = ("originator", "how_obtained")

# What a citation's target needs for its label, in the same query as the citation.
CITATION_TARGETS = (
    "source",
    "case",
    "detention__person",
    "detention__case",
    "detention_event__event_type",
    "person",
)


class SourceCitationInline(ReadOnlyInlineMixin, TabularInline):
    model = Citation
    fk_name = "source"
    fields = ("supports", "claim", "locator", "credibility")
    readonly_fields = fields
    verbose_name_plural = _("citations of this source")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Citation]:
        # Only what the user may see: a citation names the case or person it supports.
        return visible_citations(request.user).select_related(*CITATION_TARGETS)

    @admin.display(description=_("supports"))
    def supports(self, obj: Citation) -> str:
        return str(obj.target)


class EvidenceFileInline(ReadOnlyInlineMixin, TabularInline):
    model = EvidenceFile
    fields = ("original_name", "kind", "media_type", "size", "sha256", "created_at")
    readonly_fields = fields


@admin.register(Source)
class SourceAdmin(CasebookAdmin):
    gated = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        # Sources cited only on cases hidden from this user stay hidden, originators included.
        visible = visible_sources(request.user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)

    form = VersionedForm
    inlines = (SourceCitationInline, EvidenceFileInline)
    list_display = ("title", "outlet", "published_column", "reliability", "kind")
    list_filter = ("reliability", "kind", "hand", "language")
    list_select_related = ("kind",)
    date_hierarchy = "published_on_earliest"
    search_fields = ("title", "outlet", "author", "url")
    autocomplete_fields = ("kind", "connection", "repeats")
    sensitive_fields = SOURCE_SENSITIVE_FIELDS
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "kind",
                    "title",
                    "outlet",
                    "author",
                    "published_on",
                    "collected_on",
                    "url",
                    "language",
                    "edit_version",
                )
            },
        ),
        (_("Assessment"), {"fields": ("reliability", "connection", "hand", "repeats")}),
        (
            _("Testimony (encrypted, never exported)"),
            {"fields": ("originator", "originator_relation", "how_obtained")},
        ),
        (_("Notes"), {"fields": ("notes",)}),
        (_("Record"), {"fields": ("public_id", "version", "created_at", "updated_at")}),
    )
    readonly_fields = ("public_id", "version", "created_at", "updated_at")

    @admin.display(description=_("published"), ordering="published_on_earliest")
    def published_column(self, obj: Source) -> str:
        return obj.published_on_display

    def save_model(self, request: HttpRequest, obj: Source, form: Any, change: bool) -> None:
        if not change:
            adopt(obj, source_create(acting_user=request.user, **edited_values(form, obj)))
            return
        source = source_update(
            acting_user=request.user,
            source=self.editing_copy(request, obj, form),
            changes=changed_values(form, obj),
        )
        adopt(obj, source)

    def delete_model(self, request: HttpRequest, obj: Source) -> None:
        source_delete(acting_user=request.user, source=obj)


@admin.register(Citation)
class CitationAdmin(FactAdminMixin, CasebookAdmin):
    gated = True
    list_display = ("source", "supports", "claim", "credibility")
    list_filter = ("credibility",)
    search_fields = ("source__title", "claim", "case__reference")
    autocomplete_fields = ("source", "case", "detention", "detention_event", "person")
    fieldsets = (
        (None, {"fields": ("source",)}),
        (
            _("Supports exactly one of"),
            {"fields": ("case", "detention", "detention_event", "person")},
        ),
        (None, {"fields": ("claim", "excerpt", "locator", "credibility")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Citation]:
        return visible_citations(request.user).select_related(*CITATION_TARGETS)

    @admin.display(description=_("supports"))
    def supports(self, obj: Citation) -> str:
        return str(obj.target)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Citation], search_term: str
    ) -> tuple[QuerySet[Citation], bool]:
        words = search_words(search_term)
        fields = ("source__title", "source__outlet", "claim", "case__reference")
        return queryset.filter(
            *(
                text_matches(fields, word)
                | text_matches(("detention__case__reference",), word)
                | PEOPLE.matches_through("person", word)
                | PEOPLE.matches_through("detention__person", word)
                for word in words
            )
        ), False

    def save_model(self, request: HttpRequest, obj: Citation, form: Any, change: bool) -> None:
        if not change:
            adopt(obj, citation_create(acting_user=request.user, **edited_values(form, obj)))
            return
        # The service books the change for the cases supported before and after a move.
        stored = self.get_queryset(request).get(pk=obj.pk)
        citation = citation_update(
            acting_user=request.user, citation=stored, changes=changed_values(form, obj)
        )
        adopt(obj, citation)

    def delete_model(self, request: HttpRequest, obj: Citation) -> None:
        citation_delete(acting_user=request.user, citation=obj)


@admin.register(EvidenceFile)
class EvidenceFileAdmin(CasebookAdmin):
    """Read-only until evidence upload exists: no add, change or delete here."""

    gated = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvidenceFile]:
        visible = visible_sources(request.user).values("pk")
        return super().get_queryset(request).filter(source__in=visible)

    list_display = ("__str__", "source", "kind", "media_type", "size_column", "sha256_short")
    list_filter = ("kind", "media_type")
    list_select_related = ("source",)
    search_fields = ("original_name", "=sha256", "description")
    # `file` is left out on purpose: no link to, preview of or path for the stored content.
    fields = (
        "source",
        "kind",
        "original_name",
        "description",
        "sha256",
        "size",
        "media_type",
        "retrieved_from",
        "retrieved_at",
        "added_by",
        "public_id",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description=_("size"), ordering="size")
    def size_column(self, obj: EvidenceFile) -> str:
        return filesizeformat(obj.size)

    @admin.display(description=_("SHA-256"), ordering="sha256")
    def sha256_short(self, obj: EvidenceFile) -> str:
        return f"{obj.sha256[:12]}…"
