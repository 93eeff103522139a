"""A person's page: every name variant, every detention in the cases the reader may see, their
affiliations, and a link to their history.

A person is found only through the gate (`visible_people`); one detained only in cases the
reader may not see answers 404 like a missing one. A person whose identity is withheld is
shown to a reader who may not see it as the placeholder, with none of the facts that would
identify them — their detentions stay listed, since the cases they are in are visible — and
the titles of those cases are masked like every other free text.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..models import Person
from ..queries import Reader, visible_detentions, visible_people
from ..redaction import NO_MASK
from .cases import place_hierarchy_labels
from .masks import page_masks


@require_safe
@login_required
def person_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    reader = Reader.of(request.user)
    try:
        person = (
            visible_people(reader)
            .select_related("ethnicity", "religion", "occupation", "home_place")
            .prefetch_related("names", "affiliations__organization", "affiliations__role")
            .get(public_id=public_id)
        )
    except Person.DoesNotExist:
        raise Http404(_("No person found.")) from None
    detentions = list(
        visible_detentions(reader)
        .filter(person=person)
        .select_related("case", "detaining_authority", "held_at", "held_in_place")
        .order_by("detained_on_earliest", "pk")
    )
    identified = reader.sees_identity_of(person)
    masks = page_masks(reader, [d.case_id for d in detentions])
    places = [d.held_in_place for d in detentions if d.held_in_place_id]
    if identified and person.home_place_id:
        places.append(person.home_place)
    labels = place_hierarchy_labels(places)
    rows = [
        {
            "detention": detention,
            "case_title": masks.get(detention.case_id, NO_MASK).apply(detention.case.title),
            "held_in": labels.get(detention.held_in_place_id, ""),
        }
        for detention in detentions
    ]
    context = {
        "person": person,
        "label": reader.person_label(person),
        "identified": identified,
        "names": sorted(person.names.all(), key=lambda name: (name.kind, name.language))
        if identified
        else [],
        "home_place": labels.get(person.home_place_id, "") if identified else "",
        "rows": rows,
        # Editors change the person from here; the services refuse a change that would touch a
        # case they may not see.
        "may_edit": reader.is_editor and identified,
    }
    return render(request, "cases/person_detail.html", context)
