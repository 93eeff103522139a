"""The Django admin: every model reachable, searches by any name variant, writes through the
services, and the access gate on cases and what hangs off them."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.forms import BooleanField
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casebook.accounts.roles import Role
from casebook.accounts.system import system_user
from cases import models as domain
from cases.history import verify
from cases.models import (
    Case,
    CaseRelation,
    CaseRelationKind,
    CaseState,
    Confidentiality,
    Consent,
    ConsentDecision,
    Detention,
    DetentionStatus,
    EvidenceFile,
    LanguageTag,
    Person,
    Place,
    PlaceKind,
    Recipient,
    VocabularyKey,
)
from cases.services.common import save_validated
from cases.services.detentions import detention_add_event
from cases.services.interventions import intervention_create
from cases.services.organizations import organization_create
from cases.services.people import person_add_name, person_update
from cases.services.workflow import access_grant, case_transition

from ..factories import (
    CaseFactory,
    DetentionFactory,
    PersonFactory,
    PlaceFactory,
    SourceFactory,
    UserFactory,
    cite,
    term,
)

pytestmark = pytest.mark.django_db

DOMAIN_MODELS = sorted(
    (
        model
        for name in domain.__all__
        if isinstance(model := getattr(domain, name), type)
        and hasattr(model, "_meta")
        and not model._meta.abstract
    ),
    key=lambda model: model.__name__,
)
# Left out on purpose: bookkeeping written only by the application, which an admin could only
# break (the history chain is tamper-evident) or use to show one user's notifications and drafts
# to another; export jobs have their own pages and audit trail.
NOT_IN_ADMIN = {
    "CaseFactEditor",
    "CaseWatch",
    "ExportJob",
    "HistoryChainEntry",
    "HistoryChainHead",
    "HistoryKeyAnchor",
    "Notification",
    "StaleEdit",
}
REGISTERED = [model for model in DOMAIN_MODELS if admin.site.is_registered(model)]
READ_ONLY = {EvidenceFile, domain.ReferenceCounter, domain.CaseTransition}


def url(model: type, view: str, *args: object) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


def changelist(client, model: type, **params: str):
    return client.get(url(model, "changelist"), params)


def form_data(response) -> dict:
    """What the browser would post back for an admin add or change page, unchanged.

    Existing inline rows are posted as they are; the empty extra rows are left out (TOTAL_FORMS
    counts only the existing ones), so a test adds rows by setting `<prefix>-<n>-…` itself.
    """
    data: dict = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
        data[management["TOTAL_FORMS"].html_name] = len(formset.initial_forms)
        forms.extend(formset.initial_forms)
    for form in forms:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if isinstance(field, BooleanField):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            elif value is not None:
                data[bound.html_name] = value
    return data


def inline_prefix(response, model: type) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model:
            return inline.formset.prefix
    raise AssertionError(f"no inline for {model.__name__}")


def add_inline_row(data: dict, prefix: str, **values: object) -> None:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = index + 1


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def every_record(demo_case, administrator):
    """The demo case plus at least one row of every domain model, so every page has content."""
    detention = Detention.objects.filter(case=demo_case).order_by("pk").first()
    person = detention.person
    person_add_name(
        acting_user=administrator, person=person, name="Tāshí", language="zh-Latn-pinyin"
    )
    save_validated(
        Consent(
            person=person,
            recipient=Recipient.UN,
            decision=ConsentDecision.GRANTED,
            recorded_on=datetime.date(2014, 6, 1),
        ),
        acting_user=administrator,
    )
    organization_create(
        acting_user=administrator,
        name="Sog County Public Security Bureau",
        names=[("索县公安局", LanguageTag.CHINESE_SIMPLIFIED)],
    )
    other_case = CaseFactory(acting_user=administrator)
    save_validated(
        CaseRelation(from_case=demo_case, to_case=other_case, kind=CaseRelationKind.RELATED_TO),
        acting_user=administrator,
    )
    intervention_create(
        acting_user=administrator,
        case=demo_case,
        kind=term(VocabularyKey.INTERVENTION_KIND, "un-urgent-appeal"),
        sent_on=datetime.date(2014, 6, 2),
    )
    detention_add_event(
        acting_user=administrator,
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "formal-arrest"),
        occurred="2014-04",
    )
    restricted = CaseFactory(acting_user=administrator, confidentiality="restricted")
    grantee = UserFactory(username="granted-monitor", roles=[Role.MONITOR])
    access_grant(acting_user=administrator, case=restricted, user=grantee, reason="Follows Kardze")
    case_transition(acting_user=grantee, case=other_case, action="submit")
    # No evidence service yet (upload is a later feature): the row is written as one would be.
    save_validated(
        EvidenceFile(
            source=demo_case.citations.first().source,
            file="evidence/" + "ab" * 32,
            original_name="article.pdf",
            sha256="ab" * 32,
            size=12345,
            media_type="application/pdf",
        ),
        acting_user=administrator,
    )
    return demo_case


@pytest.fixture
def staff_monitor(db):
    """A monitor let into the admin with view rights: sees what visible_cases lets a monitor see."""
    user = UserFactory(username="staff-monitor", roles=[Role.MONITOR])
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    codenames = [f"view_{name}" for name in ("case", "detention", "citation", "intervention")]
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="cases", codename__in=codenames)
    )
    return user


# --- Every model ---------------------------------------------------------------------------------


def test_every_domain_model_is_registered_unless_deliberately_left_out():
    missing = [
        model.__name__
        for model in DOMAIN_MODELS
        if not admin.site.is_registered(model) and model.__name__ not in NOT_IN_ADMIN
    ]
    assert missing == []
    assert not [
        model.__name__
        for model in DOMAIN_MODELS
        if model.__name__ in NOT_IN_ADMIN and admin.site.is_registered(model)
    ]


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model.__name__)
def test_administrator_opens_the_list_a_record_and_its_history_of_every_model(
    admin_client, every_record, model
):
    listing = changelist(admin_client, model)
    assert listing.status_code == 200
    assert str(model._meta.verbose_name_plural).lower() in listing.text.lower()
    assert listing.context["cl"].result_count >= 1

    obj = model._default_manager.order_by("pk").first()
    change = admin_client.get(url(model, "change", obj.pk))
    assert change.status_code == 200
    assert str(obj) in change.text
    assert admin_client.get(url(model, "history", obj.pk)).status_code == 200
    if hasattr(model, "history"):
        version = obj.history.earliest()
        shown = admin_client.get(url(model, "simple_history", obj.pk, version.history_id))
        assert shown.status_code == 200
        assert 'name="_save"' not in shown.text  # versions are read, not restored here


@pytest.mark.parametrize(
    "model", [m for m in REGISTERED if m not in READ_ONLY], ids=lambda model: model.__name__
)
def test_administrator_opens_every_add_page(admin_client, model):
    response = admin_client.get(url(model, "add"))
    assert response.status_code == 200
    assert 'name="_save"' in response.text


@pytest.mark.parametrize("model", sorted(READ_ONLY, key=lambda model: model.__name__))
def test_read_only_models_have_no_add_page(admin_client, model):
    assert admin_client.get(url(model, "add")).status_code == 403


def test_foreign_keys_to_large_tables_use_autocomplete(rf, administrator):
    large = {Case, Person, Place, domain.Organization, domain.Source, domain.Term}
    request = rf.get("/admin/")
    request.user = administrator
    unassisted = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "cases":
            continue
        inlines = [
            inline(model, admin.site) for inline in model_admin.get_inlines(request, model())
        ]
        for owner in [model_admin, *inlines]:
            assert not owner.raw_id_fields, type(owner).__name__
            shown = set(owner.get_fields(request)) - set(owner.get_readonly_fields(request))
            for name in shown:
                field = next((f for f in owner.model._meta.fields if f.name == name), None)
                field = field or next(
                    (f for f in owner.model._meta.many_to_many if f.name == name), None
                )
                if (
                    field is not None
                    and field.is_relation
                    and field.related_model in large
                    and name not in owner.autocomplete_fields
                ):
                    unassisted.append(f"{type(owner).__name__}.{name}")
    assert unassisted == []


@pytest.mark.parametrize("who", ["outsider", "monitor"])
@pytest.mark.parametrize("page", ["index", "cases_case_changelist", "cases_person_changelist"])
def test_users_without_staff_status_are_sent_to_the_admin_login(client, request, who, page):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse(f"admin:{page}"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_anonymous_visitor_is_sent_to_the_admin_login(client, demo_case):
    response = client.get(url(Case, "change", demo_case.pk))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# --- Search by any name variant ------------------------------------------------------------------


@pytest.fixture
def tashi(db):
    return PersonFactory(
        name="",
        description="Monk of Kirti monastery",
        names=[
            ("བཀྲ་ཤིས་དོན་གྲུབ", LanguageTag.TIBETAN),
            ("Zhāxī Dōngzhū", LanguageTag.PINYIN),
            ("Tāshí", LanguageTag.TIBETAN_LATIN),
            ("Tashi Dhondup", LanguageTag.ENGLISH),
        ],
    )


@pytest.fixture
def decoy(db):
    return PersonFactory(name="Lobsang Gyatso", names=[("བློ་བཟང་རྒྱ་མཚོ", LanguageTag.TIBETAN)])


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("བཀྲ་ཤིས", id="tibetan-script"),
        pytest.param("tashi", id="without-tone-marks"),
        pytest.param("zhaxi dongzhu", id="pinyin-without-tones"),
        pytest.param("Zhāxī", id="pinyin-with-tones"),
        pytest.param("TASHI DHONDUP", id="upper-case-english"),
        pytest.param("kirti", id="description"),
    ],
)
def test_person_search_finds_any_name_variant_once(admin_client, tashi, decoy, typed):
    response = changelist(admin_client, Person, q=typed)
    assert response.status_code == 200
    assert "Monk of Kirti monastery" in response.text
    assert "Lobsang Gyatso" not in response.text
    # Two variants ("Tāshí", "Tashi Dhondup") match "tashi": still one row.
    assert response.context["cl"].result_count == 1
    assert "1 result" in response.text


def test_person_search_without_a_match_lists_nobody(admin_client, tashi, decoy):
    response = changelist(admin_client, Person, q="dorje")
    assert response.context["cl"].result_count == 0
    assert "Monk of Kirti monastery" not in response.text


def test_person_autocomplete_finds_a_person_by_a_variant(admin_client, tashi, decoy):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cases", "model_name": "detention", "field_name": "person", "term": "tashi"},
    )
    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Monk of Kirti monastery"]


def test_place_and_organization_search_fold_their_name_variants(admin_client, demo_case):
    organization_create(
        acting_user=system_user(),
        name="Lhasa Intermediate Court",
        names=[("Lāsà Zhōngjí", "zh-Latn-pinyin")],
    )
    places = changelist(admin_client, Place, q="naqu")
    assert [place.name for place in places.context["cl"].result_list] == ["Nagchu"]
    by_script = changelist(admin_client, Place, q="ནག་ཆུ")
    assert [place.name for place in by_script.context["cl"].result_list] == ["Nagchu"]
    organizations = changelist(admin_client, domain.Organization, q="LASA")
    assert "Lhasa Intermediate Court" in organizations.text
    assert "Drilda monastery" not in organizations.text


def test_sensitive_person_fields_are_in_the_form_only(admin_client, tashi):
    person_update(
        acting_user=system_user(),
        person=tashi,
        changes={"contact_details": "Brother's phone +86 139 0000 1111"},
    )
    person_update(
        acting_user=system_user(),
        person=tashi,
        changes={"contact_details": "Cousin in Dharamsala, +91 98 0000 2222"},
    )
    listing = changelist(admin_client, Person)
    assert "Monk of Kirti monastery" in listing.text
    assert "+91 98" not in listing.text
    assert changelist(admin_client, Person, q="Dharamsala").context["cl"].result_count == 0
    form = admin_client.get(url(Person, "change", tashi.pk))
    assert "Cousin in Dharamsala, +91 98 0000 2222" in form.text
    history = admin_client.get(url(Person, "history", tashi.pk))
    assert history.status_code == 200
    assert "+86 139" not in history.text
    assert "+91 98" not in history.text
    assert "value not shown here" in history.text


# --- Writes through the services -----------------------------------------------------------------


def test_adding_a_case_assigns_the_next_reference_and_records_who(admin_client, administrator):
    page = admin_client.get(url(Case, "add"))
    data = form_data(page)
    data.update(
        title="Detention of two nuns, Kardze",
        occurred="2014-03-06",
        confidentiality=Confidentiality.INTERNAL,
        violation_types=[str(term(VocabularyKey.VIOLATION_TYPE, "arbitrary-detention").pk)],
    )
    response = admin_client.post(url(Case, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    case = Case.objects.get(title="Detention of two nuns, Kardze")
    assert case.reference == "CB-2014-0001"
    assert case.created_by == administrator
    assert [t.code for t in case.violation_types.all()] == ["arbitrary-detention"]
    assert case.history.latest().history_user == administrator
    shown = admin_client.get(url(Case, "change", case.pk))
    assert "CB-2014-0001" in shown.text
    assert 'name="reference"' not in shown.text  # read-only, not an input


def test_adding_a_case_with_a_detention_inline_derives_its_status(admin_client):
    person = PersonFactory(name="Dolkar")
    page = admin_client.get(url(Case, "add"))
    data = form_data(page)
    data.update(title="Arrest of Dolkar", occurred="2015", confidentiality="public")
    add_inline_row(data, inline_prefix(page, Detention), person=person.pk, detained_on="2015-05")
    response = admin_client.post(url(Case, "add"), data)
    assert response.status_code == 302
    detention = Detention.objects.get(person=person)
    assert detention.case.reference == "CB-2015-0001"
    assert detention.status == DetentionStatus.DETAINED
    assert detention.status_certainty == "believed"  # nothing yet says what happened next


def test_changing_a_case_goes_through_case_update(admin_client, administrator, demo_case):
    page = admin_client.get(url(Case, "change", demo_case.pk))
    data = form_data(page)
    data["title"] = "Arrest of five Tibetans over WeChat, Sog County (Kham)"
    data["occurred"] = "2013"
    response = admin_client.post(url(Case, "change", demo_case.pk), data)
    assert response.status_code == 302
    demo_case.refresh_from_db()
    assert demo_case.title.endswith("(Kham)")
    assert demo_case.reference.startswith("CB-2014-")  # the reference never follows the date
    assert demo_case.updated_by == administrator
    assert demo_case.history.latest().history_user == administrator


def test_moving_a_place_moves_its_descendants(admin_client):
    china = PlaceFactory(name="China", kind=PlaceKind.COUNTRY)
    qinghai = PlaceFactory(name="Qinghai", kind=PlaceKind.REGION, parent=china)
    tar = PlaceFactory(name="Tibet Autonomous Region", kind=PlaceKind.REGION, parent=china)
    nagchu = PlaceFactory(name="Nagchu", kind=PlaceKind.PREFECTURE, parent=tar)
    sog = PlaceFactory(name="Sog County", parent=nagchu)
    drilda = PlaceFactory(name="Drilda monastery", kind=PlaceKind.MONASTERY, parent=sog)

    page = admin_client.get(url(Place, "change", nagchu.pk))
    data = form_data(page)
    data["parent"] = qinghai.pk
    response = admin_client.post(url(Place, "change", nagchu.pk), data)
    assert response.status_code == 302

    for place in (nagchu, sog, drilda):
        place.refresh_from_db()
    assert nagchu.path == f"{qinghai.path}{nagchu.pk}/"
    assert sog.path == f"{qinghai.path}{nagchu.pk}/{sog.pk}/"
    assert drilda.path == f"{sog.path}{drilda.pk}/"
    assert (nagchu.depth, sog.depth, drilda.depth) == (2, 3, 4)
    listing = changelist(admin_client, Place)
    assert "Drilda monastery › Sog County › Nagchu › Qinghai › China" in listing.text


def test_a_place_cannot_be_moved_inside_itself(admin_client):
    tar = PlaceFactory(name="Tibet Autonomous Region", kind=PlaceKind.REGION)
    nagchu = PlaceFactory(name="Nagchu", kind=PlaceKind.PREFECTURE, parent=tar)
    page = admin_client.get(url(Place, "change", tar.pk))
    data = form_data(page)
    data["parent"] = nagchu.pk
    response = admin_client.post(url(Place, "change", tar.pk), data)
    assert response.status_code == 200
    assert "A place cannot lie inside itself." in response.text
    tar.refresh_from_db()
    assert tar.parent is None


def test_adding_a_place_sets_its_path(admin_client, administrator):
    china = PlaceFactory(name="China", kind=PlaceKind.COUNTRY)
    page = admin_client.get(url(Place, "add"))
    data = form_data(page)
    data.update(name="Kardze", kind=PlaceKind.PREFECTURE, parent=china.pk)
    add_inline_row(data, inline_prefix(page, domain.PlaceName), name="དཀར་མཛེས", language="bo")
    response = admin_client.post(url(Place, "add"), data)
    assert response.status_code == 302
    kardze = Place.objects.get(name="Kardze")
    assert kardze.path == f"/{china.pk}/{kardze.pk}/"
    assert kardze.depth == 1
    assert kardze.history.latest().history_user == administrator
    assert changelist(admin_client, Place, q="དཀར་མཛེས").context["cl"].result_count == 1


def test_sentencing_event_added_inline_sets_the_detention_status(admin_client, administrator):
    detention = DetentionFactory(sentence_kind="term", sentence_years=3, detained_on="2014-03-06")
    assert detention.status == DetentionStatus.DETAINED

    page = admin_client.get(url(Detention, "change", detention.pk))
    data = form_data(page)
    add_inline_row(
        data,
        inline_prefix(page, domain.DetentionEvent),
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "sentencing").pk,
        occurred="2014-11-20",
        certainty="known",
    )
    response = admin_client.post(url(Detention, "change", detention.pk), data)
    assert response.status_code == 302

    detention.refresh_from_db()
    assert detention.status == DetentionStatus.SENTENCED
    assert detention.status_certainty == "known"
    assert detention.expected_release == datetime.date(2017, 3, 6)
    assert detention.history.latest().history_user == administrator
    listing = changelist(admin_client, Detention)
    assert "sentenced" in listing.text


def test_deleting_the_only_event_returns_the_status_to_detained(admin_client):
    detention = DetentionFactory()
    event = detention_add_event(
        acting_user=system_user(),
        detention=detention,
        event_type=term(VocabularyKey.LEGAL_PROCESS_EVENT, "release"),
        occurred="2014-05-01",
    )
    detention.refresh_from_db()
    assert detention.status == DetentionStatus.RELEASED
    response = admin_client.post(url(domain.DetentionEvent, "delete", event.pk), {"post": "yes"})
    assert response.status_code == 302
    detention.refresh_from_db()
    assert detention.status == DetentionStatus.DETAINED
    assert verify().ok


def test_intervention_added_in_the_admin_gets_its_reply_deadline(admin_client, demo_case):
    page = admin_client.get(url(domain.Intervention, "add"))
    data = form_data(page)
    data.update(
        case=demo_case.pk,
        kind=term(VocabularyKey.INTERVENTION_KIND, "wgad-communication").pk,
        sent_on="2014-07-01",
        status="sent",
    )
    response = admin_client.post(url(domain.Intervention, "add"), data)
    assert response.status_code == 302
    intervention = domain.Intervention.objects.get(case=demo_case)
    assert intervention.reply_due == datetime.date(2014, 8, 30)


def test_term_labels_are_edited_per_language(admin_client):
    charge = term(VocabularyKey.CHARGE, "picking-quarrels")
    page = admin_client.get(url(domain.Term, "change", charge.pk))
    data = form_data(page)
    assert data["label_en"] == "Picking quarrels and provoking trouble"
    data["label_bo"] = "རྙོག་འཛིང་"
    response = admin_client.post(url(domain.Term, "change", charge.pk), data)
    assert response.status_code == 302
    charge.refresh_from_db()
    assert charge.labels["bo"] == "རྙོག་འཛིང་"
    assert charge.labels["zh-Hans"] == "寻衅滋事罪"
    assert charge.code == "picking-quarrels"
    found = changelist(admin_client, domain.Term, q="寻衅")
    assert [t.code for t in found.context["cl"].result_list] == ["picking-quarrels"]


@pytest.fixture
def cast(db):
    """One saved record of each kind an add form may point at."""
    detention = DetentionFactory()
    return {
        "case": detention.case,
        "other_case": CaseFactory(),
        "detention": detention,
        "person": detention.person,
        "organization": organization_create(acting_user=system_user(), name="Sog County court"),
        "place": PlaceFactory(name="Sog County"),
        "source": SourceFactory(),
        "vocabulary": domain.Vocabulary.objects.get(key=VocabularyKey.CHARGE),
        "news": term(VocabularyKey.SOURCE_KIND, "news-report"),
        "trial": term(VocabularyKey.LEGAL_PROCESS_EVENT, "trial"),
    }


NEW_RECORDS = {
    domain.Person: lambda c: {"name": "Gedhun Choekyi", "sex": "male"},
    domain.PersonName: lambda c: {
        "person": c["person"].pk,
        "name": "དགེ་འདུན",
        "language": "bo",
        "kind": "birth",
    },
    domain.Affiliation: lambda c: {"person": c["person"].pk, "organization": c["organization"].pk},
    domain.Consent: lambda c: {
        "person": c["person"].pk,
        "recipient": "media",
        "decision": "refused",
        "recorded_on": "2015-01-02",
    },
    domain.Organization: lambda c: {"name": "Ngaba County Detention Centre"},
    domain.OrganizationName: lambda c: {
        "organization": c["organization"].pk,
        "name": "索县法院",
        "language": "zh-Hans",
    },
    domain.PlaceName: lambda c: {
        "place": c["place"].pk,
        "name": "Suo Xian",
        "language": "zh-Latn-pinyin",
    },
    domain.Source: lambda c: {"kind": c["news"].pk, "title": "Phayul report", "reliability": "C"},
    domain.Citation: lambda c: {
        "source": c["source"].pk,
        "person": c["person"].pk,
        "credibility": 3,
    },
    Detention: lambda c: {
        "case": c["other_case"].pk,
        "person": c["person"].pk,
        "detained_on": "2015-03",
    },
    domain.DetentionEvent: lambda c: {
        "detention": c["detention"].pk,
        "event_type": c["trial"].pk,
        "occurred": "2014-10",
        "certainty": "believed",
    },
    CaseRelation: lambda c: {
        "from_case": c["case"].pk,
        "to_case": c["other_case"].pk,
        "kind": "related-to",
    },
    domain.Vocabulary: lambda c: {"key": "prison-regime", "name": "Prison regimes"},
    domain.Term: lambda c: {
        "vocabulary": c["vocabulary"].pk,
        "code": "endangering-security",
        "label_en": "Endangering state security",
        "sort_order": 500,
    },
}


@pytest.mark.parametrize("model", list(NEW_RECORDS), ids=lambda model: model.__name__)
def test_administrator_adds_a_record_of_every_editable_model(
    admin_client, administrator, cast, model
):
    before = set(model._default_manager.values_list("pk", flat=True))
    data = form_data(admin_client.get(url(model, "add")))
    data.update(NEW_RECORDS[model](cast))
    response = admin_client.post(url(model, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    (added,) = model._default_manager.exclude(pk__in=before)
    assert added.history.latest().history_user == administrator
    assert str(added) in admin_client.get(url(model, "change", added.pk)).text
    assert "version not chained" not in {finding.kind for finding in verify().findings}


def test_a_stale_case_form_is_refused_with_the_typed_input_kept(client, administrator, demo_case):
    other_admin = UserFactory(username="administrator2", roles=[Role.ADMINISTRATOR])
    client.force_login(administrator)
    mine = form_data(client.get(url(Case, "change", demo_case.pk)))

    second = Client()
    second.force_login(other_admin)
    theirs = form_data(second.get(url(Case, "change", demo_case.pk)))
    theirs["title"] = "Arrest of five Tibetans (second administrator's wording)"
    assert second.post(url(Case, "change", demo_case.pk), theirs).status_code == 302

    mine["title"] = "Arrest of five Tibetans (first administrator's wording)"
    refused = client.post(url(Case, "change", demo_case.pk), mine)
    assert refused.status_code == 200
    assert "Someone else saved this record after you opened it" in refused.text
    assert "first administrator&#x27;s wording" in refused.text  # nothing typed is lost
    demo_case.refresh_from_db()
    assert demo_case.title.endswith("(second administrator's wording)")

    # Saving the same form again is a deliberate overwrite of the version now shown.
    assert client.post(url(Case, "change", demo_case.pk), form_data(refused)).status_code == 302
    demo_case.refresh_from_db()
    assert demo_case.title.endswith("(first administrator's wording)")


def test_a_rejected_case_is_read_only_in_the_admin(admin_client):
    case = CaseFactory(title="Rejected report of an arrest in Ngaba", state=CaseState.REJECTED)
    page = admin_client.get(url(Case, "change", case.pk))
    assert page.status_code == 200
    assert "Rejected report of an arrest in Ngaba" in page.text
    assert 'name="_save"' not in page.text
    refused = admin_client.post(url(Case, "change", case.pk), {"title": "Changed"})
    assert refused.status_code == 403
    case.refresh_from_db()
    assert case.title == "Rejected report of an arrest in Ngaba"


def test_a_refusal_by_a_service_comes_back_as_a_form_error(admin_client):
    """Editing a source cited by a rejected case is refused by source_update, after the form
    validated: the page comes back with the reason and the input, and nothing is saved."""
    rejected = CaseFactory()
    source = SourceFactory(title="Radio Free Asia report")
    cite(source, case=rejected)
    Case.objects.filter(pk=rejected.pk).update(state=CaseState.REJECTED)
    data = form_data(admin_client.get(url(domain.Source, "change", source.pk)))
    data["title"] = "Radio Free Asia report, corrected"
    response = admin_client.post(url(domain.Source, "change", source.pk), data)
    assert response.status_code == 200
    assert "This case was rejected" in response.text
    assert 'value="Radio Free Asia report, corrected"' in response.text
    source.refresh_from_db()
    assert source.title == "Radio Free Asia report"


def test_editing_a_citation_counts_as_changing_the_cases_facts(admin_client, administrator):
    detention = DetentionFactory()
    citation = cite(SourceFactory(), detention=detention)
    Case.objects.filter(pk=detention.case_id).update(facts_changed_by=None)
    data = form_data(admin_client.get(url(domain.Citation, "change", citation.pk)))
    data["claim"] = "Date of the formal arrest"
    assert admin_client.post(url(domain.Citation, "change", citation.pk), data).status_code == 302
    detention.case.refresh_from_db()
    assert detention.case.facts_changed_by == administrator  # four eyes: not the verifier


def test_administrator_grants_a_staff_monitor_a_restricted_case(
    admin_client, administrator, staff_monitor, restricted_case
):
    page = admin_client.get(url(domain.AccessGrant, "add"))
    data = form_data(page)
    data.update(case=restricted_case.pk, user=staff_monitor.pk, reason="Follow-up interviews")
    assert admin_client.post(url(domain.AccessGrant, "add"), data).status_code == 302
    grant = domain.AccessGrant.objects.get(case=restricted_case)
    assert grant.granted_by == administrator
    assert grant.history.latest().history_user == administrator

    monitor_client = Client()
    monitor_client.force_login(staff_monitor)
    assert restricted_case.reference in changelist(monitor_client, Case).text

    revoked = admin_client.post(
        url(domain.AccessGrant, "changelist"),
        {"action": "revoke", "_selected_action": [grant.pk]},
    )
    assert revoked.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_by == administrator
    assert restricted_case.reference not in changelist(monitor_client, Case).text


def test_evidence_file_is_shown_by_its_fingerprint_never_its_content(admin_client, every_record):
    evidence = EvidenceFile.objects.get()
    response = admin_client.get(url(EvidenceFile, "change", evidence.pk))
    assert response.status_code == 200
    assert evidence.sha256 in response.text
    assert "application/pdf" in response.text
    assert "article.pdf" in response.text
    assert f"evidence/{evidence.sha256}" not in response.text  # no path, no link to the file
    assert 'name="_save"' not in response.text


# --- Queries -------------------------------------------------------------------------------------


def _make_rows(model: type, count: int) -> None:
    for _ in range(count):
        if model is Case:
            CaseFactory(place=PlaceFactory())
        elif model is Detention:
            DetentionFactory()
        elif model is Person:
            PersonFactory(names=[("བཀྲ་ཤིས", "bo"), ("Tashi", "en")])
        elif model is Place:
            parent = Place.objects.filter(name="Root").first() or PlaceFactory(name="Root")
            PlaceFactory(parent=PlaceFactory(parent=parent))
        elif model is domain.Citation:
            cite(SourceFactory(), detention=DetentionFactory())
        elif model is domain.Source:
            SourceFactory()


@pytest.mark.parametrize(
    "model",
    [Case, Detention, Person, Place, domain.Citation, domain.Source],
    ids=lambda model: model.__name__,
)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    _make_rows(model, 1)
    changelist(admin_client, model)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as one_row:
        assert changelist(admin_client, model).status_code == 200
    _make_rows(model, 19)
    with CaptureQueriesContext(connection) as twenty_rows:
        response = changelist(admin_client, model)
    assert response.context["cl"].result_count >= 20
    assert len(twenty_rows) == len(one_row)


# --- The access gate -----------------------------------------------------------------------------


@pytest.fixture
def restricted_case(db):
    case = CaseFactory(title="Secret case of the Larung Gar nuns", confidentiality="restricted")
    DetentionFactory(case=case, person=PersonFactory(name="Hidden nun"))
    return case


def test_administrator_sees_restricted_cases(admin_client, demo_case, restricted_case):
    response = changelist(admin_client, Case)
    assert restricted_case.reference in response.text
    assert demo_case.reference in response.text


def test_staff_monitor_never_sees_a_restricted_case_in_the_admin(
    client, staff_monitor, demo_case, restricted_case
):
    client.force_login(staff_monitor)
    cases = changelist(client, Case)
    assert cases.status_code == 200
    assert demo_case.reference in cases.text
    assert restricted_case.reference not in cases.text
    assert "Larung Gar" not in cases.text

    detentions = changelist(client, Detention)
    assert detentions.status_code == 200
    assert "Hidden nun" not in detentions.text
    assert detentions.context["cl"].result_count == 5

    change = client.get(url(Case, "change", restricted_case.pk))
    assert change.status_code == 302  # "does not exist", like a missing case
    assert client.get(url(Case, "history", restricted_case.pk)).status_code == 404
    hidden_detention = restricted_case.detentions.get()
    assert client.get(url(Detention, "change", hidden_detention.pk)).status_code == 302

    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cases", "model_name": "detention", "field_name": "case", "term": "CB"},
    )
    assert autocomplete.status_code == 200
    offered = [result["text"] for result in autocomplete.json()["results"]]
    assert any(demo_case.reference in text for text in offered)
    assert not any(restricted_case.reference in text for text in offered)


def test_staff_monitor_cannot_reach_citations_of_a_restricted_case(
    client, staff_monitor, restricted_case
):
    source = SourceFactory(title="Leaked list of detained nuns")
    cite(source, case=restricted_case)
    cite(source, detention=restricted_case.detentions.get())
    client.force_login(staff_monitor)
    response = changelist(client, domain.Citation)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert "Leaked list" not in response.text


def test_term_autocomplete_offers_active_terms_only(admin_client):
    retired = term(VocabularyKey.CHARGE, "illegal-business")
    retired.active = False
    retired.save()
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cases", "model_name": "detention", "field_name": "charges", "term": "i"},
    )
    offered = [result["text"] for result in response.json()["results"]]
    assert "Inciting separatism" in offered
    assert "Illegal business operations" not in offered
    assert "Arbitrary detention" not in offered  # another vocabulary
