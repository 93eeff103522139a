"""The timeline of a detention from the case page: adding, changing and removing events, the
status they would give before saving, the sentence written with a sentencing, and the events
added for all the people of a grouped card."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casebook.accounts.system import system_user
from cases.models import (
    CaseState,
    Confidentiality,
    Detention,
    DetentionEvent,
    DetentionStatus,
    SentenceKind,
    StaleEdit,
    VocabularyKey,
)
from cases.services.detentions import (
    detention_add_event,
    detention_add_event_with_sentence,
    detention_event_update,
    detention_update,
    timeline_preview,
)

from ..factories import CaseFactory, DetentionFactory, PersonFactory, term

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
D = datetime.date


def event_type(code: str):
    return term(VocabularyKey.LEGAL_PROCESS_EVENT, code)


def new_url(detention) -> str:
    return reverse("cases:detention-event-new", args=[detention.public_id])


def edit_url(event) -> str:
    return reverse("cases:detention-event-edit", args=[event.detention.public_id, event.pk])


def remove_url(event) -> str:
    return reverse("cases:detention-event-remove", args=[event.detention.public_id, event.pk])


def preview_url(detention) -> str:
    return reverse("cases:detention-event-preview", args=[detention.public_id])


def case_url(case) -> str:
    return reverse("cases:case-detail", args=[case.reference])


def page(response) -> str:
    return response.content.decode()


def event_data(detention, code="trial", occurred="2015-05-05", **extra) -> dict:
    data = {
        "event-detention_version": str(detention.version),
        "event-event_type": str(event_type(code).pk),
        "event-occurred": occurred,
        "event-certainty": "known",
        "event-note": "",
        "event-sentence_kind": "",
    }
    data.update({f"event-{name}": value for name, value in extra.items()})
    return data


def add(detention, code, occurred="", **fields):
    return detention_add_event(
        acting_user=system_user(),
        detention=detention,
        event_type=event_type(code),
        occurred=occurred,
        **fields,
    )


def edit_data(event, **changes) -> dict:
    from cases.services.detentions import detention_event_version

    detention = Detention.objects.get(pk=event.detention_id)
    data = event_data(
        detention,
        code=event.event_type.code,
        occurred=event.occurred,
        version=str(detention_event_version(event)),
        note=event.note,
    )
    data.update({f"event-{name}": value for name, value in changes.items()})
    return data


# --- Adding ----------------------------------------------------------------------------------


def test_monitor_adds_an_event_without_javascript(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    form = client.get(new_url(detention))
    assert form.status_code == 200 and "<html" in page(form)
    response = client.post(new_url(detention), event_data(detention, note="Held in Lhasa"))
    assert response.status_code == 302
    assert response["Location"].endswith("#people")
    event = DetentionEvent.objects.get(detention=detention)
    assert (event.event_type.code, event.occurred, event.note) == (
        "trial",
        "2015-05-05",
        "Held in Lhasa",
    )
    assert event.history.filter(history_user=monitor).exists()


def test_htmx_add_answers_with_the_people_section(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    form = client.get(new_url(detention), **HTMX)
    assert form.status_code == 200 and "<html" not in page(form)
    response = client.post(new_url(detention), event_data(detention), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#people"
    assert "The event was added to the timeline." in page(response)
    assert 'id="people"' in page(response)


def test_the_date_is_typed_naturally_and_read_back(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    body = page(client.get(new_url(detention)))
    assert reverse("cases:date-reading") in body
    response = client.post(new_url(detention), event_data(detention, occurred="about October 2014"))
    assert response.status_code == 302
    assert DetentionEvent.objects.get(detention=detention).occurred == "2014-10~"


def test_bad_input_is_refused_keeps_the_text_and_writes_nothing(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    data = event_data(detention, occurred="sometime-ish", note="Typed words")
    response = client.post(new_url(detention), data)
    assert response.status_code == 400
    body = page(response)
    assert "Nothing was saved" in body and "Typed words" in body and "sometime-ish" in body
    assert 'href="#id_event-occurred"' in body
    assert 'aria-describedby="id_event-occurred_helptext id_event-occurred_error' in body
    assert not DetentionEvent.objects.filter(detention=detention).exists()


def test_htmx_bad_input_answers_400_with_the_form(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    data = event_data(detention)
    data["event-event_type"] = ""
    response = client.post(new_url(detention), data, **HTMX)
    assert response.status_code == 400
    assert "Nothing was saved" in page(response) and "<html" not in page(response)
    assert not DetentionEvent.objects.exists()


def test_a_fixed_term_needs_its_length(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    data = event_data(detention, code="sentencing", sentence_kind=SentenceKind.TERM)
    response = client.post(new_url(detention), data)
    assert response.status_code == 400
    assert "A fixed term needs its length" in page(response)
    detention.refresh_from_db()
    assert detention.sentence_kind == "" and not detention.events.exists()


# --- Access ----------------------------------------------------------------------------------


def test_other_roles_may_not_add_change_or_remove(client, advocate, administrator, outsider):
    detention = DetentionFactory(case=CaseFactory(state=CaseState.VERIFIED))
    event = add(detention, "trial", "2015-05-05")
    for user in (advocate, administrator, outsider):
        client.force_login(user)
        assert client.get(new_url(detention)).status_code in (403, 404)
        assert client.post(new_url(detention), event_data(detention)).status_code in (403, 404)
        assert client.get(edit_url(event)).status_code in (403, 404)
        assert client.post(edit_url(event), edit_data(event)).status_code in (403, 404)
        assert client.post(remove_url(event)).status_code in (403, 404)
        assert client.post(preview_url(detention), event_data(detention)).status_code in (403, 404)
    assert DetentionEvent.objects.filter(detention=detention).count() == 1


def test_reviewer_may_add_an_event(client, reviewer):
    detention = DetentionFactory()
    client.force_login(reviewer)
    assert client.post(new_url(detention), event_data(detention)).status_code == 302
    assert detention.events.count() == 1


def test_anonymous_is_sent_to_login(client):
    detention = DetentionFactory()
    event = add(detention, "trial", "2015-05-05")
    for response in (
        client.get(new_url(detention)),
        client.post(new_url(detention), event_data(detention)),
        client.get(edit_url(event)),
        client.post(remove_url(event)),
        client.post(preview_url(detention), event_data(detention)),
    ):
        assert response.status_code == 302 and "login" in response["Location"]
    assert DetentionEvent.objects.count() == 1


def test_restricted_case_answers_404(client, monitor):
    detention = DetentionFactory(case=CaseFactory(confidentiality=Confidentiality.RESTRICTED))
    event = add(detention, "trial", "2015-05-05")
    client.force_login(monitor)
    assert client.get(new_url(detention)).status_code == 404
    assert client.post(new_url(detention), event_data(detention)).status_code == 404
    assert client.get(edit_url(event)).status_code == 404
    assert client.post(remove_url(event)).status_code == 404
    assert client.post(preview_url(detention), event_data(detention)).status_code == 404


def test_an_event_of_another_detention_answers_404(client, monitor):
    detention, other = DetentionFactory(), DetentionFactory()
    event = add(other, "trial", "2015-05-05")
    client.force_login(monitor)
    url = reverse("cases:detention-event-edit", args=[detention.public_id, event.pk])
    assert client.get(url).status_code == 404


# --- Changing and removing -------------------------------------------------------------------


def test_monitor_changes_an_event(client, monitor):
    detention = DetentionFactory()
    event = add(detention, "trial", "2015-05-05")
    client.force_login(monitor)
    assert client.get(edit_url(event)).status_code == 200
    response = client.post(edit_url(event), edit_data(event, occurred="2015-06-01", note="Moved"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.occurred, event.note) == ("2015-06-01", "Moved")


def test_htmx_change_answers_with_the_people_section(client, monitor):
    detention = DetentionFactory()
    event = add(detention, "trial", "2015-05-05")
    client.force_login(monitor)
    assert "<html" not in page(client.get(edit_url(event), **HTMX))
    response = client.post(edit_url(event), edit_data(event, note="x"), **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#people"


def test_stale_event_shows_the_conflict_page_and_keeps_the_text(client, monitor, monitor2):
    detention = DetentionFactory()
    event = add(detention, "trial", "2015-05-05")
    data = edit_data(event, note="My account")
    detention_event_update(acting_user=monitor2, event=event, changes={"note": "Their account"})
    client.force_login(monitor)
    response = client.post(edit_url(event), data)
    assert response.status_code == 409
    body = page(response)
    assert "My account" in body and "Their account" in body
    assert StaleEdit.objects.filter(user=monitor, record_id=event.pk).exists()
    event.refresh_from_db()
    assert event.note == "Their account"
    # The merge form carries the current version: saving it goes through.
    merged = edit_data(event, note="Merged account")
    assert client.post(edit_url(event), merged).status_code == 302


def test_stale_sentence_shows_the_conflict_page(client, monitor, monitor2):
    detention = DetentionFactory()
    data = event_data(
        detention,
        code="sentencing",
        sentence_kind=SentenceKind.TERM,
        sentence_years="3",
    )
    detention_update(
        acting_user=monitor2,
        detention=detention,
        changes={"sentence_kind": SentenceKind.LIFE},
    )
    client.force_login(monitor)
    response = client.post(new_url(detention), data)
    assert response.status_code == 409
    assert "fixed term" in page(response) and "life imprisonment" in page(response)
    detention.refresh_from_db()
    assert detention.sentence_kind == SentenceKind.LIFE and not detention.events.exists()


def test_remove_asks_then_removes_and_the_status_follows(client, monitor):
    detention = DetentionFactory()
    add(detention, "sentencing", "2015-05-05")
    release = add(detention, "release", "2016-01-01")
    client.force_login(monitor)
    confirm = client.get(remove_url(release))
    assert confirm.status_code == 200 and "Remove the event" in page(confirm)
    assert client.post(remove_url(release)).status_code == 302
    assert not DetentionEvent.objects.filter(pk=release.pk).exists()
    detention.refresh_from_db()
    assert detention.status == DetentionStatus.SENTENCED


def test_htmx_remove_answers_with_the_section(client, monitor):
    detention = DetentionFactory()
    event = add(detention, "trial", "2015-05-05")
    client.force_login(monitor)
    response = client.post(remove_url(event), **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#people"


# --- Sentence and status ---------------------------------------------------------------------


def test_trial_three_year_sentence_and_release_make_status_and_release_follow(client, monitor):
    detention = DetentionFactory(detained_on="2014-03-06")
    client.force_login(monitor)
    assert (
        client.post(new_url(detention), event_data(detention, "trial", "2014-09-01")).status_code
        == 302
    )
    detention.refresh_from_db()
    assert detention.status == DetentionStatus.DETAINED and detention.expected_release is None

    data = event_data(
        detention,
        "sentencing",
        "2014-10-15",
        sentence_kind=SentenceKind.TERM,
        sentence_years="3",
        sentence_months="",
    )
    assert client.post(new_url(detention), data).status_code == 302
    detention.refresh_from_db()
    assert detention.status == DetentionStatus.SENTENCED
    assert (detention.sentence_kind, detention.sentence_years) == (SentenceKind.TERM, 3)
    assert detention.expected_release == D(2017, 3, 6)
    body = page(client.get(case_url(detention.case)))
    assert "3 years" in body and "6 March 2017" in body

    data = event_data(detention, "release-after-sentence", "2017-03-06")
    assert client.post(new_url(detention), data).status_code == 302
    detention.refresh_from_db()
    assert detention.status == DetentionStatus.RELEASED
    assert detention.status_as_of == D(2017, 3, 6)


def test_sentence_counted_from_a_given_day(client, monitor):
    detention = DetentionFactory(detained_on="2014-03")
    client.force_login(monitor)
    data = event_data(
        detention,
        "sentencing",
        "2014-10-15",
        sentence_kind=SentenceKind.TERM,
        sentence_years="1",
        sentence_months="6",
        sentence_start="1 April 2014",
    )
    assert client.post(new_url(detention), data).status_code == 302
    detention.refresh_from_db()
    assert detention.sentence_start == D(2014, 4, 1)
    assert detention.expected_release == D(2015, 10, 1)


def test_the_sentence_is_written_with_the_event_or_not_at_all(monitor):
    detention = DetentionFactory()
    with pytest.raises(ValidationError):
        detention_add_event_with_sentence(
            acting_user=monitor,
            detentions=[detention],
            event_type=event_type("sentencing"),
            occurred="not a date",
            sentence={"sentence_kind": SentenceKind.LIFE},
        )
    detention.refresh_from_db()
    assert detention.sentence_kind == "" and not detention.events.exists()


# --- Status as you go ------------------------------------------------------------------------


def test_preview_button_shows_the_status_without_saving(client, monitor):
    detention = DetentionFactory(detained_on="2014-03-06")
    client.force_login(monitor)
    data = event_data(
        detention,
        "sentencing",
        "2014-10-15",
        sentence_kind=SentenceKind.TERM,
        sentence_years="3",
    )
    data["preview"] = "1"
    response = client.post(new_url(detention), data)
    assert response.status_code == 200
    body = page(response)
    assert "Status with this event" in body and "sentenced" in body and "6 March 2017" in body
    assert 'value="3"' in body
    detention.refresh_from_db()
    assert not detention.events.exists() and detention.sentence_kind == ""


def test_htmx_preview_answers_with_the_preview_area(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    body = page(client.get(new_url(detention)))
    assert f'hx-post="{preview_url(detention)}"' in body and 'hx-trigger="change"' in body
    response = client.post(preview_url(detention), event_data(detention, "release", "2016"), **HTMX)
    assert response.status_code == 200
    body = page(response)
    assert body.lstrip().startswith("<div") and f'id="event-preview-{detention.public_id}"' in body
    assert "released" in body and "as of 2016" in body
    assert not detention.events.exists()


def test_timeline_preview_writes_nothing_and_replaces_the_edited_event():
    detention = DetentionFactory(detained_on="2014-03-06")
    release = add(detention, "release", "2016-01-01")
    before = Detention.objects.get(pk=detention.pk)
    values = timeline_preview(detention, event_type=event_type("sentencing"), occurred="2016-02-01")
    assert values["status"] == DetentionStatus.SENTENCED
    values = timeline_preview(
        detention,
        event_type=event_type("death-in-custody"),
        occurred="2015",
        replacing=release,
    )
    assert values["status"] == DetentionStatus.DECEASED
    after = Detention.objects.get(pk=detention.pk)
    assert (after.version, after.status) == (before.version, before.status)


# --- The two fixes on the status -------------------------------------------------------------


def test_sentenced_with_unknown_term_says_so(client, monitor):
    detention = DetentionFactory()
    add(detention, "sentencing", "2015-05-05")
    client.force_login(monitor)
    body = page(client.get(case_url(detention.case)))
    assert "sentenced; term not known" in body
    assert "not sentenced, or not known" not in body


def test_status_as_of_keeps_how_the_date_was_written(client, monitor):
    detention = DetentionFactory()
    add(detention, "release", "2014-10~")
    detention.refresh_from_db()
    assert detention.status_as_of_text == "2014-10~"
    client.force_login(monitor)
    body = page(client.get(case_url(detention.case)))
    assert "as of about October 2014" in body
    assert "as of 31 October 2014" not in body


def test_status_as_of_of_an_exact_day_is_that_day(client, monitor):
    detention = DetentionFactory()
    add(detention, "release", "2016-01-20")
    client.force_login(monitor)
    assert "as of 20 January 2016" in page(client.get(case_url(detention.case)))


# --- The case page and grouped cards ---------------------------------------------------------


def test_case_page_offers_add_change_remove_to_editors_only(client, monitor, advocate):
    detention = DetentionFactory(case=CaseFactory(state=CaseState.VERIFIED))
    event = add(detention, "trial", "2015-05-05")
    client.force_login(advocate)
    body = page(client.get(case_url(detention.case)))
    assert new_url(detention) not in body and edit_url(event) not in body
    detention = DetentionFactory()
    event = add(detention, "trial", "2015-05-05")
    client.force_login(monitor)
    body = page(client.get(case_url(detention.case)))
    assert f'href="{new_url(detention)}"' in body
    assert f'hx-target="#timeline-slot-{detention.public_id}"' in body
    assert f'id="timeline-slot-{detention.public_id}"' in body
    assert edit_url(event) in body and remove_url(event) in body


def _unnamed(case):
    person = PersonFactory(name="", description="Tibetan arrested with the monks")
    return DetentionFactory(case=case, person=person, authority_description="police")


def test_grouped_card_offers_the_event_for_all_and_writes_each(client, monitor):
    case = CaseFactory()
    group = [_unnamed(case) for _ in range(3)]
    client.force_login(monitor)
    form = page(client.get(new_url(group[0])))
    assert "All 3 people in this card" in form and "This person only" in form
    data = event_data(
        group[0],
        "sentencing",
        "2015-05-05",
        sentence_kind=SentenceKind.LIFE,
        apply_to="all",
        members_seen="3",
    )
    response = client.post(new_url(group[0]), data, **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#people"
    for detention in group:
        detention.refresh_from_db()
        assert detention.status == DetentionStatus.SENTENCED
        assert detention.sentence_kind == SentenceKind.LIFE
        assert detention.events.count() == 1
    # Still detained alike: still one card.
    assert "3 people, names unknown" in page(client.get(case_url(case)))


def test_grouped_card_event_for_this_person_only(client, monitor):
    case = CaseFactory()
    group = [_unnamed(case) for _ in range(2)]
    client.force_login(monitor)
    data = event_data(group[0], "trial", "2015-05-05", apply_to="this")
    assert client.post(new_url(group[0]), data).status_code == 302
    assert group[0].events.count() == 1 and group[1].events.count() == 0


def test_a_single_card_has_no_choice_of_people(client, monitor):
    detention = DetentionFactory()
    client.force_login(monitor)
    assert "people in this card" not in page(client.get(new_url(detention)))


def test_all_people_of_a_card_that_changed_since_is_refused(client, monitor):
    case = CaseFactory()
    group = [_unnamed(case) for _ in range(2)]
    client.force_login(monitor)
    data = event_data(group[0], "trial", "2015-05-05", apply_to="all", members_seen="3")
    response = client.post(new_url(group[0]), data)
    assert response.status_code == 400
    assert "The people in this card changed" in page(response)
    assert not DetentionEvent.objects.exists()
