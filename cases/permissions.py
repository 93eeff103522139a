"""Object-level predicates (the `rules` library): may this user see, edit, move this case?

They read the same gate and state machine as everything else — visible_cases and
cases.workflow — so a rule is never written twice. Use `case_rules.test_rule(name, user, case)`
or the helpers below.
"""

from __future__ import annotations

from typing import Any

import rules

from casebook.accounts.roles import Role

from . import workflow
from .models import Case
from .queries import visible_cases


@rules.predicate
def can_see(user: Any, case: Case) -> bool:
    return visible_cases(user).filter(pk=case.pk).exists()


@rules.predicate
def can_edit(user: Any, case: Case) -> bool:
    return (
        user.is_authenticated
        and user.has_role(Role.MONITOR, Role.REVIEWER)
        and case.state in workflow.EDITABLE_STATES
    )


@rules.predicate
def is_administrator(user: Any, case: Case | None = None) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMINISTRATOR)


def _step_allowed(action: str):
    @rules.predicate(name=f"may_{action}")
    def allowed(user: Any, case: Case) -> bool:
        try:
            workflow.check(user, case, action, comment="-")
        except workflow.TransitionRefused:
            return False
        return True

    return allowed


case_rules = rules.RuleSet()
case_rules.add_rule("view", can_see)
case_rules.add_rule("edit", can_see & can_edit)
case_rules.add_rule("grant", can_see & is_administrator)
for _action in workflow.STEPS:
    case_rules.add_rule(_action, can_see & _step_allowed(_action))


def may(user: Any, action: str, case: Case) -> bool:
    """`action` is view, edit, grant or a workflow step (submit, verify, return, …)."""
    return case_rules.test_rule(action, user, case)
