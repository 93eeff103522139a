"""The page where users manage their own API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from .models import ApiToken
from .tokens import MAX_EXPIRY_DAYS, token_issue, token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What uses the token, e.g. “monthly statistics script”."),
    )
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        initial=90,
        help_text=gettext_lazy("Leave empty for a token that does not expire."),
    )
    read_only = forms.BooleanField(
        label=gettext_lazy("Read only"),
        required=False,
        initial=True,
        help_text=gettext_lazy("A read-only token can read and export, never change anything."),
    )


def _page(
    request: HttpRequest, form: TokenForm, *, new_key: str = "", status: int = 200
) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=request.user)
    context = {"tokens": tokens, "form": form, "new_key": new_key}
    return render(request, "accounts/tokens.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """List the user's tokens; POST makes a new one and shows its key on this response only."""
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        token, key = token_issue(
            user=request.user,
            name=form.cleaned_data["name"],
            expires_in_days=form.cleaned_data["expires_in_days"],
            read_only=form.cleaned_data["read_only"],
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _page(request, form, status=400)
    messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
    # Rendered, not redirected: the key must not be kept anywhere to show it on a later page.
    return _page(request, TokenForm(), new_key=key)


@require_POST
@login_required
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    token_revoke(acting_user=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
