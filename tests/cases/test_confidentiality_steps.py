"""Confidentiality as a recorded decision: raising is open to editors, lowering needs a
reviewer or administrator and a reason, and both are steps of the workflow history."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.models import (
    AccessGrant,
    CaseState,
    CaseTransition,
    CaseWatch,
    Confidentiality,
    Notification,
    Transition,
)
from cases.queries import visible_cases
from cases.services.cases import case_update
from cases.services.confidentiality import case_set_confidentiality
from cases.services.workflow import access_grant

from ..factories import CaseFactory

pytestmark = pytest.mark.django_db


def steps(case):
    return list(CaseTransition.objects.filter(case=case).values_list("action", "comment"))


def test_monitor_raises_to_internal_at_once_and_it_is_recorded(monitor):
    case = CaseFactory(confidentiality=Confidentiality.PUBLIC, state=CaseState.VERIFIED)
    step = case_set_confidentiality(acting_user=monitor, case=case, level="internal")
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL
    # A decision about readers, not a change of facts: the case stays verified.
    assert case.state == CaseState.VERIFIED
    assert (step.action, step.from_state, step.to_state) == (
        Transition.RAISE_CONFIDENTIALITY,
        CaseState.VERIFIED,
        CaseState.VERIFIED,
    )
    assert "public → internal" in step.comment
    assert case.history.first().confidentiality == "internal"
    assert case.history.first().history_user == monitor


def test_monitor_raising_to_restricted_keeps_seeing_the_case(monitor):
    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    case_set_confidentiality(acting_user=monitor, case=case, level="restricted")
    assert AccessGrant.objects.filter(case=case, user=monitor, revoked_at__isnull=True).exists()
    assert visible_cases(monitor).filter(pk=case.pk).exists()


def test_monitor_cannot_lower_confidentiality(monitor):
    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    with pytest.raises(PermissionDenied):
        case_set_confidentiality(
            acting_user=monitor, case=case, level="public", reason="It was published."
        )
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL
    assert steps(case) == []


def test_reviewer_cannot_lower_without_a_reason(reviewer):
    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    with pytest.raises(ValidationError) as refused:
        case_set_confidentiality(acting_user=reviewer, case=case, level="public", reason="  ")
    assert "reason" in refused.value.message_dict
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL


@pytest.mark.parametrize("role", ["reviewer", "administrator"])
def test_lowering_by_a_reviewer_or_administrator_is_a_recorded_step(role, request):
    user = request.getfixturevalue(role)
    case = CaseFactory(confidentiality=Confidentiality.RESTRICTED, state=CaseState.SUBMITTED)
    step = case_set_confidentiality(
        acting_user=user, case=case, level="internal", reason="The witness left the country."
    )
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL
    assert case.state == CaseState.SUBMITTED
    assert step.action == Transition.LOWER_CONFIDENTIALITY
    assert step.user == user
    assert step.comment == (
        "Confidentiality: restricted → internal.\nThe witness left the country."
    )


def test_lowering_notifies_the_monitor_and_watchers_not_the_reviewer(
    monitor, monitor2, reviewer, django_capture_on_commit_callbacks
):
    case = CaseFactory(
        acting_user=monitor, confidentiality=Confidentiality.INTERNAL, assigned_monitor=monitor
    )
    CaseWatch.objects.create(case=case, user=monitor2)
    CaseWatch.objects.create(case=case, user=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        case_set_confidentiality(
            acting_user=reviewer, case=case, level="public", reason="Reported by the press."
        )
    notified = set(Notification.objects.values_list("user__username", flat=True))
    assert notified == {"monitor", "monitor2"}
    assert all(case.reference in message.subject for message in mail.outbox)
    assert "Reported by the press" not in "".join(m.body + m.subject for m in mail.outbox)


def test_raising_notifies_nobody(monitor, monitor2, django_capture_on_commit_callbacks):
    case = CaseFactory(confidentiality=Confidentiality.PUBLIC, assigned_monitor=monitor2)
    with django_capture_on_commit_callbacks(execute=True):
        case_set_confidentiality(acting_user=monitor, case=case, level="internal")
    assert not Notification.objects.exists()


def test_setting_the_same_level_records_nothing(reviewer):
    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    assert case_set_confidentiality(acting_user=reviewer, case=case, level="internal") is None
    assert steps(case) == []


def test_case_update_refuses_a_lowering_naming_confidentiality(reviewer):
    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    with pytest.raises(ValidationError) as refused:
        case_update(acting_user=reviewer, case=case, changes={"confidentiality": "public"})
    assert "confidentiality" in refused.value.message_dict
    assert "/confidentiality/" in refused.value.message_dict["confidentiality"][0]
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL


def test_case_update_takes_a_raise_as_a_recorded_step(monitor):
    case = CaseFactory(confidentiality=Confidentiality.PUBLIC)
    case_update(
        acting_user=monitor,
        case=case,
        changes={"confidentiality": "restricted", "title": "Arrest of six"},
    )
    case.refresh_from_db()
    assert (case.confidentiality, case.title) == ("restricted", "Arrest of six")
    assert [action for action, _comment in steps(case)] == [Transition.RAISE_CONFIDENTIALITY]
    assert visible_cases(monitor).filter(pk=case.pk).exists()


def test_a_granted_reviewer_lowering_a_restricted_case_keeps_other_grants(
    administrator, reviewer, monitor
):
    case = CaseFactory(confidentiality=Confidentiality.RESTRICTED)
    access_grant(acting_user=administrator, case=case, user=monitor)
    access_grant(acting_user=administrator, case=case, user=reviewer)
    case_set_confidentiality(acting_user=reviewer, case=case, level="internal", reason="Public now")
    assert AccessGrant.objects.filter(case=case, revoked_at__isnull=True).count() == 2


# --- The pages -------------------------------------------------------------------------------


def _edit_data(case, **overrides):
    data = {
        "version": case.version,
        "title": case.title,
        "summary": case.summary,
        "narrative": case.narrative,
        "occurred": case.occurred,
        "place": case.place_id or "",
        "confidentiality": case.confidentiality,
        "assigned_monitor": case.assigned_monitor_id or "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_edit_form_offers_a_monitor_only_the_raises(client, monitor):
    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    client.force_login(monitor)
    page = client.get(reverse("cases:case-edit", args=[case.reference])).content.decode()
    assert 'value="restricted"' in page
    assert 'value="public"' not in page
    assert "only a reviewer may lower it" in page
    assert "confidentiality_reason" not in page


def test_monitor_lowering_through_the_form_is_refused(client, monitor):
    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    client.force_login(monitor)
    answer = client.post(
        reverse("cases:case-edit", args=[case.reference]),
        _edit_data(case, confidentiality="public"),
    )
    assert answer.status_code == 400
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL
    assert steps(case) == []


def test_reviewer_must_give_a_reason_in_the_form_to_lower(client, reviewer):
    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    client.force_login(reviewer)
    url = reverse("cases:case-edit", args=[case.reference])
    assert "confidentiality_reason" in client.get(url).content.decode()
    refused = client.post(url, _edit_data(case, confidentiality="public"))
    assert refused.status_code == 400
    assert "a reason is required" in refused.content.decode()
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL

    saved = client.post(
        url,
        _edit_data(case, confidentiality="public", confidentiality_reason="Published by RFA."),
    )
    assert saved.status_code == 302
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.PUBLIC
    assert steps(case) == [
        (Transition.LOWER_CONFIDENTIALITY, "Confidentiality: internal → public.\nPublished by RFA.")
    ]
    detail = client.get(reverse("cases:case-detail", args=[case.reference])).content.decode()
    assert "Confidentiality lowered" in detail
    assert "Published by RFA." in detail


def test_a_form_lowering_and_a_bad_fact_writes_neither(client, reviewer):
    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    client.force_login(reviewer)
    answer = client.post(
        reverse("cases:case-edit", args=[case.reference]),
        _edit_data(
            case, confidentiality="public", confidentiality_reason="Why", occurred="not a date"
        ),
    )
    assert answer.status_code == 400
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL
    assert steps(case) == []


def test_a_stale_lowering_keeps_the_reason_and_writes_nothing(client, reviewer, monitor):
    from cases.models import StaleEdit

    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    client.force_login(reviewer)
    data = _edit_data(case, confidentiality="public", confidentiality_reason="Published by RFA.")
    case_update(acting_user=monitor, case=case, changes={"title": "Changed meanwhile"})
    answer = client.post(reverse("cases:case-edit", args=[case.reference]), data)
    assert answer.status_code == 409
    assert "Published by RFA." in answer.content.decode()
    assert StaleEdit.objects.get().data["confidentiality_reason"] == "Published by RFA."
    case.refresh_from_db()
    assert case.confidentiality == Confidentiality.INTERNAL
    assert steps(case) == []
