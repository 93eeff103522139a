"""The page each user lands on (`/`): what is waiting for them, by role (PAGES.md).

- monitors (and reviewers, who also enter cases): their drafts, those returned to them with
  the reviewer's comment first, and what they submitted that waits for review;
- reviewers: the review queue, submitted cases oldest first, each with what blocks its
  verification by this reviewer now (four eyes, corroboration);
- everyone: the cases they watch that changed in the last 30 days;
- advocates: the cases verified lately;
- everyone with a role: alerts (releases due, no news, replies overdue; cases/alerts.py), the
  first ALERTS_SHOWN of each list, with a link to the alerts page.

Every list reads through `visible_cases`, is capped (the link under it leads to the full
list), and costs a fixed number of queries whatever its length, except the queue's
corroboration test, one query per case shown (at most QUEUE_SIZE).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from casebook.accounts.roles import Role

from ..alerts import alerts_for
from ..models import Case, CaseFactEditor, CaseState, CaseTransition, CaseWatch, Transition
from ..queries import Reader, visible_cases
from ..redaction import NO_MASK
from ..workflow import corroboration_problem
from .alerts import list_context
from .masks import page_masks

LIST_SIZE = 20
QUEUE_SIZE = 40
WATCHED_DAYS = 30
ALERTS_SHOWN = 10


@dataclass
class Row:
    case: Case
    title: str
    note: str = ""
    note_by: Any = None
    note_at: datetime.datetime | None = None
    blockers: tuple[str, ...] = ()


def _latest_transition(field: str, *actions: str) -> Subquery:
    latest = CaseTransition.objects.filter(case=OuterRef("pk"))
    if actions:
        latest = latest.filter(action__in=actions)
    return Subquery(latest.order_by("-at", "-pk").values(field)[:1])


def _with_last_step(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.annotate(
        last_action=_latest_transition("action"),
        last_comment=_latest_transition("comment"),
        last_step_at=_latest_transition("at"),
        last_step_by=_latest_transition("user__first_name"),
        last_step_by_username=_latest_transition("user__username"),
    )


def _rows(reader: Reader, cases: list[Case]) -> list[Row]:
    masks = page_masks(reader, [case.pk for case in cases])
    return [Row(case, masks.get(case.pk, NO_MASK).apply(case.title)) for case in cases]


def _my_drafts(reader: Reader) -> list[Row]:
    user = reader.user
    mine = Q(assigned_monitor=user) | Q(assigned_monitor__isnull=True, created_by=user)
    cases = list(
        _with_last_step(visible_cases(reader).filter(mine, state=CaseState.DRAFT))
        .select_related("place")
        .order_by("-updated_at")[:LIST_SIZE]
    )
    rows = _rows(reader, cases)
    for row in rows:
        if row.case.last_action == Transition.RETURN:
            row.note = row.case.last_comment
            row.note_by = row.case.last_step_by or row.case.last_step_by_username
            row.note_at = row.case.last_step_at
    # Returned cases first: someone is waiting for an answer.
    rows.sort(key=lambda row: not row.note)
    return rows


def _my_submitted(reader: Reader) -> list[Row]:
    user = reader.user
    mine = Q(assigned_monitor=user) | Q(assigned_monitor__isnull=True, created_by=user)
    cases = list(
        visible_cases(reader)
        .filter(mine, state=CaseState.SUBMITTED)
        .order_by("updated_at")[:LIST_SIZE]
    )
    return _rows(reader, cases)


def _review_queue(reader: Reader) -> tuple[list[Row], int]:
    submitted = visible_cases(reader).filter(state=CaseState.SUBMITTED)
    queued_since = _latest_transition("at", Transition.SUBMIT, Transition.RESUBMIT)
    cases = list(
        submitted.annotate(queued_since=queued_since)
        .select_related("assigned_monitor")
        .order_by("queued_since", "pk")[:QUEUE_SIZE]
    )
    edited_by_me = set(
        CaseFactEditor.objects.filter(case__in=cases, user=reader.user).values_list(
            "case_id", flat=True
        )
    )
    rows = _rows(reader, cases)
    for row in rows:
        blockers = []
        if row.case.pk in edited_by_me:
            blockers.append(
                _("Four eyes: you changed its facts, so another reviewer must verify it.")
            )
        problem = corroboration_problem(row.case)
        if problem:
            blockers.append(problem)
        row.blockers = tuple(blockers)
        row.note_at = row.case.queued_since
    return rows, submitted.count()


def _watched(reader: Reader) -> list[Row]:
    since = timezone.now() - datetime.timedelta(days=WATCHED_DAYS)
    watched = CaseWatch.objects.filter(user=reader.user).values("case")
    cases = list(
        visible_cases(reader)
        .filter(pk__in=watched, updated_at__gte=since)
        .order_by("-updated_at")[:LIST_SIZE]
    )
    return _rows(reader, cases)


def _verified_lately(reader: Reader) -> list[Row]:
    cases = list(
        visible_cases(reader)
        .filter(state=CaseState.VERIFIED)
        .annotate(verified_at=_latest_transition("at", Transition.VERIFY))
        .order_by("-verified_at", "-pk")[:LIST_SIZE]
    )
    rows = _rows(reader, cases)
    for row in rows:
        row.note_at = row.case.verified_at
    return rows


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    reader = Reader.of(request.user)
    context: dict[str, Any] = {"reader": reader, "is_editor": reader.is_editor}
    if reader.is_editor:
        context["drafts"] = _my_drafts(reader)
        context["submitted"] = _my_submitted(reader)
    if reader.has_role(Role.REVIEWER):
        context["queue"], context["queue_total"] = _review_queue(reader)
    if reader.has_role(Role.ADVOCATE) and not reader.works_inside:
        context["verified"] = _verified_lately(reader)
    if reader.has_role(Role.ADMINISTRATOR):
        context["is_administrator"] = True
    context["watched"] = _watched(reader) if reader.roles else []
    if reader.roles:
        context.update(list_context())
        context["alerts"] = alerts_for(reader, limit=ALERTS_SHOWN, today=context["today"])
    context["watched_days"] = WATCHED_DAYS
    return render(request, "cases/dashboard.html", context)
