from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Case, Citation, Source, Term
from .boundary import cases_citing_source, cases_of_citation, ensure_writer_sees
from .common import apply_changes, delete_recorded, lock_for_write, save_validated
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
    _supported_facts_changed(acting_user, cases_supported_by(citation))
    return citation


@transaction.atomic
def cite_new_source(
    *, acting_user: Any, source: Mapping[str, Any], citation: Mapping[str, Any]
) -> Citation:
    """Record a new source and cite it at once, as the case page's "Cite a source" form does.

    One transaction: if the citation is refused, the source is not left behind uncited.
    `source` holds source_create's fields (kind and title among them); `citation` holds
    citation_create's, with exactly one target.
    """
    created = source_create(acting_user=acting_user, **source)
    return citation_create(acting_user=acting_user, source=created, **citation)


def _supported_facts_changed(acting_user: Any, cases: list[Case]) -> None:
    for case in {case.pk: case for case in cases}.values():
        case_facts_changed(acting_user=acting_user, case=case)


@transaction.atomic
def citation_update(
    *, acting_user: Any, citation: Citation, changes: Mapping[str, Any]
) -> Citation:
    """Change a citation: its source, what it supports, the claim, excerpt, locator or grade.

    Every case it supports changes its facts — before and after the change, when the citation
    moves to another target. A move names the new target and clears the others in the same
    write (the database keeps exactly one set).
    """
    # Applied to the stored record under a row lock (citations carry no version number).
    stored = lock_for_write(Citation.objects, citation.pk)
    ensure_writer_sees(acting_user, cases_of_citation(stored))
    before = cases_supported_by(stored)
    if apply_changes(stored, changes):
        ensure_writer_sees(acting_user, cases_of_citation(stored))
        save_validated(stored, acting_user=acting_user)
        _supported_facts_changed(acting_user, [*before, *cases_supported_by(stored)])
    citation.__dict__.update(stored.__dict__)
    return citation


@transaction.atomic
def citation_delete(*, acting_user: Any, citation: Citation) -> None:
    """Remove a citation (its versions stay); the cases it supported change their facts."""
    stored = lock_for_write(Citation.objects, citation.pk)
    ensure_writer_sees(acting_user, cases_of_citation(stored))
    cases = cases_supported_by(stored)
    delete_recorded(stored, acting_user=acting_user)
    _supported_facts_changed(acting_user, cases)


@transaction.atomic
def source_update(*, acting_user: Any, source: Source, changes: Mapping[str, Any]) -> Source:
    """Change a source (optimistic locking on `source.version`); every case citing it is
    affected, since its grading feeds corroboration."""
    ensure_writer_sees(acting_user, cases_citing_source(source))
    if not apply_changes(source, changes):
        return source
    save_validated(source, acting_user=acting_user)
    for case in cases_citing_source(source).distinct():
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


@transaction.atomic
def source_delete(*, acting_user: Any, source: Source) -> None:
    """Remove a source entered by mistake. A source that is cited, holds evidence or is
    repeated by another stays: what rests on it would lose its ground."""
    stored = lock_for_write(Source.objects, source.pk)
    ensure_writer_sees(acting_user, cases_citing_source(stored))
    if stored.citations.exists() or stored.evidence.exists() or stored.repeated_by.exists():
        raise ValidationError(
            _("This source is cited, holds evidence or is repeated by another: it stays.")
        )
    delete_recorded(stored, acting_user=acting_user)
