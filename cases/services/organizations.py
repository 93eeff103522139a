from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Organization, OrganizationName
from .boundary import cases_of_organization, ensure_writer_sees
from .common import apply_changes, delete_recorded, save_validated
from .places import require_permission

# Units inside units (a county bureau's detention centre's ward…) nest a few levels; a chain
# longer than this is a loop being built or a mistake.
MAX_UNIT_DEPTH = 12


def _check_parent(organization: Organization) -> None:
    """An organization cannot be a unit of itself or of one of its own units."""
    parent = organization.parent
    seen = 0
    while parent is not None:
        if organization.pk is not None and parent.pk == organization.pk:
            raise ValidationError({"parent": _("An organization cannot be part of itself.")})
        seen += 1
        if seen > MAX_UNIT_DEPTH:
            raise ValidationError(
                {
                    "parent": _("Organizations nest at most %(max)d levels deep.")
                    % {"max": MAX_UNIT_DEPTH}
                }
            )
        parent = parent.parent


def _save_name(variant: OrganizationName, acting_user: Any) -> OrganizationName:
    variant.name = (variant.name or "").strip()
    try:
        return save_validated(variant, acting_user=acting_user)
    except ValidationError as error:
        # The unique constraint's message names no field; say which input repeats.
        if "__all__" in getattr(error, "error_dict", {}):
            raise ValidationError(
                {"name": _("This organization already has this name in this language.")}
            ) from error
        raise


@transaction.atomic
def organization_create(
    *, acting_user: Any, name: str, names: Iterable[tuple[str, str]] = (), **fields: Any
) -> Organization:
    """Create an organization (kind, optional parent unit and place) with name variants as
    (name, language) pairs."""
    require_permission(acting_user, "cases.add_organization")
    organization = Organization(name=name.strip(), **fields)
    _check_parent(organization)
    save_validated(organization, acting_user=acting_user)
    for variant, language in names:
        _save_name(
            OrganizationName(organization=organization, name=variant, language=language),
            acting_user,
        )
    return organization


@transaction.atomic
def organization_update(
    *, acting_user: Any, organization: Organization, changes: Mapping[str, Any]
) -> Organization:
    """Change an organization's name, kind, parent unit, place or notes."""
    require_permission(acting_user, "cases.change_organization")
    ensure_writer_sees(acting_user, cases_of_organization(organization))
    if "name" in changes:
        changes = {**changes, "name": (changes["name"] or "").strip()}
    if not apply_changes(organization, changes):
        return organization
    _check_parent(organization)
    return save_validated(organization, acting_user=acting_user)


@transaction.atomic
def organization_add_name(
    *, acting_user: Any, organization: Organization, name: str, language: str
) -> OrganizationName:
    require_permission(acting_user, "cases.change_organization")
    ensure_writer_sees(acting_user, cases_of_organization(organization))
    return _save_name(
        OrganizationName(organization=organization, name=name, language=language), acting_user
    )


@transaction.atomic
def organization_name_update(
    *, acting_user: Any, organization_name: OrganizationName, changes: Mapping[str, Any]
) -> OrganizationName:
    """Correct a name variant (its text or language); it stays with its organization."""
    require_permission(acting_user, "cases.change_organization")
    ensure_writer_sees(acting_user, cases_of_organization(organization_name.organization))
    if "organization" in changes:
        raise ValidationError(
            {"organization": _("A name stays with its organization; add it to the other.")}
        )
    if apply_changes(organization_name, changes):
        _save_name(organization_name, acting_user)
    return organization_name


@transaction.atomic
def organization_name_delete(*, acting_user: Any, organization_name: OrganizationName) -> None:
    """Remove a name variant; its versions stay, with a deletion version naming who."""
    require_permission(acting_user, "cases.change_organization")
    ensure_writer_sees(acting_user, cases_of_organization(organization_name.organization))
    delete_recorded(organization_name, acting_user=acting_user)


@transaction.atomic
def organization_delete(*, acting_user: Any, organization: Organization) -> None:
    """Remove an organization that nothing refers to; its versions stay."""
    from django.db.models import ProtectedError

    require_permission(acting_user, "cases.delete_organization")
    try:
        with transaction.atomic():
            delete_recorded(organization, acting_user=acting_user)
    except ProtectedError as error:
        raise ValidationError(
            _("%(organization)s is still in use (%(count)d records refer to it).")
            % {"organization": organization.name, "count": len(error.protected_objects)}
        ) from error
