"""Small fixes, each held by a test: a case back from review never reads as unreviewed, the
token page's Revoke can be seen and its table fits a phone, and a restore always asks first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from casebook.accounts.roles import Role
from cases.models import Case, Confidentiality, Transition
from cases.services.cases import case_update
from cases.services.confidentiality import case_set_confidentiality
from cases.services.people import person_update
from cases.services.workflow import case_transition

from ..factories import (
    CaseFactory,
    DetentionFactory,
    PersonFactory,
    SourceFactory,
    UserFactory,
    cite,
)

pytestmark = pytest.mark.django_db

UNREVIEWED = "Nobody has reviewed it yet"


def page(response) -> str:
    return response.content.decode()


def submitted(monitor) -> Case:
    case = CaseFactory(title="Five monks detained", assigned_monitor=monitor)
    detention = DetentionFactory(case=case, person=PersonFactory(name="Tashi Dorje"))
    cite(SourceFactory(outlet="Radio Free Asia"), case=case, excerpt="Five were taken.")
    cite(SourceFactory(outlet="Tibet Watch"), detention=detention)
    case_transition(acting_user=monitor, case=case, action=Transition.SUBMIT)
    return Case.objects.get(pk=case.pk)


def returned(monitor, reviewer, comment="Add the date of the arrest.") -> Case:
    case = submitted(monitor)
    case_transition(
        acting_user=reviewer,
        case=case,
        action=Transition.RETURN,
        comment=comment,
        version=case.version,
    )
    return Case.objects.get(pk=case.pk)


def panel(html: str) -> str:
    return html[html.index('class="workflow"') : html.index("</section>")]


# --- (a) A returned case says who returned it and why -------------------------------------


def test_a_returned_case_names_the_return_and_its_comment(client, monitor, reviewer):
    case = returned(monitor, reviewer)
    client.force_login(monitor)
    shown = panel(page(client.get(reverse("cases:case-detail", args=[case.reference]))))
    assert UNREVIEWED not in shown
    assert "Returned to the monitor by a reviewer" in shown
    assert "Last step: return to the monitor by reviewer" in shown
    assert "Add the date of the arrest." in shown


def test_a_returned_case_still_names_the_return_after_a_later_confidentiality_step(
    client, monitor, reviewer
):
    case = returned(monitor, reviewer)
    case_set_confidentiality(acting_user=monitor, case=case, level=Confidentiality.RESTRICTED)
    client.force_login(monitor)
    shown = panel(page(client.get(reverse("cases:case-detail", args=[case.reference]))))
    assert UNREVIEWED not in shown
    assert "Returned to the monitor by a reviewer" in shown
    assert "Before that, it was returned to the monitor by reviewer" in shown
    assert "Add the date of the arrest." in shown


def test_a_draft_reopened_after_a_rejection_does_not_read_as_unreviewed(client, monitor, reviewer):
    case = submitted(monitor)
    case_transition(
        acting_user=reviewer,
        case=case,
        action=Transition.REJECT,
        comment="No second source.",
        version=case.version,
    )
    case = Case.objects.get(pk=case.pk)
    case_transition(acting_user=reviewer, case=case, action=Transition.REOPEN)
    client.force_login(monitor)
    shown = panel(page(client.get(reverse("cases:case-detail", args=[case.reference]))))
    assert UNREVIEWED not in shown
    assert "Rejected by a reviewer, then reopened as a draft" in shown


def test_a_fresh_draft_still_says_nobody_reviewed_it(client, monitor):
    case = CaseFactory(assigned_monitor=monitor)
    client.force_login(monitor)
    assert UNREVIEWED in page(client.get(reverse("cases:case-detail", args=[case.reference])))


def test_the_review_page_of_a_resubmitted_case_names_the_earlier_return(client, monitor, reviewer):
    case = returned(monitor, reviewer)
    case_transition(acting_user=monitor, case=case, action=Transition.SUBMIT)
    other = UserFactory(username="reviewer2", roles=[Role.REVIEWER])
    client.force_login(other)
    html = page(client.get(reverse("cases:case-review", args=[case.reference])))
    assert UNREVIEWED not in html
    assert "Reviewed before: returned to the monitor by reviewer" in html
    assert "Add the date of the arrest." in html


# --- (b) The token page on a phone ----------------------------------------------------------


def _css() -> str:
    return (Path(settings.BASE_DIR) / "static" / "css" / "casebook.css").read_text()


def _rule(css: str, selector: str) -> str:
    found = re.search(r"(?m)^" + re.escape(selector) + r" \{([^}]*)\}", css)
    assert found, selector
    return found.group(1)


def test_the_revoke_button_is_drawn_in_a_colour_unlike_its_background(client, monitor):
    from casebook.accounts.tokens import token_issue

    token_issue(user=monitor, name="nightly export script")
    client.force_login(monitor)
    html = page(client.get(reverse("accounts:tokens")))
    button = re.search(r'<button type="submit" class="([^"]+)">Revoke nightly export script', html)
    assert button, "no Revoke button"
    classes = button.group(1).split()
    # button--quiet is white text for the dark header: on the page's white it cannot be seen.
    assert "button--quiet" not in classes and "button--secondary" in classes
    rule = _rule(_css(), ".button--secondary")
    assert "color: var(--accent)" in rule and "background: var(--panel)" in rule


def test_the_token_table_becomes_stacked_rows_on_a_phone(client, monitor):
    from casebook.accounts.tokens import token_issue

    token_issue(user=monitor, name="nightly export script")
    client.force_login(monitor)
    html = page(client.get(reverse("accounts:tokens")))
    table = html[html.index("<table") : html.index("</table>")]
    assert 'class="case-table token-table"' in table
    cells = re.findall(r"<td[^>]*>", table)
    assert cells and all("data-label=" in cell for cell in cells)
    # Below 52rem (832 px, so at 360 px) each row of a .case-table is a block of its own,
    # each cell a labelled line: nothing is wider than the screen.
    css = _css()
    narrow = css[css.index("@media (max-width: 52rem)") :]
    narrow = narrow[: narrow.index("\n}\n")]
    assert re.search(r"\.case-table td \{[^}]*display: block", narrow.replace(",\n", " "))
    assert ".case-table td::before" in narrow and "content: attr(data-label)" in narrow


# --- (c) A restore always asks first -------------------------------------------------------


def test_opening_a_case_restore_only_previews_it(client, monitor):
    case = CaseFactory(title="Arrest of five")
    original = case.history.latest()
    case_update(acting_user=monitor, case=case, changes={"title": "Arrest of six"})
    versions = case.history.count()
    client.force_login(monitor)
    url = reverse("cases:case-restore", args=[case.reference])
    for method in (client.get, client.head):
        response = method(url, {"history_id": original.history_id, "confirm": "restore"})
        assert response.status_code == 200
    html = page(client.get(url, {"history_id": original.history_id}))
    assert '<form method="post"' in html and 'name="confirm" value="restore"' in html
    assert case.history.count() == versions
    assert Case.objects.get(pk=case.pk).title == "Arrest of six"


def test_opening_a_person_restore_only_previews_it(client, monitor):
    person = PersonFactory(description="monk of Drilda")
    DetentionFactory(person=person)
    original = person.history.latest()
    person_update(acting_user=monitor, person=person, changes={"description": "a nun"})
    client.force_login(monitor)
    url = reverse("cases:person-restore", args=[person.public_id])
    response = client.get(url, {"history_id": original.history_id, "confirm": "restore"})
    assert response.status_code == 200
    assert 'name="confirm" value="restore"' in page(response)
    person.refresh_from_db()
    assert person.description == "a nun"
