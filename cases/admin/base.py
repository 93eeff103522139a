"""What every Casebook admin shares: history, the access gate on related choices, service writes.

- Every model admin is a django-simple-history `SimpleHistoryAdmin`: each record's versions can
  be read. Reverting from here is switched off: simple-history's revert form saves many-to-many
  fields and skips inlines, around the services; restores go through
  `services.history.record_restore` on the case pages.
- Foreign keys to cases, detentions and events offer only what the user may see
  (`cases.queries.RELATED_GATES`), in forms and, through the target admins' querysets, in
  autocompletes.
- Admins and inlines call the create and update services where they exist instead of `.save()`;
  the admin's own object is then made the saved instance (`adopt`), because the inline formsets,
  the log entry and the redirect after saving all hold on to it.
- A service may refuse a save the form found valid (a rejected case, someone else saved first).
  Everything is rolled back and the same form comes back with the user's input and the reason
  (`CasebookAdmin.changeform_view`): a refusal never costs anyone what they typed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, URLField
from django.forms import BaseModelForm
from django.forms.models import BaseModelFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper

from ..models import Case, Citation, Detention, DetentionEvent
from ..queries import RELATED_GATES
from ..services.common import EditConflict
from ..services.sources import cases_supported_by
from ..workflow import EDITABLE_STATES

HIDDEN_IN_HISTORY = _("(encrypted: changed, value not shown here)")
SERVICE_REFUSALS = (ValidationError, EditConflict)


# --- Handing form input to the services ----------------------------------------------------------


def adopt(target: Model, saved: Model) -> None:
    """Make `target` (the object the admin built from its form) the instance a service saved."""
    if target is not saved:
        target.__dict__.update(saved.__dict__)


def edited_values(form: BaseModelForm, instance: Model) -> dict[str, Any]:
    """The model fields `form` edits, as the form set them on `instance` (relations as objects).

    Many-to-many fields are left out: services take them as separate arguments.
    """
    return {
        field.name: getattr(instance, field.name)
        for field in instance._meta.concrete_fields
        if field.name in form.fields
    }


def changed_values(form: BaseModelForm, instance: Model) -> dict[str, Any]:
    """The model fields the user changed in `form`, with their new values."""
    return values_of(instance, form.changed_data)


def values_of(instance: Model, names: Iterable[str]) -> dict[str, Any]:
    concrete = {field.name for field in instance._meta.concrete_fields}
    return {name: getattr(instance, name) for name in names if name in concrete}


def model_values(instance: Model) -> dict[str, Any]:
    """Every editable field of an unsaved instance, for handing it to a create service."""
    return {
        field.name: getattr(instance, field.name)
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key
    }


def changed_m2m(form: BaseModelForm, name: str) -> Any:
    """The new value of a many-to-many field if the user changed it, else None (leave as is)."""
    return form.cleaned_data.get(name) if name in form.changed_data else None


# --- Cases whose facts a record is part of -------------------------------------------------------


def cases_of(record: Model) -> list[Case]:
    """The cases whose facts `record` is part of."""
    if isinstance(record, Case):
        return [record]
    if isinstance(record, Detention):
        return [record.case]
    if isinstance(record, DetentionEvent):
        return [record.detention.case]
    if isinstance(record, Citation):
        return list(cases_supported_by(record))
    return []


def facts_editable(cases: Iterable[Case]) -> bool:
    """Whether the facts of all `cases` may change (a rejected case must be reopened first)."""
    return all(case.state in EDITABLE_STATES for case in cases)


# --- Forms ---------------------------------------------------------------------------------------


class VersionedForm(forms.ModelForm):
    """Carries the version an edit started from, for the services' optimistic locking.

    Admins of versioned models (case, detention, person, source) list `edit_version` in their
    first fieldset, where it renders hidden.
    """

    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["edit_version"].initial = self.instance.version


def form_refusing(form_class: type[BaseModelForm], refusal: Exception) -> type[BaseModelForm]:
    """`form_class`, showing a service's refusal of the previous attempt as a form error."""

    class RefusedForm(form_class):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if (
                isinstance(refusal, EditConflict)
                and self.is_bound
                and "edit_version" in self.fields
            ):
                # Saving again now is a deliberate overwrite of the version named in the error.
                self.data = self.data.copy()
                self.data[self.add_prefix("edit_version")] = refusal.current.version

        def clean(self) -> dict[str, Any]:
            cleaned = super().clean()
            if isinstance(refusal, EditConflict):
                self.add_error(None, conflict_message(refusal))
            elif hasattr(refusal, "error_dict"):
                for field, errors in refusal.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, refusal)
            return cleaned

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


def conflict_message(conflict: EditConflict) -> str:
    return gettext(
        "Someone else saved this record after you opened it (it is now at version %(version)d). "
        "Your changes are below and were not saved. Compare them with the history, then save "
        "again to replace that version."
    ) % {"version": conflict.current.version}


# --- History -------------------------------------------------------------------------------------


class MaskedHistoryHelper(HistoricalRecordContextHelper):
    """History diffs that say an encrypted field changed without printing its old or new value."""

    def __init__(self, model: type[Model], record: Any, *, masked: frozenset[str]) -> None:
        super().__init__(model, record)
        self.masked = masked

    def format_delta_change(self, change: ModelChange) -> ModelChange:
        formatted = super().format_delta_change(change)
        if change.field in self.masked:
            return dataclasses.replace(formatted, old=HIDDEN_IN_HISTORY, new=HIDDEN_IN_HISTORY)
        return formatted


# --- Admins and inlines --------------------------------------------------------------------------


class GatedChoicesMixin:
    """Foreign keys to gated models (cases, detentions, events) offer only visible rows."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if isinstance(db_field, URLField):
            kwargs.setdefault("assume_scheme", "https")  # Django 6's default; sources are https
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        gate = RELATED_GATES.get(db_field.related_model)
        if gate is not None and "queryset" not in kwargs:
            kwargs["queryset"] = gate(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class CasebookAdmin(GatedChoicesMixin, SimpleHistoryAdmin):
    """Base of every domain admin."""

    # True when get_queryset is narrowed by visible_cases: history is then shown only for
    # records the user may see now (a deleted record can no longer be checked against the gate).
    gated = False
    # Encrypted fields: in the change form only; never listed, searched or printed in history.
    sensitive_fields: tuple[str, ...] = ()

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SERVICE_REFUSALS as refusal:
            if request.method != "POST" or hasattr(request, "casebook_refusal"):
                raise
            # The failed attempt was rolled back with its transaction; validate the same input
            # again, now with the refusal as an error, so the form comes back as it was typed.
            request.casebook_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> type[BaseModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "casebook_refusal", None)
        return form if refusal is None else form_refusing(form, refusal)

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        # Every admin that can save names the service that does it: a record saved here by
        # Django's own save() would skip validation, the version chain and the workflow.
        raise NotImplementedError(f"{type(self).__name__} must save through a service")

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        raise NotImplementedError(f"{type(self).__name__} must delete through a service")

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # Django's bulk delete is one SQL DELETE: each record goes through delete_model instead,
        # so each gets its deletion version and the workflow its bookkeeping.
        for obj in queryset:
            self.delete_model(request, obj)

    def editing_copy(self, request: HttpRequest, obj: Model, form: BaseModelForm) -> Model:
        """The stored record `obj` was loaded from, at the version the user's edit started from.

        The form has already written the new values onto `obj`; update services compare
        against the stored record and refuse the save if someone else saved in between.
        """
        stored = self.get_queryset(request).get(pk=obj.pk)
        started_from = form.cleaned_data.get("edit_version")
        if started_from is not None:
            stored.version = started_from
        return stored

    def save_formset(
        self, request: HttpRequest, form: BaseModelForm, formset: BaseModelFormSet, change: bool
    ) -> None:
        """Let the inline that built `formset` save it (see CasebookInlineMixin)."""
        inline = getattr(formset, "casebook_inline", None)
        if inline is None:
            super().save_formset(request, form, formset, change)
        else:
            inline.save_formset(request, formset)

    def revert_disabled(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        self._check_history_access(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied
        self._check_history_access(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _check_history_access(self, request: HttpRequest, object_id: str) -> None:
        if self.get_object(request, unquote(object_id)) is not None:
            return
        if self.gated:
            raise Http404
        try:
            exists = self.model._default_manager.filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            raise Http404 from None
        if exists:  # present but outside this admin's queryset
            raise Http404

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return MaskedHistoryHelper(
            self.model, historical_record, masked=frozenset(self.sensitive_fields)
        )


class CasebookInlineMixin(GatedChoicesMixin):
    """Inline rows saved one by one through hooks: `create` (a service, where one exists),
    `update` and `delete`."""

    extra = 0

    def get_formset(self, request: HttpRequest, obj: Model | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        # A fresh class per call: lets the parent admin find this inline's save hooks.
        formset.casebook_inline = self
        return formset

    # Each editable inline names the services that create, change and remove its rows.
    def create(self, request: HttpRequest, instance: Model) -> Model:
        raise NotImplementedError(f"{type(self).__name__} must create through a service")

    def update(self, request: HttpRequest, instance: Model, changed: list[str]) -> None:
        raise NotImplementedError(f"{type(self).__name__} must update through a service")

    def delete(self, request: HttpRequest, instance: Model) -> None:
        raise NotImplementedError(f"{type(self).__name__} must delete through a service")

    def save_formset(self, request: HttpRequest, formset: BaseModelFormSet) -> None:
        instances = formset.save(commit=False)
        for removed in formset.deleted_objects:
            self.delete(request, removed)
        changed = {id(obj): names for obj, names in formset.changed_objects}
        for instance in instances:
            if instance.pk is None:
                adopt(instance, self.create(request, instance))
            else:
                self.update(request, instance, changed.get(id(instance), []))
        formset.save_m2m()


class TabularInline(CasebookInlineMixin, admin.TabularInline):
    pass


class FactInline(TabularInline):
    """Rows that are facts of a case (detentions, events, citations). Their services record the
    change of the case's facts (four eyes, a verified case back to review) themselves."""


class FactAdminMixin:
    """Admins of facts of a case. A rejected case's facts are read-only until a reviewer reopens
    it. No bulk delete: each deletion goes through its service, which books it."""

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)  # type: ignore[misc]
        return allowed and (obj is None or facts_editable(cases_of(obj)))

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return allowed and (obj is None or facts_editable(cases_of(obj)))

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyInlineMixin:
    """A list of related rows with links to them; edited in their own admin."""

    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
