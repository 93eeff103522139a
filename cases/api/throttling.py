"""Requests per API token, counted in the default cache."""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from casebook.accounts.models import ApiToken


class ApiTokenRateThrottle(SimpleRateThrottle):
    """settings.API_TOKEN_RATE per token; session (browser) requests are not throttled here."""

    scope = "api_token"

    def get_rate(self) -> str | None:
        # Read at each request rather than at import, so that a changed setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
