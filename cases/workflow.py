"""The verification state machine of WORKFLOW.md, with its guards, in one place.

    draft ──submit──▶ submitted ──verify──▶ verified ──dispute──▶ disputed ──resubmit──▶ submitted
      ▲                 │    │
      └────return───────┘    └──reject──▶ rejected ──reopen──▶ draft

Who may take a step depends on role and state; two guards protect `verify`:
- four eyes: nobody who changed the case's facts since it was last verified (including before
  it was submitted) may verify it (CaseFactEditor keeps who did);
- corroboration: at least N independent sources cited on the case (different outlets or
  originators, and not one repeating another), or one source graded A/B whose citation is
  graded 1/2. N and the grades are settings (CASEBOOK_CORROBORATION).
A refused step says which rule refused it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.db.models.signals import post_save
from django.utils.translation import gettext as _

from casebook.accounts.roles import Role

from .history import checkpoint_on_commit
from .models import Case, CaseFactEditor, CaseState, CaseTransition, Citation, Source, Transition
from .text import fold

S = CaseState


@dataclass(frozen=True)
class Step:
    action: Transition
    sources: frozenset[str]
    target: str
    roles: frozenset[Role]
    comment_required: bool = False


STEPS: dict[str, Step] = {
    step.action.value: step
    for step in (
        Step(
            Transition.SUBMIT,
            frozenset({S.DRAFT}),
            S.SUBMITTED,
            frozenset({Role.MONITOR, Role.REVIEWER}),
        ),
        Step(Transition.VERIFY, frozenset({S.SUBMITTED}), S.VERIFIED, frozenset({Role.REVIEWER})),
        Step(
            Transition.RETURN, frozenset({S.SUBMITTED}), S.DRAFT, frozenset({Role.REVIEWER}), True
        ),
        Step(
            Transition.REJECT,
            frozenset({S.SUBMITTED}),
            S.REJECTED,
            frozenset({Role.REVIEWER}),
            True,
        ),
        Step(
            Transition.DISPUTE,
            frozenset({S.VERIFIED}),
            S.DISPUTED,
            frozenset({Role.MONITOR, Role.REVIEWER}),
            True,
        ),
        Step(
            Transition.RESUBMIT,
            frozenset({S.DISPUTED}),
            S.SUBMITTED,
            frozenset({Role.MONITOR, Role.REVIEWER}),
        ),
        Step(Transition.REOPEN, frozenset({S.REJECTED}), S.DRAFT, frozenset({Role.REVIEWER})),
    )
}

# The states in which monitors and reviewers may change a case's facts. A rejected case must be
# reopened first; editing a verified one sends it back to review.
EDITABLE_STATES = frozenset({S.DRAFT, S.SUBMITTED, S.VERIFIED, S.DISPUTED})


class TransitionRefused(Exception):
    """A workflow step that may not be taken; `rule` names the rule, `message` explains it.

    A step refused because the case changed since the version the user read (rule `version`)
    also carries `changes`: what changed since then, and who changed it.
    """

    def __init__(
        self, rule: str, message: str, changes: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.changes = changes or []


def case_citations(case: Case) -> Q:
    """Citations that support a case: on it, its detentions, or their events."""
    return Q(case=case) | Q(detention__case=case) | Q(detention_event__detention__case=case)


def _upstream_root(source: Source, known: dict[int, Source]) -> int:
    """The report a source ultimately repeats (itself if it repeats none)."""
    seen = {source.pk}
    current = source
    while current.repeats_id is not None and current.repeats_id not in seen:
        seen.add(current.repeats_id)
        upstream = (
            known.get(current.repeats_id) or Source.objects.filter(pk=current.repeats_id).first()
        )
        if upstream is None:
            break
        known[upstream.pk] = upstream
        current = upstream
    return current.pk


def count_independent(sources: list[Source]) -> int:
    """How many independent voices: sources that repeat the same report, or share an outlet or
    an originator, count once."""
    known = {source.pk: source for source in sources}
    group = {source.pk: source.pk for source in sources}

    def find(pk: int) -> int:
        while group[pk] != pk:
            group[pk] = group[group[pk]]
            pk = group[pk]
        return pk

    first_with_voice: dict[str, int] = {}
    for source in sources:
        voices = [f"root:{_upstream_root(source, known)}"]
        if fold(source.outlet):
            voices.append(f"outlet:{fold(source.outlet)}")
        if fold(source.originator or ""):
            voices.append(f"originator:{fold(source.originator or '')}")
        for voice in voices:
            if voice in first_with_voice:
                group[find(source.pk)] = find(first_with_voice[voice])
            else:
                first_with_voice[voice] = source.pk
    return len({find(pk) for pk in group})


def corroboration_problem(case: Case) -> str | None:
    """None when the case is corroborated; otherwise what is missing, in words."""
    rule = settings.CASEBOOK_CORROBORATION
    citations = Citation.objects.filter(case_citations(case)).select_related("source")
    strong = citations.filter(
        source__reliability__in=rule["strong_reliability"],
        credibility__in=rule["strong_credibility"],
    )
    if strong.exists():
        return None
    sources = list({citation.source.pk: citation.source for citation in citations}.values())
    independent = count_independent(sources)
    needed = rule["min_independent_sources"]
    if independent >= needed:
        return None
    return _(
        "Corroboration: the case needs %(needed)d independent sources (different outlets or "
        "originators, none repeating another) or one source graded %(grades)s cited with "
        "credibility %(credibility)s; it has %(found)d."
    ) % {
        "needed": needed,
        "grades": "/".join(rule["strong_reliability"]),
        "credibility": "/".join(str(c) for c in rule["strong_credibility"]),
        "found": independent,
    }


def check(user: Any, case: Case, action: str, comment: str = "", *, guards: bool = True) -> Step:
    """Return the step if `user` may take `action` on `case`; raise TransitionRefused otherwise.

    The caller must already have fetched `case` through visible_cases: what a user cannot see
    is missing, not refused.
    """
    step = STEPS.get(action)
    if step is None:
        raise TransitionRefused(
            "unknown", _("“%(action)s” is not a workflow step.") % {"action": action}
        )
    if not user.has_role(*step.roles):
        roles = ", ".join(sorted(str(role.label) for role in step.roles))
        raise TransitionRefused(
            "role",
            _("Only a %(roles)s may %(action)s a case.")
            % {"roles": roles, "action": step.action.label},
        )
    if case.state not in step.sources:
        raise TransitionRefused(
            "state",
            _("A %(state)s case cannot be %(action)s.")
            % {"state": case.get_state_display(), "action": _past(step.action)},
        )
    if step.comment_required and not comment.strip():
        raise TransitionRefused(
            "comment",
            _("Say why: a comment is required to %(action)s.") % {"action": step.action.label},
        )
    if guards and step.action == Transition.VERIFY:
        if CaseFactEditor.objects.filter(case=case, user=user).exists():
            raise TransitionRefused(
                "four-eyes",
                _(
                    "Four eyes: you changed this case's facts since it was last verified, "
                    "so another reviewer must verify it."
                ),
            )
        problem = corroboration_problem(case)
        if problem:
            raise TransitionRefused("corroboration", problem)
    return step


def _past(action: Transition) -> str:
    return {
        Transition.SUBMIT: _("submitted"),
        Transition.VERIFY: _("verified"),
        Transition.RETURN: _("returned"),
        Transition.REJECT: _("rejected"),
        Transition.DISPUTE: _("disputed"),
        Transition.RESUBMIT: _("resubmitted"),
        Transition.REOPEN: _("reopened"),
    }.get(action, str(action.label))


@dataclass(frozen=True)
class Offer:
    """A step shown to a user: enabled, or disabled with the reason."""

    step: Step
    refused_because: str | None


def offers(user: Any, case: Case) -> list[Offer]:
    """The steps this user's role allows from the case's state, with any guard that blocks one."""
    found = []
    for step in STEPS.values():
        if case.state not in step.sources or not user.has_role(*step.roles):
            continue
        try:
            check(user, case, step.action, comment="-")
        except TransitionRefused as refusal:
            found.append(Offer(step, refusal.message))
        else:
            found.append(Offer(step, None))
    return found


def _checkpoint_after_step(sender: Any, instance: CaseTransition, created: bool, **kwargs) -> None:
    """Every step leaves a signed checkpoint of the history chain outside the database, once it
    has committed: the entries it wrote can no longer be rolled back unseen."""
    if created and not kwargs.get("raw"):
        checkpoint_on_commit()


post_save.connect(
    _checkpoint_after_step, sender=CaseTransition, dispatch_uid="cases.workflow.checkpoint"
)
