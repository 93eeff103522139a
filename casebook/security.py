"""Headers that keep what a page showed from outliving the visit."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Every response Casebook renders tells browsers and proxies to keep no copy.

    A case page left in the browser cache of a laptop that is seized is a case page in the
    seizer's hands, long after its user logged out. Pages behind the login are the point; the
    few public ones (the login form, errors) carry a CSRF token or nothing worth caching, so
    one rule for all is simpler than a list that could miss a page. Static files never reach
    this middleware (WhiteNoise answers them first) and stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
