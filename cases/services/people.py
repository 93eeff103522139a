from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from ..models import Affiliation, NameKind, Organization, Person, PersonName, Term
from .boundary import cases_of_person, ensure_writer_sees
from .common import apply_changes, save_validated


@transaction.atomic
def person_create(
    *,
    acting_user: Any,
    names: Iterable[tuple[str, str] | tuple[str, str, str]] = (),
    **fields: Any,
) -> Person:
    """Create a person; `names` are (name, language) or (name, language, kind) variants.

    A person with no name at all is normal: give a `description` that tells them apart.
    """
    person = save_validated(Person(**fields), acting_user=acting_user)
    for variant in names:
        name, language, *rest = variant
        person_add_name(
            acting_user=acting_user,
            person=person,
            name=name,
            language=language,
            kind=rest[0] if rest else NameKind.BIRTH,
        )
    return person


@transaction.atomic
def person_update(*, acting_user: Any, person: Person, changes: Mapping[str, Any]) -> Person:
    """Change a person (optimistic locking on `person.version`). The person's detentions are
    facts of their cases, so each of those cases counts as changed."""
    from ..models import Case
    from .workflow import case_facts_changed

    ensure_writer_sees(acting_user, cases_of_person(person))
    if apply_changes(person, changes):
        save_validated(person, acting_user=acting_user)
        for case in Case.objects.filter(detentions__person=person).distinct():
            case_facts_changed(acting_user=acting_user, case=case)
    return person


def person_add_name(
    *, acting_user: Any, person: Person, name: str, language: str, kind: str = NameKind.BIRTH
) -> PersonName:
    ensure_writer_sees(acting_user, cases_of_person(person))
    variant = PersonName(person=person, name=name.strip(), language=language, kind=kind)
    return save_validated(variant, acting_user=acting_user)


def person_add_affiliation(
    *,
    acting_user: Any,
    person: Person,
    organization: Organization,
    role: Term | None = None,
    note: str = "",
) -> Affiliation:
    ensure_writer_sees(acting_user, cases_of_person(person))
    affiliation = Affiliation(person=person, organization=organization, role=role, note=note)
    return save_validated(affiliation, acting_user=acting_user)
