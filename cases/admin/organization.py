"""Organizations: monasteries, police and state-security units, courts, prisons, NGOs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import Organization, OrganizationName
from ..services.organizations import organization_create
from .base import CasebookAdmin, TabularInline, adopt, edited_values
from .search import ORGANIZATIONS, search_words, variant_matches


class OrganizationNameInline(TabularInline):
    model = OrganizationName
    fields = ("name", "language")


@admin.register(Organization)
class OrganizationAdmin(CasebookAdmin):
    inlines = (OrganizationNameInline,)
    list_display = ("name", "kind", "parent", "place")
    list_filter = ("kind",)
    list_select_related = ("kind", "parent", "place")
    search_fields = ("name",)
    autocomplete_fields = ("kind", "parent", "place")
    fieldsets = (
        (None, {"fields": ("name", "kind", "parent", "place", "notes")}),
        (_("Record"), {"fields": ("public_id", "created_at", "updated_at")}),
    )
    readonly_fields = ("public_id", "created_at", "updated_at")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Organization], search_term: str
    ) -> tuple[QuerySet[Organization], bool]:
        words = search_words(search_term)
        return queryset.filter(*(ORGANIZATIONS.matches(word) for word in words)), False

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        adopt(obj, organization_create(acting_user=request.user, **edited_values(form, obj)))


@admin.register(OrganizationName)
class OrganizationNameAdmin(CasebookAdmin):
    list_display = ("name", "language", "organization")
    list_filter = ("language",)
    list_select_related = ("organization",)
    search_fields = ("name",)
    autocomplete_fields = ("organization",)
    readonly_fields = ("search_text",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[OrganizationName], search_term: str
    ) -> tuple[QuerySet[OrganizationName], bool]:
        words = search_words(search_term)
        return queryset.filter(*(variant_matches(word) for word in words)), False
