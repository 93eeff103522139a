"""Forms of the case pages. They read and validate input; the services in cases.services write.

A form never saves: views hand `cleaned_data` to a service (`case_update`, `case_transition`),
which validates again, locks and records the version.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Model, Q
from django.utils.translation import gettext_lazy as _

from casebook.accounts.roles import Role

from .forms_lookup import PlaceChoiceField
from .models import Case

# The facts of a case a monitor may change through the edit form, in the order shown.
CASE_EDIT_FIELDS = (
    "title",
    "summary",
    "narrative",
    "occurred",
    "occurred_inferred",
    "place",
    "violation_types",
    "confidentiality",
    "assigned_monitor",
)
# Everything but the many-to-many field goes to case_update as `changes`.
CASE_SCALAR_FIELDS = tuple(name for name in CASE_EDIT_FIELDS if name != "violation_types")
COMMENT_MAX_LENGTH = 5000


def _one_newline_style(text: str) -> str:
    """Browsers send textarea lines ending in CRLF; stored text uses LF. Without this an
    untouched narrative would count as changed, make a new version and trip four eyes."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class CaseEditForm(forms.ModelForm):
    """The editable facts of a case, plus the version the form was loaded from.

    Bind it to a copy of the case (`copy.copy(case)`): ModelForm validation writes the typed
    values onto its instance, and the service must compare them with the stored ones.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    confidentiality_reason = forms.CharField(
        label=_("Why may more people see it?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when lowering the confidentiality; kept in the workflow history."),
    )

    class Meta:
        model = Case
        fields = CASE_EDIT_FIELDS
        field_classes = {"place": PlaceChoiceField}
        widgets = {
            "title": forms.TextInput(attrs={"autocomplete": "off"}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "narrative": forms.Textarea(attrs={"rows": 12}),
            "violation_types": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, may_lower: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "version" not in self.initial and self.instance.pk:
            self.initial["version"] = self.instance.version
        self.fields["occurred"].widget.attrs["aria-describedby"] = "occurred-help"
        self._limit_monitor_choices()
        self._confidentiality_rule(may_lower)

    def _confidentiality_rule(self, may_lower: bool) -> None:
        """Raising is open to every editor; lowering needs a reviewer (or an administrator)
        and a reason (cases.services.confidentiality). Those who may not lower are offered
        only the current level and the narrower ones."""
        from .services.confidentiality import LEVELS, rank

        field = self.fields["confidentiality"]
        current = self.instance.confidentiality if self.instance.pk else None
        if may_lower or current is None:
            field.help_text = _(
                "Raising it takes effect at once. Lowering it needs a reason, is recorded in "
                "the workflow history and is announced to the case's monitor and watchers."
            )
        else:
            field.choices = [
                (level.value, level.label) for level in LEVELS if rank(level) >= rank(current)
            ]
            field.help_text = _(
                "You may raise it (it takes effect at once); only a reviewer may lower it."
            )
            del self.fields["confidentiality_reason"]
            return
        # The reason sits right under the level it explains.
        reason = self.fields.pop("confidentiality_reason")
        ordered = {}
        for name, value in self.fields.items():
            ordered[name] = value
            if name == "confidentiality":
                ordered["confidentiality_reason"] = reason
        self.fields = ordered

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        level = cleaned.get("confidentiality")
        if "confidentiality_reason" not in self.fields or not self.instance.pk or not level:
            return cleaned
        from .services.confidentiality import is_lowering

        reason = _one_newline_style(cleaned.get("confidentiality_reason", "")).strip()
        cleaned["confidentiality_reason"] = reason
        # The instance still holds the stored level: ModelForm copies the input onto it later.
        if is_lowering(self.instance.confidentiality, level) and not reason:
            self.add_error(
                "confidentiality_reason",
                _("Say why the case may be seen more widely: a reason is required."),
            )
        return cleaned

    def _limit_monitor_choices(self) -> None:
        # Monitors and reviewers enter cases; keep whoever is assigned now even if their role
        # has since changed, so opening and saving the form never drops the assignment.
        users = get_user_model().objects.filter(
            Q(is_active=True, groups__name__in=[Role.MONITOR.value, Role.REVIEWER.value])
            | Q(pk=self.instance.assigned_monitor_id)
        )
        self.fields["assigned_monitor"].queryset = users.distinct().order_by("username")

    def clean_summary(self) -> str:
        return _one_newline_style(self.cleaned_data["summary"])

    def clean_narrative(self) -> str:
        return _one_newline_style(self.cleaned_data["narrative"])

    def changes(self) -> dict[str, Any]:
        """The scalar facts as `case_update(changes=...)` takes them."""
        return {name: self.cleaned_data[name] for name in CASE_SCALAR_FIELDS}

    def submitted_data(self) -> dict[str, Any]:
        """What the user typed, as JSON (related records by id), for stale_edit_keep."""
        data: dict[str, Any] = {}
        for name in CASE_EDIT_FIELDS:
            value = self.cleaned_data.get(name)
            if isinstance(value, Model):
                value = value.pk
            elif name == "violation_types":
                value = sorted(term.pk for term in value or [])
            data[name] = value
        if self.cleaned_data.get("confidentiality_reason"):
            data["confidentiality_reason"] = self.cleaned_data["confidentiality_reason"]
        return data


class CaseCreateForm(CaseEditForm):
    """The facts a new case opens with. People, detentions, sources and interventions are
    added on its page once it exists; any confidentiality may be chosen, since nothing is
    being lowered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, may_lower=True, **kwargs)
        del self.fields["version"]
        self.fields.pop("confidentiality_reason", None)

    def creation_fields(self) -> dict[str, Any]:
        """The facts as `case_create` takes them."""
        return {name: self.cleaned_data[name] for name in CASE_SCALAR_FIELDS}


class TransitionForm(forms.Form):
    """One workflow step from the case page. Whether a comment is required is the state
    machine's rule (cases.workflow.check), so it is not repeated here."""

    action = forms.CharField(max_length=20)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=COMMENT_MAX_LENGTH, widget=forms.Textarea
    )
    # The version of the case shown on the page the reviewer decided on (a hidden field).
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_comment(self) -> str:
        return _one_newline_style(self.cleaned_data["comment"]).strip()
