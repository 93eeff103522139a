"""Opening a case in the site: the first facts, then its page, where the rest is added.

One form, one service call (`case_create`); a refused field re-renders the form with
everything typed and an error summary linking to each field.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casebook.accounts.roles import Role

from ..forms import CaseCreateForm
from ..kept_text import with_kept_text
from ..models import Case
from ..queries import Reader
from ..services.cases import case_create
from .common import add_service_errors


def may_open_cases(user) -> bool:
    """Monitors and reviewers enter facts (WORKFLOW.md, Roles)."""
    return Reader.of(user).is_editor


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    if not may_open_cases(request.user):
        raise PermissionDenied(_("Only monitors and reviewers open cases."))
    if request.method != "POST":
        initial = {"assigned_monitor": request.user} if request.user.has_role(Role.MONITOR) else {}
        form = CaseCreateForm(instance=Case(), initial=with_kept_text(request, initial))
        return render(request, "cases/case_new.html", {"form": form})

    form = CaseCreateForm(request.POST, instance=Case())
    if form.is_valid():
        try:
            case = case_create(
                acting_user=request.user,
                violation_types=form.cleaned_data["violation_types"],
                **form.creation_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Case %(reference)s is open as a draft. Add the people detained, their "
                    "detentions and the sources below, then submit it for review."
                )
                % {"reference": case.reference},
            )
            return redirect("cases:case-detail", reference=case.reference)
    return render(request, "cases/case_new.html", {"form": form}, status=400)
