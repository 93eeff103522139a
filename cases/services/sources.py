from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q

from ..models import Case, Citation, Source, Term
from .boundary import cases_citing_source, ensure_writer_sees
from .common import apply_changes, save_validated
from .workflow import case_facts_changed


@transaction.atomic
def source_create(*, acting_user: Any, kind: Term, title: str, **fields: Any) -> Source:
    return save_validated(Source(kind=kind, title=title.strip(), **fields), acting_user=acting_user)


@transaction.atomic
def citation_create(*, acting_user: Any, source: Source, **fields: Any) -> Citation:
    """Cite `source` for exactly one of case=, detention=, detention_event= or person=.

    A new citation changes what the cited case rests on, so it counts as a change of its facts.
    """
    citation = save_validated(Citation(source=source, **fields), acting_user=acting_user)
    for case in cases_supported_by(citation):
        case_facts_changed(acting_user=acting_user, case=case)
    return citation


@transaction.atomic
def source_update(*, acting_user: Any, source: Source, changes: Mapping[str, Any]) -> Source:
    """Change a source (optimistic locking on `source.version`); every case citing it is
    affected, since its grading feeds corroboration."""
    ensure_writer_sees(acting_user, cases_citing_source(source))
    if not apply_changes(source, changes):
        return source
    save_validated(source, acting_user=acting_user)
    for case in Case.objects.filter(case_citations_of_source(source)).distinct():
        case_facts_changed(acting_user=acting_user, case=case)
    return source


def cases_supported_by(citation: Citation) -> list[Case]:
    if citation.case_id:
        return [citation.case]
    if citation.detention_id:
        return [citation.detention.case]
    if citation.detention_event_id:
        return [citation.detention_event.detention.case]
    return list(Case.objects.filter(detentions__person=citation.person_id).distinct())


def case_citations_of_source(source: Source) -> Q:
    return (
        Q(citations__source=source)
        | Q(detentions__citations__source=source)
        | Q(detentions__events__citations__source=source)
        | Q(detentions__person__citations__source=source)
    )
