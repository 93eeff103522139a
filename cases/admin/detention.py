"""Detentions and their legal-process events.

A detention's status, status certainty and expected release are derived from its events and its
sentence. Events and citations are created, changed and deleted here only through their services
(`detention_add_event`, `detention_event_update`, `detention_event_delete`, `citation_*`), which
recompute the status in the same transaction and record the change of the case's facts
themselves: the admin never shows a status the timeline contradicts, and never books a change
twice.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import Citation, Detention, DetentionEvent
from ..queries import visible_detentions
from ..queries import visible_events as visible_detention_events
from ..services.detentions import (
    detention_add_event,
    detention_create,
    detention_delete,
    detention_event_delete,
    detention_event_update,
    detention_update,
)
from ..services.sources import citation_create, citation_delete, citation_update
from .base import (
    CasebookAdmin,
    FactAdminMixin,
    FactInline,
    VersionedForm,
    adopt,
    changed_m2m,
    changed_values,
    edited_values,
    model_values,
    values_of,
)
from .search import PEOPLE, search_words, text_matches

DERIVED_FIELDS = ("status", "status_certainty", "status_as_of", "expected_release")


class DetentionEventInline(FactInline):
    model = DetentionEvent
    fields = ("event_type", "occurred", "certainty", "place", "organization", "note")
    autocomplete_fields = ("event_type", "place", "organization")
    show_change_link = True

    def create(self, request: HttpRequest, instance: DetentionEvent) -> DetentionEvent:
        return detention_add_event(acting_user=request.user, **model_values(instance))

    def update(self, request: HttpRequest, instance: DetentionEvent, changed: list[str]) -> None:
        stored = DetentionEvent.objects.get(pk=instance.pk)
        detention_event_update(
            acting_user=request.user, event=stored, changes=values_of(instance, changed)
        )
        adopt(instance, stored)

    def delete(self, request: HttpRequest, instance: DetentionEvent) -> None:
        detention_event_delete(acting_user=request.user, event=instance)


class CitationInlineMixin:
    """Citation rows written through the citation services (which book the fact change)."""

    def create(self, request: HttpRequest, instance: Citation) -> Citation:
        return citation_create(acting_user=request.user, **model_values(instance))

    def update(self, request: HttpRequest, instance: Citation, changed: list[str]) -> None:
        stored = Citation.objects.get(pk=instance.pk)
        citation_update(
            acting_user=request.user, citation=stored, changes=values_of(instance, changed)
        )
        adopt(instance, stored)

    def delete(self, request: HttpRequest, instance: Citation) -> None:
        citation_delete(acting_user=request.user, citation=instance)


class DetentionCitationInline(CitationInlineMixin, FactInline):
    model = Citation
    fk_name = "detention"
    fields = ("source", "claim", "excerpt", "locator", "credibility")
    autocomplete_fields = ("source",)
    verbose_name_plural = _("citations of the detention")


def detention_matches(word: str, prefix: str = "") -> Any:
    """A Q: the detention's case reference or title, or its person, matches `word`."""
    return text_matches((f"{prefix}case__reference", f"{prefix}case__title"), word) | (
        PEOPLE.matches_through(f"{prefix}person", word)
    )


@admin.register(Detention)
class DetentionAdmin(FactAdminMixin, CasebookAdmin):
    gated = True
    form = VersionedForm
    list_display = (
        "person",
        "case_reference",
        "detained_on_column",
        "status",
        "status_certainty",
        "expected_release",
    )
    list_filter = ("status", "status_certainty", "wgad_category")
    date_hierarchy = "detained_on_earliest"
    search_fields = ("case__reference", "person__name")
    autocomplete_fields = (
        "case",
        "person",
        "detaining_authority",
        "held_at",
        "held_in_place",
        "charges",
        "detention_type",
        "treatment_concerns",
    )
    fieldsets = (
        (None, {"fields": ("case", "person", "edit_version")}),
        (
            _("Arrest"),
            {
                "fields": (
                    "detained_on",
                    ("age_at_detention", "age_is_approximate"),
                    "detaining_authority",
                    "authority_description",
                    "alleged_reason",
                    "charges",
                    "detention_type",
                )
            },
        ),
        (
            _("Custody"),
            {
                "fields": (
                    "held_at",
                    "held_in_place",
                    "whereabouts",
                    "lawyer_access",
                    "family_access",
                    "treatment_concerns",
                )
            },
        ),
        (
            _("Sentence"),
            {"fields": ("sentence_kind", ("sentence_years", "sentence_months"), "sentence_start")},
        ),
        (_("Assessment"), {"fields": ("wgad_category", "urgent_appeal")}),
        (
            _("Derived from the events and the sentence"),
            {"fields": (*DERIVED_FIELDS, "public_id", "version", "created_at", "updated_at")},
        ),
    )
    readonly_fields = (*DERIVED_FIELDS, "public_id", "version", "created_at", "updated_at")
    inlines = (DetentionEventInline, DetentionCitationInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Detention]:
        detentions = visible_detentions(request.user).select_related("person", "case")
        ordering = self.get_ordering(request)
        return detentions.order_by(*ordering) if ordering else detentions

    def get_inlines(self, request: HttpRequest, obj: Detention | None) -> Any:
        # A citation must point at a saved detention: cited once the detention exists.
        return self.inlines if obj is not None else (DetentionEventInline,)

    @admin.display(description=_("case"), ordering="case__reference")
    def case_reference(self, obj: Detention) -> str:
        return obj.case.reference

    @admin.display(description=_("detained on"), ordering="detained_on_earliest")
    def detained_on_column(self, obj: Detention) -> str:
        return obj.detained_on_display

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Detention], search_term: str
    ) -> tuple[QuerySet[Detention], bool]:
        words = search_words(search_term)
        return queryset.filter(*(detention_matches(word) for word in words)), False

    def save_model(self, request: HttpRequest, obj: Detention, form: Any, change: bool) -> None:
        if not change:
            detention = detention_create(
                acting_user=request.user,
                charges=form.cleaned_data.get("charges") or (),
                treatment_concerns=form.cleaned_data.get("treatment_concerns") or (),
                **edited_values(form, obj),
            )
            adopt(obj, detention)
            return
        detention = detention_update(
            acting_user=request.user,
            detention=self.editing_copy(request, obj, form),
            changes=changed_values(form, obj),
            charges=changed_m2m(form, "charges"),
            treatment_concerns=changed_m2m(form, "treatment_concerns"),
        )
        adopt(obj, detention)

    def delete_model(self, request: HttpRequest, obj: Detention) -> None:
        detention_delete(acting_user=request.user, detention=obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        # No form.save_m2m(): the detention services have set charges and concerns already.
        # The event services recompute the status for each event row they write.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(DetentionEvent)
class DetentionEventAdmin(FactAdminMixin, CasebookAdmin):
    gated = True
    list_display = ("event_type", "occurred_column", "certainty", "detention")
    list_filter = ("event_type", "certainty")
    date_hierarchy = "occurred_earliest"
    search_fields = ("detention__case__reference", "detention__person__name")
    autocomplete_fields = ("detention", "event_type", "place", "organization")
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[DetentionEvent]:
        return visible_detention_events(request.user).select_related(
            "event_type", "detention__person", "detention__case"
        )

    @admin.display(description=_("date"), ordering="occurred_earliest")
    def occurred_column(self, obj: DetentionEvent) -> str:
        return obj.occurred_display

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[DetentionEvent], search_term: str
    ) -> tuple[QuerySet[DetentionEvent], bool]:
        words = search_words(search_term)
        return queryset.filter(*(detention_matches(word, "detention__") for word in words)), False

    def save_model(
        self, request: HttpRequest, obj: DetentionEvent, form: Any, change: bool
    ) -> None:
        if not change:
            adopt(obj, detention_add_event(acting_user=request.user, **edited_values(form, obj)))
            return
        # The service recomputes both detentions when the event moves from one to another.
        stored = self.get_queryset(request).get(pk=obj.pk)
        event = detention_event_update(
            acting_user=request.user, event=stored, changes=changed_values(form, obj)
        )
        adopt(obj, event)

    def delete_model(self, request: HttpRequest, obj: DetentionEvent) -> None:
        detention_event_delete(acting_user=request.user, event=obj)
