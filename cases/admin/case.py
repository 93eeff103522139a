"""Cases, their relations and interventions.

Every queryset here starts from `visible_cases(request.user)`, the one access gate. A case is
created and changed through the case services: `case_create` hands out the reference; the
reference, verification state and authors are never edited in a form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import Case, CaseRelation, Citation, Detention, Intervention, ReferenceCounter
from ..queries import visible_case_relations, visible_cases, visible_interventions
from ..services.cases import case_create, case_update
from ..services.detentions import detention_create, detention_delete, detention_update
from ..services.interventions import (
    intervention_create,
    intervention_delete,
    intervention_update,
)
from ..services.relations import case_relation_create, case_relation_delete, case_relation_update
from .base import (
    CasebookAdmin,
    FactInline,
    TabularInline,
    VersionedForm,
    adopt,
    changed_m2m,
    changed_values,
    edited_values,
    facts_editable,
    model_values,
    values_of,
)
from .detention import CitationInlineMixin


class DetentionInline(FactInline):
    model = Detention
    fields = ("person", "detained_on", "status", "status_certainty", "expected_release")
    readonly_fields = ("status", "status_certainty", "expected_release")
    autocomplete_fields = ("person",)
    show_change_link = True

    def create(self, request: HttpRequest, instance: Detention) -> Detention:
        return detention_create(acting_user=request.user, **model_values(instance))

    def update(self, request: HttpRequest, instance: Detention, changed: list[str]) -> None:
        # The service recomputes the expected release (counted from the day of detention) and
        # records the change of the case's facts.
        stored = Detention.objects.get(pk=instance.pk)
        detention_update(
            acting_user=request.user, detention=stored, changes=values_of(instance, changed)
        )
        adopt(instance, stored)

    def delete(self, request: HttpRequest, instance: Detention) -> None:
        detention_delete(acting_user=request.user, detention=instance)


class CaseCitationInline(CitationInlineMixin, FactInline):
    model = Citation
    fk_name = "case"
    fields = ("source", "claim", "excerpt", "locator", "credibility")
    autocomplete_fields = ("source",)
    verbose_name_plural = _("citations of the case")


class InterventionInline(TabularInline):
    """Interventions are advocacy, not facts: their services leave the case's state alone."""

    model = Intervention
    fields = ("kind", "sent_on", "addressed_to", "status", "reply_due", "external_reference")
    autocomplete_fields = ("kind",)
    show_change_link = True

    def create(self, request: HttpRequest, instance: Intervention) -> Intervention:
        return intervention_create(acting_user=request.user, **model_values(instance))

    def update(self, request: HttpRequest, instance: Intervention, changed: list[str]) -> None:
        stored = Intervention.objects.get(pk=instance.pk)
        intervention_update(
            acting_user=request.user, intervention=stored, changes=values_of(instance, changed)
        )
        adopt(instance, stored)

    def delete(self, request: HttpRequest, instance: Intervention) -> None:
        intervention_delete(acting_user=request.user, intervention=instance)


class CaseRelationForm(forms.ModelForm):
    class Meta:
        model = CaseRelation
        fields = ("to_case", "kind", "note")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The database refuses it too; the inline form cannot validate the parent side itself.
        to_case = cleaned.get("to_case")
        if to_case is not None and to_case.pk == self.instance.from_case_id:
            raise ValidationError({"to_case": _("A case cannot be related to itself.")})
        return cleaned


class CaseRelationInline(TabularInline):
    model = CaseRelation
    form = CaseRelationForm
    fk_name = "from_case"
    fields = ("to_case", "kind", "note")
    autocomplete_fields = ("to_case",)
    verbose_name_plural = _("related cases")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseRelation]:
        # A relation to a case the user may not see would show that case's reference and title.
        return super().get_queryset(request).filter(to_case__in=visible_cases(request.user))

    # The relation services check both ends and record a change of both cases' facts.
    def create(self, request: HttpRequest, instance: CaseRelation) -> CaseRelation:
        return case_relation_create(
            acting_user=request.user,
            case=instance.from_case,
            related=instance.to_case,
            kind=instance.kind,
            note=instance.note,
        )

    def update(self, request: HttpRequest, instance: CaseRelation, changed: list[str]) -> None:
        stored = CaseRelation.objects.get(pk=instance.pk)
        case_relation_update(
            acting_user=request.user, relation=stored, changes=values_of(instance, changed)
        )
        adopt(instance, stored)

    def delete(self, request: HttpRequest, instance: CaseRelation) -> None:
        case_relation_delete(acting_user=request.user, relation=instance)


@admin.register(Case)
class CaseAdmin(CasebookAdmin):
    gated = True
    form = VersionedForm
    list_display = ("reference", "title", "occurred_column", "place", "state", "confidentiality")
    list_display_links = ("reference", "title")
    list_filter = ("state", "confidentiality", "violation_types")
    date_hierarchy = "occurred_earliest"
    search_fields = ("reference", "title")
    autocomplete_fields = ("place", "violation_types", "assigned_monitor")
    fieldsets = (
        (None, {"fields": ("reference", "title", "summary", "narrative", "edit_version")}),
        (_("When and where"), {"fields": ("occurred", "occurred_inferred", "place")}),
        (_("Classification"), {"fields": ("violation_types", "confidentiality")}),
        (
            _("Workflow"),
            {
                "fields": (
                    "state",
                    "assigned_monitor",
                    "created_by",
                    "updated_by",
                    "facts_changed_by",
                    "facts_changed_at",
                )
            },
        ),
        (_("Record"), {"fields": ("version", "created_at", "updated_at")}),
    )
    readonly_fields = (
        "reference",
        "state",
        "created_by",
        "updated_by",
        "facts_changed_by",
        "facts_changed_at",
        "version",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        cases = visible_cases(request.user).select_related("place")
        ordering = self.get_ordering(request)
        return cases.order_by(*ordering) if ordering else cases

    def has_change_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        # A rejected case is read-only until a reviewer reopens it (cases.workflow).
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or facts_editable([obj]))

    def has_delete_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        # A case is never deleted, not even by an administrator: what was recorded stays, and a
        # case that should not stand is rejected by a reviewer, with the reason in its history.
        return False

    def get_inlines(self, request: HttpRequest, obj: Case | None) -> list[type]:
        inlines: list[type] = [DetentionInline]
        if obj is not None:
            # A citation is validated as pointing at exactly one saved record, so case-level
            # citations are added once the case exists ("Save and continue editing").
            inlines.append(CaseCitationInline)
        return [*inlines, InterventionInline, CaseRelationInline]

    @admin.display(description=_("occurred"), ordering="occurred_earliest")
    def occurred_column(self, obj: Case) -> str:
        return obj.occurred_display

    def save_model(self, request: HttpRequest, obj: Case, form: Any, change: bool) -> None:
        if not change:
            case = case_create(
                acting_user=request.user,
                violation_types=form.cleaned_data.get("violation_types") or (),
                **edited_values(form, obj),
            )
            adopt(obj, case)
            return
        case = case_update(
            acting_user=request.user,
            case=self.editing_copy(request, obj, form),
            changes=changed_values(form, obj),
            violation_types=changed_m2m(form, "violation_types"),
        )
        adopt(obj, case)

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        # No form.save_m2m(): the case services have set the violation types already.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(CaseRelation)
class CaseRelationAdmin(CasebookAdmin):
    gated = True
    list_display = ("from_case", "kind", "to_case", "note")
    list_filter = ("kind",)
    search_fields = ("from_case__reference", "to_case__reference", "note")
    autocomplete_fields = ("from_case", "to_case")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseRelation]:
        return visible_case_relations(request.user).select_related("from_case", "to_case")

    def save_model(self, request: HttpRequest, obj: CaseRelation, form: Any, change: bool) -> None:
        if not change:
            adopt(
                obj,
                case_relation_create(
                    acting_user=request.user,
                    case=obj.from_case,
                    related=obj.to_case,
                    kind=obj.kind,
                    note=obj.note,
                ),
            )
            return
        stored = self.get_queryset(request).get(pk=obj.pk)
        case_relation_update(
            acting_user=request.user, relation=stored, changes=changed_values(form, obj)
        )
        adopt(obj, stored)

    def delete_model(self, request: HttpRequest, obj: CaseRelation) -> None:
        case_relation_delete(acting_user=request.user, relation=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CaseRelation]) -> None:
        for relation in queryset:
            case_relation_delete(acting_user=request.user, relation=relation)


@admin.register(Intervention)
class InterventionAdmin(CasebookAdmin):
    gated = True
    list_display = ("case", "kind", "sent_on", "addressed_to", "status", "reply_due")
    list_filter = ("status", "kind")
    date_hierarchy = "sent_on"
    search_fields = ("case__reference", "case__title", "addressed_to", "external_reference")
    autocomplete_fields = ("case", "kind")
    readonly_fields = ("reply_due_set_by_hand", "created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Intervention]:
        return visible_interventions(request.user).select_related("case", "kind")

    def save_model(self, request: HttpRequest, obj: Intervention, form: Any, change: bool) -> None:
        # The services fill in the reply deadline from the kind and sent date, unless one is
        # typed in (cases.services.interventions).
        if not change:
            adopt(obj, intervention_create(acting_user=request.user, **edited_values(form, obj)))
            return
        stored = self.get_queryset(request).get(pk=obj.pk)
        intervention = intervention_update(
            acting_user=request.user, intervention=stored, changes=changed_values(form, obj)
        )
        adopt(obj, intervention)

    def delete_model(self, request: HttpRequest, obj: Intervention) -> None:
        intervention_delete(acting_user=request.user, intervention=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Intervention]) -> None:
        for intervention in queryset:
            intervention_delete(acting_user=request.user, intervention=intervention)


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(admin.ModelAdmin):
    """Read-only: the counters only ever move through `next_case_reference`."""

    list_display = ("year", "last_number")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
