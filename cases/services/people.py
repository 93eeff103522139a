"""People and what hangs off them: name variants, affiliations and consents.

The display name is `Person.name`, and nothing else: a name variant is *primary* when it is
spelled as the display name, and marking a variant primary makes its spelling the display name
(`person_name_make_primary`). There is no second copy (a flag on the variant) that could
disagree with it. Renaming the primary variant renames the person with it, in the same
transaction; the display name is what lists sort by, what search matches besides the variants'
folded text, and what every page and export shows.

Names and affiliations are facts of every case the person is detained in: each write counts
as a change of those cases' facts (four eyes; a verified case goes back to review), and is
refused to a user who may not see one of those cases. Consents are not facts of a case: they
decide what partner and public exports show, and those never carry a case hidden from a
monitor or reviewer (restricted cases are never exported outside), so recording one crosses no
hidden case.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Affiliation,
    Case,
    Consent,
    NameKind,
    Organization,
    Person,
    PersonName,
    Term,
)
from .boundary import cases_of_person, ensure_writer_sees
from .common import apply_changes, delete_recorded, lock_for_write, save_validated


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


# --- Shared checks -------------------------------------------------------------------------------


def _locked(person: Person) -> Person:
    """The person as stored, its row locked until the transaction ends: two writes to one
    person's names cannot both read the same display name and then disagree about it."""
    return lock_for_write(Person.objects, person.pk)


def _cases_of(person: Person) -> QuerySet[Case]:
    return Case.objects.filter(detentions__person=person).distinct()


def _refuse_hidden_cases(acting_user: Any, person: Person) -> None:
    """A fact of a person is a fact of each of their cases: changing it from outside one of
    those cases would change (and send back to review) a case the writer may not see."""
    ensure_writer_sees(acting_user, cases_of_person(person))


def _facts_changed(acting_user: Any, person: Person) -> None:
    from .workflow import case_facts_changed

    for case in _cases_of(person):
        case_facts_changed(acting_user=acting_user, case=case)


def _refuse_moving(record: Model, changes: Mapping[str, Any]) -> None:
    """A variant, affiliation or consent belongs to one person: recording it on another is a
    new record there (and a deletion here), so that each person's history tells it."""
    if "person" not in changes:
        return
    given = changes["person"]
    given_pk = given.pk if isinstance(given, Model) else given
    if given_pk != record.person_id:
        raise ValidationError(
            {"person": _("This cannot be moved to another person: add it there instead.")},
            code="not_editable",
        )


# --- Name variants -------------------------------------------------------------------------------


def _refuse_duplicate_name(variant: PersonName) -> None:
    same = PersonName.objects.filter(
        person_id=variant.person_id,
        name=variant.name,
        language=variant.language,
        kind=variant.kind,
    ).exclude(pk=variant.pk)
    if same.exists():
        raise ValidationError(
            {
                "name": _(
                    "This person already has the name “%(name)s” in this script with this kind."
                )
                % {"name": variant.name}
            },
            code="unique",
        )


def _rename(acting_user: Any, person: Person, name: str) -> None:
    # Through person_update: the display name changes by the one path that versions a person.
    person_update(acting_user=acting_user, person=person, changes={"name": name})


@transaction.atomic
def person_add_name(
    *, acting_user: Any, person: Person, name: str, language: str, kind: str = NameKind.BIRTH
) -> PersonName:
    """Add a spelling of the person's name; search finds the person by it at once."""
    person = _locked(person)
    _refuse_hidden_cases(acting_user, person)
    variant = PersonName(person=person, name=(name or "").strip(), language=language, kind=kind)
    variant.full_clean(validate_unique=False, validate_constraints=False)
    _refuse_duplicate_name(variant)
    save_validated(variant, acting_user=acting_user)
    _facts_changed(acting_user, person)
    return variant


@transaction.atomic
def person_name_update(
    *, acting_user: Any, name: PersonName, changes: Mapping[str, Any]
) -> PersonName:
    """Correct a name variant. If it was the primary one (spelled as the display name), the
    display name follows the new spelling."""
    person = _locked(name.person)
    _refuse_hidden_cases(acting_user, person)
    _refuse_moving(name, changes)
    stored = PersonName.objects.get(pk=name.pk)
    changes = dict(changes)
    changes.pop("person", None)
    if isinstance(changes.get("name"), str):
        changes["name"] = changes["name"].strip()
    if not apply_changes(name, changes):
        return name
    name.full_clean(validate_unique=False, validate_constraints=False)
    _refuse_duplicate_name(name)
    save_validated(name, acting_user=acting_user)
    if stored.name == person.name and name.name != stored.name:
        _rename(acting_user, person, name.name)
    else:
        _facts_changed(acting_user, person)
    name.person = person
    return name


@transaction.atomic
def person_name_delete(*, acting_user: Any, name: PersonName) -> None:
    """Remove a name variant (its history stays, with a deletion version naming who removed it).

    A named person keeps at least one variant, and the variant spelled as the display name
    goes only once another has been marked primary: the display name never names a spelling
    nobody recorded.
    """
    person = _locked(name.person)
    _refuse_hidden_cases(acting_user, person)
    others = PersonName.objects.filter(person=person).exclude(pk=name.pk)
    if person.name and not others.exists():
        raise ValidationError(
            {
                "name": _(
                    "This is the last name recorded for a named person. To record the name as "
                    "unknown, clear the person's name first."
                )
            },
            code="last_name",
        )
    if name.name == person.name and not others.filter(name=person.name).exists():
        raise ValidationError(
            {
                "name": _(
                    "“%(name)s” is the person's display name: mark another name primary first."
                )
                % {"name": name.name}
            },
            code="primary_name",
        )
    delete_recorded(name, acting_user=acting_user)
    _facts_changed(acting_user, person)


@transaction.atomic
def person_name_make_primary(*, acting_user: Any, name: PersonName) -> PersonName:
    """Make this variant's spelling the person's display name (lists, pages and exports show
    it; search keeps finding the person by every variant)."""
    person = _locked(name.person)
    _refuse_hidden_cases(acting_user, person)
    if person.name != name.name:
        _rename(acting_user, person, name.name)
    name.person = person
    return name


# --- Affiliations --------------------------------------------------------------------------------


def _refuse_duplicate_affiliation(affiliation: Affiliation) -> None:
    same = Affiliation.objects.filter(
        person_id=affiliation.person_id,
        organization_id=affiliation.organization_id,
        role_id=affiliation.role_id,
        started_on=affiliation.started_on,
    ).exclude(pk=affiliation.pk)
    if same.exists():
        raise ValidationError(
            {
                "organization": _(
                    "This person already has this role in this organization from this date."
                )
            },
            code="unique",
        )


@transaction.atomic
def person_add_affiliation(
    *,
    acting_user: Any,
    person: Person,
    organization: Organization,
    role: Term | None = None,
    note: str = "",
    started_on: str = "",
    ended_on: str = "",
) -> Affiliation:
    """Tie the person to an organization (monk of Drilda monastery, from 2005)."""
    person = _locked(person)
    _refuse_hidden_cases(acting_user, person)
    affiliation = Affiliation(
        person=person,
        organization=organization,
        role=role,
        note=(note or "").strip(),
        started_on=(started_on or "").strip(),
        ended_on=(ended_on or "").strip(),
    )
    affiliation.full_clean(validate_unique=False, validate_constraints=False)
    _refuse_duplicate_affiliation(affiliation)
    save_validated(affiliation, acting_user=acting_user)
    _facts_changed(acting_user, person)
    return affiliation


@transaction.atomic
def affiliation_update(
    *, acting_user: Any, affiliation: Affiliation, changes: Mapping[str, Any]
) -> Affiliation:
    person = _locked(affiliation.person)
    _refuse_hidden_cases(acting_user, person)
    _refuse_moving(affiliation, changes)
    changes = {key: value for key, value in changes.items() if key != "person"}
    if not apply_changes(affiliation, changes):
        return affiliation
    affiliation.full_clean(validate_unique=False, validate_constraints=False)
    _refuse_duplicate_affiliation(affiliation)
    save_validated(affiliation, acting_user=acting_user)
    _facts_changed(acting_user, person)
    return affiliation


@transaction.atomic
def affiliation_delete(*, acting_user: Any, affiliation: Affiliation) -> None:
    person = _locked(affiliation.person)
    _refuse_hidden_cases(acting_user, person)
    delete_recorded(affiliation, acting_user=acting_user)
    _facts_changed(acting_user, person)


# --- Consents ------------------------------------------------------------------------------------


def _refuse_duplicate_consent(consent: Consent) -> None:
    same = Consent.objects.filter(person_id=consent.person_id, recipient=consent.recipient)
    if same.exclude(pk=consent.pk).exists():
        raise ValidationError(
            {"recipient": _("A decision for this recipient is already recorded: change that one.")},
            code="unique",
        )


@transaction.atomic
def consent_record(
    *, acting_user: Any, person: Person, recipient: str, decision: str, **details: Any
) -> Consent:
    """Record the person's current decision for one kind of recipient (see consent_decide)."""
    consent, _first = consent_decide(
        acting_user=acting_user, person=person, recipient=recipient, decision=decision, **details
    )
    return consent


@transaction.atomic
def consent_decide(
    *,
    acting_user: Any,
    person: Person,
    recipient: str,
    decision: str,
    given_by: str = "",
    recorded_on: datetime.date | None = None,
    note: str = "",
) -> tuple[Consent, bool]:
    """Record the person's current decision for one kind of recipient, replacing the one
    recorded before (the history keeps it: who recorded which decision, when); say whether it
    is the first decision for that recipient. That is decided under the person's row lock, so
    of two recorded at once exactly one is the first.

    A withdrawal is recorded as a new decision, `refused`, not by deleting the grant: the
    record then says that consent was given and later withdrawn, and by whom. Exports to the
    recipient withhold the identity from then on.
    """
    person = _locked(person)
    values = {
        "decision": decision,
        "given_by": (given_by or "").strip(),
        "recorded_on": recorded_on or timezone.localdate(),
        "note": (note or "").strip(),
        "recorded_by": acting_user,
    }
    consent = Consent.objects.filter(person=person, recipient=recipient).first()
    if consent is None:
        consent = Consent(person=person, recipient=recipient, **values)
        consent.full_clean(validate_unique=False, validate_constraints=False)
        return save_validated(consent, acting_user=acting_user), True
    if apply_changes(consent, values):
        save_validated(consent, acting_user=acting_user)
    return consent, False


@transaction.atomic
def consent_update(*, acting_user: Any, consent: Consent, changes: Mapping[str, Any]) -> Consent:
    """Correct a recorded consent (who gave it, when, the note, or the decision itself).

    Whoever changes the decision or its recipient becomes the one who recorded it.
    """
    _locked(consent.person)
    _refuse_moving(consent, changes)
    changes = {key: value for key, value in changes.items() if key != "person"}
    changed = apply_changes(consent, changes)
    if not changed:
        return consent
    if {"decision", "recipient"} & set(changed):
        consent.recorded_by = acting_user
    consent.full_clean(validate_unique=False, validate_constraints=False)
    _refuse_duplicate_consent(consent)
    return save_validated(consent, acting_user=acting_user)


@transaction.atomic
def consent_delete(*, acting_user: Any, consent: Consent) -> None:
    """Remove a consent recorded by mistake (on the wrong person, say). No record means no
    consent; the deletion is kept as a version naming who removed it. To withdraw a consent
    the person gave, record the new decision instead (`consent_record`, `refused`)."""
    _locked(consent.person)
    delete_recorded(consent, acting_user=acting_user)


@transaction.atomic
def person_delete(*, acting_user: Any, person: Person) -> None:
    """Remove a person entered by mistake (a duplicate with no detention of their own).

    A person detained in any case stays: their detentions are facts of those cases. The names,
    affiliations and consents go with the person, each with a deletion version.
    """
    stored = _locked(person)
    _refuse_hidden_cases(acting_user, stored)
    if stored.detentions.exists():
        raise ValidationError(
            _("This person is detained in a case: remove the detention first, or keep the person.")
        )
    delete_recorded(stored, acting_user=acting_user)
