"""`manage.py load_demo`: the Drilda case, as a monitor would enter it."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from casebook.accounts.models import User
from casebook.accounts.roles import Role
from casebook.accounts.system import SYSTEM_USERNAME
from cases.models import (
    Affiliation,
    Case,
    Citation,
    Detention,
    DetentionStatus,
    Organization,
    Person,
    Place,
    Source,
)

pytestmark = pytest.mark.django_db

COUNTED_MODELS = (Case, Person, Detention, Source, Citation, Place, Organization, Affiliation, User)


def load(settings, *args):
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.smoke
def test_loading_twice_changes_nothing(settings):
    load(settings)
    counts = {model: model.objects.count() for model in COUNTED_MODELS}
    second = load(settings)
    assert "Already present" in second
    assert {model: model.objects.count() for model in COUNTED_MODELS} == counts


def test_the_demo_case_says_what_the_article_says(settings):
    output = load(settings)
    case = Case.objects.get()
    assert case.reference == "CB-2014-0001"
    assert case.occurred == "2014-03-06"
    assert case.occurred_inferred is True
    assert case.occurred_earliest == datetime.date(2014, 3, 6)
    assert case.place.hierarchy_label == (
        "Drilda monastery › Sog County › Nagchu › Tibet Autonomous Region › China"
    )
    assert case.place.traditional_region.code == "kham"
    assert {t.code for t in case.violation_types.all()} == {
        "arbitrary-detention",
        "freedom-of-expression",
    }

    detentions = list(case.detentions.select_related("person", "detaining_authority"))
    assert len(detentions) == 5
    assert all(
        d.detaining_authority is None and d.authority_description == "Chinese authorities"
        for d in detentions
    )
    assert all(d.status == DetentionStatus.DETAINED for d in detentions)
    assert all("WeChat" in d.alleged_reason for d in detentions)
    assert all(d.person.name == "" for d in detentions), "the article names nobody"

    monks = Person.objects.filter(affiliations__organization__name="Drilda monastery")
    assert monks.count() == 2
    assert Person.objects.count() == 5

    article = Source.objects.get()
    assert article.published_on == "2014-05-30"
    assert article.citations.filter(case=case).count() == 1
    assert article.citations.filter(detention__case=case).count() == 5

    sog = Place.objects.get(name="Sog County")
    assert set(sog.names.values_list("name", flat=True)) >= {"索县", "སོག་རྫོང"}
    assert "monitor-casebook" in output


def test_demo_users_hold_one_role_each_and_can_log_in(settings):
    load(settings)
    expected = {
        "monitor": Role.MONITOR,
        "monitor2": Role.MONITOR,
        "reviewer": Role.REVIEWER,
        "reviewer2": Role.REVIEWER,
        "advocate": Role.ADVOCATE,
        "admin": Role.ADMINISTRATOR,
    }
    for username, role in expected.items():
        user = authenticate(username=username, password=f"{username}-casebook")
        assert user is not None, username
        assert role in user.roles
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="monitor").is_staff


def test_a_changed_demo_password_is_not_reset(settings):
    load(settings)
    user = User.objects.get(username="monitor")
    user.set_password("a-new-long-password-2026")
    user.save()
    load(settings)
    assert authenticate(username="monitor", password="a-new-long-password-2026") is not None


def test_refuses_demo_users_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.exists()
    assert not Case.objects.exists()


def test_case_alone_can_be_loaded_with_debug_off(settings):
    settings.DEBUG = False
    call_command("load_demo", "--without-users", stdout=StringIO())
    assert Case.objects.count() == 1
    # Only the system user, who wrote the demo and cannot log in.
    assert list(User.objects.values_list("username", "is_active")) == [(SYSTEM_USERNAME, False)]
