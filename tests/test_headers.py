"""Every URL the site routes answers with its security headers, logged in or not.

The walk below fills each URL pattern of the resolver with values of records that exist (the
demo case, its people, an export job, a token, the first record of each admin model), so that
pages render for real rather than 404; it also asserts that none of them fails with a 5xx.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from casebook.accounts.models import User
from casebook.accounts.tokens import token_issue
from cases.exports.jobs import export_job_start
from cases.models import Case, Person

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    regex: str
    callback: Any

    @property
    def label(self) -> str:
        return self.regex


def _routes(resolver: URLResolver, prefix: str = "") -> list[Route]:
    routes = []
    for entry in resolver.url_patterns:
        part = entry.pattern.regex.pattern.removeprefix("^")
        if isinstance(entry, URLResolver):
            routes.extend(_routes(entry, prefix + part.removesuffix("$").removesuffix(r"\Z")))
        elif isinstance(entry, URLPattern):
            routes.append(Route(prefix + part, entry.callback))
    return routes


ROUTES = _routes(get_resolver())


def _model_of(callback: Any):
    if model_admin := getattr(callback, "model_admin", None):
        return model_admin.model
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    queryset = getattr(view_class, "queryset", None)
    return queryset.model if queryset is not None else None


@pytest.fixture
def records(settings, tmp_path):
    settings.DEBUG = True  # load_demo creates its users only in a DEBUG run
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.DEBUG = False
    admin = User.objects.get(username="admin")
    case = Case.objects.get()
    # Eager tasks: the job has run and its file is there to download.
    job = export_job_start(
        acting_user=admin, kind="cases", fmt="csv", profile="internal", params={}
    )
    token = token_issue(user=admin, name="walk")[0]
    return {"admin": admin, "case": case, "job": job, "token": token}


def _value(name: str, route: Route, records: dict[str, Any]) -> str:
    case = records["case"]
    if name == "reference":
        return case.reference
    if name == "public_id":
        if "exports" in route.regex:
            return str(records["job"].public_id)
        return str(Person.objects.filter(detentions__case=case).first().public_id)
    if name == "token_id":
        return str(records["token"].pk)
    if name == "format":
        return "json"
    if name == "app_label":
        return "cases"
    if name == "content_type_id":
        return str(ContentType.objects.get_for_model(Case).pk)
    if name == "url":
        return "no-such-page/"
    if name in {"pk", "object_id", "id"}:
        model = _model_of(route.callback)
        if model is Case:
            return case.reference if name == "pk" and "cases" in route.regex else str(case.pk)
        record = model.objects.order_by("pk").first() if model is not None else None
        return str(record.pk) if record is not None else "1"
    return "1"


def _url(route: Route, records: dict[str, Any]) -> str:
    template, params = normalize(route.regex)[0]
    return "/" + template % {name: _value(name, route, records) for name in params}


ALLOWED_SOURCES = {"'self'", "'none'", "data:"}


def _directives(header: str) -> dict[str, set[str]]:
    directives = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        directives[name] = set(sources)
    return directives


def _assert_headers(response, url: str, *, logged_in: bool) -> None:
    who = "logged in" if logged_in else "anonymous"
    assert response.status_code < 500, f"{url} ({who}) answered {response.status_code}"
    policy = _directives(response.headers.get("Content-Security-Policy", ""))
    # Some responses (the dossier) narrow the site's policy further; none may widen it.
    assert policy.get("default-src") in ({"'self'"}, {"'none'"}), f"{url} ({who}): {policy}"
    assert set().union(*policy.values()) <= ALLOWED_SOURCES, f"{url} ({who}): {policy}"
    assert policy.get("frame-ancestors") == {"'none'"}, url
    permissions = response.headers.get("Permissions-Policy", "")
    assert "camera=()" in permissions and "geolocation=()" in permissions, (
        f"{url} ({who}): no Permissions-Policy"
    )
    assert "no-store" in response.headers.get("Cache-Control", ""), (
        f"{url} ({who}): may be kept in the browser cache"
    )


def test_the_walk_covers_every_part_of_the_site():
    regexes = " ".join(route.regex for route in ROUTES)
    for part in ("cases/", "exports/", "admin/", "api/v1/", "accounts/", "api/docs/"):
        assert part in regexes
    assert len(ROUTES) > 200


def test_every_url_pattern_answers_with_the_security_headers(records):
    logged_in = Client()
    logged_in.force_login(records["admin"])
    anonymous = Client()
    walked = 0
    for route in ROUTES:
        url = _url(route, records)
        _assert_headers(logged_in.get(url), url, logged_in=True)
        _assert_headers(anonymous.get(url), url, logged_in=False)
        walked += 1
    assert walked == len(ROUTES)


def test_static_files_carry_the_policies_but_may_be_cached(settings):
    # Served by WhiteNoise as in production, from the source directories (no collectstatic).
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/css/casebook.css")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_a_case_page_is_never_stored_by_the_browser(client, records):
    client.force_login(records["admin"])
    response = client.get(f"/cases/{records['case'].reference}/")
    assert response.status_code == 200
    cache_control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control


def test_no_template_carries_an_inline_script_or_style():
    from pathlib import Path

    from django.conf import settings as django_settings

    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
    offenders = [
        f"{path.relative_to(django_settings.BASE_DIR)}: {match.group(0)}"
        for directory in django_settings.TEMPLATES[0]["DIRS"]
        for path in Path(directory).rglob("*.html")
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_api_documentation_loads_its_start_up_script_from_the_site(client, records):
    client.force_login(records["admin"])
    html = client.get("/api/docs/").content.decode()
    assert "<style" not in html
    script = re.search(r'<script src="([^"]*script=[^"]*)"', html)
    assert script, html
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/javascript")


def test_the_user_list_of_the_admin_shows_each_users_roles(client, records):
    client.force_login(records["admin"])
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 200
    assert "Administrator" in response.content.decode()


def test_an_unknown_uuid_is_still_answered_with_the_headers(client, records):
    client.force_login(records["admin"])
    response = client.get(f"/exports/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert "no-store" in response.headers["Cache-Control"]
