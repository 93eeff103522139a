"""What happened to a case after it was written up: the verification steps that brought it to
its state, who watches it, advocacy on it, and links to related cases."""

from __future__ import annotations

import datetime

from ..models import CaseRelationKind, CaseState, InterventionStatus, Transition
from ..services.cases import reply_due_for
from .chance import Weighted, between
from .common import NOW, TODAY, Clock
from .places import County

INTERVENTION_KIND = Weighted(
    {"un-urgent-appeal": 35.0, "wgad-communication": 20.0, "letter": 30.0, "press-release": 15.0}
)
INTERVENTION_STATUS = Weighted(
    {
        InterventionStatus.PLANNED.value: 10.0,
        InterventionStatus.SENT.value: 30.0,
        InterventionStatus.ACKNOWLEDGED.value: 15.0,
        InterventionStatus.REPLIED.value: 20.0,
        InterventionStatus.CLOSED.value: 25.0,
    }
)


class WorkflowMixin:
    """Part of Generator (uses its rng, tables, terms, ids and users)."""

    def _workflow(
        self,
        case_id: int,
        state: str,
        monitor: int,
        facts_changed: datetime.datetime,
    ) -> datetime.datetime:
        """The verification steps that brought the case to its state; returns when the case
        last changed."""
        rng = self.rng
        steps = {
            CaseState.DRAFT: (),
            CaseState.SUBMITTED: (Transition.SUBMIT,),
            CaseState.VERIFIED: (Transition.SUBMIT, Transition.VERIFY),
            CaseState.REJECTED: (Transition.SUBMIT, Transition.REJECT),
            CaseState.DISPUTED: (Transition.SUBMIT, Transition.VERIFY, Transition.DISPUTE),
        }[CaseState(state)]
        current = CaseState.DRAFT.value
        at = facts_changed
        reviewer = rng.choice(self.users.reviewers)
        for action in steps:
            at = min(at + datetime.timedelta(seconds=between(rng, 3600, 30 * 86400)), NOW)
            user = monitor if action in (Transition.SUBMIT, Transition.DISPUTE) else reviewer
            target = {
                Transition.SUBMIT: CaseState.SUBMITTED,
                Transition.VERIFY: CaseState.VERIFIED,
                Transition.REJECT: CaseState.REJECTED,
                Transition.DISPUTE: CaseState.DISPUTED,
            }[action].value
            comment = ""
            if action == Transition.REJECT:
                comment = "Not enough independent sources; the report could not be confirmed."
            elif action == Transition.DISPUTE:
                comment = "A later report gives a different date and place."
            self.t.transition.add(
                id=self.ids.next("transition"),
                case_id=case_id,
                action=action.value,
                from_state=current,
                to_state=target,
                user_id=user,
                at=at,
                comment=comment,
            )
            if action in (Transition.SUBMIT, Transition.DISPUTE) and current == CaseState.DRAFT:
                # case_transition: whoever submits starts watching the case.
                self.t.watch.add(
                    id=self.ids.next("watch"),
                    case_id=case_id,
                    user_id=user,
                    created_at=at,
                )
            current = target
        return max(at, facts_changed)

    def _intervention(self, case_id: int, entered: datetime.datetime, clock: Clock) -> None:
        rng = self.rng
        kind = INTERVENTION_KIND.pick(rng)
        status = INTERVENTION_STATUS.pick(rng)
        sent_on = None
        if status != InterventionStatus.PLANNED:
            sent_on = min(entered.date() + datetime.timedelta(days=between(rng, 10, 200)), TODAY)
        created = clock.later(hours=(1, 48))
        self.t.intervention.add(
            id=self.ids.next("intervention"),
            created_at=created,
            updated_at=created,
            case_id=case_id,
            kind_id=self.terms.intervention_kind[kind],
            sent_on=sent_on,
            sent_by="Casebook team" if sent_on else "",
            addressed_to={
                "un-urgent-appeal": "UN Special Rapporteur on freedom of expression",
                "wgad-communication": "UN Working Group on Arbitrary Detention",
                "letter": "Embassy of the People's Republic of China",
                "press-release": "",
            }[kind],
            external_reference=f"UA CHN {between(rng, 1, 20)}/{sent_on.year}"
            if sent_on and kind.startswith("un")
            else "",
            status=status,
            # cases.services.cases.reply_due_for: the UN procedures give 60 days.
            reply_due=reply_due_for(kind, sent_on),
            reply_due_set_by_hand=False,
            response="The government denied the allegations."
            if status in (InterventionStatus.REPLIED, InterventionStatus.CLOSED)
            else "",
        )

    def _relation(self, case_id: int, county: County, clock: Clock) -> None:
        rng = self.rng
        earlier = self._last_case_in.get(county.place.id)
        self._last_case_in[county.place.id] = case_id
        if earlier is None or rng.random() > 0.015:
            return
        created = clock.later(minutes=(1, 30))
        self.t.case_relation.add(
            id=self.ids.next("case_relation"),
            created_at=created,
            updated_at=created,
            from_case_id=case_id,
            to_case_id=earlier,
            kind=rng.choice((CaseRelationKind.RELATED_TO.value, CaseRelationKind.PART_OF.value)),
            note="",
        )
