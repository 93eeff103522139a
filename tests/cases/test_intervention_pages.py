"""Recording interventions from the case page: add, change (only the fields changed, a clash
on the same field asks first), remove after a confirmation; the section is always there for
those who may intervene, and says when a reply is overdue."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from casebook.accounts.system import system_user
from cases.models import (
    Case,
    CaseState,
    Confidentiality,
    Intervention,
    InterventionStatus,
    VocabularyKey,
)
from cases.services.interventions import intervention_create, intervention_update

from ..factories import CaseFactory, DetentionFactory, PersonFactory, term

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def appeal() -> object:
    return term(VocabularyKey.INTERVENTION_KIND, "un-urgent-appeal")


def record(case=None, **fields) -> Intervention:
    fields.setdefault("sent_on", datetime.date(2014, 6, 2))
    return intervention_create(
        acting_user=system_user(),
        case=case or CaseFactory(),
        kind=fields.pop("kind", None) or appeal(),
        **fields,
    )


def new_url(case) -> str:
    return reverse("cases:intervention-new", args=[case.reference])


def edit_url(intervention) -> str:
    return reverse("cases:intervention-edit", args=[intervention.pk])


def remove_url(intervention) -> str:
    return reverse("cases:intervention-remove", args=[intervention.pk])


def case_url(case) -> str:
    return reverse("cases:case-detail", args=[case.reference])


def page(response) -> str:
    return response.content.decode()


def form_data(**values) -> dict:
    data = {
        "kind": str(appeal().pk),
        "addressed_to": "UN Special Rapporteur on torture",
        "sent_by": "Tibet Watch",
        "sent_on": "2 June 2014",
        "external_reference": "UA CHN 4/2014",
        "status": InterventionStatus.SENT,
        "reply_due": "",
        "response": "",
    }
    data.update(values)
    return {f"intervention-{name}": value for name, value in data.items()}


def seen_of(response) -> str:
    body = page(response)
    start = body.index('name="seen" value="') + len('name="seen" value="')
    return body[start : body.index('"', start)]


def edit_data(client, intervention, **values) -> dict:
    """What the change form posts when opened now and `values` typed into it."""
    opened = client.get(edit_url(intervention))
    data = {
        "kind": str(intervention.kind_id),
        "addressed_to": intervention.addressed_to,
        "sent_by": intervention.sent_by,
        "sent_on": intervention.sent_on.isoformat() if intervention.sent_on else "",
        "external_reference": intervention.external_reference,
        "status": intervention.status,
        "reply_due": intervention.reply_due.isoformat() if intervention.reply_due else "",
        "response": intervention.response,
    }
    data.update(values)
    return {"seen": seen_of(opened), **{f"intervention-{k}": v for k, v in data.items()}}


# --- Adding one ----------------------------------------------------------------------------


def test_monitor_adds_an_intervention_without_javascript(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    form = client.get(new_url(case))
    assert form.status_code == 200 and "<html" in page(form)
    response = client.post(new_url(case), form_data())
    assert response.status_code == 302
    assert response["Location"].endswith("#interventions")
    intervention = case.interventions.get()
    assert intervention.addressed_to == "UN Special Rapporteur on torture"
    assert intervention.sent_on == datetime.date(2014, 6, 2)
    # The UN procedures give 60 days: the deadline follows from the kind and the date.
    assert intervention.reply_due == datetime.date(2014, 8, 1)
    assert not intervention.reply_due_set_by_hand
    assert intervention.history.get().history_user == monitor
    followed = client.get(response["Location"])
    assert "The intervention was recorded." in page(followed)


@pytest.mark.parametrize("role", ["reviewer", "advocate"])
def test_reviewers_and_advocates_record_interventions_on_a_verified_case(client, request, role):
    case = CaseFactory(state=CaseState.VERIFIED)
    client.force_login(request.getfixturevalue(role))
    assert client.get(new_url(case)).status_code == 200
    assert client.post(new_url(case), form_data()).status_code == 302
    assert case.interventions.count() == 1
    case.refresh_from_db()
    # Advocacy is not a fact of the case: it stays verified.
    assert case.state == CaseState.VERIFIED


def test_other_roles_are_refused_and_nothing_is_written(client, administrator, outsider):
    case = CaseFactory(state=CaseState.VERIFIED)
    intervention = record(case)
    for user, status in ((administrator, 403), (outsider, 404)):
        client.force_login(user)
        assert client.get(new_url(case)).status_code == status
        assert client.post(new_url(case), form_data()).status_code == status
        assert client.get(edit_url(intervention)).status_code == status
        assert client.post(edit_url(intervention), form_data(response="x")).status_code == status
        assert client.get(remove_url(intervention)).status_code == status
        assert client.post(remove_url(intervention)).status_code == status
    assert list(case.interventions.all()) == [intervention]
    intervention.refresh_from_db()
    assert intervention.response == ""


def test_anonymous_visitors_are_sent_to_the_login(client):
    intervention = record()
    for url in (new_url(intervention.case), edit_url(intervention), remove_url(intervention)):
        assert client.get(url).status_code == 302
        assert "/login" in client.post(url)["Location"]
    assert Intervention.objects.count() == 1


def test_a_case_the_user_may_not_see_answers_404(client, monitor, advocate):
    restricted = record(CaseFactory(confidentiality=Confidentiality.RESTRICTED))
    draft = record(CaseFactory())  # advocates read verified cases only
    for user, intervention in ((monitor, restricted), (advocate, draft)):
        client.force_login(user)
        case = intervention.case
        assert client.get(new_url(case)).status_code == 404
        assert client.post(new_url(case), form_data()).status_code == 404
        assert client.get(edit_url(intervention)).status_code == 404
        assert client.post(remove_url(intervention)).status_code == 404
    assert Intervention.objects.count() == 2
    assert client.get(reverse("cases:intervention-edit", args=[999999])).status_code == 404


def test_bad_input_answers_400_keeps_the_text_and_writes_nothing(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    data = form_data(
        kind="", sent_on="the other day", reply_due="2014-01-01", response="Kept words"
    )
    response = client.post(new_url(case), data)
    assert response.status_code == 400
    body = page(response)
    assert "Nothing was saved" in body and "Kept words" in body and "the other day" in body
    for field in ("kind", "sent_on"):
        assert f'href="#id_intervention-{field}"' in body
    assert 'aria-describedby="id_intervention-sent_on_helptext id_intervention-sent_on_error"' in (
        body
    )
    assert 'id="id_intervention-sent_on_error"' in body
    assert not case.interventions.exists()


def test_a_reply_due_before_sending_is_refused_on_its_field(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    response = client.post(new_url(case), form_data(reply_due="1 June 2014"))
    assert response.status_code == 400
    assert "The reply cannot be due before it was sent." in page(response)
    assert 'href="#id_intervention-reply_due"' in page(response)
    assert not case.interventions.exists()


def test_htmx_add_opens_in_the_slot_and_answers_with_the_section(client, monitor):
    case = CaseFactory()
    client.force_login(monitor)
    fragment = client.get(new_url(case), **HTMX)
    assert fragment.status_code == 200 and "<html" not in page(fragment)
    assert f'hx-post="{new_url(case)}"' in page(fragment)
    response = client.post(new_url(case), form_data(), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#interventions"
    assert "The intervention was recorded." in page(response)
    assert "UN Special Rapporteur on torture" in page(response)
    refused = client.post(new_url(case), form_data(sent_on="soon"), **HTMX)
    assert refused.status_code == 400 and "<html" not in page(refused)


# --- The section on the case page -------------------------------------------------------


@pytest.mark.parametrize("role", ["monitor", "reviewer", "advocate"])
def test_the_section_is_there_with_nothing_recorded_for_those_who_may_intervene(
    client, request, role
):
    case = CaseFactory(state=CaseState.VERIFIED)
    client.force_login(request.getfixturevalue(role))
    body = page(client.get(case_url(case)))
    assert 'id="interventions"' in body
    assert f'href="{new_url(case)}" hx-get="{new_url(case)}"' in body
    assert 'id="interventions-form-slot"' in body
    assert "No intervention recorded on this case yet." in body


def test_administrators_read_interventions_without_the_links(client, administrator):
    empty = CaseFactory()
    client.force_login(administrator)
    assert 'id="interventions"' not in page(client.get(case_url(empty)))
    intervention = record(addressed_to="WGAD")
    body = page(client.get(case_url(intervention.case)))
    assert "WGAD" in body
    assert new_url(intervention.case) not in body and edit_url(intervention) not in body


def test_each_intervention_has_change_and_remove_links(client, monitor):
    intervention = record()
    client.force_login(monitor)
    body = page(client.get(case_url(intervention.case)))
    assert f'id="intervention-{intervention.pk}"' in body
    slot = f'hx-target="#intervention-slot-{intervention.pk}"'
    assert f'href="{edit_url(intervention)}" hx-get="{edit_url(intervention)}" {slot}' in body
    assert f'href="{remove_url(intervention)}" hx-get="{remove_url(intervention)}" {slot}' in body


def test_an_overdue_reply_is_said_and_a_reply_received_is_not_overdue(client, monitor):
    case = CaseFactory()
    overdue = record(case, addressed_to="Overdue one")
    answered = record(case, addressed_to="Answered one", response="They deny it.")
    client.force_login(monitor)
    body = page(client.get(case_url(case)))
    assert body.count("Reply overdue") == 1
    assert "The reply was due on 1 August 2014 and none is recorded." in body
    overdue_card = body[body.index(f'id="intervention-{overdue.pk}"') :]
    assert "Reply overdue" in overdue_card[: overdue_card.index("</article>")]
    answered_card = body[body.index(f'id="intervention-{answered.pk}"') :]
    assert "Reply overdue" not in answered_card[: answered_card.index("</article>")]
    intervention_update(
        acting_user=monitor, intervention=overdue, changes={"status": InterventionStatus.CLOSED}
    )
    assert "Reply overdue" not in page(client.get(case_url(case)))


# --- Changing one ----------------------------------------------------------------------------


def test_monitor_changes_an_intervention_without_javascript(client, monitor):
    intervention = record(addressed_to="WGAD")
    client.force_login(monitor)
    form = client.get(edit_url(intervention))
    assert form.status_code == 200 and 'value="WGAD"' in page(form)
    assert "Interventions carry no version number" in page(form)
    data = edit_data(client, intervention, status=InterventionStatus.REPLIED, response="Denied.")
    response = client.post(edit_url(intervention), data)
    assert response.status_code == 302 and response["Location"].endswith("#interventions")
    intervention.refresh_from_db()
    assert (intervention.status, intervention.response) == ("replied", "Denied.")
    assert intervention.history.latest().history_user == monitor


def test_a_deadline_set_by_hand_stays_and_clearing_it_hands_it_back(client, monitor):
    intervention = record()
    client.force_login(monitor)
    client.post(edit_url(intervention), edit_data(client, intervention, reply_due="2014-09-30"))
    intervention.refresh_from_db()
    assert intervention.reply_due == datetime.date(2014, 9, 30)
    assert intervention.reply_due_set_by_hand
    client.post(edit_url(intervention), edit_data(client, intervention, sent_on="2014-06-10"))
    intervention.refresh_from_db()
    assert intervention.reply_due == datetime.date(2014, 9, 30)
    client.post(edit_url(intervention), edit_data(client, intervention, reply_due=""))
    intervention.refresh_from_db()
    assert intervention.reply_due == datetime.date(2014, 8, 9)
    assert not intervention.reply_due_set_by_hand


def test_a_change_meanwhile_to_another_field_is_kept(client, monitor, monitor2):
    intervention = record()
    client.force_login(monitor)
    data = edit_data(client, intervention, status=InterventionStatus.ACKNOWLEDGED)
    intervention_update(
        acting_user=monitor2, intervention=intervention, changes={"response": "Their note"}
    )
    response = client.post(edit_url(intervention), data)
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert (intervention.status, intervention.response) == ("acknowledged", "Their note")


def test_a_change_meanwhile_to_the_same_field_answers_409_and_keeps_the_text(
    client, monitor, monitor2
):
    intervention = record()
    client.force_login(monitor)
    data = edit_data(client, intervention, response="My account")
    intervention_update(
        acting_user=monitor2, intervention=intervention, changes={"response": "Their account"}
    )
    response = client.post(edit_url(intervention), data)
    assert response.status_code == 409
    body = page(response)
    assert "Someone else changed this intervention" in body
    assert "My account" in body and "Their account" in body
    intervention.refresh_from_db()
    assert intervention.response == "Their account"
    # The form now stands on the current version: saving again writes, knowingly.
    again = {**data, "seen": seen_of(response)}
    assert client.post(edit_url(intervention), again).status_code == 302
    intervention.refresh_from_db()
    assert intervention.response == "My account"


def test_a_refused_change_answers_400_and_writes_nothing(client, monitor):
    intervention = record(response="Stored")
    client.force_login(monitor)
    data = edit_data(client, intervention, sent_on="someday", response="Typed reply")
    response = client.post(edit_url(intervention), data)
    assert response.status_code == 400
    assert "Nothing was saved" in page(response) and "Typed reply" in page(response)
    intervention.refresh_from_db()
    assert intervention.response == "Stored"


def test_htmx_change_answers_with_the_section(client, monitor):
    intervention = record()
    client.force_login(monitor)
    assert "<html" not in page(client.get(edit_url(intervention), **HTMX))
    data = edit_data(client, intervention, addressed_to="WGAD")
    response = client.post(edit_url(intervention), data, **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#interventions"
    assert "The intervention was changed." in page(response) and "WGAD" in page(response)


def test_an_advocate_never_reads_a_withheld_name_in_the_form_nor_overwrites_it(
    client, advocate, monitor
):
    case = CaseFactory(confidentiality=Confidentiality.PUBLIC)
    DetentionFactory(
        case=case, person=PersonFactory(name="Lobsang Tsering", identity_withheld=True)
    )
    Case.objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)
    intervention = record(case, response="The authorities deny holding Lobsang Tsering.")
    client.force_login(advocate)
    form = page(client.get(edit_url(intervention)))
    assert "Lobsang Tsering" not in form
    assert "only monitors and reviewers can change it" in form
    data = edit_data(client, intervention, status=InterventionStatus.REPLIED, response="Wiped")
    assert client.post(edit_url(intervention), data).status_code == 302
    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.REPLIED
    assert intervention.response == "The authorities deny holding Lobsang Tsering."
    assert "Lobsang Tsering" not in page(client.get(remove_url(intervention)))
    client.force_login(monitor)
    assert "Lobsang Tsering" in page(client.get(edit_url(intervention)))


# --- Removing one ------------------------------------------------------------------------------


def test_remove_asks_then_removes(client, monitor):
    intervention = record()
    client.force_login(monitor)
    confirm = client.get(remove_url(intervention))
    assert confirm.status_code == 200 and "Remove the intervention" in page(confirm)
    assert Intervention.objects.filter(pk=intervention.pk).exists()
    response = client.post(remove_url(intervention))
    assert response.status_code == 302 and response["Location"].endswith("#interventions")
    assert not Intervention.objects.filter(pk=intervention.pk).exists()
    assert intervention.history.filter(history_type="-", history_user=monitor).exists()


def test_htmx_remove_answers_with_the_section(client, advocate):
    intervention = record(CaseFactory(state=CaseState.VERIFIED))
    client.force_login(advocate)
    assert "<html" not in page(client.get(remove_url(intervention), **HTMX))
    response = client.post(remove_url(intervention), **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#interventions"
    assert "No intervention recorded on this case yet." in page(response)
    assert not Intervention.objects.exists()
