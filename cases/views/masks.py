"""Name masks for the pages, and the reviewer's list of withheld names standing in free text.

A reader who may not see withheld identities (an advocate) reads every free text of a page —
titles, summaries, narratives, event notes, citations, interventions, comments — through the
mask of the withheld people of the case it belongs to (cases.redaction). A reader who sees
identities gets no mask, and the page pays no query for one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ..models import Case
from ..queries import Reader
from ..redaction import NO_MASK, NameMask, withheld_mask, withheld_masks


def page_masks(who: Any, case_ids: Iterable[int]) -> dict[int, NameMask]:
    """The mask of each case for this reader; empty when the reader sees identities."""
    if Reader.of(who).sees_identities:
        return {}
    return withheld_masks(case_ids)


def joined(masks: Iterable[NameMask]) -> NameMask:
    """One mask replacing the names of all of them (text that speaks of several cases)."""
    forms = {form for mask in masks for form in mask.forms}
    return NameMask(forms) if forms else NO_MASK


@dataclass(frozen=True)
class Occurrence:
    """A withheld person's name as it stands in a free text of the case."""

    where: str
    name: str


def _free_texts(case: Case) -> Iterable[tuple[str, str]]:
    """(where, text) of every free text of a case its page shows, from what case_detail_for
    prefetched: no query of its own."""
    yield capfirst(_("title")), case.title
    yield capfirst(_("summary")), case.summary
    yield capfirst(_("narrative")), case.narrative
    for citation in case.citations.all():
        yield _("Excerpt of “%(source)s”") % {"source": citation.source.title}, citation.excerpt
    for number, detention in enumerate(case.detentions.all(), start=1):
        for event in detention.events.all():
            where = _("Note of the event “%(event)s” (person %(number)d)") % {
                "event": event.event_type.label if event.event_type_id else "",
                "number": number,
            }
            yield where, event.note
            for citation in event.citations.all():
                yield (
                    _("Excerpt of “%(source)s” on an event (person %(number)d)")
                    % {"source": citation.source.title, "number": number},
                    citation.excerpt,
                )
        for citation in detention.citations.all():
            yield (
                _("Excerpt of “%(source)s” on the detention (person %(number)d)")
                % {"source": citation.source.title, "number": number},
                citation.excerpt,
            )


def withheld_name_occurrences(case: Case) -> list[Occurrence]:
    """Every withheld person's name found in the case's free text, in page order, so that a
    reviewer can fix them before verifying (one mask, three queries)."""
    mask = withheld_mask(case)
    if not mask:
        return []
    return [
        Occurrence(where, name)
        for where, text in _free_texts(case)
        for name in mask.occurrences(text)
    ]
