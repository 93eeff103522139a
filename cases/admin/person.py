"""People, their name variants, affiliations and consents.

Contact details, family details and internal notes are encrypted at rest: they appear in the
person's form only, never in a list, a filter, a search or the history's list of changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from ..models import Affiliation, Consent, Person, PersonName
from ..queries import visible_people
from ..services.people import (
    affiliation_delete,
    affiliation_update,
    consent_delete,
    consent_record,
    consent_update,
    person_add_affiliation,
    person_add_name,
    person_create,
    person_delete,
    person_name_delete,
    person_name_make_primary,
    person_name_update,
    person_update,
)
from .base import (
    CasebookAdmin,
    TabularInline,
    VersionedForm,
    adopt,
    changed_values,
    edited_values,
    values_of,
)
from .search import ORGANIZATIONS, PEOPLE, search_words, variant_matches

PERSON_SENSITIVE_FIELDS = ("contact_details", "family_details", "internal_notes")


def stored(instance: Model) -> Model:
    """The record as saved, for an update service to compare the form's values against."""
    return type(instance)._default_manager.get(pk=instance.pk)


class ServiceDeletesOnly:
    """No bulk delete: each removal goes through its service, which keeps the person's rules
    (a named person keeps a name) and records the change of their cases' facts."""

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        except ValidationError as refusal:
            # Rolled back with the view's transaction: say why, back on the record's page.
            self.message_user(request, " ".join(refusal.messages), messages.ERROR)  # type: ignore[attr-defined]
            opts = self.model._meta  # type: ignore[attr-defined]
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", object_id)


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

    def update(self, request: HttpRequest, instance: PersonName, changed: list[str]) -> None:
        person_name_update(
            acting_user=request.user, name=stored(instance), changes=values_of(instance, changed)
        )

    def delete(self, request: HttpRequest, instance: PersonName) -> None:
        person_name_delete(acting_user=request.user, name=instance)


class AffiliationInline(TabularInline):
    model = Affiliation
    fields = ("organization", "role", "started_on", "ended_on", "note")
    autocomplete_fields = ("organization", "role")

    def create(self, request: HttpRequest, instance: Affiliation) -> Affiliation:
        return person_add_affiliation(
            acting_user=request.user,
            person=instance.person,
            organization=instance.organization,
            role=instance.role,
            note=instance.note,
            started_on=instance.started_on,
            ended_on=instance.ended_on,
        )

    def update(self, request: HttpRequest, instance: Affiliation, changed: list[str]) -> None:
        affiliation_update(
            acting_user=request.user,
            affiliation=stored(instance),
            changes=values_of(instance, changed),
        )

    def delete(self, request: HttpRequest, instance: Affiliation) -> None:
        affiliation_delete(acting_user=request.user, affiliation=instance)


class ConsentInline(TabularInline):
    model = Consent
    fields = ("recipient", "decision", "given_by", "recorded_on", "recorded_by", "note")
    # Whoever records a decision is its recorder: the services set it, not the form.
    readonly_fields = ("recorded_by",)

    def create(self, request: HttpRequest, instance: Consent) -> Consent:
        return consent_record(
            acting_user=request.user,
            person=instance.person,
            recipient=instance.recipient,
            decision=instance.decision,
            given_by=instance.given_by,
            recorded_on=instance.recorded_on,
            note=instance.note,
        )

    def update(self, request: HttpRequest, instance: Consent, changed: list[str]) -> None:
        consent_update(
            acting_user=request.user, consent=stored(instance), changes=values_of(instance, changed)
        )

    def delete(self, request: HttpRequest, instance: Consent) -> None:
        consent_delete(acting_user=request.user, consent=instance)


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

    def delete_model(self, request: HttpRequest, obj: Person) -> None:
        person_delete(acting_user=request.user, person=obj)


@admin.register(PersonName)
class PersonNameAdmin(ServiceDeletesOnly, CasebookAdmin):
    gated = True
    actions = ("make_primary",)

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
            saved = person_name_update(
                acting_user=request.user, name=stored(obj), changes=changed_values(form, obj)
            )
            adopt(obj, saved)
            return
        adopt(obj, person_add_name(acting_user=request.user, **edited_values(form, obj)))

    def delete_model(self, request: HttpRequest, obj: PersonName) -> None:
        person_name_delete(acting_user=request.user, name=obj)

    @admin.action(description=_("Make the selected spelling the display name"))
    def make_primary(self, request: HttpRequest, queryset: QuerySet[PersonName]) -> None:
        names = list(queryset.select_related("person")[:2])
        if len(names) != 1:
            self.message_user(
                request, _("Select exactly one name to make primary."), messages.WARNING
            )
            return
        variant = person_name_make_primary(acting_user=request.user, name=names[0])
        self.message_user(
            request, _("The display name is now “%(name)s”.") % {"name": variant.name}
        )


@admin.register(Affiliation)
class AffiliationAdmin(ServiceDeletesOnly, CasebookAdmin):
    gated = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        visible = visible_people(request.user).values("pk")
        return super().get_queryset(request).filter(person__in=visible)

    list_display = ("person", "role", "organization", "started_on", "ended_on", "note")
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
            saved = affiliation_update(
                acting_user=request.user,
                affiliation=stored(obj),
                changes=changed_values(form, obj),
            )
            adopt(obj, saved)
            return
        adopt(obj, person_add_affiliation(acting_user=request.user, **edited_values(form, obj)))

    def delete_model(self, request: HttpRequest, obj: Affiliation) -> None:
        affiliation_delete(acting_user=request.user, affiliation=obj)


@admin.register(Consent)
class ConsentAdmin(ServiceDeletesOnly, CasebookAdmin):
    gated = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        visible = visible_people(request.user).values("pk")
        return super().get_queryset(request).filter(person__in=visible)

    list_display = ("person", "recipient", "decision", "given_by", "recorded_on", "recorded_by")
    list_filter = ("recipient", "decision")
    list_select_related = ("person", "recorded_by")
    date_hierarchy = "recorded_on"
    search_fields = ("person__name", "given_by")
    autocomplete_fields = ("person",)
    readonly_fields = ("recorded_by",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Consent], search_term: str
    ) -> tuple[QuerySet[Consent], bool]:
        words = search_words(search_term)
        return queryset.filter(*(PEOPLE.matches_through("person", word) for word in words)), False

    def save_model(self, request: HttpRequest, obj: Consent, form: Any, change: bool) -> None:
        if change:
            saved = consent_update(
                acting_user=request.user, consent=stored(obj), changes=changed_values(form, obj)
            )
            adopt(obj, saved)
            return
        values = edited_values(form, obj)
        adopt(obj, consent_record(acting_user=request.user, **values))

    def delete_model(self, request: HttpRequest, obj: Consent) -> None:
        consent_delete(acting_user=request.user, consent=obj)
