"""The pages of the verification workflow and of "no lost work": the steps on the case page,
the edit form and its conflict page, the version history, and the notifications.

Every check of access, leaks and lost work reads the bytes of the response or the database,
never a context variable.
"""

from __future__ import annotations

import copy
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casebook.accounts.roles import Role
from cases.models import (
    Case,
    CaseState,
    CaseTransition,
    CaseWatch,
    Confidentiality,
    Notification,
    StaleEdit,
    Transition,
)
from cases.services.cases import case_update
from cases.services.workflow import access_grant, access_revoke, case_transition

from ..factories import (
    CaseFactory,
    DetentionFactory,
    PersonFactory,
    SourceFactory,
    UserFactory,
    cite,
)

pytestmark = pytest.mark.django_db

CONTEXT_PROCESSOR = "cases.context_processors.notifications"
FOUR_EYES = "Four eyes: you changed this case"


@pytest.fixture(autouse=True)
def notification_count_in_header(settings):
    """The header's unread count comes from a context processor; make sure it is installed
    whether or not settings list it yet."""
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    if CONTEXT_PROCESSOR not in processors:
        processors.append(CONTEXT_PROCESSOR)
    settings.TEMPLATES = templates


def corroborated_case(state=CaseState.DRAFT, **fields) -> Case:
    """A case two independent sources support, entered by nobody in the cast, in `state`."""
    case = CaseFactory(**fields)
    cite(SourceFactory(outlet="Radio Free Asia"), case=case)
    cite(SourceFactory(outlet="Tibet Watch"), case=case)
    Case.objects.filter(pk=case.pk).update(state=state)
    case.refresh_from_db()
    return case


def url(name: str, case: Case | None = None) -> str:
    return reverse(f"cases:{name}", args=[case.reference] if case else [])


def html(response) -> str:
    return response.content.decode()


def form_version(response) -> int:
    match = re.search(r'name="version" value="(\d+)"', html(response))
    assert match, "the form has no version field"
    return int(match.group(1))


def edit_data(case: Case, version: int, **changes) -> dict:
    data = {
        "title": case.title,
        "summary": case.summary,
        "narrative": case.narrative,
        "occurred": case.occurred,
        "confidentiality": case.confidentiality,
        "place": case.place_id or "",
        "assigned_monitor": case.assigned_monitor_id or "",
        "version": version,
    }
    if case.occurred_inferred:
        data["occurred_inferred"] = "on"
    data.update(changes)
    return data


def state_of(case: Case) -> str:
    return Case.objects.values_list("state", flat=True).get(pk=case.pk)


# --- Who may open what ----------------------------------------------------------------------------

GET_PAGES = ["case-edit", "case-history"]
POST_PAGES = ["case-transition", "case-watch", "case-restore"]


@pytest.mark.parametrize("name", [*GET_PAGES, "notifications"])
def test_anonymous_visitor_is_sent_to_login(client, name):
    case = corroborated_case()
    target = url(name) if name == "notifications" else url(name, case)
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert case.title not in html(response)


@pytest.mark.parametrize("name", [*POST_PAGES, "notifications-mark-read"])
def test_anonymous_post_is_sent_to_login_and_changes_nothing(client, name):
    case = corroborated_case()
    target = url(name) if name == "notifications-mark-read" else url(name, case)
    response = client.post(target, {"action": "submit", "watch": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert state_of(case) == CaseState.DRAFT
    assert not CaseWatch.objects.exists()


@pytest.mark.parametrize("name", GET_PAGES)
def test_outsider_gets_404_on_case_pages(client, outsider, name):
    case = corroborated_case(title="Arrest of monks in Sog")
    client.force_login(outsider)
    response = client.get(url(name, case))
    assert response.status_code == 404
    assert b"Arrest of monks in Sog" not in response.content


@pytest.mark.parametrize("name", POST_PAGES)
def test_outsider_gets_404_on_case_posts_and_nothing_is_written(client, outsider, name):
    case = corroborated_case(title="Arrest of monks in Sog")
    client.force_login(outsider)
    response = client.post(url(name, case), {"action": "submit", "watch": "on", "history_id": 1})
    assert response.status_code == 404
    assert b"Arrest of monks in Sog" not in response.content
    assert state_of(case) == CaseState.DRAFT
    assert not CaseWatch.objects.exists()


@pytest.mark.parametrize("name", [*GET_PAGES, "case-detail"])
def test_restricted_case_is_missing_for_a_monitor_without_a_grant(client, monitor, name):
    case = corroborated_case(
        title="Testimony from Sershul", confidentiality=Confidentiality.RESTRICTED
    )
    client.force_login(monitor)
    response = client.get(url(name, case))
    assert response.status_code == 404
    assert b"Testimony from Sershul" not in response.content


def test_advocate_is_refused_the_edit_form(client, advocate):
    case = corroborated_case(state=CaseState.VERIFIED, confidentiality=Confidentiality.PUBLIC)
    client.force_login(advocate)
    assert client.get(url("case-edit", case)).status_code == 403
    response = client.post(url("case-edit", case), edit_data(case, case.version, title="Changed"))
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).title == case.title


def test_advocate_sees_no_step_buttons_and_no_edit_link(client, advocate):
    case = corroborated_case(state=CaseState.VERIFIED, confidentiality=Confidentiality.PUBLIC)
    client.force_login(advocate)
    response = client.get(url("case-detail", case))
    assert response.status_code == 200
    assert b"Verified" in response.content or b"verified" in response.content
    assert b'name="action"' not in response.content
    assert url("case-edit", case).encode() not in response.content
    assert url("case-history", case).encode() in response.content


def test_advocate_cannot_take_a_step_by_posting(client, advocate):
    case = corroborated_case(state=CaseState.VERIFIED, confidentiality=Confidentiality.PUBLIC)
    client.force_login(advocate)
    response = client.post(
        url("case-transition", case), {"action": "dispute", "comment": "Released"}
    )
    assert response.status_code == 409
    assert b"Only a" in response.content
    assert state_of(case) == CaseState.VERIFIED
    assert not CaseTransition.objects.exists()


def test_monitor_is_not_offered_verify_but_a_reviewer_is(client, monitor, reviewer):
    case = corroborated_case(state=CaseState.SUBMITTED)
    client.force_login(monitor)
    page = client.get(url("case-detail", case))
    assert page.status_code == 200
    assert b'value="verify"' not in page.content
    assert url("case-edit", case).encode() in page.content

    client.force_login(reviewer)
    page = client.get(url("case-detail", case))
    for action in ("verify", "return", "reject"):
        assert f'value="{action}"'.encode() in page.content


def test_a_comment_box_is_required_for_return_and_reject_only(client, reviewer):
    case = corroborated_case(state=CaseState.SUBMITTED)
    client.force_login(reviewer)
    page = html(client.get(url("case-detail", case)))
    boxes = dict(re.findall(r'<textarea name="comment" id="step-(\w+)-comment"([^>]*)>', page))
    assert set(boxes) == {"verify", "return", "reject"}
    assert "required" in boxes["return"] and "required" in boxes["reject"]
    assert "required" not in boxes["verify"]


def test_a_blocked_step_shows_its_reason_instead_of_a_button(client, reviewer):
    case = CaseFactory(state=CaseState.SUBMITTED)  # no source cited
    client.force_login(reviewer)
    page = client.get(url("case-detail", case))
    assert b"Corroboration: the case needs 2 independent sources" in page.content
    assert b'value="verify"' not in page.content
    assert b'value="return"' in page.content


# --- Taking steps from the page -------------------------------------------------------------------


def test_monitor_submits_through_the_page(client, monitor):
    case = corroborated_case()
    client.force_login(monitor)
    response = client.post(url("case-transition", case), {"action": "submit", "comment": "Ready"})
    assert response.status_code == 302
    assert response["Location"] == url("case-detail", case)
    assert state_of(case) == CaseState.SUBMITTED

    page = html(client.get(response["Location"]))
    assert "Done: submit for review. The case is now submitted for review." in page
    history = page[page.index('id="transitions"') :]
    assert "Submit for review" in history
    assert "monitor" in history
    assert "Ready" in history
    step = CaseTransition.objects.get(case=case)
    assert (step.from_state, step.to_state, step.user) == ("draft", "submitted", monitor)


def test_reviewer_returns_with_a_comment_and_the_monitor_reads_it(client, reviewer, monitor):
    case = corroborated_case(state=CaseState.SUBMITTED)
    client.force_login(reviewer)
    client.post(
        url("case-transition", case),
        {"action": "return", "comment": "Which county?", "version": case.version},
    )
    assert state_of(case) == CaseState.DRAFT

    client.force_login(monitor)
    page = html(client.get(url("case-detail", case)))
    assert "Which county?" in page
    assert "Return to the monitor" in page


def test_return_without_a_comment_is_refused_and_nothing_is_recorded(client, reviewer):
    case = corroborated_case(state=CaseState.SUBMITTED)
    client.force_login(reviewer)
    response = client.post(
        url("case-transition", case),
        {"action": "return", "comment": "   ", "version": case.version},
    )
    assert response.status_code == 400
    assert b"Say why: a comment is required" in response.content
    assert state_of(case) == CaseState.SUBMITTED
    assert not CaseTransition.objects.exists()


def test_four_eyes_refusal_shows_the_rule_and_keeps_the_comment(client, reviewer):
    case = corroborated_case(state=CaseState.SUBMITTED)
    client.force_login(reviewer)
    edited = client.post(
        url("case-edit", case), edit_data(case, case.version, summary="Two were released.")
    )
    assert edited.status_code == 302
    case.refresh_from_db()

    response = client.post(
        url("case-transition", case),
        {"action": "verify", "comment": "Checked against RFA", "version": case.version},
    )
    assert response.status_code == 409
    assert FOUR_EYES.encode() in response.content
    assert b"Checked against RFA</textarea>" in response.content
    assert state_of(case) == CaseState.SUBMITTED
    assert not CaseTransition.objects.filter(action=Transition.VERIFY).exists()


def test_the_four_eyes_reason_is_shown_before_anyone_tries(client, reviewer):
    case = corroborated_case(state=CaseState.SUBMITTED)
    case_update(acting_user=reviewer, case=case, changes={"summary": "Two were released."})
    client.force_login(reviewer)
    page = client.get(url("case-detail", case))
    assert FOUR_EYES.encode() in page.content
    assert b'value="verify"' not in page.content


def test_a_second_reviewer_verifies_through_the_page(client, reviewer):
    case = corroborated_case(state=CaseState.SUBMITTED)
    case_update(acting_user=reviewer, case=case, changes={"summary": "Two were released."})
    second = UserFactory(username="reviewer2", roles=[Role.REVIEWER])
    client.force_login(second)
    response = client.post(
        url("case-transition", case), {"action": "verify", "version": case.version}, follow=True
    )
    assert response.status_code == 200
    assert state_of(case) == CaseState.VERIFIED
    assert b"The case is now verified" in response.content


def test_an_unknown_step_is_a_bad_request(client, monitor):
    case = corroborated_case()
    client.force_login(monitor)
    response = client.post(url("case-transition", case), {"action": "publish"})
    assert response.status_code == 400
    assert b"is not a workflow step" in response.content
    assert state_of(case) == CaseState.DRAFT


def test_steps_are_post_only_and_csrf_protected(monitor):
    case = corroborated_case()
    client = Client(enforce_csrf_checks=True)
    client.force_login(monitor)
    assert client.get(url("case-transition", case)).status_code == 405
    assert client.post(url("case-transition", case), {"action": "submit"}).status_code == 403
    assert state_of(case) == CaseState.DRAFT


def test_watch_and_stop_watching(client, monitor):
    case = corroborated_case()
    client.force_login(monitor)
    page = html(client.post(url("case-watch", case), {"watch": "on"}, follow=True))
    assert CaseWatch.objects.filter(case=case, user=monitor).exists()
    assert "Stop watching" in page
    page = html(client.post(url("case-watch", case), {"watch": "off"}, follow=True))
    assert not CaseWatch.objects.filter(case=case, user=monitor).exists()
    assert ">Watch<" in page


# --- The edit form and the conflict page ----------------------------------------------------------


def test_the_edit_form_holds_the_version_and_explains_dates(client, monitor):
    case = corroborated_case()
    client.force_login(monitor)
    response = client.get(url("case-edit", case))
    assert response.status_code == 200
    assert form_version(response) == case.version
    assert b"<code>2014-03~</code>" in response.content
    assert b"EDTF" in response.content


def test_monitor_edits_a_case(client, monitor):
    case = corroborated_case(title="Arrest of five Tibetans")
    loaded_version = case.version
    client.force_login(monitor)
    response = client.post(
        url("case-edit", case),
        edit_data(
            case, case.version, title="Arrest of six Tibetans", narrative="Line one\r\nLine two"
        ),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.title == "Arrest of six Tibetans"
    assert case.narrative == "Line one\nLine two"
    assert case.version == loaded_version + 1
    assert case.history.latest().history_user == monitor


def test_saving_an_untouched_form_writes_nothing(client, monitor):
    case = corroborated_case(narrative="Line one\nLine two")
    client.force_login(monitor)
    versions = case.history.count()
    response = client.post(
        url("case-edit", case),
        edit_data(case, case.version, narrative="Line one\r\nLine two"),
        follow=True,
    )
    assert b"Nothing was changed." in response.content
    assert case.history.count() == versions


def test_an_unreadable_date_is_refused_with_examples(client, monitor):
    case = corroborated_case(title="Arrest of five Tibetans")
    client.force_login(monitor)
    response = client.post(
        url("case-edit", case), edit_data(case, case.version, title="Changed", occurred="March 6th")
    )
    assert response.status_code == 400
    assert "“March 6th” is not a date we can read".encode() in response.content
    assert b"Nothing was saved" in response.content
    assert Case.objects.get(pk=case.pk).title == "Arrest of five Tibetans"


def test_a_stale_form_gets_the_conflict_page_and_loses_nothing(client, monitor, monitor2):
    case = corroborated_case(title="Arrest of five Tibetans")
    first, second = Client(), Client()
    first.force_login(monitor)
    second.force_login(monitor2)
    first_version = form_version(first.get(url("case-edit", case)))
    second_version = form_version(second.get(url("case-edit", case)))

    won = first.post(
        url("case-edit", case), edit_data(case, first_version, title="Arrest of six Tibetans")
    )
    assert won.status_code == 302
    lost = second.post(
        url("case-edit", case),
        edit_data(case, second_version, title="Arrest of five monks", summary="From Drilda"),
    )

    assert lost.status_code == 409
    page = html(lost)
    assert "Someone else saved this case" in page
    assert "Arrest of six Tibetans" in page  # the current version
    assert "Arrest of five monks" in page  # theirs
    assert "both changed: merge below" in page
    assert "monitor" in page  # who saved the current version
    # The form holds their text with the current version number.
    assert 'value="Arrest of five monks"' in page
    assert form_version(lost) == Case.objects.get(pk=case.pk).version

    assert Case.objects.get(pk=case.pk).title == "Arrest of six Tibetans"
    kept = StaleEdit.objects.get()
    assert kept.user == monitor2
    assert kept.data["title"] == "Arrest of five monks"
    assert kept.data["summary"] == "From Drilda"
    assert (kept.base_version, kept.current_version) == (second_version, second_version + 1)

    merged = second.post(
        url("case-edit", case), edit_data(case, form_version(lost), title="Arrest of five monks")
    )
    assert merged.status_code == 302
    assert Case.objects.get(pk=case.pk).title == "Arrest of five monks"


def test_the_merge_form_keeps_the_other_persons_change_to_a_field_you_did_not_touch(
    monitor, monitor2
):
    case = corroborated_case(title="Arrest of five Tibetans", summary="First account")
    first, second = Client(), Client()
    first.force_login(monitor)
    second.force_login(monitor2)
    stale = form_version(second.get(url("case-edit", case)))
    first.post(
        url("case-edit", case),
        edit_data(case, form_version(first.get(url("case-edit", case))), title="Six Tibetans"),
    )

    lost = second.post(url("case-edit", case), edit_data(case, stale, summary="Second account"))
    assert lost.status_code == 409
    page = html(lost)
    assert "changed by them: kept" in page
    assert "changed by you" in page
    assert "both changed" not in page
    assert 'value="Six Tibetans"' in page  # not their stale "Arrest of five Tibetans"
    assert "Second account</textarea>" in page

    merged = second.post(
        url("case-edit", case),
        edit_data(case, form_version(lost), title="Six Tibetans", summary="Second account"),
    )
    assert merged.status_code == 302
    saved = Case.objects.get(pk=case.pk)
    assert (saved.title, saved.summary) == ("Six Tibetans", "Second account")


def test_editing_a_verified_case_sends_it_back_to_review(client, monitor):
    case = corroborated_case(state=CaseState.VERIFIED)
    client.force_login(monitor)
    page = client.get(url("case-edit", case))
    assert b"Saving a change to its facts sends it back" in page.content
    response = client.post(
        url("case-edit", case),
        edit_data(case, case.version, title="Arrest of six Tibetans"),
        follow=True,
    )
    assert state_of(case) == CaseState.SUBMITTED
    assert b"back with the reviewers" in response.content
    step = CaseTransition.objects.get(case=case)
    assert (step.action, step.from_state, step.to_state) == ("edited", "verified", "submitted")


def test_a_rejected_case_cannot_be_edited(client, monitor):
    case = corroborated_case(state=CaseState.REJECTED)
    client.force_login(monitor)
    response = client.get(url("case-edit", case))
    assert response.status_code == 403
    assert b"a reviewer must reopen it" in response.content


# --- Version history ------------------------------------------------------------------------------


def test_history_shows_what_changed_and_restore_makes_a_new_version(client, monitor):
    case = corroborated_case(title="Arrest of five Tibetans")
    case_update(acting_user=monitor, case=case, changes={"title": "Arrest of six Tibetans"})
    client.force_login(monitor)

    page = html(client.get(url("case-history", case)))
    newest = page[page.index("current version") :]
    assert "Arrest of five Tibetans" in newest and "Arrest of six Tibetans" in newest
    assert "<del>Arrest of five Tibetans</del>" in page
    assert "<ins>Arrest of six Tibetans</ins>" in page
    assert "Restore this version" in page

    versions = case.history.count()
    first = case.history.earliest()
    case.refresh_from_db()
    confirm = {
        "history_id": first.history_id,
        "confirm": "restore",
        "version": case.version,
        "latest": case.history.latest().history_id,
    }
    response = client.post(url("case-restore", case), confirm, follow=True)
    assert response.status_code == 200
    assert b"Restored." in response.content
    case.refresh_from_db()
    assert case.title == "Arrest of five Tibetans"
    assert case.history.count() == versions + 1
    assert case.history.latest().history_user == monitor


def test_advocate_reads_the_history_but_cannot_restore(client, advocate, monitor):
    case = corroborated_case(
        state=CaseState.VERIFIED, confidentiality=Confidentiality.PUBLIC, title="Old"
    )
    case_update(acting_user=monitor, case=case, changes={"title": "New"})
    Case.objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)
    client.force_login(advocate)
    page = client.get(url("case-history", case))
    assert page.status_code == 200
    assert b"Restore this version" not in page.content
    first = case.history.earliest()
    assert (
        client.post(url("case-restore", case), {"history_id": first.history_id}).status_code == 403
    )
    assert Case.objects.get(pk=case.pk).title == "New"


def test_a_version_of_another_case_cannot_be_restored(client, monitor):
    case = corroborated_case(title="This case")
    other = corroborated_case(title="Another case", confidentiality=Confidentiality.RESTRICTED)
    client.force_login(monitor)
    response = client.post(
        url("case-restore", case), {"history_id": other.history.earliest().history_id}, follow=True
    )
    assert b"That version does not belong to this record." in response.content
    assert Case.objects.get(pk=case.pk).title == "This case"
    assert b"Another case" not in response.content


def test_history_lists_detention_versions_without_sensitive_fields(client, monitor):
    case = corroborated_case()
    person = PersonFactory(
        name="Tashi Dorje",
        contact_details="Phone +86 139 0000 1111",
        family_details="Brother in Dharamsala",
        internal_notes="Met him in Kathmandu",
    )
    source = SourceFactory(originator="Witness K.", how_obtained="Signal call")
    cite(source, case=case)
    detention = DetentionFactory(case=case, person=person, alleged_reason="A photo")
    from cases.services.detentions import detention_update

    detention_update(
        acting_user=monitor,
        detention=detention,
        changes={"alleged_reason": "A photo of the Dalai Lama"},
    )
    client.force_login(monitor)
    page = html(client.get(url("case-history", case)))
    detentions = page[page.index('id="detention-versions"') :]
    assert "Tashi Dorje" in detentions
    assert "<del>A photo</del>" in detentions
    assert "A photo of the Dalai Lama" in detentions
    for secret in ("+86 139", "Dharamsala", "Kathmandu", "Witness K.", "Signal call"):
        assert secret not in page


# --- Notifications --------------------------------------------------------------------------------


def test_the_header_counts_notifications_and_mark_all_read_clears_them(
    client, monitor, reviewer, django_capture_on_commit_callbacks
):
    case = corroborated_case()
    client.force_login(reviewer)
    assert b"Notifications (0)" in client.get(url("case-list")).content

    submitter = Client()
    submitter.force_login(monitor)
    with django_capture_on_commit_callbacks(execute=True):
        submitter.post(url("case-transition", case), {"action": "submit"})
    assert Notification.objects.filter(user=reviewer).count() == 1

    page = html(client.get(url("notifications")))
    assert "Notifications (1)" in page
    assert f'href="{url("case-detail", case)}"' in page
    assert case.reference in page
    assert "Mark all read" in page

    response = client.post(url("notifications-mark-read"), follow=True)
    assert b"Marked 1 notification as read." in response.content
    assert b"Notifications (0)" in response.content
    assert not Notification.objects.filter(user=reviewer, read_at__isnull=True).exists()


def test_notifications_are_only_the_users_own(
    client, monitor, reviewer, django_capture_on_commit_callbacks
):
    case = corroborated_case()
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(acting_user=monitor, case=case, action="submit")
    client.force_login(monitor2 := UserFactory(username="someone", roles=[Role.MONITOR]))
    page = html(client.get(url("notifications")))
    assert case.reference not in page
    assert "No notifications" in page
    client.post(url("notifications-mark-read"))
    assert Notification.objects.get(user=reviewer).read_at is None
    assert monitor2.pk != reviewer.pk


def test_a_case_no_longer_visible_is_named_by_reference_only(
    client, monitor, reviewer, administrator, django_capture_on_commit_callbacks
):
    case = corroborated_case(
        title="Testimony from Sershul", confidentiality=Confidentiality.RESTRICTED
    )
    access_grant(acting_user=administrator, case=case, user=monitor)
    grant = access_grant(acting_user=administrator, case=case, user=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(acting_user=monitor, case=case, action="submit")
    assert Notification.objects.filter(user=reviewer).exists()

    client.force_login(reviewer)
    visible = html(client.get(url("notifications")))
    assert f'href="{url("case-detail", case)}"' in visible

    access_revoke(acting_user=administrator, grant=grant)
    page = html(client.get(url("notifications")))
    assert case.reference in page
    assert f'href="{url("case-detail", case)}"' not in page
    assert "you can no longer open this case" in page
    assert "Testimony from Sershul" not in page
    assert client.get(url("case-history", case)).status_code == 404


# --- Escaping -------------------------------------------------------------------------------------


def test_html_in_a_title_is_shown_as_text(client, monitor, monitor2):
    evil = '<script>alert("x")</script><b>Arrest</b>'
    case = corroborated_case(title=evil)
    case_update(acting_user=monitor, case=case, changes={"title": evil + " of six"})
    client.force_login(monitor)
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    for name in ("case-detail", "case-history", "case-edit"):
        page = html(client.get(url(name, case)))
        assert "<script>alert" not in page, name
        assert "<b>Arrest" not in page, name
        assert escaped in page, name

    other = Client()
    other.force_login(monitor2)
    stale = form_version(other.get(url("case-edit", case)))
    fresh = form_version(client.get(url("case-edit", case)))
    assert (
        client.post(url("case-edit", case), edit_data(case, fresh, title="Safe title")).status_code
        == 302
    )
    conflict = other.post(url("case-edit", case), edit_data(case, stale, title=evil + " again"))
    assert conflict.status_code == 409
    conflict = html(conflict)
    assert "<script>alert" not in conflict
    assert escaped in conflict


# --- What the pages cost --------------------------------------------------------------------------


def _queries(client, target: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target)
    assert response.status_code == 200
    return len(queries)


def _bounce(case: Case, monitor, reviewer, rounds: int) -> None:
    """Submit and return the case `rounds` times: two transitions and two versions a round."""
    for number in range(rounds):
        case_transition(acting_user=monitor, case=case, action="submit")
        case_transition(acting_user=reviewer, case=case, action="return", comment=f"Round {number}")


@pytest.mark.parametrize("name", ["case-detail", "case-history"])
def test_page_cost_does_not_grow_with_the_history(client, monitor, reviewer, name):
    short, long = corroborated_case(), corroborated_case()
    _bounce(short, monitor, reviewer, rounds=1)
    _bounce(long, monitor, reviewer, rounds=5)
    for number in range(4):
        case_update(acting_user=monitor, case=long, changes={"title": f"Title {number}"})
        case_update(acting_user=reviewer, case=long, changes={"summary": f"Summary {number}"})
    assert long.transitions.count() == 10
    client.force_login(monitor)
    client.get(url(name, short))  # warm caches (content types, sessions)
    assert _queries(client, url(name, short)) == _queries(client, url(name, long))
