"""Controlled vocabularies and their terms: administrators extend them without code.

Terms are referred to by code from records, imports, exports and settings, so a term in use is
retired (`active` off) rather than deleted; the database protects the terms records point at.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ..models import Term, Vocabulary
from .common import delete_recorded, save_validated


@transaction.atomic
def vocabulary_save(*, acting_user: Any, vocabulary: Vocabulary) -> Vocabulary:
    """Create or change a vocabulary (validated, versioned)."""
    return save_validated(vocabulary, acting_user=acting_user)


@transaction.atomic
def term_save(*, acting_user: Any, term: Term) -> Term:
    """Create or change a term (validated, versioned); its code and vocabulary are fixed once
    records may point at it (the admin shows them read-only)."""
    return save_validated(term, acting_user=acting_user)


def _delete_unused(record: Any, acting_user: Any) -> None:
    try:
        with transaction.atomic():
            delete_recorded(record, acting_user=acting_user)
    except ProtectedError as error:
        raise ValidationError(
            _("%(record)s is still in use (%(count)d records refer to it): retire it instead.")
            % {"record": record, "count": len(error.protected_objects)}
        ) from error


@transaction.atomic
def vocabulary_delete(*, acting_user: Any, vocabulary: Vocabulary) -> None:
    _delete_unused(vocabulary, acting_user)


@transaction.atomic
def term_delete(*, acting_user: Any, term: Term) -> None:
    _delete_unused(term, acting_user)
