"""People, their name variants, affiliations and consents.

Contact details, family details and internal notes are encrypted at rest: they appear in the
person's form only, never in a list, a filter, a search or the history's list of changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..api.access import visible_people
from ..models import Affiliation, Consent, Person, PersonName
from ..services.people import (
    person_add_affiliation,
    person_add_name,
    person_create,
    person_update,
)
from .base import (
    CasebookAdmin,
    TabularInline,
    VersionedForm,
    adopt,
    changed_values,
    edited_values,
)
from .search import ORGANIZATIONS, PEOPLE, search_words, variant_matches

PERSON_SENSITIVE_FIELDS = ("contact_details", "family_details", "internal_notes")


class PersonNameInline(TabularInline):
    model = PersonName
    fields = ("name", "language", "kind")
    verbose_name_plural = _("names (every spelling, in every script)")

    def create(self, request: HttpRequest, instance: PersonName) -> PersonName:
        return person_add_name(
            acting_user=request.user,
            person=instance.person,
            name=instance.name,
            language=instance.language,
            kind=instance.kind,
        )


class AffiliationInline(TabularInline):
    model = Affiliation
    fields = ("organization", "role", "note")
    autocomplete_fields = ("organization", "role")

    def create(self, request: HttpRequest, instance: Affiliation) -> Affiliation:
        return person_add_affiliation(
            acting_user=request.user,
            person=instance.person,
            organization=instance.organization,
            role=instance.role,
            note=instance.note,
        )


class ConsentInline(TabularInline):
    model = Consent
    fields = ("recipient", "decision", "given_by", "recorded_on", "recorded_by", "note")
    autocomplete_fields = ("recorded_by",)

    def create(self, request: HttpRequest, instance: Consent) -> Consent:
        if instance.recorded_by_id is None:
            instance.recorded_by = request.user
        return super().create(request, instance)


@admin.register(Person)
class PersonAdmin(CasebookAdmin):
    form = VersionedForm
    inlines = (PersonNameInline, AffiliationInline, ConsentInline)
    list_display = (
        "__str__",
        "name_variants",
        "sex",
        "is_group",
        "head_count",
        "identity_withheld",
    )
    list_filter = ("sex", "is_group", "identity_withheld", "ethnicity")
    search_fields = ("name", "description")
    autocomplete_fields = ("ethnicity", "religion", "occupation", "home_place")
    sensitive_fields = PERSON_SENSITIVE_FIELDS
    fieldsets = (
        (None, {"fields": ("name", "description", "identity_withheld", "edit_version")}),
        (_("Unnamed group"), {"fields": ("is_group", "head_count")}),
        (
            _("Profile"),
            {"fields": ("sex", "birth_date", "ethnicity", "religion", "occupation", "home_place")},
        ),
        (
            _("Sensitive (encrypted, never exported)"),
            {"fields": PERSON_SENSITIVE_FIELDS},
        ),
        (_("Record"), {"fields": ("public_id", "version", "created_at", "updated_at")}),
    )
    readonly_fields = ("public_id", "version", "created_at", "updated_at")

    gated = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        # People detained only in cases hidden from this user stay hidden here too, with the
        # encrypted details on their change form.
        visible = visible_people(request.user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible).prefetch_related("names")

    @admin.display(description=_("names"))
    def name_variants(self, obj: Person) -> str:
        return ", ".join(variant.name for variant in obj.names.all())

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        words = search_words(search_term)
        return queryset.filter(*(PEOPLE.matches(word) for word in words)), False

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        if not change:
            adopt(obj, person_create(acting_user=request.user, **edited_values(form, obj)))
            return
        person = person_update(
            acting_user=request.user,
            person=self.editing_copy(request, obj, form),
            changes=changed_values(form, obj),
        )
        adopt(obj, person)


@admin.register(PersonName)
class PersonNameAdmin(CasebookAdmin):
    gated = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        visible = visible_people(request.user).values("pk")
        return super().get_queryset(request).filter(person__in=visible)

    list_display = ("name", "language", "kind", "person")
    list_filter = ("language", "kind")
    list_select_related = ("person",)
    search_fields = ("name",)
    autocomplete_fields = ("person",)
    readonly_fields = ("search_text",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PersonName], search_term: str
    ) -> tuple[QuerySet[PersonName], bool]:
        words = search_words(search_term)
        return queryset.filter(*(variant_matches(word) for word in words)), False

    def save_model(self, request: HttpRequest, obj: PersonName, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        adopt(obj, person_add_name(acting_user=request.user, **edited_values(form, obj)))


@admin.register(Affiliation)
class AffiliationAdmin(CasebookAdmin):
    gated = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        visible = visible_people(request.user).values("pk")
        return super().get_queryset(request).filter(person__in=visible)

    list_display = ("person", "role", "organization", "note")
    list_filter = ("role",)
    list_select_related = ("person", "organization", "role")
    search_fields = ("person__name", "organization__name", "note")
    autocomplete_fields = ("person", "organization", "role")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Affiliation], search_term: str
    ) -> tuple[QuerySet[Affiliation], bool]:
        words = search_words(search_term)
        return queryset.filter(
            *(
                PEOPLE.matches_through("person", word)
                | ORGANIZATIONS.matches_through("organization", word)
                for word in words
            )
        ), False

    def save_model(self, request: HttpRequest, obj: Affiliation, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        adopt(obj, person_add_affiliation(acting_user=request.user, **edited_values(form, obj)))


@admin.register(Consent)
class ConsentAdmin(CasebookAdmin):
    gated = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        visible = visible_people(request.user).values("pk")
        return super().get_queryset(request).filter(person__in=visible)

    list_display = ("person", "recipient", "decision", "given_by", "recorded_on", "recorded_by")
    list_filter = ("recipient", "decision")
    list_select_related = ("person", "recorded_by")
    date_hierarchy = "recorded_on"
    search_fields = ("person__name", "given_by")
    autocomplete_fields = ("person", "recorded_by")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Consent], search_term: str
    ) -> tuple[QuerySet[Consent], bool]:
        words = search_words(search_term)
        return queryset.filter(*(PEOPLE.matches_through("person", word) for word in words)), False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"recorded_by": request.user.pk, **super().get_changeform_initial_data(request)}
