"""Organizations: monasteries, police and state-security units, courts, prisons, NGOs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import Organization, OrganizationName
from ..services.organizations import (
    organization_add_name,
    organization_create,
    organization_delete,
    organization_name_delete,
    organization_name_update,
    organization_update,
)
from .base import CasebookAdmin, TabularInline, adopt, changed_values, edited_values, values_of
from .search import ORGANIZATIONS, search_words, variant_matches


class OrganizationNameInline(TabularInline):
    model = OrganizationName
    fields = ("name", "language")

    def create(self, request: HttpRequest, instance: OrganizationName) -> OrganizationName:
        return organization_add_name(
            acting_user=request.user,
            organization=instance.organization,
            name=instance.name,
            language=instance.language,
        )

    def update(self, request: HttpRequest, instance: OrganizationName, changed: list[str]) -> None:
        stored = OrganizationName.objects.get(pk=instance.pk)
        organization_name_update(
            acting_user=request.user,
            organization_name=stored,
            changes=values_of(instance, changed),
        )
        adopt(instance, stored)

    def delete(self, request: HttpRequest, instance: OrganizationName) -> None:
        organization_name_delete(acting_user=request.user, organization_name=instance)


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
        if not change:
            adopt(obj, organization_create(acting_user=request.user, **edited_values(form, obj)))
            return
        # The form has set the new values on `obj`; the service compares with the stored row.
        stored = Organization.objects.get(pk=obj.pk)
        organization_update(
            acting_user=request.user, organization=stored, changes=changed_values(form, obj)
        )
        adopt(obj, stored)

    def delete_model(self, request: HttpRequest, obj: Organization) -> None:
        organization_delete(acting_user=request.user, organization=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        for organization in queryset:
            organization_delete(acting_user=request.user, organization=organization)


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

    def save_model(
        self, request: HttpRequest, obj: OrganizationName, form: Any, change: bool
    ) -> None:
        if not change:
            adopt(obj, organization_add_name(acting_user=request.user, **edited_values(form, obj)))
            return
        stored = OrganizationName.objects.get(pk=obj.pk)
        organization_name_update(
            acting_user=request.user, organization_name=stored, changes=changed_values(form, obj)
        )
        adopt(obj, stored)

    def delete_model(self, request: HttpRequest, obj: OrganizationName) -> None:
        organization_name_delete(acting_user=request.user, organization_name=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[OrganizationName]) -> None:
        for variant in queryset:
            organization_name_delete(acting_user=request.user, organization_name=variant)
