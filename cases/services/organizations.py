from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from ..models import Organization, OrganizationName
from .common import save_validated


@transaction.atomic
def organization_create(
    *, acting_user: Any, name: str, names: Iterable[tuple[str, str]] = (), **fields: Any
) -> Organization:
    """Create an organization with name variants as (name, language) pairs."""
    organization = save_validated(
        Organization(name=name.strip(), **fields), acting_user=acting_user
    )
    for variant, language in names:
        save_validated(
            OrganizationName(organization=organization, name=variant.strip(), language=language),
            acting_user=acting_user,
        )
    return organization
