from __future__ import annotations

from typing import Any

from django.db import transaction

from ..models import Citation, Source, Term
from .common import save_validated


@transaction.atomic
def source_create(*, acting_user: Any, kind: Term, title: str, **fields: Any) -> Source:
    return save_validated(Source(kind=kind, title=title.strip(), **fields), acting_user=acting_user)


@transaction.atomic
def citation_create(*, acting_user: Any, source: Source, **fields: Any) -> Citation:
    """Cite `source` for exactly one of case=, detention=, detention_event= or person=."""
    return save_validated(Citation(source=source, **fields), acting_user=acting_user)
