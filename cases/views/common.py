"""What the pages share: fetching the one case a page is about, through the access gate, and
putting a service's refusal on the form that asked for it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from ..models import Case
from ..queries import case_detail_for, visible_cases


def _not_found() -> Http404:
    # The same answer for a hidden case and a missing one; never echo what was asked for.
    return Http404(_("No case found."))


def visible_case_or_404(user: Any, reference: str) -> Case:
    """The case, if `user` may see it: for pages that need the case row, not its page."""
    try:
        return visible_cases(user).select_related("place").get(reference=reference)
    except Case.DoesNotExist:
        raise _not_found() from None


def case_page_case_or_404(user: Any, reference: str) -> Case:
    """The case with everything its page shows (cases.queries.case_detail_for)."""
    try:
        return case_detail_for(user, reference)
    except Case.DoesNotExist:
        raise _not_found() from None


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else NON_FIELD_ERRORS, errors)
