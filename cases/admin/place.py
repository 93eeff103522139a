"""The gazetteer. Places are created and moved through the place services, which keep the
materialized `path` and `depth` of the place and of everything below it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import Place, PlaceName
from ..services.places import (
    MAX_DEPTH,
    place_add_name,
    place_create,
    place_delete,
    place_name_delete,
    place_name_update,
    place_update,
)
from .base import CasebookAdmin, TabularInline, adopt, changed_values, edited_values, values_of
from .search import PLACES, search_words, variant_matches


def _path_ids(place: Place) -> list[int]:
    return [int(part) for part in place.path.strip("/").split("/") if part]


def attach_hierarchy_labels(places: Iterable[Place]) -> None:
    """Give each place a `hierarchy_shown` label ("Sog County › Nagchu › …") in one query.

    `Place.hierarchy_label` costs a query per place; a changelist page would pay it per row.
    """
    places = list(places)
    ids = {pk for place in places for pk in _path_ids(place)}
    names = dict(Place.objects.filter(pk__in=ids).values_list("pk", "name"))
    for place in places:
        chain = reversed(_path_ids(place)) if place.path else [place.pk]
        place.hierarchy_shown = " › ".join(names.get(pk, place.name) for pk in chain)


class PlaceChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # Evaluates the page once; the template then iterates the same cached rows.
        attach_hierarchy_labels(self.result_list)


class PlaceForm(forms.ModelForm):
    class Meta:
        model = Place
        fields = (
            "name",
            "kind",
            "parent",
            "traditional_region",
            "latitude",
            "longitude",
            "external_id",
        )

    def clean_parent(self) -> Place | None:
        """Refuse a parent that would nest this place, or its deepest descendant, too deep.

        The place services check the depth of a new place only; a move is checked here.
        """
        parent = self.cleaned_data.get("parent")
        if parent is None:
            return parent
        below = 0
        if self.instance.pk and self.instance.path:
            deepest = Place.objects.subtree(self.instance).aggregate(Max("depth"))["depth__max"]
            below = (deepest or self.instance.depth) - self.instance.depth
        if parent.depth + 1 + below >= MAX_DEPTH:
            raise ValidationError(
                _("Places nest at most %(max)d levels deep."), params={"max": MAX_DEPTH}
            )
        return parent


class PlaceNameInline(TabularInline):
    model = PlaceName
    fields = ("name", "language")

    def create(self, request: HttpRequest, instance: PlaceName) -> PlaceName:
        return place_add_name(
            acting_user=request.user,
            place=instance.place,
            name=instance.name,
            language=instance.language,
        )

    def update(self, request: HttpRequest, instance: PlaceName, changed: list[str]) -> None:
        stored = PlaceName.objects.get(pk=instance.pk)
        place_name_update(
            acting_user=request.user, place_name=stored, changes=values_of(instance, changed)
        )
        adopt(instance, stored)

    def delete(self, request: HttpRequest, instance: PlaceName) -> None:
        place_name_delete(acting_user=request.user, place_name=instance)


@admin.register(Place)
class PlaceAdmin(CasebookAdmin):
    form = PlaceForm
    inlines = (PlaceNameInline,)
    list_display = ("hierarchy", "kind", "traditional_region", "external_id")
    list_filter = ("kind", "traditional_region", "depth")
    list_select_related = ("traditional_region",)
    search_fields = ("name", "external_id")
    autocomplete_fields = ("parent", "traditional_region")
    fieldsets = (
        (None, {"fields": ("name", "kind", "parent", "traditional_region")}),
        (_("Location"), {"fields": ("latitude", "longitude", "external_id")}),
        (_("Record"), {"fields": ("path", "depth", "created_at", "updated_at")}),
    )
    readonly_fields = ("path", "depth", "created_at", "updated_at")

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PlaceChangeList

    @admin.display(description=_("place"), ordering="path")
    def hierarchy(self, obj: Place) -> str:
        return getattr(obj, "hierarchy_shown", None) or obj.name

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Place], search_term: str
    ) -> tuple[QuerySet[Place], bool]:
        words = search_words(search_term)
        if not words:
            return queryset, False
        return queryset.filter(*(PLACES.matches(word) for word in words)), False

    def save_model(self, request: HttpRequest, obj: Place, form: Any, change: bool) -> None:
        if not change:
            adopt(obj, place_create(acting_user=request.user, **edited_values(form, obj)))
            return
        # The form has already set the new values on `obj`; the service compares against the
        # stored place, and moves the subtree when the parent changed.
        stored = Place.objects.get(pk=obj.pk)
        adopt(
            obj,
            place_update(acting_user=request.user, place=stored, changes=changed_values(form, obj)),
        )

    def delete_model(self, request: HttpRequest, obj: Place) -> None:
        place_delete(acting_user=request.user, place=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Place]) -> None:
        # Deepest first, so that a place goes before the place it lies in.
        for place in queryset.order_by("-depth", "pk"):
            place_delete(acting_user=request.user, place=place)


@admin.register(PlaceName)
class PlaceNameAdmin(CasebookAdmin):
    list_display = ("name", "language", "place")
    list_filter = ("language",)
    list_select_related = ("place",)
    search_fields = ("name",)
    autocomplete_fields = ("place",)
    readonly_fields = ("search_text",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PlaceName], search_term: str
    ) -> tuple[QuerySet[PlaceName], bool]:
        words = search_words(search_term)
        return queryset.filter(*(variant_matches(word) for word in words)), False

    def save_model(self, request: HttpRequest, obj: PlaceName, form: Any, change: bool) -> None:
        if not change:
            adopt(obj, place_add_name(acting_user=request.user, **edited_values(form, obj)))
            return
        stored = PlaceName.objects.get(pk=obj.pk)
        place_name_update(
            acting_user=request.user, place_name=stored, changes=changed_values(form, obj)
        )
        adopt(obj, stored)

    def delete_model(self, request: HttpRequest, obj: PlaceName) -> None:
        place_name_delete(acting_user=request.user, place_name=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PlaceName]) -> None:
        for variant in queryset:
            place_name_delete(acting_user=request.user, place_name=variant)
