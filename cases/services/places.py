from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casebook.accounts.roles import Role
from casebook.accounts.system import is_system_user

from ..models import Place, PlaceKind, PlaceName
from .boundary import cases_at_place, ensure_writer_sees
from .common import apply_changes, delete_recorded, save_validated, write_recorded

MAX_DEPTH = 12


def require_permission(acting_user: Any, permission: str) -> None:
    """Adding to the gazetteer and the list of organizations is a Django permission
    (`cases.add_place`, …), held by the Monitor, Reviewer and Administrator groups by default
    (migration 0010) and grantable to anyone else. The system user is Casebook itself
    (migrations, the demo data)."""
    if is_system_user(acting_user):
        return
    if not acting_user.has_perm(permission):
        raise PermissionDenied(_("You may not add or change places and organizations."))


def check_place_parent(acting_user: Any, parent: Place | None) -> None:
    """Only administrators move a place to the top of the gazetteer: a top-level place is where
    every count by place starts, so a place moved there by mistake splits the maps and
    statistics. Everyone else files a place under the place it lies in."""
    if parent is not None or is_system_user(acting_user):
        return
    if not (acting_user.is_superuser or acting_user.has_role(Role.ADMINISTRATOR)):
        raise ValidationError(
            {"parent": _("Give the place this one lies in; only administrators add countries.")}
        )


def _check_top_level(*, parent: Place | None, kind: str, name: str) -> None:
    """Only a country stands at the top of the gazetteer, and each country once: a county or a
    monastery entered without its parent, or a second "China", would split every count by
    place."""
    if parent is not None:
        return
    if kind != PlaceKind.COUNTRY:
        raise ValidationError(
            {"parent": _("Give the place this one lies in: only a country stands at the top.")}
        )
    if Place.objects.filter(parent__isnull=True, name__iexact=name.strip()).exists():
        raise ValidationError({"name": _("This country is already in the gazetteer.")})


def _path_for(place: Place) -> str:
    return f"{place.parent.path if place.parent_id else '/'}{place.pk}/"


@transaction.atomic
def place_create(
    *,
    acting_user: Any,
    name: str,
    kind: str,
    parent: Place | None = None,
    names: Iterable[tuple[str, str]] = (),
    **fields: Any,
) -> Place:
    """Create a gazetteer entry below `parent`, with name variants as (name, language) pairs.

    The materialized path and depth are set from the parent here; coordinates are optional.
    """
    require_permission(acting_user, "cases.add_place")
    if not is_system_user(acting_user):
        # Imports and fixtures written by the application itself may start below a country.
        _check_top_level(parent=parent, kind=kind, name=name)
    place = Place(name=name, kind=kind, parent=parent, **fields)
    if parent is not None and parent.depth + 1 >= MAX_DEPTH:
        raise ValidationError({"parent": f"Places nest at most {MAX_DEPTH} levels deep."})
    save_validated(place, acting_user=acting_user)
    place.path = _path_for(place)
    place.depth = parent.depth + 1 if parent else 0
    write_recorded(place, acting_user=acting_user, fields=["path", "depth"])
    for variant, language in names:
        _save_name(PlaceName(place=place, name=variant, language=language), acting_user)
    return place


@transaction.atomic
def place_update(*, acting_user: Any, place: Place, changes: Mapping[str, Any]) -> Place:
    """Change a place; moving it under another parent moves its whole subtree in one UPDATE."""
    ensure_writer_sees(acting_user, cases_at_place(place, subtree="parent" in changes))
    old_path = place.path
    changed = apply_changes(place, changes)
    if not changed:
        return place
    if "parent" in changed:
        new_parent = place.parent
        if new_parent is not None and (
            new_parent.pk == place.pk or new_parent.path.startswith(old_path)
        ):
            raise ValidationError({"parent": "A place cannot lie inside itself."})
    save_validated(place, acting_user=acting_user)
    if "parent" in changed:
        new_path = _path_for(place)
        depth_change = (place.parent.depth + 1 if place.parent_id else 0) - place.depth
        # Each moved place is saved on its own so that it gets a version like any other change
        # (a bulk UPDATE would leave rows that differ from their history). Moves are rare.
        for moved in Place.objects.filter(path__startswith=old_path).order_by("depth"):
            moved.path = new_path + moved.path[len(old_path) :]
            moved.depth += depth_change
            write_recorded(moved, acting_user=acting_user, fields=["path", "depth"])
        place.refresh_from_db()
    return place


def _save_name(variant: PlaceName, acting_user: Any) -> PlaceName:
    variant.name = (variant.name or "").strip()
    try:
        return save_validated(variant, acting_user=acting_user)
    except ValidationError as error:
        # The unique constraint's message names no field; say which input repeats.
        if "__all__" in getattr(error, "error_dict", {}):
            raise ValidationError(
                {"name": _("This place already has this name in this language.")}
            ) from error
        raise


@transaction.atomic
def place_add_name(*, acting_user: Any, place: Place, name: str, language: str) -> PlaceName:
    """Add a name of `place` in one script or romanisation."""
    require_permission(acting_user, "cases.change_place")
    ensure_writer_sees(acting_user, cases_at_place(place))
    return _save_name(PlaceName(place=place, name=name, language=language), acting_user)


@transaction.atomic
def place_name_update(
    *, acting_user: Any, place_name: PlaceName, changes: Mapping[str, Any]
) -> PlaceName:
    """Correct a name variant (its text or language); the place it names stays the same."""
    require_permission(acting_user, "cases.change_place")
    ensure_writer_sees(acting_user, cases_at_place(place_name.place))
    if "place" in changes:
        raise ValidationError({"place": _("A name stays with its place; add it to the other.")})
    if apply_changes(place_name, changes):
        _save_name(place_name, acting_user)
    return place_name


@transaction.atomic
def place_name_delete(*, acting_user: Any, place_name: PlaceName) -> None:
    """Remove a name variant; its versions stay, with a deletion version naming who."""
    require_permission(acting_user, "cases.change_place")
    ensure_writer_sees(acting_user, cases_at_place(place_name.place))
    delete_recorded(place_name, acting_user=acting_user)


@transaction.atomic
def place_delete(*, acting_user: Any, place: Place) -> None:
    """Remove a gazetteer entry that nothing refers to; its versions stay.

    A place with places below it, or named by a case, detention, event or organization, is
    protected by the database; the refusal says so instead of a server error.
    """
    from django.db.models import ProtectedError

    require_permission(acting_user, "cases.delete_place")
    try:
        with transaction.atomic():
            delete_recorded(place, acting_user=acting_user)
    except ProtectedError as error:
        raise ValidationError(
            _("%(place)s is still in use (%(count)d records refer to it).")
            % {"place": place.name, "count": len(error.protected_objects)}
        ) from error
