"""Fetching the one case a page is about, through the access gate."""

from __future__ import annotations

from typing import Any

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
