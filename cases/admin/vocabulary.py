"""Controlled vocabularies: administrators extend them here without code (DOMAIN.md)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Term, Vocabulary, VocabularyKey
from ..services.vocabularies import term_delete, term_save, vocabulary_delete, vocabulary_save
from .base import CasebookAdmin

# The labels edited as separate fields; labels in other languages are kept as they are.
LABEL_FIELDS = (
    ("label_en", "en", _("English label")),
    ("label_zh_hans", "zh-Hans", _("Chinese label (simplified)")),
    ("label_zh_hant", "zh-Hant", _("Chinese label (traditional)")),
    ("label_bo", "bo", _("Tibetan label")),
)


def is_autocomplete(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


@admin.register(Vocabulary)
class VocabularyAdmin(CasebookAdmin):
    list_display = ("name", "key", "terms")
    search_fields = ("name", "key")
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Vocabulary]:
        return super().get_queryset(request).annotate(term_count=Count("terms"))

    def get_readonly_fields(self, request: HttpRequest, obj: Vocabulary | None = None) -> Any:
        # The key is how code and imports name a vocabulary: fixed once the vocabulary exists.
        return ("key", *self.readonly_fields) if obj else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Vocabulary | None = None) -> bool:
        if obj is not None and obj.key in VocabularyKey.values:
            return False  # the domain models point into the built-in vocabularies
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Vocabulary, form: Any, change: bool) -> None:
        vocabulary_save(acting_user=request.user, vocabulary=obj)

    def delete_model(self, request: HttpRequest, obj: Vocabulary) -> None:
        vocabulary_delete(acting_user=request.user, vocabulary=obj)

    @admin.display(description=_("terms"), ordering="term_count")
    def terms(self, obj: Vocabulary) -> str:
        url = reverse("admin:cases_term_changelist")
        return format_html(
            '<a href="{}?vocabulary__id__exact={}">{}</a>', url, obj.pk, obj.term_count
        )


class TermForm(forms.ModelForm):
    """Labels as one field per main language instead of raw JSON."""

    label_en = forms.CharField(label=LABEL_FIELDS[0][2], max_length=300)
    label_zh_hans = forms.CharField(label=LABEL_FIELDS[1][2], max_length=300, required=False)
    label_zh_hant = forms.CharField(label=LABEL_FIELDS[2][2], max_length=300, required=False)
    label_bo = forms.CharField(label=LABEL_FIELDS[3][2], max_length=300, required=False)

    class Meta:
        model = Term
        # `labels` is built from the label fields in clean().
        fields = (
            "vocabulary",
            "code",
            "parent",
            "active",
            "sort_order",
            "description",
            "implies_status",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = self.instance.labels or {}
        for field_name, tag, _label in LABEL_FIELDS:
            if field_name in self.fields:
                self.fields[field_name].initial = labels.get(tag, "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        managed = {tag for _field, tag, _label in LABEL_FIELDS}
        labels = {
            tag: text for tag, text in (self.instance.labels or {}).items() if tag not in managed
        }
        for field_name, tag, _label in LABEL_FIELDS:
            text = (cleaned.get(field_name) or "").strip()
            if text:
                labels[tag] = text
        # Set before the model is validated, so Term.clean sees the English label.
        self.instance.labels = labels
        return cleaned


@admin.register(Term)
class TermAdmin(CasebookAdmin):
    form = TermForm
    list_display = ("code", "english_label", "vocabulary", "active", "sort_order", "implies_status")
    list_filter = ("vocabulary", "active")
    list_select_related = ("vocabulary",)
    search_fields = ("code", "labels__en", "labels__zh-Hans", "labels__bo")
    autocomplete_fields = ("parent",)
    fieldsets = (
        (None, {"fields": ("vocabulary", "code", "parent", "active", "sort_order")}),
        (
            _("Labels"),
            {"fields": ("label_en", "label_zh_hans", "label_zh_hant", "label_bo", "labels")},
        ),
        (_("Meaning"), {"fields": ("description", "implies_status")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("labels", "created_at", "updated_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Term | None = None) -> Any:
        # Codes are stable identifiers used by imports, exports, settings and the API; a term
        # moved to another vocabulary would break every record pointing at it.
        return ("vocabulary", "code", *self.readonly_fields) if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Term, form: Any, change: bool) -> None:
        term_save(acting_user=request.user, term=obj)

    def delete_model(self, request: HttpRequest, obj: Term) -> None:
        term_delete(acting_user=request.user, term=obj)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Term], search_term: str
    ) -> tuple[QuerySet[Term], bool]:
        if is_autocomplete(request):
            # Inactive terms stay on old records but are not offered for new ones.
            queryset = queryset.filter(active=True)
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("English label"), ordering="labels__en")
    def english_label(self, obj: Term) -> str:
        return obj.labels.get("en", "")
