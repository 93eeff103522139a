from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Place, PlaceName
from .common import apply_changes, save_validated, write_recorded

MAX_DEPTH = 12


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
    """Create a gazetteer entry below `parent`, with name variants as (name, language) pairs."""
    place = Place(name=name, kind=kind, parent=parent, **fields)
    if parent is not None and parent.depth + 1 >= MAX_DEPTH:
        raise ValidationError({"parent": f"Places nest at most {MAX_DEPTH} levels deep."})
    save_validated(place, acting_user=acting_user)
    place.path = _path_for(place)
    place.depth = parent.depth + 1 if parent else 0
    write_recorded(place, acting_user=acting_user, fields=["path", "depth"])
    for variant, language in names:
        place_add_name(acting_user=acting_user, place=place, name=variant, language=language)
    return place


@transaction.atomic
def place_update(*, acting_user: Any, place: Place, changes: Mapping[str, Any]) -> Place:
    """Change a place; moving it under another parent moves its whole subtree in one UPDATE."""
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


def place_add_name(*, acting_user: Any, place: Place, name: str, language: str) -> PlaceName:
    variant = PlaceName(place=place, name=name.strip(), language=language)
    return save_validated(variant, acting_user=acting_user)
