"""Alerts: what a monitor or advocate should act on now, read through the access gate.

Three lists, each over what the reader may see (cases/queries.py), so a case the reader may
not see is never listed and never counted:

1. **Releases due** — people still held (detained, sentenced or disappeared, as the timeline
   derives it) whose expected release (`Detention.expected_release`, from the sentence) falls
   within the next `CASEBOOK_ALERT_RELEASE_DAYS` days, today and the last day included, and
   those whose expected release has passed with no release recorded: someone should find out
   whether they came out.
2. **No news** — people still held of whom nothing has been heard for
   `CASEBOOK_ALERT_NO_NEWS_DAYS` days. The *news date* of a detention is the latest of: the
   day its record last changed; for each of its events, the latest day it may have happened
   (`occurred_latest`) and the day it was recorded or changed; the day a citation on the
   detention or on one of its events was recorded or changed. A new source, a dated event or a
   correction each count as news; a change of the case's own text does not, since it says
   nothing about the person.
3. **Replies overdue** — interventions whose reply deadline passed with no reply recorded: the
   rule of `cases.filters.is_reply_overdue`, in its query form `reply_overdue`, the one the
   API's `reply_overdue` filter applies.

The three lists cost a fixed number of queries whatever their length: for each a count and a
page of rows with their case and person joined, and once the name masks of the cases shown.
A withheld identity is shown as the placeholder to a reader who may not see it, and case
titles are masked as the case page masks them; `hide_identities=True` masks them for every
reader (the e-mail digest: mail leaves the building).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import DateField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.urls import reverse
from django.utils import timezone

from .filters import reply_overdue
from .models import Citation, Detention, DetentionEvent, DetentionStatus, Intervention
from .queries import PLACEHOLDER, Reader, visible_detentions, visible_interventions
from .redaction import NO_MASK, NameMask, withheld_masks

RELEASE = "release"
NO_NEWS = "no-news"
REPLY = "reply"
KINDS = (RELEASE, NO_NEWS, REPLY)

# Statuses under which a person is still held: a disappeared person is held where nobody may
# see them, so their release and their news matter as much.
STILL_HELD = (DetentionStatus.DETAINED, DetentionStatus.SENTENCED, DetentionStatus.DISAPPEARED)

# Stands for "no such date" inside Greatest, which answers NULL on SQLite when any argument is.
_NO_DATE = Value(datetime.date(1, 1, 1), output_field=DateField())


def release_days() -> int:
    return settings.CASEBOOK_ALERT_RELEASE_DAYS


def no_news_days() -> int:
    return settings.CASEBOOK_ALERT_NO_NEWS_DAYS


@dataclass(frozen=True)
class Alert:
    """One line of a list: what it is about, where it leads, and the date that makes it due."""

    kind: str
    reference: str
    case_title: str
    path: str  # the case page at the record's anchor, relative to the site
    when: datetime.date | None
    person: str = ""  # release and no-news alerts: the detainee, or the placeholder
    what: str = ""  # reply alerts: the intervention's kind and addressee
    overdue: bool = False  # release alerts: the expected day has passed

    def days_from(self, today: datetime.date) -> int | None:
        return None if self.when is None else (self.when - today).days


@dataclass
class AlertList:
    kind: str
    count: int
    items: list[Alert] = field(default_factory=list)

    @property
    def more(self) -> bool:
        return self.count > len(self.items)


@dataclass
class Alerts:
    release: AlertList
    no_news: AlertList
    replies: AlertList

    @property
    def lists(self) -> tuple[AlertList, AlertList, AlertList]:
        return (self.release, self.no_news, self.replies)

    @property
    def total(self) -> int:
        return sum(alert_list.count for alert_list in self.lists)


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def releases_due(who: Any, today: datetime.date | None = None) -> QuerySet[Detention]:
    """Still held, expected out within the next N days or already past the day; the longest
    overdue first."""
    until = _today(today) + datetime.timedelta(days=release_days())
    return (
        visible_detentions(who)
        .filter(status__in=STILL_HELD, expected_release__lte=until)
        .select_related("case", "person")
        .order_by("expected_release", "pk")
    )


def _latest(queryset: QuerySet, column: str) -> Subquery:
    return Subquery(
        queryset.filter(**{f"{column}__isnull": False})
        .order_by(F(column).desc())
        .values(column)[:1]
    )


def with_news_date(detentions: QuerySet[Detention]) -> QuerySet[Detention]:
    """Each detention with `news_on`, the date of the latest news of it (module docstring)."""
    events = DetentionEvent.objects.filter(detention=OuterRef("pk"))
    citations = Citation.objects.filter(
        Q(detention=OuterRef("pk")) | Q(detention_event__detention=OuterRef("pk"))
    )
    return detentions.annotate(
        news_on=Greatest(
            TruncDate("updated_at"),
            Coalesce(_latest(events, "occurred_latest"), _NO_DATE),
            Coalesce(TruncDate(_latest(events, "updated_at")), _NO_DATE),
            Coalesce(TruncDate(_latest(citations, "updated_at")), _NO_DATE),
            output_field=DateField(),
        )
    )


def without_news(who: Any, today: datetime.date | None = None) -> QuerySet[Detention]:
    """Still held, and no news for M days or more; the longest silent first."""
    since = _today(today) - datetime.timedelta(days=no_news_days())
    # The news date is never before the record's own last change: rows changed since are
    # left out before the news date is worked out for the others.
    changed_since = timezone.make_aware(
        datetime.datetime.combine(since + datetime.timedelta(days=1), datetime.time.min)
    )
    held = visible_detentions(who).filter(status__in=STILL_HELD, updated_at__lt=changed_since)
    return (
        with_news_date(held)
        .filter(news_on__lte=since)
        .select_related("case", "person")
        .order_by("news_on", "pk")
    )


def replies_overdue(who: Any, today: datetime.date | None = None) -> QuerySet[Intervention]:
    """Interventions past their reply deadline with no reply; the longest overdue first."""
    return (
        visible_interventions(who)
        .filter(reply_overdue(_today(today)))
        .select_related("case", "kind")
        .order_by("reply_due", "pk")
    )


def query_of(kind: str, who: Any, today: datetime.date | None = None) -> QuerySet:
    return {RELEASE: releases_due, NO_NEWS: without_news, REPLY: replies_overdue}[kind](who, today)


def _masks(reader: Reader, case_ids: Iterable[int], hide_identities: bool) -> dict[int, NameMask]:
    if reader.sees_identities and not hide_identities:
        return {}
    return withheld_masks(case_ids)


def _person_label(reader: Reader, detention: Detention, hide_identities: bool) -> str:
    person = detention.person
    if person.identity_withheld and (hide_identities or not reader.sees_identities):
        return PLACEHOLDER
    return str(person)


def _case_path(reference: str, anchor: str) -> str:
    return f"{reverse('cases:case-detail', args=[reference])}#{anchor}"


def alerts_of(
    kind: str,
    who: Any,
    rows: Sequence[Any],
    *,
    today: datetime.date | None = None,
    hide_identities: bool = False,
    masks: dict[int, NameMask] | None = None,
) -> list[Alert]:
    """The rows of one list (from `query_of`) as alerts, masked for the reader (with `masks`
    when the caller read them for several lists at once)."""
    reader = Reader.of(who)
    today = _today(today)
    if masks is None:
        masks = _masks(reader, {row.case_id for row in rows}, hide_identities)
    return [_alert(kind, reader, row, masks, today, hide_identities) for row in rows]


def _alert(
    kind: str,
    reader: Reader,
    row: Any,
    masks: dict[int, NameMask],
    today: datetime.date,
    hide_identities: bool,
) -> Alert:
    mask = masks.get(row.case_id, NO_MASK)
    case = row.case
    if kind == REPLY:
        what = row.kind.label if row.kind_id else ""
        if row.addressed_to:
            what = f"{what} – {row.addressed_to}" if what else row.addressed_to
        return Alert(
            kind,
            case.reference,
            mask.apply(case.title),
            _case_path(case.reference, f"intervention-{row.pk}"),
            row.reply_due,
            what=mask.apply(what),
        )
    when = row.expected_release if kind == RELEASE else row.news_on
    return Alert(
        kind,
        case.reference,
        mask.apply(case.title),
        _case_path(case.reference, f"detention-{row.public_id}"),
        when,
        person=_person_label(reader, row, hide_identities),
        overdue=kind == RELEASE and when is not None and when < today,
    )


def _counted_rows(
    kind: str, reader: Reader, limit: int, today: datetime.date
) -> tuple[int, list[Any]]:
    query = query_of(kind, reader, today)
    count = query.count()
    return count, (list(query[:limit]) if count else [])


def alert_list(
    kind: str,
    who: Any,
    *,
    limit: int,
    today: datetime.date | None = None,
    hide_identities: bool = False,
) -> AlertList:
    """The count of one list and its first `limit` alerts."""
    reader = Reader.of(who)
    count, rows = _counted_rows(kind, reader, limit, _today(today))
    return AlertList(
        kind, count, alerts_of(kind, reader, rows, today=today, hide_identities=hide_identities)
    )


def alerts_for(
    who: Any,
    *,
    limit: int = 10,
    today: datetime.date | None = None,
    hide_identities: bool = False,
) -> Alerts:
    """The three lists for a reader, each counted and cut at `limit`: a count and a page of
    rows each, and the name masks of all the cases shown at once (nine queries at most)."""
    reader = Reader.of(who)
    today = _today(today)
    found = {kind: _counted_rows(kind, reader, limit, today) for kind in KINDS}
    case_ids = {row.case_id for _count, rows in found.values() for row in rows}
    masks = _masks(reader, case_ids, hide_identities) if case_ids else {}
    lists = [
        AlertList(
            kind,
            count,
            alerts_of(
                kind, reader, rows, today=today, hide_identities=hide_identities, masks=masks
            ),
        )
        for kind, (count, rows) in found.items()
    ]
    return Alerts(*lists)
