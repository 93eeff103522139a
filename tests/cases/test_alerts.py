"""Alerts (cases/alerts.py) on the dashboard, the alerts page and the weekly e-mail digest:
each list's boundaries, the access gate, masking of withheld identities, and who gets mail."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from casebook.accounts.models import User
from casebook.accounts.roles import Role
from casebook.accounts.system import system_user
from cases import alerts
from cases.filters import is_reply_overdue
from cases.models import (
    Case,
    CaseState,
    Citation,
    Confidentiality,
    Detention,
    DetentionEvent,
    Intervention,
    InterventionStatus,
    VocabularyKey,
)
from cases.queries import PLACEHOLDER
from cases.services.detentions import detention_add_event
from cases.services.interventions import intervention_create
from cases.tasks import alert_digest_task

from ..factories import (
    CaseFactory,
    DetentionFactory,
    PersonFactory,
    SourceFactory,
    UserFactory,
    cite,
    term,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def releasing_on(day: datetime.date, **fields) -> Detention:
    """A detention whose one-year sentence ends on `day` (never 29 February here)."""
    detention = DetentionFactory(
        sentence_kind="term",
        sentence_months=0,
        sentence_years=1,
        sentence_start=day.replace(year=day.year - 1),
        **fields,
    )
    assert detention.expected_release == day
    return detention


def released(detention: Detention, on: datetime.date) -> None:
    detention_add_event(
        acting_user=system_user(),
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "release"),
        occurred=on.isoformat(),
    )


def overdue_reply(case=None, *, due: datetime.date, **fields) -> Intervention:
    return intervention_create(
        acting_user=system_user(),
        case=case or CaseFactory(),
        kind=term(VocabularyKey.INTERVENTION_KIND, "un-urgent-appeal"),
        sent_on=due - datetime.timedelta(days=60),
        reply_due=due,
        status=fields.pop("status", InterventionStatus.SENT),
        **fields,
    )


def verified(case) -> None:
    """Verified after its facts were entered (entering them sends a verified case back)."""
    Case.objects.filter(pk=case.pk).update(state=CaseState.VERIFIED)


def backdate(detention: Detention, when: datetime.datetime) -> None:
    """As if nothing about the detention had been recorded since `when`."""
    Detention.objects.filter(pk=detention.pk).update(updated_at=when)
    DetentionEvent.objects.filter(detention=detention).update(updated_at=when)
    Citation.objects.filter(detention=detention).update(updated_at=when)
    Citation.objects.filter(detention_event__detention=detention).update(updated_at=when)


def references(kind: str, who, today=TODAY) -> list[str]:
    return [row.case.reference for row in alerts.query_of(kind, who, today)]


def html(client, path="/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


# --- Releases due --------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "listed"), [(0, True), (89, True), (90, True), (91, False)])
def test_a_release_is_due_within_the_setting_days_the_last_included(monitor, days, listed):
    detention = releasing_on(TODAY + datetime.timedelta(days=days))
    assert (detention.case.reference in references(alerts.RELEASE, monitor)) is listed


def test_the_release_window_follows_the_setting(monitor, settings):
    settings.CASEBOOK_ALERT_RELEASE_DAYS = 30
    detention = releasing_on(TODAY + datetime.timedelta(days=31))
    assert references(alerts.RELEASE, monitor) == []
    settings.CASEBOOK_ALERT_RELEASE_DAYS = 31
    assert references(alerts.RELEASE, monitor) == [detention.case.reference]


def test_a_release_past_due_is_listed_while_no_release_is_recorded(monitor):
    past = releasing_on(TODAY - datetime.timedelta(days=20))
    [alert] = alerts.alert_list(alerts.RELEASE, monitor, limit=10, today=TODAY).items
    assert alert.reference == past.case.reference and alert.overdue
    released(past, TODAY - datetime.timedelta(days=19))
    assert references(alerts.RELEASE, monitor) == []


def test_releases_past_due_come_first_and_a_sentence_without_a_date_never_shows(monitor):
    soon = releasing_on(TODAY + datetime.timedelta(days=5))
    late = releasing_on(TODAY - datetime.timedelta(days=400))
    DetentionFactory(sentence_kind="life")
    DetentionFactory()
    assert references(alerts.RELEASE, monitor) == [late.case.reference, soon.case.reference]


# --- No news -------------------------------------------------------------------------------------


def _days_ago(days: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12))) - (
        datetime.timedelta(days=days)
    )


@pytest.mark.parametrize(("days", "listed"), [(179, False), (180, True), (181, True)])
def test_no_news_for_the_setting_days_lists_the_detention(monitor, days, listed):
    detention = DetentionFactory()
    backdate(detention, _days_ago(days))
    assert (detention.case.reference in references(alerts.NO_NEWS, monitor)) is listed


def test_an_event_a_citation_or_a_change_is_news(monitor):
    by_event_date = DetentionFactory(detained_on="2014-03-06")
    detention_add_event(
        acting_user=system_user(),
        detention=by_event_date,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "trial"),
        occurred=(TODAY - datetime.timedelta(days=10)).isoformat(),
    )
    backdate(by_event_date, _days_ago(400))
    by_citation = DetentionFactory()
    backdate(by_citation, _days_ago(400))
    cite(SourceFactory(), detention=by_citation)
    silent = DetentionFactory()
    backdate(silent, _days_ago(400))
    assert references(alerts.NO_NEWS, monitor) == [silent.case.reference]
    [row] = alerts.query_of(alerts.NO_NEWS, monitor, TODAY)
    assert row.news_on == _days_ago(400).date()


def test_a_person_released_or_dead_needs_no_news(monitor):
    detention = DetentionFactory()
    released(detention, TODAY - datetime.timedelta(days=500))
    backdate(detention, _days_ago(400))
    assert references(alerts.NO_NEWS, monitor) == []


# --- Replies overdue -----------------------------------------------------------------------------


def test_a_reply_is_overdue_the_day_after_it_was_due_until_a_reply_is_recorded(monitor):
    due_today = overdue_reply(due=TODAY)
    due_yesterday = overdue_reply(due=TODAY - datetime.timedelta(days=1))
    overdue_reply(due=TODAY - datetime.timedelta(days=5), status=InterventionStatus.REPLIED)
    overdue_reply(due=TODAY - datetime.timedelta(days=5), response="They answered.")
    listed = list(alerts.query_of(alerts.REPLY, monitor, TODAY))
    assert [row.pk for row in listed] == [due_yesterday.pk]
    assert all(is_reply_overdue(row, TODAY) for row in listed)
    assert not is_reply_overdue(due_today, TODAY)


# --- The gate and masking ------------------------------------------------------------------------


def test_a_case_the_user_may_not_see_is_never_listed_nor_counted(monitor, advocate):
    hidden = CaseFactory(confidentiality=Confidentiality.RESTRICTED)
    releasing_on(TODAY + datetime.timedelta(days=3), case=hidden)
    overdue_reply(hidden, due=TODAY - datetime.timedelta(days=3))
    backdate(DetentionFactory(case=hidden), _days_ago(400))
    # An advocate reads verified cases only: a draft is hidden from them too.
    draft = CaseFactory()
    releasing_on(TODAY + datetime.timedelta(days=3), case=draft)
    for who, expected in ((monitor, 1), (advocate, 0)):
        found = alerts.alerts_for(who, today=TODAY)
        assert found.release.count == expected
        assert found.no_news.count == found.replies.count == 0
        assert hidden.reference not in str(found)


def test_a_withheld_identity_is_masked_for_an_advocate_and_shown_to_a_monitor(monitor, advocate):
    person = PersonFactory(name="Lobsang Secret", identity_withheld=True)
    case = CaseFactory(title="Arrest of Lobsang Secret")
    releasing_on(TODAY + datetime.timedelta(days=3), case=case, person=person)
    verified(case)
    [seen] = alerts.alert_list(alerts.RELEASE, advocate, limit=10, today=TODAY).items
    assert seen.person == PLACEHOLDER
    assert "Lobsang" not in seen.case_title and PLACEHOLDER in seen.case_title
    [inside] = alerts.alert_list(alerts.RELEASE, monitor, limit=10, today=TODAY).items
    assert inside.person == "Lobsang Secret"
    [mailed] = alerts.alert_list(
        alerts.RELEASE, monitor, limit=10, today=TODAY, hide_identities=True
    ).items
    assert mailed.person == PLACEHOLDER and "Lobsang" not in mailed.case_title


def test_each_alert_links_to_the_record_on_the_case_page(monitor):
    detention = releasing_on(TODAY + datetime.timedelta(days=3))
    intervention = overdue_reply(detention.case, due=TODAY - datetime.timedelta(days=2))
    found = alerts.alerts_for(monitor, today=TODAY)
    page = reverse("cases:case-detail", args=[detention.case.reference])
    assert found.release.items[0].path == f"{page}#detention-{detention.public_id}"
    assert found.replies.items[0].path == f"{page}#intervention-{intervention.pk}"


def test_the_lists_cost_the_same_queries_whatever_their_length(advocate, django_assert_num_queries):
    def make(count):
        for _n in range(count):
            person = PersonFactory(identity_withheld=True)
            case = CaseFactory()
            detention = releasing_on(TODAY + datetime.timedelta(days=3), case=case, person=person)
            overdue_reply(case, due=TODAY - datetime.timedelta(days=3))
            backdate(detention, _days_ago(400))
            verified(case)

    make(1)
    reader = User.objects.get(pk=advocate.pk)
    reader.roles  # noqa: B018 - the roles are read once per request, not per list
    with django_assert_num_queries(6 + 3) as one:  # counts and rows; the masks
        alerts.alerts_for(reader, today=TODAY)
    make(7)
    with django_assert_num_queries(len(one.captured_queries)):
        found = alerts.alerts_for(reader, today=TODAY)
    assert found.release.count == found.no_news.count == found.replies.count == 8


# --- Pages ---------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_alerts_section_with_counts_and_the_first_ten(client, monitor):
    today = timezone.localdate()
    made = [releasing_on(today + datetime.timedelta(days=day)) for day in range(1, 13)]
    client.force_login(monitor)
    page = html(client)
    assert 'id="alerts"' in page and "Releases due within 90 days, or past due" in page
    assert "(12)" in page
    assert made[9].case.reference in page and made[10].case.reference not in page
    assert f"{reverse('cases:alerts')}?list=release" in page
    assert "No reply is overdue." in page


def test_the_dashboard_names_no_withheld_person_to_an_advocate(client, advocate):
    person = PersonFactory(name="Lobsang Secret", identity_withheld=True)
    case = CaseFactory(title="Arrest of Lobsang Secret")
    releasing_on(timezone.localdate() + datetime.timedelta(days=3), case=case, person=person)
    verified(case)
    client.force_login(advocate)
    page = html(client)
    assert case.reference in page and PLACEHOLDER in page
    assert "Lobsang" not in page


def test_the_dashboard_of_a_user_without_a_role_has_no_alerts(client, outsider):
    releasing_on(timezone.localdate() + datetime.timedelta(days=3))
    client.force_login(outsider)
    assert 'id="alerts"' not in html(client)


def test_the_alerts_page_lists_all_and_pages_one_list(client, monitor, settings):
    settings.CASEBOOK_ALERT_RELEASE_DAYS = 200
    today = timezone.localdate()
    made = [releasing_on(today + datetime.timedelta(days=day)) for day in range(1, 53)]
    client.force_login(monitor)
    page = html(client, reverse("cases:alerts"))
    assert made[49].case.reference in page and made[50].case.reference not in page
    assert "?list=release&amp;page=2" in page
    second = html(client, f"{reverse('cases:alerts')}?list=release&page=2")
    assert made[50].case.reference in second and made[0].case.reference not in second
    assert "Page 2 of 2" in second


def test_the_alerts_page_refuses_the_anonymous_and_users_without_a_role(client, outsider):
    response = client.get(reverse("cases:alerts"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(outsider)
    assert client.get(reverse("cases:alerts")).status_code == 403
    assert client.post(reverse("cases:alert-digest"), {}).status_code == 403


@pytest.mark.parametrize("role", ["monitor", "reviewer", "advocate", "administrator"])
def test_every_role_opens_the_alerts_page(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert "Weekly e-mail digest" in html(client, reverse("cases:alerts"))


def test_an_unknown_list_answers_404(client, monitor):
    client.force_login(monitor)
    assert client.get(f"{reverse('cases:alerts')}?list=other").status_code == 404


def test_a_user_turns_the_digest_off_and_on_without_javascript(client, monitor):
    client.force_login(monitor)
    response = client.post(reverse("cases:alert-digest"), {})
    assert response.status_code == 302 and response["Location"].endswith("/alerts/#digest")
    monitor.refresh_from_db()
    assert monitor.alert_digest is False
    assert "no longer receive" in html(client, reverse("cases:alerts"))
    client.post(reverse("cases:alert-digest"), {"digest": "on"})
    monitor.refresh_from_db()
    assert monitor.alert_digest is True


def test_the_digest_switch_answers_htmx_with_the_form(client, monitor):
    client.force_login(monitor)
    response = client.post(reverse("cases:alert-digest"), {}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<form" in body and "Saved." in body and "<html" not in body
    monitor.refresh_from_db()
    assert monitor.alert_digest is False


def test_the_digest_switch_takes_only_a_post(client, monitor):
    client.force_login(monitor)
    assert client.get(reverse("cases:alert-digest")).status_code == 405


# --- The weekly digest ---------------------------------------------------------------------------


@pytest.fixture
def site_url(settings):
    settings.CASEBOOK_SITE_URL = "https://casebook.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings.CASEBOOK_SITE_URL


def test_the_digest_goes_to_users_with_alerts_only(site_url, monitor, advocate, outsider):
    # A draft: the monitor sees it, the advocate does not; the outsider sees nothing.
    detention = releasing_on(timezone.localdate() + datetime.timedelta(days=3))
    UserFactory(username="inactive", roles=[Role.MONITOR], is_active=False)
    UserFactory(username="no-mail", roles=[Role.MONITOR], email="")
    assert alert_digest_task.delay().get() == 2  # the monitor and the advocate are asked
    assert [message.to for message in mail.outbox] == [[monitor.email]]
    [message] = mail.outbox
    link = f"{site_url}/cases/{detention.case.reference}/#detention-{detention.public_id}"
    assert link in message.body
    html_body, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'href="{link}"' in html_body
    assert f"{site_url}/alerts/#digest" in message.body


def test_a_user_who_turned_the_digest_off_gets_none(site_url, monitor):
    releasing_on(timezone.localdate() + datetime.timedelta(days=3))
    User.objects.filter(pk=monitor.pk).update(alert_digest=False)
    alert_digest_task.delay()
    assert mail.outbox == []


def test_the_digest_names_no_withheld_person_even_to_a_monitor(site_url, monitor):
    person = PersonFactory(name="Lobsang Secret", identity_withheld=True)
    case = CaseFactory(title="Arrest of Lobsang Secret")
    releasing_on(timezone.localdate() + datetime.timedelta(days=3), case=case, person=person)
    alert_digest_task.delay()
    [message] = mail.outbox
    assert case.reference in message.body and PLACEHOLDER in message.body
    for text in (message.subject, message.body, message.alternatives[0][0]):
        assert "Lobsang" not in text


def test_no_digest_is_sent_without_a_site_address(site_url, settings, monitor):
    settings.CASEBOOK_SITE_URL = ""
    releasing_on(timezone.localdate() + datetime.timedelta(days=3))
    alert_digest_task.delay()
    assert mail.outbox == []


def test_the_digest_is_scheduled_by_celery_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["alert-digest"]
    assert entry["task"] == "cases.tasks.alert_digest_task"
    assert entry["schedule"].hour == {settings.CASEBOOK_ALERT_DIGEST_HOUR}
